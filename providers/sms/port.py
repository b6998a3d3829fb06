"""The SMS port: a message to an E.164 number, the carrier's answer, and the events after it."""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from providers.base import BaseProvider, PermanentProviderError
from providers.callbacks import open_batch

SMS_CHANNEL = "sms"
# Twilio's US list price per outbound segment, used wherever the carrier does not say.
PRICE_PER_SEGMENT_USD = 0.0079

# Event types the app may receive about SMS.
DELIVERED = "delivered"
UNDELIVERED = "undelivered"
INBOUND = "inbound"

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


@dataclass(frozen=True)
class SMSMessage:
    to: str  # E.164, e.g. +15551234567
    body: str
    from_: str = ""  # empty: the provider's configured number
    metadata: Mapping[str, str] = field(default_factory=dict)  # the app's, kept by the mock


@dataclass(frozen=True)
class SMSResult:
    provider_message_id: str
    status: str  # "queued": accepted by the carrier gateway; delivery arrives as an event
    segments: int
    cost_usd: float


@dataclass(frozen=True)
class SMSEvent:
    event_type: str
    provider_message_id: str
    from_number: str
    to_number: str
    occurred_at: datetime
    provider_event_id: str
    body: str = ""  # inbound messages only
    error_code: str | None = None  # undelivered messages only

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_type": self.event_type,
            "provider_message_id": self.provider_message_id,
            "from_number": self.from_number,
            "to_number": self.to_number,
            "occurred_at": self.occurred_at.isoformat(),
            "provider_event_id": self.provider_event_id,
            "body": self.body,
            "error_code": self.error_code,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SMSEvent:
        code = data.get("error_code")
        return cls(
            event_type=str(data["event_type"]),
            provider_message_id=str(data["provider_message_id"]),
            from_number=str(data["from_number"]),
            to_number=str(data["to_number"]),
            occurred_at=datetime.fromisoformat(str(data["occurred_at"])),
            provider_event_id=str(data["provider_event_id"]),
            body=str(data.get("body") or ""),
            error_code=None if code is None else str(code),
        )


def load_sms_events(
    headers: Mapping[str, str], body: bytes, secret: str, now: float | None = None
) -> list[SMSEvent]:
    """What the app's SMS-event receiver calls: verify the signature, then parse the batch."""
    return [
        SMSEvent.from_dict(item) for item in open_batch(SMS_CHANNEL, headers, body, secret, now=now)
    ]


def check_message(message: SMSMessage, sender: str) -> None:
    """Refuse locally what every carrier refuses, before spending a request on it."""
    for role, number in (("to", message.to), ("from", sender)):
        if not _E164.match(number):
            raise PermanentProviderError(f"{role} is not an E.164 number: {number!r}", code="21211")
    if not message.body:
        raise PermanentProviderError("message body is empty", code="21602")


@runtime_checkable
class SMSOutbox(Protocol):
    """Where the mock SMS carrier records what it "sent" (the app's database outbox)."""

    def record_sms(self, message: SMSMessage, result: SMSResult) -> None: ...


class SMSProvider(BaseProvider):
    kind = "sms"

    @abstractmethod
    def send(self, message: SMSMessage) -> SMSResult: ...
