"""Who reacts to which event inside the recording transaction, in one table.

A subscriber is registered for a type pattern (`fnmatch` syntax: `property.*`, `*`) and is
called by `record` with the session, the event and its stored row, so whatever it writes
commits or rolls back with the change itself.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import TypeVar

from sqlalchemy.orm import Session

from reos.events.catalog import DomainEvent
from reos.models import Event

Subscriber = Callable[[Session, DomainEvent, Event], None]
S = TypeVar("S", bound=Subscriber)

_SUBSCRIBERS: list[tuple[str, Subscriber]] = []


def subscribe(*patterns: str) -> Callable[[S], S]:
    """Register the decorated function for the event types matching any of `patterns`."""

    def register(subscriber: S) -> S:
        for pattern in patterns:
            _SUBSCRIBERS.append((pattern, subscriber))
        return subscriber

    return register


def subscribers_of(event_type: str) -> list[Subscriber]:
    """The subscribers of one type, in registration order, each once."""
    found: list[Subscriber] = []
    for pattern, subscriber in _SUBSCRIBERS:
        if fnmatchcase(event_type, pattern) and subscriber not in found:
            found.append(subscriber)
    return found
