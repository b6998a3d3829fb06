"""Where an organization's objects live in the storage provider."""

from __future__ import annotations

import uuid


def organization_key(organization_id: uuid.UUID, key: str) -> str:
    """Where an organization's key lives in the store; other organizations cannot name it."""
    return f"orgs/{organization_id}/{key}"
