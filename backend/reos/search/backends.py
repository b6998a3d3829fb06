"""The database side of search: one interface, a PostgreSQL and a SQLite implementation.

- PostgreSQL: full text with `to_tsvector('english', ...) @@ websearch_to_tsquery('english', :q)`
  ranked by `ts_rank`, over the GIN indexes of migration 0007, and autocomplete over the btree
  and trigram indexes of migration 0009. Row-Level Security would keep the planner off those
  indexes (`@@` and ILIKE are not leakproof), so the lookups are the migrations' SECURITY
  DEFINER functions (`reos_search_<table>`, `reos_suggest_<kind>`), which answer with the ids
  (and ranks) of the caller's organization only; distances by the haversine formula in SQL.
- SQLite: the FTS5 tables of migration 0007 (`properties_fts`, `leads_fts`, `campaigns_fts`,
  external-content tables over the rows' rowids, kept in sync by triggers) queried with MATCH
  and ranked by `bm25()`; autocomplete with FTS5 prefix queries; distances by a haversine
  function registered on the connection.

Backends only build SQL fragments; the service assembles them into ORM statements, so the
session's tenancy and soft-delete criteria apply to every search. User text never reaches a
query language unescaped: PostgreSQL's `websearch_to_tsquery` accepts any text, LIKE patterns
are escaped, and for FTS5 the text is reduced to words, each one quoted.

Autocomplete runs per keystroke, so its fragments are built once with bound parameters
(`suggestion_match`) and given their values per call (`suggestion_values`); the service caches
the statement they make.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    Uuid,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from providers.geo import EARTH_RADIUS_KM, haversine_km
from reos.models import Campaign, Lead, Property

# Any select, whatever its columns.
Statement: TypeAlias = Select[*tuple[Any, ...]]
Target = Literal["properties", "leads", "campaigns"]
SuggestionField = Literal["address", "city", "lead"]

ENTITY_IDS: dict[Target, Any] = {
    "properties": Property.id,
    "leads": Lead.id,
    "campaigns": Campaign.id,
}

# --- PostgreSQL ---------------------------------------------------------------------------------

# Below three characters a pattern has too few trigrams for a contains match; prefixes (of the
# value or of one of its words) still have their padded leading trigram.
PG_CONTAINS_FROM = 3
PG_SUGGESTION_FUNCTIONS: dict[SuggestionField, str] = {
    "address": "reos_suggest_addresses",
    "city": "reos_suggest_cities",
    "lead": "reos_suggest_leads",
}
# The functions' arguments in order, each a bound parameter named "<field>_<argument>".
PG_SUGGESTION_ARGUMENTS = ("starts", "prefix", "word", "contains", "limit")
PG_LEAD_PAIR = ("first", "last")

# --- SQLite -------------------------------------------------------------------------------------

FTS_TABLES: dict[Target, str] = {
    "properties": "properties_fts",
    "leads": "leads_fts",
    "campaigns": "campaigns_fts",
}
# bm25() weights, one per FTS column in the order the migration declares them.
FTS_WEIGHTS: dict[Target, tuple[float, ...]] = {
    "properties": (10.0, 5.0, 1.0),  # address, city, description
    "leads": (10.0, 10.0, 5.0, 5.0, 1.0),  # first_name, last_name, email, phone, notes
    "campaigns": (1.0,),  # name
}
FTS_SUGGESTION_COLUMNS: dict[SuggestionField, tuple[Target, str]] = {
    "address": ("properties", "{address}"),
    "city": ("properties", "{city}"),
    "lead": ("leads", "{first_name last_name}"),
}
HAVERSINE_FUNCTION = "reos_haversine_km"

_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")
# Dropped from bare terms as PostgreSQL's english configuration does, so "pool with garden"
# finds the same rows on both databases.
_STOP_WORDS_TEXT = (
    "a an and are as at be but by for from has have he her his i if in into is it its me my no "
    "nor not of on or our she so such than that the their them then there these they this to too "
    "was we were what when where which while who will with you your"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class TextMatch:
    """How a statement is narrowed to the rows matching a search text, and their score."""

    score: ColumnElement[Any]
    condition: ColumnElement[bool] | None = None
    source: FromClause | None = None
    onclause: ColumnElement[bool] | None = None

    def apply(self, statement: Statement) -> Statement:
        if self.source is not None and self.onclause is not None:
            statement = statement.join(self.source, self.onclause)
        if self.condition is not None:
            statement = statement.where(self.condition)
        return statement


class SearchBackend(Protocol):
    """What the search service needs from a database."""

    name: str

    def match(self, target: Target, q: str) -> TextMatch | None:
        """The full-text match of `q` over `target`, or None when `q` has no word to look for
        (then nothing matches)."""
        ...

    def suggestion_match(self, field: SuggestionField) -> TextMatch:
        """An indexed lookup of the rows whose `field` starts with, or has a word starting with,
        a text (and, where the index allows, contains it); it may stop at a limit of rows,
        those starting with the text first. The text and the limit are bound parameters, whose
        values `suggestion_values` gives."""
        ...

    def suggestion_values(
        self, field: SuggestionField, q: str, limit: int
    ) -> dict[str, Any] | None:
        """The values of `suggestion_match(field)`'s parameters for `q` and `limit`, or None
        when nothing can match `q`."""
        ...

    def distance_km(self, session: Session, lat: float, lon: float) -> ColumnElement[Any]:
        """The great-circle distance of a property from (lat, lon), NULL without coordinates."""
        ...


# --- shared helpers -----------------------------------------------------------------------------


def like_escape(value: str) -> str:
    """`value` as a literal part of a LIKE pattern whose escape character is a backslash."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _haversine_udf(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> float | None:
    # An exception inside an SQLite function becomes an OperationalError; answer NULL instead.
    try:
        if lat1 is None or lon1 is None or lat2 is None or lon2 is None:
            return None
        return haversine_km(float(lat1), float(lon1), float(lat2), float(lon2))
    except (TypeError, ValueError):
        return None


