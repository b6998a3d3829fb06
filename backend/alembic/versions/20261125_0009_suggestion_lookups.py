"""suggestion lookups

Autocomplete (`GET /api/v1/search/suggestions`) runs per keystroke, so its look-ups must not
grow with the organization. The functions of migration 0007 matched every row starting with,
or having a word starting with, what was typed (thousands of rows for two letters), sorted them
all and kept the first few; cities were made distinct over all of those rows. This revision
keeps their names, arguments, results and security model (SECURITY DEFINER, answering for the
caller's `app.org_id` only, with ids and labels) and changes how they find rows.

- Two tiers. What starts with the text (`p_starts`) is read first, in order, from a btree
  range over the lowered label that stops at the limit. Only when that leaves room are the
  other matches read (`p_prefix`, `p_word`, `p_contains`, and for leads the first and last name
  pair), in the same order, for the rows left and without the first tier's.
- Order: the lowered label byte by byte (`COLLATE "C"`), then the id, so that equal labels are
  ordered too; leads by last name, then first name, then id.
- The first tier is static SQL, planned once per session: its range is given as bounds (the
  pattern's literal prefix), which a cached plan can use.
- Addresses' second tier is dynamic SQL planned with its actual patterns, for the planner to
  choose: a common pattern walks the btree in order and stops early (addresses start with a
  number, so matches spread along it), a rare one is looked up in a trigram index and its few
  rows sorted. Leads are ordered by name, where what a pattern finds inside names clusters (all
  the "Morales" for "ral"): their second tier walks a bounded number of leads in order, and
  only if that is not enough looks the rest up (trigram indexes) and sorts them.
- Cities: an organization's distinct cities are read by skipping through a btree
  (`organization_id, lower(city), city, id`) one city at a time, each step one index descent,
  instead of reading every property of a city; a city's first entry holds its smallest id, the
  id the function returned before.
- The btrees are partial (`deleted_at IS NULL`: archived rows are never suggested) and include
  the label's columns, so that walking them reads no table row once the visibility map is set.
  The trigram indexes are rebuilt over `lower(...)`, the expression the btrees hold, so that a
  filter on it reads the indexed value instead of lowering each row again; they also give the
  planner the statistics of that expression (a partial index's are not used, so these are
  not partial). Their pending list is off (`fastupdate`): every keystroke would otherwise scan
  whatever inserts have queued there. The city trigram index has no use left and is dropped.
- The functions declare `ROWS 20` (the API's largest limit): with the default 1000, the app's
  join of their ids to the rows was planned as a hash join over the organization's leads.

No model declares these indexes; reos.core.migrations lists them for autogenerate. Nothing
changes on SQLite, whose FTS5 tables (migration 0007) answer the suggestions. The functions
compare text byte by byte and bound ranges with U+10FFFF: they assume a UTF-8 database.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "WHERE deleted_at IS NULL"
DIRECT = "WITH (fastupdate = off)"
NEW_INDEXES = {
    "ix_properties_suggest_address": (
        f'properties (organization_id, lower(address) COLLATE "C", id) INCLUDE (address) {LIVE}'
    ),
    "ix_properties_suggest_city": (
        f'properties (organization_id, lower(city) COLLATE "C", city, id) {LIVE}'
    ),
    "ix_properties_address_lower_trgm": (
        f"properties USING gin (lower(address) gin_trgm_ops) {DIRECT}"
    ),
    "ix_leads_suggest_last_first": (
        f'leads (organization_id, lower(last_name) COLLATE "C", lower(first_name) COLLATE "C", '
        f"id) INCLUDE (first_name, last_name) {LIVE}"
    ),
    "ix_leads_suggest_first_last": (
        f'leads (organization_id, lower(first_name) COLLATE "C", lower(last_name) COLLATE "C", '
        f"id) {LIVE}"
    ),
    "ix_leads_first_name_lower_trgm": f"leads USING gin (lower(first_name) gin_trgm_ops) {DIRECT}",
    "ix_leads_last_name_lower_trgm": f"leads USING gin (lower(last_name) gin_trgm_ops) {DIRECT}",
}
# The planner tells a common address pattern (walk the btree in order) from a rare one (look it
# up by trigrams) by matching it against a sample of lowered addresses, this index's statistics:
# with the default 100 it misses a pattern matching 1% of them a third of the time, and its
# trigram lookup then rechecks every row having the pattern's rarest trigram ("oak" for
# "2 oak"); with 500 it rarely does. (ANALYZE samples 300 rows per unit of the largest target.)
ADDRESS_STATISTICS = 500
# Migration 0007's trigram indexes, dropped here and rebuilt by the downgrade.
OLD_INDEXES = {
    "ix_properties_address_trgm": "properties USING gin (address gin_trgm_ops)",
    "ix_properties_city_trgm": "properties USING gin (city gin_trgm_ops)",
    "ix_leads_first_name_trgm": "leads USING gin (first_name gin_trgm_ops)",
    "ix_leads_last_name_trgm": "leads USING gin (last_name gin_trgm_ops)",
}

# --- the look-ups -------------------------------------------------------------------------------
#
# Each function has the variables
#   v_org     the caller's organization (nothing is answered without one)
#   v_starts  p_starts lowered: what ranks first
#   v_low     its literal prefix (unescaped, up to the first wildcard), the start of its range
#   v_high    the end of that range: the prefix followed by the highest code point
#   v_prefix, v_word, v_contains
#             the other patterns lowered (v_prefix only if it differs from p_starts: what
#             matches it otherwise belongs to the first tier)
#   v_found   how many rows the first tier gave
# LIKE patterns arrive escaped with backslashes. Static SQL names the variables; the dynamic
# second tier gets them as $1 (v_org), $2 (v_starts), then the other lowered patterns.

ADDRESS_KEY = 'lower(t.address) COLLATE "C"'
ADDRESSES_STARTING = f"""
    SELECT a.id, a.address::text, true
    FROM (SELECT t.id AS row_id, {ADDRESS_KEY} AS key FROM public.properties AS t
          WHERE t.organization_id = v_org AND t.deleted_at IS NULL
            AND {ADDRESS_KEY} >= v_low AND {ADDRESS_KEY} < v_high
            AND {ADDRESS_KEY} LIKE v_starts
          ORDER BY {ADDRESS_KEY}, t.id
          LIMIT p_limit) AS m
    JOIN public.properties AS a ON a.id = m.row_id
    ORDER BY m.key, m.row_id
