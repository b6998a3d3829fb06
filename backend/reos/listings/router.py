"""HTTP endpoints of /api/v1/listings."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/listings", tags=["listings"])
