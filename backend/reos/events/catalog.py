"""The event catalog: every domain event's type and payload, in one place.

It is a public contract: the audit trail, the history views, the SSE stream and the outbound
webhooks all read these payloads. A type is `<entity>.<past-tense verb>`; a payload carries a
`version` that grows whenever its fields change incompatibly. Payloads name what changed, never
a credential: no password, hash, token or secret ever goes in (a test checks the field names).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class DomainEvent(BaseModel):
    """One state change. `actor_user_id` is the envelope's, not the payload's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    entity_type: ClassVar[str]
    # The payload field that names the entity the event is about.
    entity_field: ClassVar[str]
    version: ClassVar[int] = 1

    actor_user_id: uuid.UUID | None = Field(default=None, exclude=True)

    def entity_id(self) -> str | None:
        value = getattr(self, self.entity_field)
        return None if value is None else str(value)

    def payload(self) -> dict[str, Any]:
        return {"version": self.version, **self.model_dump(mode="json")}


class FieldChange(BaseModel):
    """One field's old and new value, as text (what the history views show)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    old: str | None
    new: str | None


# --- properties ---------------------------------------------------------------------------------


class PropertyEvent(DomainEvent):
    entity_type: ClassVar[str] = "property"
    entity_field: ClassVar[str] = "property_id"

    property_id: uuid.UUID


class PropertyCreated(PropertyEvent):
    """A property was added (by POST /properties)."""

    type: ClassVar[str] = "property.created"
    address: str  # normalized


class PropertyUpdated(PropertyEvent):
    """Fields of a property changed; one change per field."""

    type: ClassVar[str] = "property.updated"
    changes: list[FieldChange]


class PropertyArchived(PropertyEvent):
    """A property was archived (soft-deleted)."""

    type: ClassVar[str] = "property.archived"
    previous_status: str


class PropertyImageAdded(PropertyEvent):
    """An image was stored for a property."""

    type: ClassVar[str] = "property.image_added"
    image_id: uuid.UUID
    path: str  # where the file is stored, within the organization
    content_type: str
    size_bytes: int


class PropertyValued(PropertyEvent):
    """A valuation was recorded for a property."""

    type: ClassVar[str] = "property.valued"
    valuation_id: uuid.UUID
    value: Decimal
    previous_value: Decimal | None
    confidence: float
    method: str


class ImportFinished(DomainEvent):
    entity_type: ClassVar[str] = "task"
    entity_field: ClassVar[str] = "task_id"

    task_id: uuid.UUID
    filename: str
    created: int
    duplicates: int
    errors: int


class PropertiesImported(ImportFinished):
    """A property CSV import finished; its rows are committed."""

    type: ClassVar[str] = "property.imported"


# --- listings -----------------------------------------------------------------------------------


class ListingEvent(DomainEvent):
    entity_type: ClassVar[str] = "listing"
    entity_field: ClassVar[str] = "listing_id"

    listing_id: uuid.UUID
    property_id: uuid.UUID


class ListingCreated(ListingEvent):
    """A listing of a property was created."""

    type: ClassVar[str] = "listing.created"
    status: str
    asking_price: Decimal


class ListingUpdated(ListingEvent):
    """A listing's price, terms, status or remarks changed (`terms` is named, not copied)."""

    type: ClassVar[str] = "listing.updated"
    changes: dict[str, Any]


class ListingPublished(ListingEvent):
    """A listing became active: public, and a `listed` entry of its property's history."""

    type: ClassVar[str] = "listing.published"
    previous_status: str | None


# --- leads --------------------------------------------------------------------------------------


class LeadEvent(DomainEvent):
    entity_type: ClassVar[str] = "lead"
    entity_field: ClassVar[str] = "lead_id"

    lead_id: uuid.UUID


class LeadCreated(LeadEvent):
    """A lead was added, by the API or an import (`origin`)."""

    type: ClassVar[str] = "lead.created"
    origin: str
    status: str


class LeadUpdated(LeadEvent):
    """Fields of a lead changed: their new values."""

    type: ClassVar[str] = "lead.updated"
    changes: dict[str, Any]


class LeadStatusChanged(LeadEvent):
    """A lead moved from one status to another (a timeline entry)."""

    type: ClassVar[str] = "lead.status_changed"
    from_status: str
    to_status: str


class LeadArchived(LeadEvent):
    """A lead was archived; its email and phone stay reserved."""

    type: ClassVar[str] = "lead.archived"


class LeadActivityAdded(LeadEvent):
    """A call, email, meeting... with the lead was logged."""

    type: ClassVar[str] = "lead.activity_added"
    activity_id: uuid.UUID
    activity_type: str
    occurred_at: datetime


class LeadNoteAdded(LeadEvent):
    """An internal note was added to a lead."""

    type: ClassVar[str] = "lead.note_added"
    note_id: uuid.UUID


class LeadScored(LeadEvent):
    """A lead was scored; the score is its current one."""

    type: ClassVar[str] = "lead.scored"
    score_id: uuid.UUID
    score: int
    model_version: str


class LeadsImported(ImportFinished):
    """A lead CSV import finished; its rows are committed."""

    type: ClassVar[str] = "lead.imported"


# --- users and sign-in --------------------------------------------------------------------------


class UserEvent(DomainEvent):
    entity_type: ClassVar[str] = "user"
    entity_field: ClassVar[str] = "user_id"

    user_id: uuid.UUID


class UserRegistered(UserEvent):
    """An organization was registered with this user as its admin."""

    type: ClassVar[str] = "user.registered"
    organization_name: str


