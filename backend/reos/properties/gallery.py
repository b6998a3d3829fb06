"""Property images: checked by their bytes, stored under the organization's prefix."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from providers.storage.port import StorageProvider
from reos import events
from reos.core.errors import (
    FieldProblem,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from reos.events.catalog import PropertyImageAdded
from reos.models import PropertyImage
from reos.properties.crud import get_property
from reos.properties.images import IMAGE_TYPES, image_dimensions, sniff_image_type
from reos.storage import service as storage_service


def add_image(
    session: Session,
    *,
    storage: StorageProvider,
    property_id: uuid.UUID,
    filename: str | None,
    data: bytes,
    max_bytes: int,
    actor_user_id: uuid.UUID,
) -> PropertyImage:
    """Store a JPEG, PNG or WebP for the property; the type and size come from its bytes."""
    prop = get_property(session, property_id=property_id)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The image is larger than {max_bytes} bytes.")
    if not data:
        raise ValidationFailed(
            "The file is empty.", errors=[FieldProblem("body.file", "empty file", "empty")]
        )
    content_type = sniff_image_type(data)
    if content_type not in IMAGE_TYPES:
        raise UnsupportedMediaType(
            f"Property images must be JPEG, PNG or WebP; this file is {content_type or 'unknown'}.",
            errors=[FieldProblem("body.file", "not a JPEG, PNG or WebP image", "file_type")],
        )
    size = image_dimensions(content_type, data)
    if size is None:
        raise ValidationFailed(
            "The image is truncated or corrupt: its size cannot be read.",
            errors=[FieldProblem("body.file", "unreadable image header", "corrupt_image")],
        )
    position = session.scalar(
        select(func.count()).select_from(PropertyImage).where(PropertyImage.property_id == prop.id)
    )
    stored = storage_service.upload(
        storage=storage,
        organization_id=prop.organization_id,
        filename=filename,
        declared_type=content_type,
        data=data,
        max_bytes=max_bytes,
    )
    image = PropertyImage(
        property_id=prop.id,
        storage_key=stored.key,
        content_type=content_type,
        size_bytes=len(data),
        width=size[0],
        height=size[1],
        position=position or 0,
    )
    session.add(image)
    session.flush()
    events.record(
        session,
        PropertyImageAdded(
            property_id=prop.id,
            image_id=image.id,
            path=stored.key,
            content_type=content_type,
            size_bytes=len(data),
            actor_user_id=actor_user_id,
        ),
    )
    return image
