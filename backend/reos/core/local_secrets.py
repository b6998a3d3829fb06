"""Secrets the embedded demo generates for itself under VAR_DIR/keys (mock mode only)."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path

from reos.core.settings import Settings


def generated_once(path: Path, generate: Callable[[], bytes]) -> bytes:
    """The file's content, generating it first if it does not exist yet.

    The new content is written to a private temp file and hard-linked into place, which fails if
    another process got there first: then that process's content wins and both read the same.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(generate())
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def local_secret(settings: Settings, name: str, given: str = "") -> str:
    """`given` when set; otherwise, in mock mode, a random secret generated once and kept."""
    if given:
        return given
    if settings.mode != "mock":
        raise RuntimeError(f"{name} must be set outside mock mode")
    path = settings.var_dir / "keys" / f"{name.lower()}.secret"
    return generated_once(path, lambda: secrets.token_urlsafe(32).encode()).decode().strip()