class UserCreated(UserEvent):
    """An admin added a member."""

    type: ClassVar[str] = "user.created"
    role: str


class UserUpdated(UserEvent):
    """A member's profile, role, status or credentials changed (`fields` names which)."""

    type: ClassVar[str] = "user.updated"
    fields: list[str]
    role: str | None = None
    status: str | None = None


class UserDeleted(UserEvent):
    """A member was removed; their sessions ended."""

    type: ClassVar[str] = "user.deleted"


class UserLoggedIn(UserEvent):
    """A login succeeded and opened a session."""

    type: ClassVar[str] = "user.logged_in"
    session_id: uuid.UUID


class UserLoginFailed(UserEvent):
    """A login of a known account was refused (wrong password, or the account is not active)."""

    type: ClassVar[str] = "user.login_failed"
    failures: int


class UserLockedOut(UserEvent):
    """Too many failed logins locked the account until `locked_until`."""

    type: ClassVar[str] = "user.locked_out"
    lockouts: int
    locked_until: datetime | None


class UserLoggedOut(UserEvent):
    """A user ended a session."""

    type: ClassVar[str] = "user.logged_out"
    session_id: uuid.UUID


class SessionEvent(DomainEvent):
    entity_type: ClassVar[str] = "auth_session"
    entity_field: ClassVar[str] = "session_id"

    session_id: uuid.UUID
    user_id: uuid.UUID


class SessionRefreshed(SessionEvent):
    """A session's refresh was rotated."""

    type: ClassVar[str] = "session.refreshed"


class SessionReuseDetected(SessionEvent):
    """An already rotated refresh was presented again: the session was revoked."""

    type: ClassVar[str] = "session.reuse_detected"


# --- files --------------------------------------------------------------------------------------


class FileEvent(DomainEvent):
    entity_type: ClassVar[str] = "file"
    entity_field: ClassVar[str] = "path"

    path: str


class FileUploaded(FileEvent):
    """A file was stored for the organization."""

    type: ClassVar[str] = "file.uploaded"
    content_type: str
    size_bytes: int


class FileDeleted(FileEvent):
    """A file of the organization was deleted."""

    type: ClassVar[str] = "file.deleted"


# --- outreach -----------------------------------------------------------------------------------


class MessageReported(DomainEvent):
    """A provider reported on a message: delivered, bounced, complained, replied..."""

    type: ClassVar[str] = "message.reported"
    entity_type: ClassVar[str] = "outreach_attempt"
    entity_field: ClassVar[str] = "attempt_id"

    attempt_id: uuid.UUID | None
    channel: str
    report: str  # the provider's event type
    provider: str
    suppressed: bool  # the address was put on the do-not-contact list


# --- tasks --------------------------------------------------------------------------------------


class TaskEvent(DomainEvent):
    entity_type: ClassVar[str] = "task"
    entity_field: ClassVar[str] = "task_id"

    task_id: uuid.UUID
    task_type: str


class TaskQueued(TaskEvent):
    """A task run was created; its message is sent once the transaction commits."""

    type: ClassVar[str] = "task.queued"
    parent_id: uuid.UUID | None = None


class TaskStarted(TaskEvent):
    """A worker claimed the run (`attempt` counts from 1)."""

    type: ClassVar[str] = "task.started"
    attempt: int


class TaskSucceeded(TaskEvent):
    """The run finished successfully."""

    type: ClassVar[str] = "task.succeeded"


class TaskRetryScheduled(TaskEvent):
    """The attempt failed transiently; the run waits `retry_in` seconds."""

    type: ClassVar[str] = "task.retry_scheduled"
    attempt: int
    retry_in: float
    error: str


class TaskFailed(TaskEvent):
    """The run failed for good (a task type that keeps no dead letters)."""

    type: ClassVar[str] = "task.failed"
    error: str


class TaskDeadLettered(TaskEvent):
    """The run failed for good and was put on the dead-letter queue."""

    type: ClassVar[str] = "task.dead_lettered"
    dead_letter_id: uuid.UUID
    permanent: bool
    error: str


class TaskCancelled(TaskEvent):
    """The run was cancelled (before it started, or at its next progress report)."""

    type: ClassVar[str] = "task.cancelled"


class TaskCancelRequested(TaskEvent):
    """A running task was asked to stop."""

    type: ClassVar[str] = "task.cancel_requested"


class TaskReplayed(TaskEvent):
    """A dead-lettered run was replayed as a new run."""

    type: ClassVar[str] = "task.replayed"
    dead_letter_id: uuid.UUID
    replay_task_id: uuid.UUID


CATALOG: dict[str, type[DomainEvent]] = {
    cls.type: cls
    for cls in (
        PropertyCreated,
        PropertyUpdated,
        PropertyArchived,
        PropertyImageAdded,
        PropertyValued,
        PropertiesImported,
        ListingCreated,
        ListingUpdated,
        ListingPublished,
        LeadCreated,
        LeadUpdated,
        LeadStatusChanged,
        LeadArchived,
        LeadActivityAdded,
        LeadNoteAdded,
        LeadScored,
        LeadsImported,
        UserRegistered,
        UserCreated,
        UserUpdated,
        UserDeleted,
        UserLoggedIn,
        UserLoginFailed,
        UserLockedOut,
        UserLoggedOut,
        SessionRefreshed,
        SessionReuseDetected,
        FileUploaded,
        FileDeleted,
        MessageReported,
        TaskQueued,
        TaskStarted,
        TaskSucceeded,
        TaskRetryScheduled,
        TaskFailed,
        TaskDeadLettered,
        TaskCancelled,
        TaskCancelRequested,
        TaskReplayed,
    )
}
