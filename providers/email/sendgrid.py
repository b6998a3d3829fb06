"""Email through SendGrid's v3 Mail Send API."""

from __future__ import annotations

from typing import Any

import httpx

from providers.base import PermanentProviderError, ProviderHealth
from providers.email.port import EmailMessage, EmailProvider, SendResult, check_message
from providers.vendor_http import VendorClient

SENDGRID_API = "https://api.sendgrid.com"


def sendgrid_error(response: httpx.Response) -> tuple[str, str | None]:
    """SendGrid's errors are `{"errors": [{"message", "field", "help"}]}`."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return response.text[:500], None
    messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
    fields = [str(e.get("field")) for e in errors if isinstance(e, dict) and e.get("field")]
    return "; ".join(messages) or response.text[:500], (fields[0] if fields else None)


def mail_send_body(message: EmailMessage, sender: str) -> dict[str, Any]:
    personalization: dict[str, Any] = {"to": [{"email": message.to}]}
    custom_args = dict(message.metadata)
    if message.message_id:
        # custom_args come back on every event, which is how the app matches events to sends.
        custom_args["message_id"] = message.message_id
    if custom_args:
        personalization["custom_args"] = custom_args
    content = [{"type": "text/plain", "value": message.text or " "}]
    if message.html:
        content.append({"type": "text/html", "value": message.html})
    body: dict[str, Any] = {
        "personalizations": [personalization],
        "from": {"email": sender},
        "subject": message.subject,
        "content": content,
    }
    if message.headers:
        body["headers"] = dict(message.headers)
    return body


class SendGridEmailProvider(EmailProvider):
    name = "sendgrid"
    mode = "production"

    def __init__(
        self,
        api_key: str,
        *,
        default_from: str = "",
        base_url: str = SENDGRID_API,
        timeout_s: float = 10.0,
        cost_per_message_usd: float = 0.0,
    ) -> None:
        self.default_from = default_from
        self.cost_per_message_usd = cost_per_message_usd
        # One attempt: a retried send could deliver twice; the app's task queue owns retries.
        self.client = VendorClient(
            "SendGrid",
            base_url,
            timeout_s=timeout_s,
            max_attempts=1,
            headers={"Authorization": f"Bearer {api_key}"},
            error_detail=sendgrid_error,
        )

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        self.client.close()

    def health(self) -> ProviderHealth:
        # Probing would spend an API call per readiness check; configuration is what we know.
        return self._health(True, "configured")

    def send(self, message: EmailMessage) -> SendResult:
        sender = message.from_ or self.default_from
        check_message(message, sender)
        response = self.client.request(
            "POST", "/v3/mail/send", json=mail_send_body(message, sender)
        )
        message_id = response.headers.get("x-message-id")
        if response.status_code != 202 or not message_id:
            raise PermanentProviderError(
                f"SendGrid answered {response.status_code} without a message id"
            )
        return SendResult(message_id, "accepted", self.cost_per_message_usd)
