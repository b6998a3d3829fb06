"""Email through any SMTP relay (smtplib), with optional STARTTLS and login."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid

from providers.base import PermanentProviderError, ProviderHealth, TransientProviderError
from providers.email.port import EmailMessage, EmailProvider, SendResult, check_message

_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


def _error_for(code: int, message: str) -> PermanentProviderError | TransientProviderError:
    """SMTP's own rule (RFC 5321 §4.2.1): 4yz is transient, 5yz permanent."""
    if 400 <= code < 500:
        return TransientProviderError(message, code=str(code))
    return PermanentProviderError(message, code=str(code))


class SMTPEmailProvider(EmailProvider):
    name = "smtp"
    mode = "production"

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = True,
        default_from: str = "",
        timeout_s: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.use_tls = use_tls
        self.default_from = default_from
        self.timeout_s = timeout_s
        self.ssl_context = ssl_context

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        try:
            with self._connect() as client:
                client.noop()
        except (OSError, smtplib.SMTPException) as exc:
            return self._health(False, f"{self.host}:{self.port}: {exc}")
        return self._health(True, f"{self.host}:{self.port}")

    def _connect(self) -> smtplib.SMTP:
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        try:
            client.ehlo()
            if self.use_tls:
                client.starttls(context=self.ssl_context or ssl.create_default_context())
                client.ehlo()
            if self.username:
                client.login(self.username, self.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def _mime(self, message: EmailMessage, sender: str) -> MimeMessage:
        mime = MimeMessage()
        for name, value in message.headers.items():
            mime[name] = value
        mime["From"] = sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        domain = sender.rpartition("@")[2]
        if message.message_id and _SAFE_ID.match(message.message_id):
            # The app's id inside the Message-ID lets replies and bounces be matched to it.
            mime["Message-ID"] = f"<{message.message_id}@{domain}>"
        else:
            mime["Message-ID"] = make_msgid(domain=domain)
        mime.set_content(message.text or " ")
        if message.html:
            mime.add_alternative(message.html, subtype="html")
        return mime

    def send(self, message: EmailMessage) -> SendResult:
        sender = message.from_ or self.default_from
        check_message(message, sender)
        mime = self._mime(message, sender)
        try:
            with self._connect() as client:
                client.send_message(mime, from_addr=sender, to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _error_for(code, f"recipient refused: {reply!r}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentProviderError(f"SMTP login refused: {exc}", code="auth") from exc
        except smtplib.SMTPResponseException as exc:
            raise _error_for(exc.smtp_code, f"SMTP error: {exc.smtp_error!r}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentProviderError(f"SMTP server: {exc}", code="unsupported") from exc
        except (OSError, smtplib.SMTPException) as exc:
            # Connection refused, timeouts and dropped connections: the relay may come back.
            raise TransientProviderError(f"SMTP relay unreachable: {exc}") from exc
        return SendResult(
            provider_message_id=str(mime["Message-ID"]), status="accepted", cost_usd=0.0
        )
