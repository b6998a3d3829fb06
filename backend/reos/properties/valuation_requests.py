"""Asking for a valuation: the property must be the organization's, and the valuing itself runs
as a task (`reos.properties.jobs`), started once the request's transaction commits."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from reos.jobs import enqueue
from reos.models import TaskRun
from reos.properties.crud import get_property
from reos.properties.jobs import VALUE_PROPERTY, ValuePropertyArgs


def request_valuation(
    session: Session, *, property_id: uuid.UUID, actor_user_id: uuid.UUID
) -> TaskRun:
    """Start valuing a property of the session's organization (another's is a 404)."""
    get_property(session, property_id=property_id)
    arguments = ValuePropertyArgs(property_id=property_id, actor_user_id=actor_user_id)
    return enqueue(session, VALUE_PROPERTY, arguments, created_by=actor_user_id)