"""
# Dynamic: $3, $4, $5 what else may match; $6 how many rows are left.
ADDRESSES_OTHER = f"""
    SELECT a.id, a.address::text, false
    FROM (SELECT t.id AS row_id, {ADDRESS_KEY} AS key FROM public.properties AS t
          WHERE t.organization_id = $1 AND t.deleted_at IS NULL
            AND (lower(t.address) LIKE $3 OR lower(t.address) LIKE $4
                 OR lower(t.address) LIKE $5)
            AND ($2 IS NULL OR lower(t.address) NOT LIKE $2)
          ORDER BY {ADDRESS_KEY}, t.id
          LIMIT $6) AS m
    JOIN public.properties AS a ON a.id = m.row_id
    ORDER BY m.key, m.row_id
"""

CITY_KEY = 'lower(t.city) COLLATE "C"'


def _cities(where: str) -> str:
    """The organization's distinct cities narrowed by `where`, in index order (a key, the city,
    its smallest id): a loose index scan, one index descent per city, which the caller's LIMIT
    stops."""
    step = f"""
        SELECT {CITY_KEY} AS key, t.city::text AS city, t.id AS row_id
        FROM public.properties AS t
        WHERE t.organization_id = v_org AND t.deleted_at IS NULL {where} {{after}}
        ORDER BY {CITY_KEY}, t.city, t.id
        LIMIT 1
    """
    after = f"AND ({CITY_KEY}, t.city) > (c.key, c.city)"
    return f"""
    WITH RECURSIVE c(key, city, row_id) AS (
      ({step.format(after="")})
      UNION ALL
      SELECT n.key, n.city, n.row_id FROM c, LATERAL ({step.format(after=after)}) AS n
    )"""


# The walk stays within the range of what starts with the text.
CITIES_STARTING = (
    _cities(f"AND {CITY_KEY} >= v_low AND {CITY_KEY} < v_high AND {CITY_KEY} LIKE v_starts")
    + "\n    SELECT c.row_id, c.city, true FROM c LIMIT p_limit\n"
)
# Static as well: the walk visits the organization's cities whatever the patterns.
CITIES_OTHER = _cities("") + (
    "\n    SELECT c.row_id, c.city, false FROM c"
    "\n    WHERE (c.key LIKE v_prefix OR c.key LIKE v_word OR c.key LIKE v_contains)"
    "\n      AND (v_starts IS NULL OR c.key NOT LIKE v_starts)"
    "\n    LIMIT p_limit - v_found\n"
)

LAST_KEY = 'lower(t.last_name) COLLATE "C"'
FIRST_KEY = 'lower(t.first_name) COLLATE "C"'
LEAD_KEYS = f"t.id AS row_id, {LAST_KEY} AS last_key, {FIRST_KEY} AS first_key"
LEAD_ROWS = """
    SELECT l.id, (l.first_name || ' ' || l.last_name)::text, {starts}
    FROM ({matches}) AS m
    JOIN public.leads AS l ON l.id = m.row_id
    ORDER BY m.last_key, m.first_key, m.row_id
