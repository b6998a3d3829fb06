"""The provider callback receiver, fed by the mock vendors' own signed callbacks and their own
dispatcher: bounces, complaints and STOP replies are recorded once, under the organization that
sent the message, and put the address on the do-not-contact list."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from providers.callbacks import CallbackDeliverer, InMemoryCallbackSink, ProviderCallback
from providers.sms.mock import REPLIES_STOP
from providers.sms.port import SMSMessage
from reos.composition import CALLBACK_PATH
from reos.core.db import Database
from reos.models import DeliverabilityEvent, OutboxMessage, OutreachAttempt, UnsubscribeList
from tests.conftest import Account, register
from tests.jobs_support import run_until_settled, runner_for

LATER = datetime.now(UTC) + timedelta(hours=1)  # every mock callback is due by then


def dispatcher(client: TestClient) -> CallbackDeliverer:
    """The mock vendors' dispatcher, posting into this app instead of over a socket."""
    sink = client.app.state.container.providers.callback_sink  # type: ignore[attr-defined]
    assert isinstance(sink, InMemoryCallbackSink)
    return CallbackDeliverer(
        sink, lambda channel: CALLBACK_PATH.format(channel=channel), client, clock=lambda: LATER
    )


def send_email(client: TestClient, account: Account, to: str) -> None:
    task = client.post(
        "/api/v1/tasks",
        headers=account.headers,
        json={"task_type": "email.send", "arguments": {"to": to, "subject": "Hi", "text": "Hello"}},
    ).json()
    outcomes = run_until_settled(runner_for(client.app), task["id"], account.organization_id)
    assert outcomes[-1].status == "succeeded"


def rows(database: Database, account: Account, model: Any) -> list[Any]:
    with database.unit_of_work(uuid.UUID(account.organization_id)) as session:
        return list(session.scalars(select(model)).all())


def test_a_bounce_is_recorded_once_and_the_address_goes_on_the_dnc_list(
    client: TestClient, admin: Account, database: Database
) -> None:
    send_email(client, admin, "bounce@leads.example")
    sink = client.app.state.container.providers.callback_sink  # type: ignore[attr-defined]
    (callback,) = sink.pending()
    assert dispatcher(client).deliver_due() == 1

    (event,) = rows(database, admin, DeliverabilityEvent)
    assert event.event_type == "bounce_hard" and event.recipient == "bounce@leads.example"
    (dnc,) = rows(database, admin, UnsubscribeList)
    assert (dnc.channel, dnc.value, dnc.source) == ("email", "bounce@leads.example", "bounce")
    outbox = client.get("/api/v1/outreach/outbox", headers=admin.headers).json()["items"]
    assert outbox[0]["status"] == "bounce_hard"

    # The vendor retries the same callback: a duplicate, not a second event.
    again = client.post(
        CALLBACK_PATH.format(channel="email"), content=callback.body, headers=dict(callback.headers)
    )
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    assert len(rows(database, admin, DeliverabilityEvent)) == 1


def test_a_complaint_after_delivery_records_both_and_blocks_the_address(
    client: TestClient, admin: Account, database: Database
) -> None:
    send_email(client, admin, "complaint@leads.example")
    assert dispatcher(client).deliver_due() == 2
    kinds = sorted(e.event_type for e in rows(database, admin, DeliverabilityEvent))
    assert kinds == ["complaint", "delivered"]
    (dnc,) = rows(database, admin, UnsubscribeList)
    assert dnc.source == "complaint"


def test_an_ordinary_delivery_blocks_nothing(
    client: TestClient, admin: Account, database: Database
) -> None:
    send_email(client, admin, "ooto@leads.example")
    assert dispatcher(client).deliver_due() == 2
    kinds = sorted(e.event_type for e in rows(database, admin, DeliverabilityEvent))
    assert kinds == ["auto_reply", "delivered"]
    assert rows(database, admin, UnsubscribeList) == []


def test_a_stop_reply_puts_the_number_on_the_dnc_list_of_the_sender_only(
    client: TestClient, admin: Account, database: Database
) -> None:
    other = register(client, "Other Realty")
    providers = client.app.state.container.providers  # type: ignore[attr-defined]
    sent = providers.sms.send(SMSMessage(to=REPLIES_STOP, body="New listing on Elm St"))
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        session.add(
            OutreachAttempt(
                channel="sms",
                recipient=REPLIES_STOP,
                status="sent",
                provider=providers.sms.name,
                provider_message_id=sent.provider_message_id,
            )
        )
    assert dispatcher(client).deliver_due() == 2  # the delivery receipt and the STOP batch
    kinds = sorted(e.event_type for e in rows(database, admin, DeliverabilityEvent))
    assert kinds == ["delivered", "stop_reply"]
    (dnc,) = rows(database, admin, UnsubscribeList)
    assert (dnc.channel, dnc.value, dnc.source) == ("sms", REPLIES_STOP, "stop_reply")
    (attempt,) = rows(database, admin, OutreachAttempt)
    assert attempt.status == "replied"
    assert rows(database, other, UnsubscribeList) == []
    assert rows(database, other, DeliverabilityEvent) == []


