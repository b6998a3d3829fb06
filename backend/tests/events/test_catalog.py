"""The event catalog is a public contract: complete, documented in docs/EVENTS.md exactly as
it is, and free of anything secret."""

from __future__ import annotations

import re
from pathlib import Path

from reos.events import catalog
from reos.events.doc import render

DOC = Path(__file__).resolve().parents[3] / "docs" / "EVENTS.md"
SECRET_NAME = re.compile(r"password|secret|token|hash|key", re.IGNORECASE)
TYPE_NAME = re.compile(r"[a-z_]+\.[a-z_]+")


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_concrete_event_is_in_the_catalog_under_a_well_formed_type() -> None:
    concrete = {cls for cls in _all_subclasses(catalog.DomainEvent) if "type" in vars(cls)}
    assert concrete == set(catalog.CATALOG.values())
    assert all(TYPE_NAME.fullmatch(name) for name in catalog.CATALOG)
    assert all(cls.version >= 1 and cls.__doc__ for cls in concrete)


def test_no_payload_field_is_named_like_a_credential() -> None:
    def names(model: type) -> list[str]:
        found = []
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            found.append(name)
            nested = info.annotation
            if isinstance(nested, type) and hasattr(nested, "model_fields"):
                found += names(nested)
        return found

    offending = [
        f"{event_type}.{name}"
        for event_type, cls in catalog.CATALOG.items()
        for name in names(cls)
        if SECRET_NAME.search(name) and not name.endswith("_id")
    ]
    assert offending == []


def test_the_documentation_is_the_catalog() -> None:
    assert DOC.read_text() == render(), (
        "regenerate with: python -m reos.events.doc > docs/EVENTS.md"
    )
