"""One contract for every EmailProvider: the mock, SMTP (real aiosmtpd) and SendGrid (respx)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import respx

from providers.base import PermanentProviderError
from providers.callbacks import InMemoryCallbackSink
from providers.email.mock import MockEmailProvider
from providers.email.port import EmailMessage, EmailProvider, InMemoryOutbox, SendResult
from providers.email.sendgrid import SendGridEmailProvider
from providers.email.smtp import SMTPEmailProvider
from providers.webhook.signing import generate_secret
from tests.providers.conftest import SMTPPeer, fixture_json

SENDGRID_KEY = "SG.test-key"


def sendgrid_vendor(request: httpx.Request) -> httpx.Response:
    """Stands in for api.sendgrid.com: 401 without the key, 400 for an invalid recipient."""
    if request.headers.get("authorization") != f"Bearer {SENDGRID_KEY}":
        return httpx.Response(401, json={"errors": [{"message": "authorization required"}]})
    body = json.loads(request.content)
    to = body["personalizations"][0]["to"][0]["email"]
    if to.startswith("invalid@"):
        return httpx.Response(400, json=fixture_json("sendgrid_error_400.json"))
    return httpx.Response(202, headers={"X-Message-Id": "sg-14c583da911f4c3ab8d0f14e"})


@dataclass
class EmailHarness:
    provider: EmailProvider
    sent: Any  # whatever proves the message left: outbox, SMTP peer, or respx route


@pytest.fixture(params=["mock", "smtp", "sendgrid"])
def harness(request: pytest.FixtureRequest) -> Iterator[EmailHarness]:
    if request.param == "mock":
        outbox = InMemoryOutbox()
        yield EmailHarness(
            MockEmailProvider(outbox, InMemoryCallbackSink(), generate_secret()), outbox
        )
    elif request.param == "smtp":
        peer: SMTPPeer = request.getfixturevalue("smtp_peer")
        yield EmailHarness(
            SMTPEmailProvider(peer.host, peer.port, use_tls=False, timeout_s=5), peer
        )
    else:
        with respx.mock(base_url="https://api.sendgrid.com", assert_all_called=False) as vendor:
            route = vendor.post("/v3/mail/send").mock(side_effect=sendgrid_vendor)
            sendgrid = SendGridEmailProvider(SENDGRID_KEY)
            yield EmailHarness(sendgrid, route)
            sendgrid.shutdown()


def message(to: str = "lead@example.com", **overrides: Any) -> EmailMessage:
    fields: dict[str, Any] = {
        "to": to,
        "subject": "Your offer on 123 Main St",
        "html": "<p>Hello <b>Jane</b></p>",
        "text": "Hello Jane",
        "from_": "agent@demo.reos.example",
        "message_id": "msg-0001",
        "metadata": {"campaign": "spring"},
    }
    fields.update(overrides)
    return EmailMessage(**fields)


def sent_count(harness: EmailHarness) -> int:
    if isinstance(harness.sent, InMemoryOutbox):
        return len(harness.sent.list())
    if isinstance(harness.sent, SMTPPeer):
        return len(harness.sent.messages)
    return int(harness.sent.call_count)


def test_send_is_accepted_with_a_message_id(harness: EmailHarness) -> None:
    result = harness.provider.send(message())

    assert isinstance(result, SendResult)
    assert result.status == "accepted"
    assert result.provider_message_id
    assert result.cost_usd >= 0
    assert sent_count(harness) == 1


def test_invalid_recipient_is_permanent(harness: EmailHarness) -> None:
    with pytest.raises(PermanentProviderError):
        harness.provider.send(message("invalid@example.com"))


def test_malformed_address_is_refused_before_sending(harness: EmailHarness) -> None:
    with pytest.raises(PermanentProviderError):
        harness.provider.send(message("not an address"))
    assert sent_count(harness) == 0


def test_lifecycle_and_health(harness: EmailHarness) -> None:
    harness.provider.initialize()
    health = harness.provider.health()
    harness.provider.shutdown()

    assert health.kind == "email"
    assert health.healthy


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Hi\r\nBcc: everyone@example.com"},
        {"headers": {"X-Campaign": "a\nBcc: everyone@example.com"}},
    ],
)
def test_line_breaks_in_headers_are_refused(
    harness: EmailHarness, overrides: dict[str, Any]
) -> None:
    with pytest.raises(PermanentProviderError):
        harness.provider.send(message(**overrides))
    assert sent_count(harness) == 0
