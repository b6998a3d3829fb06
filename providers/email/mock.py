"""An email provider that sends into an outbox and reports outcomes like a real vendor would."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from providers.base import PermanentProviderError, ProviderHealth
from providers.callbacks import CallbackSink, ProviderCallback, sign_batch
from providers.email.port import (
    AUTO_REPLY,
    COMPLAINT,
    DELIVERED,
    EMAIL_CHANNEL,
    HARD_BOUNCE,
    SOFT_BOUNCE,
    EmailEvent,
    EmailMessage,
    EmailProvider,
    Outbox,
    SendResult,
    check_message,
)

# SES list price, $0.10 per 1,000 messages, so demo cost reports look like production ones.
MOCK_COST_PER_MESSAGE_USD = 0.0001

# Magic recipients, by local part (as SES's mailbox simulator): what happens after acceptance.
MAGIC_OUTCOMES: dict[str, tuple[str, ...]] = {
    "bounce": (HARD_BOUNCE,),
    "softbounce": (SOFT_BOUNCE,),
    "complaint": (DELIVERED, COMPLAINT),
    "ooto": (DELIVERED, AUTO_REPLY),
}
REJECTED_LOCAL_PART = "invalid"

Clock = Callable[[], datetime]


class MockEmailProvider(EmailProvider):
    name = "mock-email"
    mode = "mock"

    def __init__(
        self,
        outbox: Outbox,
        callback_sink: CallbackSink,
        callback_secret: str,
        *,
        default_from: str = "outreach@demo.reos.example",
        callback_delay_s: float = 2.0,
        clock: Clock = partial(datetime.now, UTC),
        latency_ms: float = 0.0,
    ) -> None:
        self.outbox = outbox
        self.callback_sink = callback_sink
        self.callback_secret = callback_secret
        self.default_from = default_from
        self.callback_delay = timedelta(seconds=callback_delay_s)
        self.clock = clock
        self.latency_ms = latency_ms

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        return self._health(True, "outbox")

    def send(self, message: EmailMessage) -> SendResult:
        check_message(message, message.from_ or self.default_from)
        if self.latency_ms:
            # A slow vendor API: the message is accepted only once the call returns.
            time.sleep(self.latency_ms / 1000)
        local_part = message.to.rpartition("@")[0].lower()
        if local_part == REJECTED_LOCAL_PART:
            raise PermanentProviderError(
                f"recipient rejected: {message.to}", code="invalid_recipient"
            )
        result = SendResult(
            provider_message_id=f"mock-{uuid.uuid4().hex}",
            status="accepted",
            cost_usd=MOCK_COST_PER_MESSAGE_USD,
        )
        self.outbox.record(message, result)
        outcomes = MAGIC_OUTCOMES.get(local_part, (DELIVERED,))
        self._report(message.to, result.provider_message_id, outcomes)
        return result

    def _report(self, recipient: str, provider_message_id: str, outcomes: tuple[str, ...]) -> None:
        """Each outcome arrives as its own signed callback, a little later than the last."""
        due_at = self.clock()
        for event_type in outcomes:
            due_at += self.callback_delay
            event = EmailEvent(
                event_type=event_type,
                provider_message_id=provider_message_id,
                recipient=recipient,
                occurred_at=due_at,
                provider_event_id=f"evt-{uuid.uuid4().hex}",
            )
            headers, body = sign_batch(
                EMAIL_CHANNEL, [event.to_dict()], self.callback_secret, int(due_at.timestamp())
            )
            self.callback_sink.push(
                ProviderCallback(EMAIL_CHANNEL, headers, body, due_at, (event,))
            )
