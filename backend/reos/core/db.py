"""Engine, sessions and the one tenancy mechanism every query on tenant-owned tables goes through.

Tenancy works on two levels:
- in the ORM, `do_orm_execute` adds `with_loader_criteria(TenantScoped, ...)` to every SELECT,
  UPDATE and DELETE of a session bound to an organization, and `before_flush` stamps (and pins)
  `organization_id` on tenant rows;
- on PostgreSQL, each transaction runs `set_config('app.org_id', ..., true)` so the Row-Level
  Security policies created by the migrations hold even if the ORM filter were skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    MetaData,
    Uuid,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

from reos.core.after_commit import CommitListener, discard_after_commit, drain_commit_buffer
from reos.core.settings import Settings, get_settings
from reos.core.time import utcnow  # re-exported: models and services import it from here

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), uuid.UUID: Uuid()}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SoftDeleteMixin:
    """Rows the API archives: hidden from every query unless `include_archived=True` is passed."""

    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class TenantScoped:
    """Tenant-owned rows: scoped to the session's organization, and RLS-protected on PostgreSQL."""

    @declared_attr
    def organization_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(
            ForeignKey("organizations.id", ondelete="CASCADE"), index=True, nullable=False
        )


class TenancyError(RuntimeError):
    """A write tried to cross organizations: a programming error, never a user error."""


# --- session-level tenancy -------------------------------------------------------------------

ORG_KEY = "org_id"


def bind_tenant(session: Session, org_id: uuid.UUID | None) -> None:
    """Scope every later statement of `session` to `org_id` (None: no tenant rows visible)."""
    session.info[ORG_KEY] = org_id
    if session.in_transaction():
        _set_pg_tenant(session, org_id)


def current_org(session: Session) -> uuid.UUID | None:
    org: uuid.UUID | None = session.info.get(ORG_KEY)
    return org


def _set_pg_tenant(session: Session, org_id: uuid.UUID | None) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT set_config('app.org_id', :org, true)"),
            {"org": str(org_id) if org_id else ""},
        )


@event.listens_for(Session, "after_begin")
def _after_begin(session: Session, transaction: Any, connection: Any) -> None:
    if connection.dialect.name == "postgresql":
        org_id = session.info.get(ORG_KEY)
        connection.execute(
            text("SELECT set_config('app.org_id', :org, true)"),
            {"org": str(org_id) if org_id else ""},
        )


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        # Lazy and column loads inherit the parent's criteria; adding them again is redundant.
        return
    if state.execution_options.get("all_tenants"):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    org_id = state.session.info.get(ORG_KEY)
    # A session bound to no organization sees no tenant rows at all: fail closed.
    options = [
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.organization_id == org_id,
            include_aliases=True,
            track_closure_variables=False,
        )
    ]
    if not state.execution_options.get("include_archived"):
        options.append(
            with_loader_criteria(
                SoftDeleteMixin,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,
            )
        )
    state.statement = state.statement.options(*options)


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context: Any, instances: Any) -> None:
    org_id = session.info.get(ORG_KEY)
    for obj in session.new:
        if isinstance(obj, TenantScoped):
            if obj.organization_id is None:
                if org_id is None:
                    raise TenancyError(f"{type(obj).__name__} created outside any organization")
                obj.organization_id = org_id
            elif org_id is not None and obj.organization_id != org_id:
                raise TenancyError(f"{type(obj).__name__} created for another organization")
    for obj in session.dirty:
        if isinstance(obj, TenantScoped) and org_id is not None and obj.organization_id != org_id:
            raise TenancyError(f"{type(obj).__name__} moved to another organization")


# --- the session's process settings -------------------------------------------------------------

SETTINGS_KEY = "reos.settings"


def session_settings(session: Session) -> Settings:
    """The settings of the process that opened the session (a service's knobs, e.g. retries)."""
    settings: Settings | None = session.info.get(SETTINGS_KEY)
    return settings if settings is not None else get_settings()


# --- engine and sessions ------------------------------------------------------------------------


def app_url(settings: Settings) -> URL:
    """The URL the application connects with (on PostgreSQL: as the non-owner app role)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql" and settings.db_app_role:
        password = settings.db_app_password.get_secret_value() or None
        url = url.set(username=settings.db_app_role, password=password)
    return url


def owner_url(settings: Settings) -> URL:
    """The URL migrations run with: the owner of the tables."""
    return make_url(settings.database_url)


def create_db_engine(url: URL, **kwargs: Any) -> Engine:
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:":
            from pathlib import Path

            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """The engine and session factory of one process (API or worker).

    `on_commit` listeners are the process's own reactions to a committed unit of work (sending
    the task messages and publishing the events its services buffered on the session); the
    composition root supplies them, so services never need to know which process they run in.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        engine: Engine | None = None,
        *,
        on_commit: Iterable[CommitListener] = (),
    ) -> None:
        self.settings = settings or get_settings()
        self.engine = engine or create_db_engine(app_url(self.settings))
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.on_commit = list(on_commit)

    def with_listeners(self, *listeners: CommitListener) -> Database:
        """The same engine, with this process's commit listeners (an app or worker built on a
        database handed in by its caller)."""
        return Database(self.settings, self.engine, on_commit=[*self.on_commit, *listeners])

    def committed(self, session: Session) -> None:
        """After a successful commit: the process's listeners, then the session's callbacks."""
        callbacks = drain_commit_buffer(session, "callbacks")
        for listener in self.on_commit:
            listener(session)
        for callback in callbacks:
            callback()

    def session(self, org_id: uuid.UUID | None = None) -> Session:
        session = self.session_factory()
        session.info[ORG_KEY] = org_id
        session.info[SETTINGS_KEY] = self.settings
        return session

    @contextmanager
    def unit_of_work(self, org_id: uuid.UUID | None = None) -> Iterator[Session]:
        """A session committed on success and rolled back on error (tasks, scripts)."""
        session = self.session(org_id)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            discard_after_commit(session)
            raise
        finally:
            session.close()
        self.committed(session)

    def dispose(self) -> None:
        self.engine.dispose()


def begin_before_savepoints(session: Session) -> None:
    """Make savepoints (a lead source created on first use, say) nest inside the caller's
    transaction.

    pysqlite opens a transaction only before INSERT, UPDATE or DELETE; a SAVEPOINT sent first
    would itself be the outermost transaction, and releasing it would commit the row even if
    the caller then rolls back. So on SQLite the transaction is opened explicitly.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not getattr(raw, "in_transaction", True):
        connection.exec_driver_sql("BEGIN")


def savepoint(session: Session) -> SessionTransaction:
    """A SAVEPOINT that really nests inside the session's transaction, undone by a later
    rollback of it on SQLite as on PostgreSQL."""
    begin_before_savepoints(session)
    return session.begin_nested()


def commit_despite_error(session: Session) -> None:
    """Ask the request's unit of work to commit even though the response is an error.

    For writes that must outlive a refusal, such as a failed-login counter.
    """
    session.info["commit_despite_error"] = True
