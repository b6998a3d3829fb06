"""One database session per request, committed before the response is sent.

The response is held back until the handler has finished; hooks registered during the request
(idempotency recording) run inside the same transaction, then the transaction commits (or rolls
back on an error status) and only then is the response released. Work registered with
`after_commit` (task enqueues) runs once the commit has succeeded and is dropped on rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reos.core.db import Database
from reos.core.errors import Conflict, ServiceUnavailable
from reos.core.http.asgi import send_problem
from reos.core.logging import get_logger

log = get_logger("reos.uow")


@dataclass
class BufferedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


ResponseHook = Callable[[Session, BufferedResponse], None]


@dataclass
class RequestUnitOfWork:
    session: Session
    response_hooks: list[ResponseHook] = field(default_factory=list)
    after_commit: list[Callable[[], Any]] = field(default_factory=list)
    after_close: list[Callable[[], Any]] = field(default_factory=list)

    def should_commit(self, status: int) -> bool:
        return status < 400 or bool(self.session.info.get("commit_despite_error"))

    def finish(self, response: BufferedResponse | None) -> None:
        """Run the hooks and commit (or roll back) — called from a worker thread."""
        if response is not None and self.should_commit(response.status):
            for hook in self.response_hooks:
                hook(self.session, response)
            self.session.commit()
        else:
            self.after_commit.clear()
            self.session.rollback()

    def close(self) -> None:
        """Release the connection, then run the after-close callbacks (once)."""
        callbacks, self.after_close = self.after_close, []
        try:
            self.session.close()
        finally:
            for callback in callbacks:
                callback()

    def settle(self, response: BufferedResponse | None) -> None:
        """Commit (or roll back) and close in one call: one thread-pool hop per request."""
        try:
            self.finish(response)
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self.close()

    @property
    def idle(self) -> bool:
        """The request never touched the database and left nothing to release, so settling
        does no I/O and needs no thread (a cached read, a health check)."""
        return not (self.session.in_transaction() or self.response_hooks or self.after_close)

    async def settle_async(self, response: BufferedResponse | None) -> None:
        if self.idle:
            self.settle(response)
        else:
            await run_in_threadpool(self.settle, response)


def unit_of_work(scope: Scope) -> RequestUnitOfWork:
    uow: RequestUnitOfWork = scope["state"]["uow"]
    return uow


class UnitOfWorkMiddleware:
    def __init__(self, app: ASGIApp, database: Callable[[], Database]) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uow = RequestUnitOfWork(self.database().session())
        scope.setdefault("state", {})["uow"] = uow
        start: Message | None = None
        chunks: list[bytes] = []
        streaming = False

        async def hold_back(message: Message) -> None:
            nonlocal start, streaming
            if streaming:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = message
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/event-stream"):
                    # A stream never ends; commit what the handler did and let it flow.
                    streaming = True
                    await run_in_threadpool(uow.finish, _buffered(start, b""))
                    await send(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                response = _buffered(start, b"".join(chunks))
                try:
                    await uow.settle_async(response)
                except IntegrityError:
                    log.warning("commit_conflict", exc_info=True)
                    error = Conflict("The change conflicts with a concurrent or existing record.")
                    await send_problem(send, error.problem(scope["path"]))
                    return
                except DBAPIError:
                    log.error("commit_failed", exc_info=True)
                    unavailable = ServiceUnavailable("The database did not accept the change.")
                    await send_problem(send, unavailable.problem(scope["path"]))
                    return
                assert start is not None
                await send(start)
                await send({"type": "http.response.body", "body": response.body})
                for callback in uow.after_commit:
                    # Sending to a broker blocks; keep it off the event loop.
                    await run_in_threadpool(callback)
                return
            await send(message)

        try:
            await self.app(scope, receive, hold_back)
        finally:
            # A no-op (without a thread) unless the response streamed or never completed.
            await uow.settle_async(None)


def _buffered(start: Message | None, body: bytes) -> BufferedResponse:
    assert start is not None, "response body before response start"
    return BufferedResponse(start["status"], list(start.get("headers", [])), body)
