"""An SMS provider that counts segments and money like a carrier, and answers like one."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from providers.base import PermanentProviderError, ProviderHealth, TransientProviderError
from providers.callbacks import CallbackSink, ProviderCallback, sign_batch
from providers.sms.port import (
    DELIVERED,
    INBOUND,
    PRICE_PER_SEGMENT_USD,
    SMS_CHANNEL,
    UNDELIVERED,
    SMSEvent,
    SMSMessage,
    SMSOutbox,
    SMSProvider,
    SMSResult,
    check_message,
)
from providers.sms.segments import segment_count

# Magic numbers in the fictional 555-01XX range, which never reaches a real phone.
INVALID_NUMBER = "+15550100001"
CARRIER_REJECTS = "+15550100002"
UNDELIVERABLE = "+15550100003"
REPLIES_STOP = "+15550100004"
# Twilio's magic "valid from" test number, the default sender in mock mode.
DEFAULT_FROM = "+15005550006"


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class SenderRateLimit:
    """A token bucket per sending number, as carriers throttle a long code."""

    per_second: float = 1.0
    burst: int = 10
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, sender: str) -> None:
        with self._lock:
            now = self.clock()
            bucket = self._buckets.setdefault(sender, _Bucket(float(self.burst), now))
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second
            )
            bucket.updated = now
            if bucket.tokens < 1.0:
                wait = (1.0 - bucket.tokens) / self.per_second
                raise TransientProviderError(
                    f"rate limit for sender {sender}", retry_after=wait, code="20429"
                )
            bucket.tokens -= 1.0


class MockSMSProvider(SMSProvider):
    name = "mock-sms"
    mode = "mock"

    def __init__(
        self,
        callback_sink: CallbackSink,
        callback_secret: str,
        *,
        default_from: str = DEFAULT_FROM,
        rate_limit: SenderRateLimit | None = None,
        callback_delay_s: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        outbox: SMSOutbox | None = None,
    ) -> None:
        self.outbox = outbox
        self.callback_sink = callback_sink
        self.callback_secret = callback_secret
        self.default_from = default_from
        self.rate_limit = rate_limit or SenderRateLimit()
        self.callback_delay = timedelta(seconds=callback_delay_s)
        self.clock = clock
        self.sent: list[tuple[SMSMessage, SMSResult]] = []

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        return self._health(True, "simulated carrier")

    def send(self, message: SMSMessage) -> SMSResult:
        sender = message.from_ or self.default_from
        check_message(message, sender)
        if message.to == INVALID_NUMBER:
            raise PermanentProviderError(f"invalid 'To' number {message.to}", code="21211")
        self.rate_limit.take(sender)
        if message.to == CARRIER_REJECTS:
            raise PermanentProviderError(
                f"carrier rejected the message to {message.to}", code="30007"
            )
        segments = segment_count(message.body)
        result = SMSResult(
            provider_message_id=f"SM{uuid.uuid4().hex}",
            status="queued",
            segments=segments,
            cost_usd=round(segments * PRICE_PER_SEGMENT_USD, 6),
        )
        self.sent.append((message, result))
        if self.outbox is not None:
            self.outbox.record_sms(message, result)
        self._report(message.to, sender, result.provider_message_id)
        return result

    def _report(self, to: str, sender: str, message_id: str) -> None:
        due_at = self.clock() + self.callback_delay
        if to == UNDELIVERABLE:
            self._push(
                SMSEvent(UNDELIVERED, message_id, sender, to, due_at, _eid(), error_code="30003")
            )
            return
        self._push(SMSEvent(DELIVERED, message_id, sender, to, due_at, _eid()))
        if to == REPLIES_STOP:
            # The reply is a new inbound message from the lead to our number.
            reply_at = due_at + self.callback_delay
            self._push(
                SMSEvent(
                    INBOUND, f"SM{uuid.uuid4().hex}", to, sender, reply_at, _eid(), body="STOP"
                )
            )

    def _push(self, event: SMSEvent) -> None:
        headers, body = sign_batch(
            SMS_CHANNEL, [event.to_dict()], self.callback_secret, int(event.occurred_at.timestamp())
        )
        self.callback_sink.push(
            ProviderCallback(SMS_CHANNEL, headers, body, event.occurred_at, (event,))
        )


def _eid() -> str:
    return f"evt-{uuid.uuid4().hex}"
