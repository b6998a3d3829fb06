"""One database session per request, committed before the response is sent.

The response is held back until the handler has finished; hooks registered during the request
(idempotency recording) run inside the same transaction, then the transaction commits (or rolls
back on an error status) and only then is the response released. What services registered
with `reos.core.after_commit`, and the process's commit listeners (task messages, events),
run once the commit has succeeded; on rollback they are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reos.core.after_commit import discard_after_commit, has_commit_work
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
    database: Database
    session: Session
    response_hooks: list[ResponseHook] = field(default_factory=list)
    after_close: list[Callable[[], Any]] = field(default_factory=list)
    committed: bool = False

    def should_commit(self, status: int) -> bool:
        return status < 400 or bool(self.session.info.get("commit_despite_error"))

    def finish(self, response: BufferedResponse | None) -> None:
        """Run the hooks and commit (or roll back) — called from a worker thread."""
        if response is not None and self.should_commit(response.status):
            for hook in self.response_hooks:
                hook(self.session, response)
            # A request that wrote nothing (a cached read) has nothing to run after commit, and
            # so costs no thread-pool hop for it.
            wrote = self.session.in_transaction() or has_commit_work(self.session)
            self.session.commit()
            self.committed = wrote
        else:
            discard_after_commit(self.session)
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
            self.committed = False
            discard_after_commit(self.session)
            self.session.rollback()
            raise
        finally:
            self.close()

    def run_after_commit(self) -> None:
        """The commit listeners and callbacks, once (sending to a broker blocks: a thread)."""
        if self.committed:
            self.committed = False
            self.database.committed(self.session)

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
        database = self.database()
        uow = RequestUnitOfWork(database, database.session())
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
                    await run_in_threadpool(uow.run_after_commit)
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
                if uow.committed:
                    await run_in_threadpool(uow.run_after_commit)
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
