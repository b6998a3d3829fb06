"""PROVIDERS_PROOF.txt: each provider's mode and health, and a round trip through each.

Storage goes through the running API (upload → presigned link → download without a token).
Email, SMS, webhook and data are first exercised on a provider set built from the same settings
as the stack: a bounce address must come back as a signed hard-bounce callback, a STOP number as
an inbound STOP, the always-500 host as a 500. Then the whole path runs through the stack: an
email task to a bounce address is sent by the worker, and the mock vendor's bounce callback is
POSTed to the API's receiver, which records it on the outbox message.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from .harness import ProofContext, ProofResult, check_lines

NAME = "providers"
FILE = "PROVIDERS_PROOF.txt"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def _storage_round_trip(ctx: ProofContext, lines: list[str]) -> list[tuple[str, bool]]:
    auth = ctx.bearer("agent")
    uploaded = ctx.client.post(
        "/api/v1/storage/upload", headers=auth, files={"file": ("proof.png", PNG, "image/png")}
    )
    body = uploaded.json()
    link = urlsplit(body.get("url", ""))
    anonymous = ctx.client.get(f"{link.path}?{link.query}")
    tampered = ctx.client.get(f"{link.path}?{link.query.replace('signature=', 'signature=0')}")
    lines += [
        f"storage upload: {uploaded.status_code} key={body.get('key')} "
        f"type={body.get('content_type')}",
        f"presigned download without a token: {anonymous.status_code} "
        f"sha256={hashlib.sha256(anonymous.content).hexdigest()}",
        f"original sha256={hashlib.sha256(PNG).hexdigest()}",
        f"tampered link: {tampered.status_code}",
    ]
    return [
        ("storage: upload accepted", uploaded.status_code == 201),
        ("storage: presigned download returns the same bytes", anonymous.content == PNG),
        ("storage: tampered link refused (403)", tampered.status_code == 403),
    ]


def _message_round_trips(lines: list[str]) -> list[tuple[str, bool]]:
    from providers.callbacks import InMemoryCallbackSink
    from providers.data.port import PropertyQuery
    from providers.email.port import EmailMessage, load_email_events
    from providers.sms.port import SMSMessage, load_sms_events
    from providers.webhook.port import WebhookDelivery
    from providers.webhook.signing import generate_secret
    from reos.core.providers import build_provider_set
    from reos.core.settings import get_settings

    providers = build_provider_set(get_settings())
    providers.initialize_all()
    try:
        later = datetime.now(UTC) + timedelta(minutes=2)
        sent = providers.email.send(
            EmailMessage(
                to="bounce@mail.demo.reos.example",
                subject="Proof",
                html="<p>proof</p>",
                text="proof",
            )
        )
        sms = providers.sms.send(SMSMessage(to="+15550100004", body="Showing at 5pm?"))
        # Every due callback, each verified against the callback secret as a receiver would.
        loaders: dict[str, Callable[..., list[Any]]] = {
            "email": load_email_events,
            "sms": load_sms_events,
        }
        # The provider set built without a sink of the app's keeps callbacks in memory.
        sink = cast(InMemoryCallbackSink, providers.callback_sink)
        events: dict[str, list[Any]] = {"email": [], "sms": []}
        for callback in sink.drain(later):
            events[callback.channel] += loaders[callback.channel](
                callback.headers,
                callback.body,
                providers.callback_secret,
                now=callback.due_at.timestamp(),
            )
        email_events, sms_events = events["email"], events["sms"]
        hook = providers.webhook.deliver(
            WebhookDelivery(
                "https://always-500.webhook.test/hook",
                "proof.ping",
                {"ok": True},
                generate_secret(),
                f"msg_{uuid.uuid4().hex}",
            )
        )
        query = PropertyQuery(address="100 Congress Ave, Austin, TX 78701")
        first = providers.data.property_details(query)
        second = providers.data.property_details(query)
    finally:
        providers.shutdown_all()
    bounce = [e for e in email_events if e.provider_message_id == sent.provider_message_id]
    stop = [e for e in sms_events if getattr(e, "body", "") == "STOP"]
    same = json.dumps(first, default=str, sort_keys=True) == json.dumps(
        second, default=str, sort_keys=True
    )
    lines += [
        f"email to bounce@: accepted as {sent.provider_message_id}; "
        f"signed callbacks: {[e.event_type for e in bounce]}",
        f"sms to +15550100004: {sms.status}, {sms.segments} segment(s), ${sms.cost_usd}; "
        f"inbound: {[(e.event_type, getattr(e, 'body', '')) for e in stop]}",
        f"webhook to always-500 host: status {hook.status_code}, succeeded={hook.succeeded}",
        f"data: property details twice for the same address identical={same}",
    ]
    return [
        (
            "email: bounce@ yields a verified hard_bounce callback",
            [e.event_type for e in bounce] == ["hard_bounce"],
        ),
        ("sms: the STOP number replies STOP", len(stop) == 1),
        ("webhook: always-500 host answers 500", hook.status_code == 500 and not hook.succeeded),
        ("data: the mock is deterministic", same),
    ]


def _bounce_through_the_stack(ctx: ProofContext, lines: list[str]) -> list[tuple[str, bool]]:
    """email.send to bounce@ through the worker; the mock vendor's signed bounce callback is
    POSTed to the API's receiver, which records it and blocks the address."""
    auth = ctx.bearer("admin")
    recipient = f"bounce@proof-{uuid.uuid4().hex[:8]}.example"
    started = ctx.client.post(
        "/api/v1/tasks",
        headers=auth,
        json={
            "task_type": "email.send",
            "arguments": {"to": recipient, "subject": "Proof", "text": "A bounce, please"},
        },
    ).json()
    message: dict[str, Any] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        outbox = ctx.client.get("/api/v1/outreach/outbox?page_size=100", headers=auth).json()
        message = next((m for m in outbox.get("items", []) if m["recipient"] == recipient), {})
        if message.get("status") == "bounce_hard":
            break
        time.sleep(0.3)
    task = ctx.client.get(f"/api/v1/tasks/{started.get('id')}", headers=auth).json()
    lines += [
        "",
        f"email.send to {recipient} through the worker: task {task.get('status')}",
        f"outbox message {message.get('provider_message_id')}: status {message.get('status')} "
        "(set by the bounce callback the API received and verified)",
    ]
    return [
        ("stack: email task sent by the worker", task.get("status") == "succeeded"),
        (
            "stack: bounce callback delivered to and recorded by the API",
            message.get("status") == "bounce_hard",
        ),
    ]


def run(ctx: ProofContext) -> ProofResult:
    ready = ctx.client.get("/api/v1/readyz").json()["checks"]
    lines = ["provider modes (from /api/v1/readyz):"]
    lines += [
        f"  {name}: {'ok' if check['ok'] else 'DOWN'} — {check['detail']}"
        for name, check in ready.items()
        if name.startswith("provider:")
    ]
    checks = [
        (
            "readyz: every provider healthy",
            all(c["ok"] for n, c in ready.items() if n.startswith("provider:")),
        )
    ]
    lines.append("")
    checks += _storage_round_trip(ctx, lines)
    checks += _message_round_trips(lines)
    checks += _bounce_through_the_stack(ctx, lines)
    ctx.write(FILE, "\n".join([*lines, "", check_lines(checks)]))
    failed = [label for label, ok in checks if not ok]
    return ProofResult(NAME, FILE, not failed, f"{len(checks) - len(failed)}/{len(checks)} checks")