def fts5_query(q: str) -> str | None:
    """A web-search-like text as an FTS5 expression in which every word is quoted.

    Bare words must all match; `or` between words offers alternatives; `-word` excludes; a
    `"quoted phrase"` matches its words in order. Punctuation separates words, as the tokenizer
    does, so no character of `q` can reach FTS5 as syntax. None when no word is left.
    """
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    for found in _TERM.finditer(q):
        phrase, bare = found.groups()
        negated = False
        if bare is not None:
            if bare.lower() == "or":
                if groups[-1][0] or groups[-1][1]:
                    groups.append(([], []))
                continue
            if bare.startswith("-") and len(bare) > 1:
                negated, bare = True, bare[1:]
            words = _WORD.findall(bare)
            if len(words) == 1 and words[0].lower() in STOP_WORDS:
                continue
        else:
            words = _WORD.findall(phrase)
        if words:
            term = '"' + " ".join(words) + '"'
            groups[-1][1 if negated else 0].append(term)
    rendered = []
    for positive, negative in groups:
        if not positive:
            continue  # FTS5 has no lone NOT; a group of exclusions alone finds nothing
        expression = "(" + " AND ".join(positive) + ")"
        for excluded in negative:
            expression = f"({expression} NOT {excluded})"
        rendered.append(expression)
    return " OR ".join(rendered) if rendered else None


def fts5_prefix_query(q: str) -> str | None:
    """Every word of `q` as a quoted FTS5 prefix term, all required; None without a word."""
    words = _WORD.findall(q)
    return " AND ".join(f'"{word}"*' for word in words) if words else None


# --- PostgreSQL ---------------------------------------------------------------------------------