def test_a_tampered_or_misrouted_callback_is_refused_and_changes_nothing(
    client: TestClient, admin: Account, database: Database
) -> None:
    send_email(client, admin, "bounce@leads.example")
    sink = client.app.state.container.providers.callback_sink  # type: ignore[attr-defined]
    (callback,) = sink.drain(LATER)
    tampered = callback.body.replace(b"bounce@", b"bounce2@")
    refused = client.post(
        CALLBACK_PATH.format(channel="email"), content=tampered, headers=dict(callback.headers)
    )
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    misrouted = client.post(
        CALLBACK_PATH.format(channel="sms"), content=callback.body, headers=dict(callback.headers)
    )
    assert misrouted.status_code == 401
    unsigned = client.post(CALLBACK_PATH.format(channel="email"), content=callback.body)
    assert unsigned.status_code == 401
    assert rows(database, admin, DeliverabilityEvent) == []
    assert rows(database, admin, UnsubscribeList) == []


def test_a_callback_for_an_unknown_message_is_counted_unmatched(client: TestClient) -> None:
    providers = client.app.state.container.providers  # type: ignore[attr-defined]
    providers.sms.send(SMSMessage(to="+15551230000", body="hello"))  # no attempt on record
    sink = providers.callback_sink
    (callback,) = sink.drain(LATER)
    response = client.post(
        CALLBACK_PATH.format(channel="sms"), content=callback.body, headers=dict(callback.headers)
    )
    assert response.status_code == 200
    assert response.json() == {"accepted": 0, "duplicates": 0, "unmatched": 1, "do_not_contact": []}


def test_the_dispatcher_retries_an_unreachable_receiver_then_gives_up() -> None:
    sink = InMemoryCallbackSink()
    now = datetime.now(UTC)
    sink.push(ProviderCallback("email", {"webhook-id": "msg_1"}, b"{}", now))
    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    clock = [now]
    deliverer = CallbackDeliverer(
        sink, lambda c: f"http://127.0.0.1:{port}/{c}", max_attempts=3, clock=lambda: clock[0]
    )
    assert deliverer.deliver_due() == 0
    assert [c.due_at for c in sink.pending()] == [now + timedelta(seconds=1)]
    clock[0] = now + timedelta(seconds=1)
    deliverer.deliver_due()
    assert [c.due_at for c in sink.pending()] == [now + timedelta(seconds=3)]  # doubled
    clock[0] = now + timedelta(seconds=3)
    deliverer.deliver_due()
    assert sink.pending() == []  # dropped after three attempts
    deliverer.stop()


def start(client: TestClient, account: Account, task_type: str, **arguments: Any) -> dict[str, Any]:
    task = client.post(
        "/api/v1/tasks",
        headers=account.headers,
        json={"task_type": task_type, "arguments": arguments},
    ).json()
    outcomes = run_until_settled(runner_for(client.app), task["id"], account.organization_id)
    assert outcomes[-1].status == "succeeded", outcomes
    done: dict[str, Any] = client.get(f"/api/v1/tasks/{task['id']}", headers=account.headers).json()
    return done


def test_an_sms_to_the_stop_number_ends_with_the_number_suppressed(
    client: TestClient, admin: Account, database: Database
) -> None:
    first = start(client, admin, "sms.send", to=REPLIES_STOP, body="Open house Saturday")
    assert first["result"]["segments"] == 1
    (sent,) = rows(database, admin, OutboxMessage)
    assert (sent.channel, sent.recipient) == ("sms", REPLIES_STOP)
    assert dispatcher(client).deliver_due() == 2
    (dnc,) = rows(database, admin, UnsubscribeList)
    assert (dnc.channel, dnc.value) == ("sms", REPLIES_STOP)

    second = start(client, admin, "sms.send", to=REPLIES_STOP, body="Last chance")
    assert second["result"] == {"suppressed": True, "reason": "do_not_contact"}
    assert len(rows(database, admin, OutboxMessage)) == 1  # nothing more reached the carrier


def test_an_email_to_a_bounced_address_is_suppressed(
    client: TestClient, admin: Account, database: Database
) -> None:
    send_email(client, admin, "bounce@leads.example")
    dispatcher(client).deliver_due()
    again = start(client, admin, "email.send", to="Bounce@Leads.example", subject="Hi", text="x")
    assert again["result"]["suppressed"] is True
    assert len(rows(database, admin, OutboxMessage)) == 1
