"""SMS: one contract for the mock and Twilio (respx), segment counting, and the mock's magic."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from providers.base import PermanentProviderError, TransientProviderError
from providers.callbacks import InMemoryCallbackSink
from providers.sms.mock import MockSMSProvider, SenderRateLimit
from providers.sms.port import SMSMessage, SMSProvider, SMSResult, load_sms_events
from providers.sms.segments import GSM7, UCS2, encoding_for, segment_count
from providers.sms.twilio import TwilioSMSProvider
from providers.webhook.signing import generate_secret
from tests.providers.conftest import fixture_json

SID, TOKEN = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "twilio-token"
SENDER = "+15005550006"
LONG_GSM = "a" * 200  # two segments of 153
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SECRET = generate_secret()


def twilio_vendor(request: httpx.Request) -> httpx.Response:
    """Stands in for api.twilio.com: basic auth, form body, 21211 for the invalid number."""
    expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    if request.headers.get("authorization") != expected:
        return httpx.Response(401, json={"code": 20003, "message": "Authenticate", "status": 401})
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    if form["To"] == "+15550100001":
        return httpx.Response(400, json=fixture_json("twilio_error_21211.json"))
    answer = fixture_json("twilio_message.json")
    # The segment counts a carrier reported for the bodies these tests send.
    answer.update(
        to=form["To"], body=form["Body"], num_segments={LONG_GSM: "2"}.get(form["Body"], "1")
    )
    return httpx.Response(201, json=answer)


@pytest.fixture(params=["mock", "twilio"])
def sms(request: pytest.FixtureRequest) -> Iterator[SMSProvider]:
    if request.param == "mock":
        yield MockSMSProvider(InMemoryCallbackSink(), SECRET, default_from=SENDER)
        return
    with respx.mock(base_url="https://api.twilio.com", assert_all_called=False) as vendor:
        vendor.post(f"/2010-04-01/Accounts/{SID}/Messages.json").mock(side_effect=twilio_vendor)
        provider = TwilioSMSProvider(SID, TOKEN, default_from=SENDER)
        yield provider
        provider.shutdown()


@pytest.mark.parametrize(("body", "segments"), [("Hello", 1), (LONG_GSM, 2)])
def test_send_is_queued_with_segments_and_cost(sms: SMSProvider, body: str, segments: int) -> None:
    result = sms.send(SMSMessage("+15551234567", body))

    assert isinstance(result, SMSResult)
    assert result.status == "queued"
    assert result.provider_message_id.startswith("SM")
    assert result.segments == segments
    assert result.cost_usd == pytest.approx(0.0079 * segments)


def test_invalid_number_is_permanent(sms: SMSProvider) -> None:
    with pytest.raises(PermanentProviderError) as caught:
        sms.send(SMSMessage("+15550100001", "Hello"))
    assert caught.value.code == "21211"


@pytest.mark.parametrize(
    "message", [SMSMessage("5551234567", "Hi"), SMSMessage("+15551234567", "")]
)
def test_malformed_messages_are_refused_locally(sms: SMSProvider, message: SMSMessage) -> None:
    with pytest.raises(PermanentProviderError):
        sms.send(message)


# --- segment counting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "encoding", "segments"),
    [
        ("a" * 160, GSM7, 1),
        ("a" * 161, GSM7, 2),
        ("a" * 306, GSM7, 2),
        ("a" * 307, GSM7, 3),
        ("€" * 80, GSM7, 1),  # extension characters take two septets: 160
        ("€" * 81, GSM7, 2),
        ("a" * 152 + "€" + "a" * 10, GSM7, 2),  # the escape pair is not split: 152 + 2 > 153
        ("a" * 152 + "€" + "a" * 153, GSM7, 3),
        ("èéùìò Ñ ¿¡ Δ", GSM7, 1),
        ("д" * 70, UCS2, 1),
        ("д" * 71, UCS2, 2),
        ("д" * 134, UCS2, 2),
        ("д" * 135, UCS2, 3),
        ("a" * 159 + "😀", UCS2, 3),  # one emoji turns the whole message to UCS-2
        ("😀" * 35, UCS2, 1),  # surrogate pairs: 70 code units
        ("😀" * 34 + "a", UCS2, 1),
        ("😀" * 36, UCS2, 2),
    ],
)
def test_segment_count(body: str, encoding: str, segments: int) -> None:
    assert encoding_for(body) == encoding
    assert segment_count(body) == segments


# --- Twilio specifics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "payload", "headers", "retry_after"),
    [
        (429, fixture_json("twilio_error_20429.json"), {"Retry-After": "5"}, 5.0),
        (503, {"message": "Service Unavailable"}, {}, None),
        (400, {**fixture_json("twilio_error_20429.json"), "status": 400}, {}, None),
    ],
)
@respx.mock(base_url="https://api.twilio.com")
def test_twilio_throttling_and_outages_are_transient(
    respx_mock: respx.MockRouter,
    status: int,
    payload: dict[str, object],
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    respx_mock.post(f"/2010-04-01/Accounts/{SID}/Messages.json").mock(
        return_value=httpx.Response(status, json=payload, headers=headers)
    )
    with pytest.raises(TransientProviderError) as caught:
        TwilioSMSProvider(SID, TOKEN, default_from=SENDER).send(SMSMessage("+15551234567", "Hi"))
    assert caught.value.retry_after == retry_after


@respx.mock(base_url="https://api.twilio.com")
def test_twilio_request_and_reported_price(respx_mock: respx.MockRouter) -> None:
    answer = {**fixture_json("twilio_message.json"), "num_segments": "3", "price": "-0.02370"}
    route = respx_mock.post(f"/2010-04-01/Accounts/{SID}/Messages.json").mock(
        return_value=httpx.Response(201, json=answer)
    )
    provider = TwilioSMSProvider(
        SID, TOKEN, default_from=SENDER, status_callback_url="https://app.example/sms/status"
    )

    result = provider.send(SMSMessage("+15551234567", "Hi there"))

    form = parse_qs(route.calls.last.request.content.decode())
    assert form == {
        "To": ["+15551234567"],
        "From": [SENDER],
        "Body": ["Hi there"],
        "StatusCallback": ["https://app.example/sms/status"],
    }
    assert (result.segments, result.cost_usd) == (3, 0.0237)


# --- mock magic numbers ---------------------------------------------------------------------


def mock_sms(clock: list[float] | None = None) -> tuple[MockSMSProvider, InMemoryCallbackSink]:
    sink = InMemoryCallbackSink()
    times = clock if clock is not None else [0.0]
    limit = SenderRateLimit(per_second=1.0, burst=10, clock=lambda: times[0])
    provider = MockSMSProvider(sink, SECRET, rate_limit=limit, clock=lambda: T0)
    return provider, sink


def events_after(sink: InMemoryCallbackSink) -> list[tuple[str, str, str, str | None]]:
    found = []
    for callback in sink.drain(T0 + timedelta(minutes=1)):
        for event in load_sms_events(
            callback.headers, callback.body, SECRET, now=callback.due_at.timestamp()
        ):
            found.append((event.event_type, event.from_number, event.body, event.error_code))
    return found


def test_ordinary_number_is_delivered() -> None:
    provider, sink = mock_sms()
    provider.send(SMSMessage("+15551234567", "Hi"))
    assert events_after(sink) == [("delivered", "+15005550006", "", None)]


def test_carrier_rejection_is_permanent() -> None:
    provider, sink = mock_sms()
    with pytest.raises(PermanentProviderError) as caught:
        provider.send(SMSMessage("+15550100002", "Hi"))
    assert caught.value.code == "30007"
    assert sink.pending() == []


def test_undeliverable_number_is_accepted_then_fails() -> None:
    provider, sink = mock_sms()
    result = provider.send(SMSMessage("+15550100003", "Hi"))
    assert result.status == "queued"
    assert events_after(sink) == [("undelivered", "+15005550006", "", "30003")]


def test_stop_number_replies_stop() -> None:
    provider, sink = mock_sms()
    provider.send(SMSMessage("+15550100004", "Hi"))
    assert events_after(sink) == [
        ("delivered", "+15005550006", "", None),
        ("inbound", "+15550100004", "STOP", None),  # from the lead, to our number
    ]


def test_sender_rate_limit_bursts_then_throttles() -> None:
    clock = [100.0]
    provider, _ = mock_sms(clock)
    for _ in range(10):
        provider.send(SMSMessage("+15551234567", "Hi"))

    with pytest.raises(TransientProviderError) as caught:
        provider.send(SMSMessage("+15551234567", "Hi"))
    assert caught.value.retry_after == pytest.approx(1.0)
    provider.send(SMSMessage("+15551234567", "Hi", from_="+15005550007"))  # another sender

    clock[0] += 1.0
    provider.send(SMSMessage("+15551234567", "Hi"))
    with pytest.raises(TransientProviderError):
        provider.send(SMSMessage("+15551234567", "Hi"))
