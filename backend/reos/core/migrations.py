"""Running the Alembic chain from code (tests, proofs, scripts) against a given database."""

from __future__ import annotations

import io
import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import URL, make_url

from reos.core.db import create_db_engine

# backend/reos/core/migrations.py -> backend/
BACKEND_DIR = Path(__file__).resolve().parents[2]
ALEMBIC_DIR = BACKEND_DIR / "alembic"

# What the search migrations create and no model can declare: FTS5 tables (with their shadow
# tables) on SQLite; on PostgreSQL, 0007's tsvector expression and trigram indexes and 0009's
# autocomplete indexes (expressions, a collation, partial, INCLUDE), which replace 0007's
# trigram ones.
SEARCH_TABLE = re.compile(r"^(properties|leads|campaigns)_fts(_(data|idx|docsize|config))?$")
SEARCH_INDEXES = frozenset(
    {
        # 0007
        "ix_properties_search_tsv",
        "ix_leads_search_tsv",
        "ix_campaigns_search_tsv",
        "ix_properties_address_trgm",
        "ix_properties_city_trgm",
        "ix_leads_first_name_trgm",
        "ix_leads_last_name_trgm",
        # 0009
        "ix_properties_suggest_address",
        "ix_properties_suggest_city",
        "ix_properties_address_lower_trgm",
        "ix_leads_suggest_last_first",
        "ix_leads_suggest_first_last",
        "ix_leads_first_name_lower_trgm",
        "ix_leads_last_name_lower_trgm",
    }
)


def modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name`: whether a reflected object is one the models describe. Without
    it, autogenerate would propose dropping what the search migration built by hand."""
    if type_ == "table":
        return not SEARCH_TABLE.match(name or "")
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


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
