"""Use cases of stored files; every key is confined to the caller's organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from providers.base import PermanentProviderError
from providers.storage.port import InvalidObjectKey, ObjectNotFound, StorageProvider, StoredObject
from reos import events
from reos.core.errors import FieldProblem, NotFound, PayloadTooLarge, ValidationFailed
from reos.core.object_keys import organization_key
from reos.events.catalog import FileDeleted, FileUploaded
from reos.storage.domain import accepted_type, new_object_key


@dataclass(frozen=True)
class StoredFile:
    key: str
    content_type: str
    size: int


def upload(
    *,
    storage: StorageProvider,
    organization_id: uuid.UUID,
    filename: str | None,
    declared_type: str | None,
    data: bytes,
    max_bytes: int,
) -> StoredFile:
    """Store a file after checking its size and what its bytes really are."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The file is larger than {max_bytes} bytes.")
    if not data:
        raise ValidationFailed(
            "The file is empty.", errors=[FieldProblem("body.file", "empty file", "empty")]
        )
    content_type = accepted_type(declared_type, data)
    if content_type is None:
        raise ValidationFailed(
            "The file's content is not an accepted type, or does not match its declared type.",
            errors=[FieldProblem("body.file", "unsupported or mismatched content", "file_type")],
        )
    key = new_object_key(filename)
    storage.put(organization_key(organization_id, key), data, content_type)
    return StoredFile(key, content_type, len(data))


def upload_file(
    session: Session,
    *,
    storage: StorageProvider,
    organization_id: uuid.UUID,
    filename: str | None,
    declared_type: str | None,
    data: bytes,
    max_bytes: int,
    actor_user_id: uuid.UUID,
) -> StoredFile:
    """Store a file uploaded on its own (not as part of another record) and record it."""
    stored = upload(
        storage=storage,
        organization_id=organization_id,
        filename=filename,
        declared_type=declared_type,
        data=data,
        max_bytes=max_bytes,
    )
    uploaded = FileUploaded(
        path=stored.key,
        content_type=stored.content_type,
        size_bytes=stored.size,
        actor_user_id=actor_user_id,
    )
    events.record(session, uploaded)
    return stored


def _missing(key: str) -> NotFound:
    return NotFound(f"No file with key {key!r}.")


def _existing_key(storage: StorageProvider, organization_id: uuid.UUID, key: str) -> str:
    """The store key of an existing file of this organization; anything else is a 404."""
    full_key = organization_key(organization_id, key)
    try:
        if storage.exists(full_key):
            return full_key
    except InvalidObjectKey:
        pass
    raise _missing(key)


def fetch(*, storage: StorageProvider, full_key: str, key: str) -> StoredObject:
    """The object under a store key; a missing or malformed key is a 404."""
    try:
        return storage.get(full_key)
    except (ObjectNotFound, InvalidObjectKey) as exc:
        raise _missing(key) from exc


def delete(
    session: Session,
    *,
    storage: StorageProvider,
    organization_id: uuid.UUID,
    key: str,
    actor_user_id: uuid.UUID,
) -> None:
    storage.delete(_existing_key(storage, organization_id, key))
    events.record(session, FileDeleted(path=key, actor_user_id=actor_user_id))


def presigned_url(
    *, storage: StorageProvider, organization_id: uuid.UUID, key: str, expires_in: int
) -> str:
    """A link that works without a token until it expires."""
    full_key = _existing_key(storage, organization_id, key)
    try:
        return storage.presigned_url(full_key, expires_in_s=expires_in)
    except PermanentProviderError as exc:
        raise ValidationFailed(
            str(exc), errors=[FieldProblem("query.expires_in", str(exc), "range")]
        ) from exc