"""
# A first or a last name starting with the text: each name's own index gives its first rows,
# by last name, first name and id; the first of both are kept.
LEADS_STARTING = LEAD_ROWS.format(
    starts="true",
    matches=f"""
      (SELECT {LEAD_KEYS} FROM public.leads AS t
       WHERE t.organization_id = v_org AND t.deleted_at IS NULL
         AND {LAST_KEY} >= v_low AND {LAST_KEY} < v_high AND {LAST_KEY} LIKE v_starts
       ORDER BY 2, 3, 1 LIMIT p_limit)
      UNION
      (SELECT {LEAD_KEYS} FROM public.leads AS t
       WHERE t.organization_id = v_org AND t.deleted_at IS NULL
         AND {FIRST_KEY} >= v_low AND {FIRST_KEY} < v_high AND {FIRST_KEY} LIKE v_starts
       ORDER BY 2, 3, 1 LIMIT p_limit)
      ORDER BY 2, 3, 1
      LIMIT p_limit
    """,
)


def _lead_match(first: str, last: str, values: dict[str, str]) -> str:
    """Whether a lead whose lowered names are `first` and `last` is a second-tier match: either
    name matching the prefix, word or contains pattern, or the first name the pair's first
    pattern and the last name its second; and neither name starting with the text."""
    v = values
    either = " OR ".join(
        f"{name} LIKE {v[pattern]}"
        for pattern in ("prefix", "word", "contains")
        for name in (first, last)
    )
    return (
        f"({either} OR ({first} LIKE {v['first']} AND {last} LIKE {v['last']}))"
        f" AND ({v['starts']} IS NULL"
        f" OR NOT ({first} LIKE {v['starts']} OR {last} LIKE {v['starts']}))"
    )


# Leads are ordered by name, and what a pattern matches inside names clusters there (all the
# "Morales" for "ral"): a walk in that order could read most of the organization before its
# first match, however common the pattern, and the planner cannot know it. So the second tier
# first walks a bounded number of leads in order (static SQL); only when that is not enough
# does a dynamic query collect all the matches after them and sort them (that work grows with
# the matches, as all of 0007's did).
LEAD_WALK = 1000
LEAD_VARIABLES = {
    "starts": "v_starts",
    "prefix": "v_prefix",
    "word": "v_word",
    "contains": "v_contains",
    "first": "v_first",
    "last": "v_last",
}
LEADS_WALKED = LEAD_ROWS.format(
    starts="false",
    matches=f"""
      SELECT w.row_id, w.last_key, w.first_key
      FROM (SELECT {LEAD_KEYS}, lower(t.first_name) AS first_name,
                   lower(t.last_name) AS last_name
            FROM public.leads AS t
            WHERE t.organization_id = v_org AND t.deleted_at IS NULL
            ORDER BY 2, 3, 1
            LIMIT {LEAD_WALK}) AS w
      WHERE {_lead_match("w.first_name", "w.last_name", LEAD_VARIABLES)}
      ORDER BY 2, 3, 1
      LIMIT p_limit - v_found
    """,
)
# The last lead walked, if the organization has that many.
LEADS_WALK_END = f"""
    SELECT {LAST_KEY}, {FIRST_KEY}, t.id INTO v_walk_last, v_walk_first, v_walk_id
    FROM public.leads AS t
    WHERE t.organization_id = v_org AND t.deleted_at IS NULL
    ORDER BY 1, 2, 3
    OFFSET {LEAD_WALK - 1} LIMIT 1
