"""Small helpers for writing pure ASGI middleware."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.types import Message, Send

from reos.core.errors import PROBLEM_JSON


def header(scope: Mapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def send_problem(
    send: Send,
    body: dict[str, Any],
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(payload)).encode()),
        *(extra_headers or []),
    ]
    await send({"type": "http.response.start", "status": body["status"], "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def set_header(message: Message, name: bytes, value: bytes) -> None:
    """Set (replace) a header on an `http.response.start` message."""
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != name]
    headers.append((name, value))
    message["headers"] = headers
