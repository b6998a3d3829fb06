"""The email mock's magic recipients, its signed callbacks, and template rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from providers.base import PermanentProviderError
from providers.callbacks import InMemoryCallbackSink, sign_batch
from providers.email.mock import MockEmailProvider
from providers.email.port import EmailEvent, EmailMessage, InMemoryOutbox, load_email_events
from providers.email.templates import TemplateRenderError, render_template
from providers.webhook.signing import WebhookVerificationError, generate_secret

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SECRET = generate_secret()


def mock_email() -> tuple[MockEmailProvider, InMemoryOutbox, InMemoryCallbackSink]:
    outbox, sink = InMemoryOutbox(), InMemoryCallbackSink()
    provider = MockEmailProvider(outbox, sink, SECRET, callback_delay_s=2, clock=lambda: T0)
    return provider, outbox, sink


def send(to: str) -> tuple[str, list[EmailEvent], InMemoryOutbox, InMemoryCallbackSink]:
    provider, outbox, sink = mock_email()
    result = provider.send(EmailMessage(to, "Hi", "<p>Hi</p>", "Hi", "agent@demo.reos.example"))
    events = []
    for callback in sink.drain(T0 + timedelta(minutes=1)):
        # Verified as the app's receiver will, at the moment the callback falls due.
        events += load_email_events(
            callback.headers, callback.body, SECRET, now=callback.due_at.timestamp()
        )
    return result.provider_message_id, events, outbox, sink


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("jane@example.com", ["delivered"]),
        ("bounce@example.com", ["hard_bounce"]),
        ("softbounce@example.com", ["soft_bounce"]),
        ("complaint@example.com", ["delivered", "complaint"]),
        ("ooto@example.com", ["delivered", "auto_reply"]),
        ("Bounce@Example.com", ["hard_bounce"]),
    ],
)
def test_magic_recipients_produce_their_events(to: str, expected: list[str]) -> None:
    message_id, events, outbox, _ = send(to)

    assert [e.event_type for e in events] == expected
    assert {e.provider_message_id for e in events} == {message_id}
    assert {e.recipient for e in events} == {to}
    assert len({e.provider_event_id for e in events}) == len(events)
    assert len(outbox.list()) == 1


def test_invalid_recipient_is_rejected_at_send_time_with_no_events() -> None:
    provider, outbox, sink = mock_email()
    with pytest.raises(PermanentProviderError):
        provider.send(EmailMessage("invalid@example.com", "s", "", "t", "a@demo.reos.example"))
    assert outbox.list() == []
    assert sink.pending() == []


def test_callbacks_arrive_later_in_order() -> None:
    provider, _, sink = mock_email()
    provider.send(EmailMessage("complaint@example.com", "s", "", "t", "a@demo.reos.example"))

    assert sink.drain(T0) == []  # nothing is due the instant the message is sent
    first = sink.drain(T0 + timedelta(seconds=2))
    second = sink.drain(T0 + timedelta(seconds=4))
    assert [c.events[0].event_type for c in first + second] == ["delivered", "complaint"]
    assert sink.pending() == []


def test_callback_signature_rejects_tampering_and_staleness() -> None:
    provider, _, sink = mock_email()
    provider.send(EmailMessage("jane@example.com", "s", "", "t", "a@demo.reos.example"))
    callback = sink.pending()[0]
    due = callback.due_at.timestamp()

    with pytest.raises(WebhookVerificationError):
        load_email_events(
            callback.headers, callback.body.replace(b"delivered", b"bounced!!"), SECRET, now=due
        )
    with pytest.raises(WebhookVerificationError):
        load_email_events(callback.headers, callback.body, generate_secret(), now=due)
    with pytest.raises(WebhookVerificationError):
        load_email_events(callback.headers, callback.body, SECRET, now=due + 301)


def test_batch_helper_round_trips_several_events() -> None:
    events = [
        EmailEvent("delivered", "m1", "a@example.com", T0, "e1"),
        EmailEvent("hard_bounce", "m2", "b@example.com", T0, "e2"),
    ]
    headers, body = sign_batch("email", [e.to_dict() for e in events], SECRET, int(T0.timestamp()))

    assert load_email_events(headers, body, SECRET, now=T0.timestamp()) == events
    with pytest.raises(WebhookVerificationError):
        # An SMS batch is not an email batch, even with a valid signature.
        sms_headers, sms_body = sign_batch("sms", [], SECRET, int(T0.timestamp()))
        load_email_events(sms_headers, sms_body, SECRET, now=T0.timestamp())


def test_render_template_fills_variables_and_escapes_html() -> None:
    rendered = render_template(
        "Offer for {{ address }}", "<p>Hi {{ name }}</p>", {"address": "1 Elm St", "name": "<Jo>"}
    )
    assert rendered.subject == "Offer for 1 Elm St"
    assert rendered.body == "<p>Hi &lt;Jo&gt;</p>"


def test_render_template_refuses_missing_variables_and_sandbox_escapes() -> None:
    with pytest.raises(TemplateRenderError):
        render_template("Hi {{ first_name }}", "", {})
    with pytest.raises(TemplateRenderError):
        render_template("x", "{{ ''.__class__.__mro__[1].__subclasses__() }}", {})


def test_render_template_keeps_newlines_out_of_the_subject() -> None:
    rendered = render_template("Hi {{ name }}", "", {"name": "Jo\r\nBcc: victim@example.com"})
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
