"""What each real email adapter puts on the wire, and how it reads its vendor's failures."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from providers.base import PermanentProviderError, TransientProviderError
from providers.email.port import EmailMessage
from providers.email.sendgrid import SendGridEmailProvider
from providers.email.smtp import SMTPEmailProvider
from tests.providers.conftest import (
    RecordingHandler,
    SMTPPeer,
    fixture_json,
    free_port,
    self_signed,
)

MESSAGE = EmailMessage(
    to="lead@example.com",
    subject="Your offer",
    html="<p>Hi</p>",
    text="Hi",
    from_="agent@demo.reos.example",
    headers={"List-Unsubscribe": "<https://demo.reos.example/u/1>"},
    message_id="msg-42",
    metadata={"campaign": "spring"},
)


def test_smtp_sends_text_and_html_with_the_apps_message_id(smtp_peer: SMTPPeer) -> None:
    provider = SMTPEmailProvider(smtp_peer.host, smtp_peer.port, use_tls=False)

    result = provider.send(MESSAGE)

    sender, recipients, mime = smtp_peer.messages[0]
    assert (sender, recipients) == ("agent@demo.reos.example", ["lead@example.com"])
    assert mime["Message-ID"] == "<msg-42@demo.reos.example>" == result.provider_message_id
    assert mime["List-Unsubscribe"] == "<https://demo.reos.example/u/1>"
    kinds = sorted(part.get_content_type() for part in mime.walk() if not part.is_multipart())
    assert kinds == ["text/html", "text/plain"]


def test_smtp_temporary_refusal_is_transient(smtp_peer: SMTPPeer) -> None:
    provider = SMTPEmailProvider(smtp_peer.host, smtp_peer.port, use_tls=False)
    with pytest.raises(TransientProviderError) as caught:
        provider.send(EmailMessage("tempfail@example.com", "s", "", "t", "a@b.example"))
    assert caught.value.code == "451"


def test_smtp_unreachable_relay_is_transient() -> None:
    provider = SMTPEmailProvider("127.0.0.1", free_port(), use_tls=False, timeout_s=2)
    with pytest.raises(TransientProviderError):
        provider.send(MESSAGE)
    assert not provider.health().healthy


@pytest.fixture
def tls_smtp_peer(tmp_path: Path) -> Iterator[tuple[SMTPPeer, Path]]:
    """A relay that insists on STARTTLS and on a login before accepting mail."""
    cert, key = self_signed(tmp_path, ip_address="127.0.0.1")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    def authenticate(
        server: object, session: object, envelope: object, mechanism: str, auth_data: object
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    peer = SMTPPeer("127.0.0.1", free_port())
    controller = Controller(
        RecordingHandler(peer),
        hostname=peer.host,
        port=peer.port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield peer, cert
    finally:
        controller.stop()


def test_smtp_starttls_and_login(tls_smtp_peer: tuple[SMTPPeer, Path]) -> None:
    peer, cert = tls_smtp_peer
    client_tls = ssl.create_default_context(cafile=str(cert))
    provider = SMTPEmailProvider(
        peer.host, peer.port, username="relay", password="s3cret", ssl_context=client_tls
    )

    provider.send(MESSAGE)

    assert len(peer.messages) == 1
    wrong = SMTPEmailProvider(
        peer.host, peer.port, username="relay", password="nope", ssl_context=client_tls
    )
    with pytest.raises(PermanentProviderError) as caught:
        wrong.send(MESSAGE)
    assert caught.value.code == "auth"


def test_smtp_without_starttls_is_refused_by_a_tls_only_relay(
    tls_smtp_peer: tuple[SMTPPeer, Path],
) -> None:
    peer, _ = tls_smtp_peer
    with pytest.raises(PermanentProviderError):
        SMTPEmailProvider(peer.host, peer.port, use_tls=False).send(MESSAGE)
    assert peer.messages == []


@respx.mock(base_url="https://api.sendgrid.com")
def test_sendgrid_request_body(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post("/v3/mail/send").mock(
        return_value=httpx.Response(202, headers={"X-Message-Id": "sg-1"})
    )

    result = SendGridEmailProvider("SG.k").send(MESSAGE)

    body = json.loads(route.calls.last.request.content)
    assert result.provider_message_id == "sg-1"
    assert body["personalizations"] == [
        {
            "to": [{"email": "lead@example.com"}],
            "custom_args": {"campaign": "spring", "message_id": "msg-42"},
        }
    ]
    assert body["from"] == {"email": "agent@demo.reos.example"}
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["headers"] == {"List-Unsubscribe": "<https://demo.reos.example/u/1>"}


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry_after"),
    [
        (429, {"Retry-After": "17"}, TransientProviderError, 17.0),
        (503, {}, TransientProviderError, None),
        (400, {}, PermanentProviderError, None),
        (401, {}, PermanentProviderError, None),
    ],
)
@respx.mock(base_url="https://api.sendgrid.com")
def test_sendgrid_failures(
    respx_mock: respx.MockRouter,
    status: int,
    headers: dict[str, str],
    error: type[Exception],
    retry_after: float | None,
) -> None:
    respx_mock.post("/v3/mail/send").mock(
        return_value=httpx.Response(
            status, headers=headers, json=fixture_json("sendgrid_error_400.json")
        )
    )
    with pytest.raises(error) as caught:
        SendGridEmailProvider("SG.k").send(MESSAGE)
    assert getattr(caught.value, "retry_after", None) == retry_after
    assert respx_mock.calls.call_count == 1  # a send is never retried inside the adapter
    if status == 400:
        assert caught.value.code == "personalizations.0.to.0.email"  # type: ignore[attr-defined]


@respx.mock(base_url="https://api.sendgrid.com")
def test_sendgrid_timeout_is_transient(respx_mock: respx.MockRouter) -> None:
    respx_mock.post("/v3/mail/send").mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(TransientProviderError):
        SendGridEmailProvider("SG.k").send(MESSAGE)
