"""HTTP endpoints of /api/v1/leads."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/leads", tags=["leads"])
