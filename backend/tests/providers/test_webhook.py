"""Webhooks: Standard Webhooks signing, the SSRF guard, and one contract for mock and HTTP."""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from providers.base import PermanentProviderError, TransientProviderError
from providers.webhook import signing
from providers.webhook.http import HTTPWebhookProvider
from providers.webhook.mock import MockWebhookProvider
from providers.webhook.port import DeliveryResult, WebhookDelivery, WebhookProvider, build_request
from providers.webhook.ssrf import UnsafeDestinationError, check_destination
from tests.providers.conftest import WEBHOOK_SECRET, WebhookReceiver

# --- signing --------------------------------------------------------------------------------


def test_signature_matches_the_standard_webhooks_reference_vector() -> None:
    # The worked example published with the Standard Webhooks / Svix verification docs.
    signature = signing.sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}', WEBHOOK_SECRET
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_then_verify_round_trip() -> None:
    secret = signing.generate_secret()
    headers = signing.sign_headers("msg_1", b'{"a":1}', secret, timestamp=1_700_000_000)

    signing.verify(headers, b'{"a":1}', secret, now=1_700_000_100)
    upper = {k.upper(): v for k, v in headers.items()}  # header names are case-insensitive
    signing.verify(upper, b'{"a":1}', secret, now=1_700_000_100)


@pytest.mark.parametrize(
    ("change", "now"),
    [
        ({"body": b'{"a":2}'}, 1_700_000_000),
        ({"webhook-id": "msg_2"}, 1_700_000_000),
        ({"webhook-timestamp": "1700000001"}, 1_700_000_000),
        ({"webhook-signature": "v1,AAAA"}, 1_700_000_000),
        ({"webhook-signature": ""}, 1_700_000_000),
        ({}, 1_700_000_301),  # stale
        ({}, 1_699_999_699),  # from the future
        ({"secret": signing.generate_secret()}, 1_700_000_000),
    ],
)
def test_verify_rejects_tampering_and_stale_timestamps(change: dict[str, object], now: int) -> None:
    secret = signing.generate_secret()
    body = b'{"a":1}'
    headers = signing.sign_headers("msg_1", body, secret, timestamp=1_700_000_000)
    headers.update({k: str(v) for k, v in change.items() if k.startswith("webhook-")})
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify(
            headers,
            change.get("body", body),  # type: ignore[arg-type]
            str(change.get("secret", secret)),
            now=now,
        )


def test_verify_accepts_any_of_several_signatures_during_rotation() -> None:
    old, new = signing.generate_secret(), signing.generate_secret()
    headers = signing.sign_headers("msg_1", b"{}", new, timestamp=10)
    headers["webhook-signature"] = f"v1,bm9wZQ== {headers['webhook-signature']}"
    signing.verify(headers, b"{}", new, now=10)
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify(headers, b"{}", old, now=10)


def test_generated_secrets_are_whsec_with_32_random_bytes() -> None:
    secret = signing.generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != signing.generate_secret()


# --- SSRF guard -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "http:///nohost",
    ],
)
def test_guard_refuses_non_public_destinations(url: str) -> None:
    with pytest.raises(UnsafeDestinationError):
        check_destination(url)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://10.0.0.1/hook", "10.0.0.1"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1"),
        ("http://169.254.169.254/", "169.254.169.254"),
        ("http://[::1]/hook", "::1"),
    ],
)
def test_guard_allows_explicitly_listed_hosts(url: str, allowed: str) -> None:
    assert check_destination(url, [allowed]).address == allowed


def test_guard_checks_every_resolved_address_of_a_name() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.1.2.3"]  # one public, one private: refuse

    with pytest.raises(UnsafeDestinationError):
        check_destination("https://hooks.example.com/x", resolver=resolver)
    allowed = check_destination("https://hooks.example.com/x", ["hooks.example.com"], resolver)
    assert (allowed.host, allowed.port, allowed.address) == (
        "hooks.example.com",
        443,
        "93.184.215.14",
    )


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/x", "http://169.254.169.254/", "http://[::1]/x", "http://127.0.0.1/x"]
)
def test_http_provider_refuses_before_any_connection(url: str) -> None:
    provider = HTTPWebhookProvider(timeout_s=1)
    # respx catches every request: none may be attempted.
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        with pytest.raises(UnsafeDestinationError):
            provider.deliver(WebhookDelivery(url, "lead.created", {}, WEBHOOK_SECRET, "msg_1"))
        assert router.calls.call_count == 0


# --- contract: mock and HTTP behave alike ---------------------------------------------------


@pytest.fixture(params=["mock", "http"])
def harness(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[WebhookProvider, dict[str, str], object]]:
    if request.param == "mock":
        mock = MockWebhookProvider()
        urls = {
            "ok": "https://hooks.example.com/reos",
            "500": "https://always-500.webhook.test/x",
            "timeout": "https://timeout.webhook.test/x",
            "gone": "https://gone.webhook.test/x",
        }
        yield mock, urls, mock
        return
    receiver: WebhookReceiver = request.getfixturevalue("webhook_receiver")
    provider = HTTPWebhookProvider(timeout_s=0.5, allow_hosts=["127.0.0.1"])
    base = receiver.base_url
    urls = {
        "ok": f"{base}/ok",
        "500": f"{base}/always-500",
        "timeout": f"{base}/slow",
        "gone": f"{base}/gone",
    }
    yield provider, urls, receiver
    provider.shutdown()