"""
# The matches after the walk: $2 .. $7 as in LEAD_VARIABLES, $8 .. $10 where the walk ended,
# $11 how many rows are left. MATERIALIZED keeps the planner from walking the rest in order.
LEAD_PARAMETERS = {
    "starts": "$2",
    "prefix": "$3",
    "word": "$4",
    "contains": "$5",
    "first": "$6",
    "last": "$7",
}
LEADS_AFTER_WALK = (
    "WITH hits AS MATERIALIZED ("
    + (
        f"""
      SELECT {LEAD_KEYS} FROM public.leads AS t
      WHERE t.organization_id = $1 AND t.deleted_at IS NULL
        AND {_lead_match("lower(t.first_name)", "lower(t.last_name)", LEAD_PARAMETERS)}
    )"""
    )
    + LEAD_ROWS.format(
        starts="false",
        matches="""
      SELECT hits.row_id, hits.last_key, hits.first_key FROM hits
      WHERE (hits.last_key, hits.first_key, hits.row_id) > ($8 COLLATE "C", $9 COLLATE "C", $10)
      ORDER BY 2, 3, 1
      LIMIT $11
    """,
    )
)
LEADS_OTHER = f"""
    RETURN QUERY {LEADS_WALKED};
    GET DIAGNOSTICS v_walked = ROW_COUNT;
    v_found := v_found + v_walked;
    IF v_found < p_limit THEN
      {LEADS_WALK_END.strip()};
      IF FOUND THEN
        RETURN QUERY EXECUTE $query$ {LEADS_AFTER_WALK} $query$
          USING v_org, v_starts, v_prefix, v_word, v_contains, v_first, v_last,
                v_walk_last, v_walk_first, v_walk_id, p_limit - v_found;
      END IF;
    END IF;"""
LEAD_DECLARATIONS = """
  v_first text := lower(p_first);
  v_last text := lower(p_last);
  v_walked bigint;
  v_walk_last text;
  v_walk_first text;
  v_walk_id uuid;"""

SUGGESTION_ARGUMENTS = "p_starts text, p_prefix text, p_word text, p_contains text, p_limit integer"
SUGGESTION_RESULT = "id uuid, label text, starts boolean"
LEAD_ARGUMENTS = SUGGESTION_ARGUMENTS + ", p_first text, p_last text"
# Whether anything but what starts can match.
OTHERS = "v_prefix IS NOT NULL OR v_word IS NOT NULL OR v_contains IS NOT NULL"
# name: (arguments, extra declarations, first tier (a query), when a second tier may find
# something, second tier (statements))
FUNCTIONS = {
    "reos_suggest_addresses": (
        SUGGESTION_ARGUMENTS,
        "",
        ADDRESSES_STARTING,
        OTHERS,
        f"""RETURN QUERY EXECUTE $query$ {ADDRESSES_OTHER} $query$
      USING v_org, v_starts, v_prefix, v_word, v_contains, p_limit - v_found;""",
    ),
    "reos_suggest_cities": (
        SUGGESTION_ARGUMENTS,
        "",
        CITIES_STARTING,
        OTHERS,
        f"RETURN QUERY {CITIES_OTHER};",
    ),
    "reos_suggest_leads": (
        LEAD_ARGUMENTS,
        LEAD_DECLARATIONS,
        LEADS_STARTING,
        OTHERS + " OR (v_first IS NOT NULL AND v_last IS NOT NULL)",
        LEADS_OTHER,
    ),
}
# At most the API's limit of rows: the estimate the caller's join is planned with.
HEADER = (
    "LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20 SET search_path = pg_catalog, public "
    "AS $function$"
)
CURRENT_ORG = "NULLIF(current_setting('app.org_id', true), '')::uuid"
# The literal start of a LIKE pattern: escaped characters and plain ones up to the first
# wildcard, unescaped.
LITERAL_PREFIX = r"regexp_replace(substring(v_starts from '^(?:[^\\%_]|\\.)*'), '\\(.)', '\1', 'g')"


def _function(name: str) -> str:
    arguments, declarations, starting, possible, other = FUNCTIONS[name]
    return f"""
