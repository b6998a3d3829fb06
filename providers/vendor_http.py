"""Calling a vendor's HTTP API: status codes mapped to provider errors, retries with backoff."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from providers.base import PermanentProviderError, TransientProviderError

ErrorDetail = Callable[[httpx.Response], tuple[str, str | None]]
Sleep = Callable[[float], None]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def default_error_detail(response: httpx.Response) -> tuple[str, str | None]:
    return response.text[:500], None


def raise_for_vendor_status(
    vendor: str, response: httpx.Response, detail: ErrorDetail = default_error_detail
) -> None:
    """2xx passes; 429 and 5xx are transient; every other status is permanent."""
    if response.is_success:
        return
    message, code = detail(response)
    text = f"{vendor} answered {response.status_code}: {message}"
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        raise TransientProviderError(text, retry_after, code=code)
    raise PermanentProviderError(text, code=code)


class VendorClient:
    """One vendor's API; transport failures become TransientProviderError.

    Retries only make sense for idempotent reads: senders (email, SMS) use `max_attempts=1`
    and leave retrying to the app's task queue, which carries the idempotency key.
    """

    def __init__(
        self,
        vendor: str,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 3,
        backoff_s: float = 0.5,
        max_wait_s: float = 10.0,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        error_detail: ErrorDetail = default_error_detail,
        sleep: Sleep | None = None,
    ) -> None:
        self.vendor = vendor
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self.error_detail = error_detail
        self.sleep = sleep or time.sleep
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout_s,
            headers=headers,
            auth=auth,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def send_once(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One attempt; the response is returned whatever its status."""
        try:
            return self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientProviderError(f"{self.vendor} timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise TransientProviderError(f"{self.vendor} unreachable: {exc}") from exc

    def request(
        self, method: str, url: str, *, allow_status: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """Retry transient failures with exponential backoff, honouring Retry-After.

        A status in `allow_status` (say 404, which some vendors use for "no result") is returned
        for the adapter to interpret. A Retry-After longer than `max_wait_s` is not slept
        through: the error goes up so a chain can fall through to the next provider.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.send_once(method, url, **kwargs)
                if response.status_code not in allow_status:
                    raise_for_vendor_status(self.vendor, response, self.error_detail)
                return response
            except TransientProviderError as exc:
                wait = exc.retry_after
                if wait is None:
                    wait = self.backoff_s * 2 ** (attempt - 1)
                if attempt >= self.max_attempts or wait > self.max_wait_s:
                    raise
                self.sleep(wait)