def delivery(url: str) -> WebhookDelivery:
    return WebhookDelivery(
        url, "lead.created", {"lead_id": "L-1", "score": 87}, WEBHOOK_SECRET, "msg_42"
    )


def sent_requests(peer: object) -> list[tuple[dict[str, str], bytes]]:
    if isinstance(peer, MockWebhookProvider):
        return [(r.request.headers, r.request.body) for r in peer.deliveries]
    assert isinstance(peer, WebhookReceiver)
    return [(r.headers, r.body) for r in peer.received]


def test_success_is_signed_and_reported(
    harness: tuple[WebhookProvider, dict[str, str], object],
) -> None:
    provider, urls, peer = harness
    result = provider.deliver(delivery(urls["ok"]))

    assert isinstance(result, DeliveryResult)
    assert (result.status_code, result.succeeded, result.subscription_gone) == (200, True, False)
    assert result.latency_ms >= 0
    headers, body = sent_requests(peer)[-1]
    signing.verify(headers, body, WEBHOOK_SECRET)
    assert headers["webhook-id"] == "msg_42"
    document = json.loads(body)
    assert (document["type"], document["data"]) == ("lead.created", {"lead_id": "L-1", "score": 87})


def test_server_error_is_a_failed_delivery(
    harness: tuple[WebhookProvider, dict[str, str], object],
) -> None:
    provider, urls, _ = harness
    result = provider.deliver(delivery(urls["500"]))
    assert (result.status_code, result.succeeded) == (500, False)


def test_timeout_is_transient(harness: tuple[WebhookProvider, dict[str, str], object]) -> None:
    provider, urls, _ = harness
    with pytest.raises(TransientProviderError):
        provider.deliver(delivery(urls["timeout"]))


def test_gone_asks_to_disable_the_subscription(
    harness: tuple[WebhookProvider, dict[str, str], object],
) -> None:
    provider, urls, _ = harness
    result = provider.deliver(delivery(urls["gone"]))
    assert (result.status_code, result.succeeded, result.subscription_gone) == (410, False, True)


@pytest.mark.parametrize("url", ["http://10.0.0.1/x", "http://[::1]/x", "gopher://example.com/"])
def test_unsafe_urls_are_permanent(
    harness: tuple[WebhookProvider, dict[str, str], object], url: str
) -> None:
    provider, _, _ = harness
    with pytest.raises(PermanentProviderError):
        provider.deliver(delivery(url))


def test_mock_and_http_sign_identical_bytes() -> None:
    request = build_request(delivery("https://hooks.example.com/"), timestamp=1_700_000_000)
    again = build_request(delivery("http://127.0.0.1/ok"), timestamp=1_700_000_000)
    assert (request.headers, request.body) == (again.headers, again.body)


def test_http_redirect_is_not_followed(webhook_receiver: WebhookReceiver) -> None:
    provider = HTTPWebhookProvider(timeout_s=2, allow_hosts=["127.0.0.1"])
    result = provider.deliver(delivery(f"{webhook_receiver.base_url}/redirect"))

    assert (result.status_code, result.succeeded) == (302, False)
    assert [r.path for r in webhook_receiver.received] == ["/redirect"]


def test_http_receiver_verified_the_signature(webhook_receiver: WebhookReceiver) -> None:
    provider = HTTPWebhookProvider(timeout_s=2, allow_hosts=["127.0.0.1"])
    provider.deliver(delivery(f"{webhook_receiver.base_url}/ok"))
    wrong = WebhookDelivery(
        f"{webhook_receiver.base_url}/ok", "x", {}, signing.generate_secret(), "m"
    )
    refused = provider.deliver(wrong)

    assert [r.verified for r in webhook_receiver.received] == [True, False]
    assert (refused.status_code, refused.response_body) == (401, "bad signature")


def test_https_connects_to_the_vetted_address_and_checks_the_certificate_for_the_name(
    tls_webhook_receiver: tuple[WebhookReceiver, Path],
) -> None:
    receiver, cert = tls_webhook_receiver
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    provider = HTTPWebhookProvider(
        timeout_s=2,
        allow_hosts=["hooks.reos.test"],
        resolver=resolver,
        verify=ssl.create_default_context(cafile=str(cert)),
    )

    result = provider.deliver(delivery(f"{receiver.base_url}/ok"))

    assert (result.status_code, result.response_body) == (200, "verified")
    assert lookups == ["hooks.reos.test"]  # resolved once, by the guard; never again
    assert receiver.received[0].headers["host"] == receiver.base_url.removeprefix("https://")


def test_https_with_an_untrusted_certificate_fails(
    tls_webhook_receiver: tuple[WebhookReceiver, Path],
) -> None:
    receiver, _ = tls_webhook_receiver
    provider = HTTPWebhookProvider(
        timeout_s=2, allow_hosts=["hooks.reos.test"], resolver=lambda host, port: ["127.0.0.1"]
    )
    with pytest.raises(TransientProviderError):
        provider.deliver(delivery(f"{receiver.base_url}/ok"))
    assert receiver.received == []
