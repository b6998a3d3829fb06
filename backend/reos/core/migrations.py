"""Running the Alembic chain from code (tests, proofs, scripts) against a given database."""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, make_url

from reos.core.db import create_db_engine

# backend/reos/core/migrations.py -> backend/
BACKEND_DIR = Path(__file__).resolve().parents[2]
ALEMBIC_DIR = BACKEND_DIR / "alembic"


def _as_url(url: str | URL) -> URL:
    # str(URL) would mask the password, so a URL object is passed on untouched.
    return make_url(url) if isinstance(url, str) else url


def alembic_config(url: str | URL | None = None, output: io.StringIO | None = None) -> Config:
    """A Config for the one chain; `url` travels in `attributes`, which env.py prefers."""
    config = Config(str(BACKEND_DIR / "alembic.ini"), stdout=output or io.StringIO())
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.attributes["quiet_logging"] = True
    if url is not None:
        config.attributes["url"] = _as_url(url)
    return config


def upgrade(url: str | URL, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | URL, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current(url: str | URL) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    engine = create_db_engine(_as_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def history_lines() -> list[str]:
    output = io.StringIO()
    command.history(alembic_config(output=output), verbose=False)
    return [line for line in output.getvalue().splitlines() if line.strip()]
