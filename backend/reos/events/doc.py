"""docs/EVENTS.md, written from the catalog (`python -m reos.events.doc > docs/EVENTS.md`); a
test keeps the two the same."""

from __future__ import annotations

import re
from typing import Any

from reos.events.catalog import CATALOG, DomainEvent

INTRO = """# Domain events

Every state change is recorded as a domain event in the same transaction as the change
(`reos.events.record`), in the `events` table: a transactional outbox. The audit trail, the
property history, the lead timeline's status changes and the retirement of cached reads
subscribe to these events (`reos/events/subscribers.py`, and the commit listeners installed by
the composition root). This catalog is a public contract: the event stream and the outbound
webhooks publish exactly these types and payloads.

## Envelope

| column | meaning |
|---|---|
| `id` | bigint, increasing: the stream's cursor |
| `organization_id` | the tenant (Row-Level Security on PostgreSQL, the ORM filter everywhere) |
| `type` | `<entity>.<past-tense verb>`, one of the types below |
| `entity_type`, `entity_id` | what the event is about |
| `actor_user_id` | who made the change; empty for the system (tasks, provider callbacks) |
| `payload` | JSON: `version` (the payload's schema version), then the fields below |
| `occurred_at` | when the change happened (UTC) |

Payloads never carry passwords, password hashes, tokens or secrets. Events are kept
`EVENT_RETENTION_DAYS` (90 by default) and then purged by a nightly task per organization; the
application's database role may insert and read them, never change or delete them.

## Catalog
"""


def _type_name(annotation: Any) -> str:
    text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    text = re.sub(r"\b\w+\.", "", text)  # module paths
    # A bar would end the table's cell.
    return text.replace("NoneType", "null").replace(" | ", " or ")


def _fields(cls: type[DomainEvent]) -> str:
    return ", ".join(
        f"`{name}` ({_type_name(info.annotation)})"
        for name, info in cls.model_fields.items()
        if not info.exclude
    )


def render() -> str:
    lines = [INTRO, "| type | entity | version | when | payload |", "|---|---|---|---|---|"]
    for event_type, cls in CATALOG.items():
        when = " ".join((cls.__doc__ or "").split())
        lines.append(
            f"| `{event_type}` | {cls.entity_type} | {cls.version} | {when} | {_fields(cls)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