class PostgresSearch:
    name = "postgresql"

    def match(self, target: Target, q: str) -> TextMatch | None:
        function = getattr(func, f"reos_search_{target}")
        hits = function(literal(q, String)).table_valued(
            column("id", Uuid()), column("rank", Float())
        )
        hits = hits.alias(f"{target}_hits")
        return TextMatch(score=hits.c.rank, source=hits, onclause=hits.c.id == ENTITY_IDS[target])

    def suggestion_match(self, field: SuggestionField) -> TextMatch:
        names = PG_SUGGESTION_ARGUMENTS + (PG_LEAD_PAIR if field == "lead" else ())
        arguments = [
            bindparam(f"{field}_{name}", type_=Integer if name == "limit" else String)
            for name in names
        ]
        function = getattr(func, PG_SUGGESTION_FUNCTIONS[field])
        hits = function(*arguments).table_valued(column("id", Uuid())).alias(f"{field}_hits")
        owner = ENTITY_IDS["leads" if field == "lead" else "properties"]
        return TextMatch(score=literal(0.0), source=hits, onclause=hits.c.id == owner)

    def suggestion_values(
        self, field: SuggestionField, q: str, limit: int
    ) -> dict[str, Any] | None:
        q = q.strip()
        if not q:
            return None
        needle = like_escape(q)
        # A contains pattern finds the prefixes too; below three characters it has no trigram,
        # so the prefix of the value and of its words are looked up instead (one index scan
        # per pattern: fewer patterns, cheaper lookups).
        contains = len(q) >= PG_CONTAINS_FROM
        values: dict[str, Any] = {
            "starts": f"{needle}%",
            "prefix": None if contains else f"{needle}%",
            "word": None if contains else f"% {needle}%",
            "contains": f"%{needle}%" if contains else None,
            "limit": limit,
        }
        if field == "lead":
            # "ann le": the first name starts with one, the last name with the other.
            first, _, rest = q.partition(" ")
            rest = rest.strip()
            values["first"] = f"{like_escape(first)}%" if rest else None
            values["last"] = f"{like_escape(rest)}%" if rest else None
        return {f"{field}_{name}": value for name, value in values.items()}

    def distance_km(self, session: Session, lat: float, lon: float) -> ColumnElement[Any]:
        lat0, lon0 = literal(lat, Float), literal(lon, Float)
        d_lat = func.radians(Property.latitude - lat0) / 2
        d_lon = func.radians(Property.longitude - lon0) / 2
        a = func.power(func.sin(d_lat), 2) + func.cos(func.radians(lat0)) * func.cos(
            func.radians(Property.latitude)
        ) * func.power(func.sin(d_lon), 2)
        return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(a)))


# --- SQLite -------------------------------------------------------------------------------------


class SQLiteSearch:
    name = "sqlite"

    def _fts(
        self,
        target: Target,
        expression: str | None,
        parameter: str = "fts_query",
        alias: str | None = None,
    ) -> TextMatch:
        """`target` rows matching an FTS5 expression: `expression`, or when None the value the
        caller gives `parameter`."""
        name = FTS_TABLES[target]
        condition = text(f"{name} MATCH :{parameter}")
        if expression is not None:
            condition = condition.bindparams(**{parameter: expression})
        fts = table(name, column("rowid"))
        rank = ", ".join(str(weight) for weight in FTS_WEIGHTS[target])
        hits = (
            select(
                fts.c.rowid.label("doc"),
                literal_column(f"-bm25({name}, {rank})", Float).label("score"),
            )
            .select_from(fts)
            .where(condition)
            .subquery(alias or f"{name}_hits")
        )
        owner: ColumnElement[Any] = literal_column(f"{target}.rowid")
        return TextMatch(score=hits.c.score, source=hits, onclause=hits.c.doc == owner)

    def match(self, target: Target, q: str) -> TextMatch | None:
        expression = fts5_query(q)
        return None if expression is None else self._fts(target, expression)

    def suggestion_match(self, field: SuggestionField) -> TextMatch:
        target, _ = FTS_SUGGESTION_COLUMNS[field]
        return self._fts(target, None, f"{field}_fts", f"{field}_hits")

    def suggestion_values(
        self, field: SuggestionField, q: str, limit: int
    ) -> dict[str, Any] | None:
        # FTS5 finds every match; the service's statement keeps the first `limit`.
        terms = fts5_prefix_query(q)
        if terms is None:
            return None
        _, columns = FTS_SUGGESTION_COLUMNS[field]
        return {f"{field}_fts": f"{columns} : ({terms})"}

    def distance_km(self, session: Session, lat: float, lon: float) -> ColumnElement[Any]:
        dbapi = session.connection().connection.dbapi_connection
        if dbapi is not None:
            # Per connection, and cheap to repeat: the pool hands out the same few connections.
            dbapi.create_function(HAVERSINE_FUNCTION, 4, _haversine_udf, deterministic=True)
        return getattr(func, HAVERSINE_FUNCTION)(
            Property.latitude, Property.longitude, literal(lat, Float), literal(lon, Float)
        )


def backend_for(session: Session) -> SearchBackend:
    """The implementation for the database the session talks to."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresSearch()
    return SQLiteSearch()


__all__ = [
    "FTS_TABLES",
    "PG_SUGGESTION_ARGUMENTS",
    "PG_SUGGESTION_FUNCTIONS",
    "PostgresSearch",
    "SQLiteSearch",
    "SearchBackend",
    "Statement",
    "SuggestionField",
    "Target",
    "TextMatch",
    "backend_for",
    "fts5_prefix_query",
    "fts5_query",
    "like_escape",
]
