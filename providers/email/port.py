"""The email port: what the app sends, what it gets back, and the events that follow."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from providers.base import BaseProvider, PermanentProviderError
from providers.callbacks import open_batch

EMAIL_CHANNEL = "email"

# What a vendor can tell the app about a message after accepting it.
DELIVERED = "delivered"
HARD_BOUNCE = "hard_bounce"
SOFT_BOUNCE = "soft_bounce"
COMPLAINT = "complaint"
AUTO_REPLY = "auto_reply"
EVENT_TYPES = frozenset({DELIVERED, HARD_BOUNCE, SOFT_BOUNCE, COMPLAINT, AUTO_REPLY})


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    html: str
    text: str
    from_: str = ""  # empty: the provider's configured sender
    headers: Mapping[str, str] = field(default_factory=dict)
    message_id: str | None = None  # the app's own id, for correlating events and idempotency
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    status: str  # "accepted": the vendor took it; delivery is reported by events
    cost_usd: float


@dataclass(frozen=True)
class EmailEvent:
    event_type: str
    provider_message_id: str
    recipient: str
    occurred_at: datetime
    provider_event_id: str

    def to_dict(self) -> dict[str, str]:
        return {
            "event_type": self.event_type,
            "provider_message_id": self.provider_message_id,
            "recipient": self.recipient,
            "occurred_at": self.occurred_at.isoformat(),
            "provider_event_id": self.provider_event_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EmailEvent:
        return cls(
            event_type=str(data["event_type"]),
            provider_message_id=str(data["provider_message_id"]),
            recipient=str(data["recipient"]),
            occurred_at=datetime.fromisoformat(str(data["occurred_at"])),
            provider_event_id=str(data["provider_event_id"]),
        )


def load_email_events(
    headers: Mapping[str, str], body: bytes, secret: str, now: float | None = None
) -> list[EmailEvent]:
    """What the app's email-event receiver calls: verify the signature, then parse the batch."""
    return [
        EmailEvent.from_dict(item)
        for item in open_batch(EMAIL_CHANNEL, headers, body, secret, now=now)
    ]


def check_address(address: str) -> None:
    """Refuse at send time what no vendor would accept."""
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise PermanentProviderError(f"invalid email address: {address!r}", code="invalid_address")


def check_message(message: EmailMessage, sender: str) -> None:
    """What every adapter refuses before sending: bad addresses, and line breaks in headers
    (which would let a template variable inject headers such as Bcc)."""
    check_address(message.to)
    check_address(sender)
    for value in (message.subject, *message.headers.keys(), *message.headers.values()):
        if "\r" in value or "\n" in value:
            raise PermanentProviderError("line break in a header", code="invalid_header")


class EmailProvider(BaseProvider):
    kind = "email"

    @abstractmethod
    def send(self, message: EmailMessage) -> SendResult: ...


class Outbox(Protocol):
    """Where the mock 'sends': the app plugs a database-backed one (read through the app's own
    queries, per organization), tests the in-memory one (read with `list()`)."""

    def record(self, message: EmailMessage, result: SendResult) -> None: ...


class InMemoryOutbox:
    def __init__(self) -> None:
        self._sent: list[tuple[EmailMessage, SendResult]] = []

    def record(self, message: EmailMessage, result: SendResult) -> None:
        self._sent.append((message, result))

    def list(self) -> list[tuple[EmailMessage, SendResult]]:
        return list(self._sent)
