"""SMS through Twilio's Programmable Messaging REST API."""

from __future__ import annotations

from typing import Any

import httpx

from providers.base import PermanentProviderError, ProviderHealth, TransientProviderError
from providers.sms.port import (
    PRICE_PER_SEGMENT_USD,
    SMSMessage,
    SMSProvider,
    SMSResult,
    check_message,
)
from providers.sms.segments import segment_count
from providers.vendor_http import VendorClient

TWILIO_API = "https://api.twilio.com"
# Twilio error codes that mean "slow down" even when the HTTP status is not 429.
TRANSIENT_CODES = frozenset({"20429", "20503"})


def twilio_error(response: httpx.Response) -> tuple[str, str | None]:
    """Twilio's errors are `{"code", "message", "more_info", "status"}`."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:500], None
    code = data.get("code")
    return str(data.get("message") or response.text[:500]), (None if code is None else str(code))


def message_result(data: dict[str, Any], body: str) -> SMSResult:
    """Map a Message resource. `num_segments` is a string; `price` is negative and often still
    null right after sending, so the list price per segment stands in for it."""
    segments = int(data.get("num_segments") or segment_count(body))
    price = data.get("price")
    cost = abs(float(price)) if price not in (None, "") else segments * PRICE_PER_SEGMENT_USD
    return SMSResult(
        provider_message_id=str(data["sid"]),
        status=str(data.get("status") or "queued"),
        segments=segments,
        cost_usd=round(cost, 6),
    )


class TwilioSMSProvider(SMSProvider):
    name = "twilio"
    mode = "production"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        default_from: str = "",
        status_callback_url: str | None = None,
        base_url: str = TWILIO_API,
        timeout_s: float = 10.0,
    ) -> None:
        self.account_sid = account_sid
        self.default_from = default_from
        self.status_callback_url = status_callback_url
        # One attempt: a retried send could text twice; the app's task queue owns retries.
        self.client = VendorClient(
            "Twilio",
            base_url,
            timeout_s=timeout_s,
            max_attempts=1,
            auth=(account_sid, auth_token),
            error_detail=twilio_error,
        )

    def initialize(self) -> None:
        return None

    def shutdown(self) -> None:
        self.client.close()

    def health(self) -> ProviderHealth:
        return self._health(True, "configured")

    def send(self, message: SMSMessage) -> SMSResult:
        sender = message.from_ or self.default_from
        check_message(message, sender)
        form = {"To": message.to, "From": sender, "Body": message.body}
        if self.status_callback_url:
            form["StatusCallback"] = self.status_callback_url
        try:
            response = self.client.request(
                "POST", f"/2010-04-01/Accounts/{self.account_sid}/Messages.json", data=form
            )
        except PermanentProviderError as exc:
            if exc.code in TRANSIENT_CODES:
                raise TransientProviderError(str(exc), code=exc.code) from exc
            raise
        return message_result(response.json(), message.body)
