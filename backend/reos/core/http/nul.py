"""Refuses a NUL character in the path, query string, headers or JSON body with one 422.

PostgreSQL's text types cannot hold NUL, so a NUL that reached a query or an insert was a 500
(and SQLite would have stored it). Checking the request once, before any route runs, covers
every string field and parameter, present and future, without a validator per schema.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reos.core.errors import FieldProblem, ValidationFailed
from reos.core.http.asgi import header, send_problem

NUL = "\x00"
# A NUL can only be written as this escape in JSON (a raw one makes the body invalid JSON), so a
# body without it is passed on unparsed.
JSON_NUL_ESCAPE = b"\\u0000"


def _shown(name: str) -> str:
    return name.replace(NUL, "\\u0000")


def _in_path(scope: Scope) -> str | None:
    return "path" if NUL in scope.get("path", "") else None


def _in_query(scope: Scope) -> str | None:
    # Decoded the way Starlette decodes it for the routes, so what is checked is what they get.
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if NUL in name or NUL in value:
            return f"query.{_shown(name)}"
    return None


def _in_headers(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if b"\x00" in name or b"\x00" in value:
            return f"header.{_shown(name.decode('latin-1'))}"
    return None


def _in_json(value: Any, location: str) -> str | None:
    if isinstance(value, str):
        return location if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = (
                f"{location}.{_shown(key)}" if NUL in key else _in_json(item, f"{location}.{key}")
            )
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _in_json(item, f"{location}.{index}"):
                return found
    return None


def _is_json(scope: Scope) -> bool:
    # FastAPI reads a body as JSON when it says so, or when it says nothing at all.
    content_type = header(scope, b"content-type")
    if content_type is None:
        return True
    media_type = content_type.split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a `receive` that hands it on to the app as if unread."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


class NoNulCharactersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = _in_path(scope) or _in_query(scope) or _in_headers(scope)
        if field is None and scope["method"] in ("POST", "PUT", "PATCH") and _is_json(scope):
            body, receive = await _read_body(receive)
            if JSON_NUL_ESCAPE in body.lower():
                try:
                    document = json.loads(body)
                except ValueError:
                    document = None  # malformed JSON is the route's 400 to give
                field = _in_json(document, "body")
        if field is None:
            await self.app(scope, receive, send)
            return
        error = ValidationFailed(
            f"Invalid input: {field}.",
            errors=[FieldProblem(field, "must not contain a NUL character", "nul_character")],
        )
        await send_problem(send, error.problem(scope.get("path", "")))
