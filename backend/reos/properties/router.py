"""HTTP endpoints of /api/v1/properties."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/properties", tags=["properties"])
