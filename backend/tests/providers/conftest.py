"""Real local peers for the real adapters: an SMTP server, an S3 server, a webhook receiver."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from providers.webhook import signing

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed(
    directory: Path, *, ip_address: str | None = None, dns_name: str | None = None
) -> tuple[Path, Path]:
    """A throwaway certificate (and key) for a local TLS peer, valid for one hour."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name or ip_address or "x")])
    alt_names: list[x509.GeneralName] = []
    if ip_address:
        alt_names.append(x509.IPAddress(ipaddress.ip_address(ip_address)))
    if dns_name:
        alt_names.append(x509.DNSName(dns_name))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class SMTPPeer:
    host: str
    port: int
    messages: list[tuple[str, list[str], Message]] = field(default_factory=list)


class RecordingHandler:
    """Accepts mail like a relay: 550 for invalid@ (no such user), 451 for tempfail@."""

    def __init__(self, peer: SMTPPeer) -> None:
        self.peer = peer

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        local = address.rpartition("@")[0].lower()
        if local == "invalid":
            return "550 5.1.1 No such user here"
        if local == "tempfail":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.peer.messages.append(
            (str(envelope.mail_from), list(envelope.rcpt_tos), message_from_bytes(content))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_peer() -> Iterator[SMTPPeer]:
    peer = SMTPPeer("127.0.0.1", free_port())
    controller = Controller(RecordingHandler(peer), hostname=peer.host, port=peer.port)
    controller.start()
    try:
        yield peer
    finally:
        controller.stop()


# --- S3 (moto) ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"{host}:{port}"
    finally:
        server.stop()


# --- Webhook receiver -----------------------------------------------------------------------


@dataclass
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class WebhookReceiver:
    base_url: str
    received: list[ReceivedWebhook] = field(default_factory=list)


def _receiver_handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                signing.verify(headers, body, WEBHOOK_SECRET)
                verified = True
            except signing.WebhookVerificationError:
                verified = False
            receiver.received.append(ReceivedWebhook(self.path, headers, body, verified))
            if self.path.startswith("/slow"):
                time.sleep(1.5)
            status = {
                "/ok": 200 if verified else 401,
                "/always-500": 500,
                "/gone": 410,
                "/redirect": 302,
                "/slow": 200,
            }.get(self.path, 404)
            self.send_response(status)
            if status == 302:
                self.send_header("location", "/ok")
            payload = b"verified" if verified else b"bad signature"
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _serve(receiver: WebhookReceiver, tls: ssl.SSLContext | None) -> Iterator[WebhookReceiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _receiver_handler(receiver))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    receiver.base_url = f"https://hooks.reos.test:{port}" if tls else f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    yield from _serve(WebhookReceiver(""), None)


@pytest.fixture
def tls_webhook_receiver(tmp_path: Path) -> Iterator[tuple[WebhookReceiver, Path]]:
    """An HTTPS receiver whose certificate names hooks.reos.test (a name no DNS knows)."""
    cert, key = self_signed(tmp_path, dns_name="hooks.reos.test")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    for receiver in _serve(WebhookReceiver(""), tls):
        yield receiver, cert
