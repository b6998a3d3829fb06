"""Secrets the embedded demo generates for itself under VAR_DIR/keys (mock mode only)."""

from __future__ import annotations

import secrets
import uuid

from reos.core.settings import Settings


def local_secret(settings: Settings, name: str, given: str = "") -> str:
    """`given` when set; otherwise, in mock mode, a random secret generated once and kept."""
    if given:
        return given
    if settings.mode != "mock":
        raise RuntimeError(f"{name} must be set outside mock mode")
    path = settings.var_dir / "keys" / f"{name.lower()}.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(secrets.token_urlsafe(32))
        tmp.chmod(0o600)
        tmp.replace(path)  # atomic, so concurrent first starts agree on one secret
    return path.read_text().strip()
