"""Which changes retire the cached property reads, and the cache as a route dependency.

The cache itself is `reos.core.cache.OrganizationCache`, built by the composition root. A write
bumps the organization's generation twice, for the property events it records
(`retire_on_commit`): just before its transaction commits, and again after. The second bump
drops whatever a concurrent read cached from the database in between (the old rows), so a read
that follows a write never sees the old state.
"""

from __future__ import annotations

import uuid
from fnmatch import fnmatchcase

from fastapi import Request
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from reos import events
from reos.api.deps import container_of
from reos.core.cache import OrganizationCache
from reos.core.db import Database

CACHE_NAME = "properties"
# The events whose commit changes what the cached property reads show.
CACHED_EVENT_TYPES = ("property.*",)


async def property_cache(request: Request) -> OrganizationCache:
    """The cache as a dependency; async because it does no I/O (no thread-pool hop)."""
    return container_of(request).property_cache


def _changed_organizations(recorded: list[events.Recorded]) -> set[uuid.UUID]:
    return {
        r.organization_id
        for r in recorded
        if any(fnmatchcase(r.type, pattern) for pattern in CACHED_EVENT_TYPES)
    }


def retire_on_commit(database: Database, cache: OrganizationCache) -> None:
    """Retire an organization's cached reads whenever a unit of work of `database` commits an
    event that changes what they show: once just before the commit and again after it.

    The second bump drops what a concurrent read cached from the old rows meanwhile; the first
    makes the response of the write itself (sent before the commit listeners run) safe to follow
    with a read at once.
    """

    def before(session: Session) -> None:
        for organization_id in _changed_organizations(events.pending(session)):
            cache.invalidate(organization_id)

    def after(session: Session) -> None:
        for organization_id in _changed_organizations(events.committed(session)):
            cache.invalidate(organization_id)

    sa_event.listen(database.session_factory, "before_commit", before)
    database.on_commit.append(after)