CREATE OR REPLACE FUNCTION {name}({arguments}) RETURNS TABLE({SUGGESTION_RESULT}) {HEADER}
DECLARE
  v_org uuid := {CURRENT_ORG};
  v_starts text := lower(p_starts);
  v_low text := {LITERAL_PREFIX};
  v_high text := v_low || chr(1114111);
  v_prefix text := CASE WHEN p_prefix IS DISTINCT FROM p_starts THEN lower(p_prefix) END;
  v_word text := lower(p_word);
  v_contains text := lower(p_contains);
  v_found bigint := 0;{declarations}
BEGIN
  IF v_org IS NULL OR p_limit IS NULL OR p_limit < 1 THEN
    RETURN;
  END IF;
  IF v_starts IS NOT NULL THEN
    RETURN QUERY {starting};
    GET DIAGNOSTICS v_found = ROW_COUNT;
  END IF;
  IF v_found < p_limit AND ({possible}) THEN
    {other.strip()}
  END IF;
END
$function$
"""


# --- migration 0007's look-ups, restored by the downgrade --------------------------------------

PREVIOUS = {
    "reos_suggest_addresses": (
        SUGGESTION_ARGUMENTS,
        """
  SELECT t.id, t.address::text, t.address ILIKE $2
  FROM public.properties AS t
  WHERE t.organization_id = $1 AND t.deleted_at IS NULL
    AND (t.address ILIKE $3 OR t.address ILIKE $4 OR t.address ILIKE $5)
  ORDER BY 3 DESC, 2
  LIMIT $6
""",
    ),
    "reos_suggest_cities": (
        SUGGESTION_ARGUMENTS,
        """
  SELECT c.id, c.city, c.starts FROM (
    SELECT DISTINCT ON (t.city) t.id, t.city::text AS city, t.city ILIKE $2 AS starts
    FROM public.properties AS t
    WHERE t.organization_id = $1 AND t.deleted_at IS NULL
      AND (t.city ILIKE $3 OR t.city ILIKE $4 OR t.city ILIKE $5)
    ORDER BY t.city, t.id
  ) AS c
  ORDER BY 3 DESC, 2
  LIMIT $6
""",
    ),
    "reos_suggest_leads": (
        LEAD_ARGUMENTS,
        """
  SELECT t.id, (t.first_name || ' ' || t.last_name)::text,
         t.first_name ILIKE $2 OR t.last_name ILIKE $2
  FROM public.leads AS t
  WHERE t.organization_id = $1 AND t.deleted_at IS NULL
    AND (t.first_name ILIKE $3 OR t.first_name ILIKE $4 OR t.first_name ILIKE $5
         OR t.last_name ILIKE $3 OR t.last_name ILIKE $4 OR t.last_name ILIKE $5
         OR (t.first_name ILIKE $7 AND t.last_name ILIKE $8))
  ORDER BY 3 DESC, t.last_name, t.first_name
  LIMIT $6
""",
    ),
}


# As 0007 created them: with the default row estimate, which a replacement would otherwise keep.
PREVIOUS_HEADER = HEADER.replace("ROWS 20", "ROWS 1000")


def _previous_function(name: str) -> str:
    arguments, query = PREVIOUS[name]
    names = ", ".join(argument.split()[0] for argument in arguments.split(", "))
    return (
        f"CREATE OR REPLACE FUNCTION {name}({arguments}) RETURNS TABLE({SUGGESTION_RESULT}) "
        f"{PREVIOUS_HEADER} BEGIN RETURN QUERY EXECUTE $query$ {query} $query$ "
        f"USING {CURRENT_ORG}, {names}; END $function$"
    )


# CREATE OR REPLACE keeps each function's owner and grants (EXECUTE for the app role only).


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in OLD_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, definition in NEW_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")
    op.execute(
        "ALTER INDEX ix_properties_address_lower_trgm "
        f"ALTER COLUMN 1 SET STATISTICS {ADDRESS_STATISTICS}"
    )
    for name in FUNCTIONS:
        op.execute(_function(name))
    # The statistics of the indexed expressions, which the planner weighs patterns against.
    op.execute("ANALYZE properties")
    op.execute("ANALYZE leads")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in PREVIOUS:
        op.execute(_previous_function(name))
    for name in NEW_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, definition in OLD_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")
