"""Builders for the records tests keep making: a property's request body, a property created
through the API, rows written straight into a session (properties, leads, campaigns) and a
small valid PNG. A test names only the fields that matter to it."""

from __future__ import annotations

import struct
import uuid
import zlib
from typing import Any

import factory
from fastapi.testclient import TestClient

from reos.core.db import Database
from reos.models import Campaign, Lead, Property
from tests.conftest import Account

PROPERTIES = "/api/v1/properties"


# --- through the API -----------------------------------------------------------------------------


def property_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """Return a valid POST /properties body; `n` makes the address and price distinct."""
    base: dict[str, Any] = {
        "address": f"{n} Oak Avenue",
        "city": "Austin",
        "state": "tx",
        "zip_code": "78701",
        "property_type": "single_family",
        "price": 400_000 + n * 10_000,
        "bedrooms": 3,
        "bathrooms": 2,
        "square_feet": 1_800,
        "year_built": 1995,
    }
    base.update(overrides)
    return base


def create_property(client: TestClient, account: Account, **fields: Any) -> dict[str, Any]:
    """Create a property through the API (the fields given, or `property_body()`)."""
    response = client.post(PROPERTIES, headers=account.headers, json=fields or property_body())
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# --- straight into a session ---------------------------------------------------------------------
# For tests about reads (search, suggestions) that need exact rows and none of a write's effects.


class PropertyRow(factory.Factory):
    """An unsaved Property in Austin whose normalized address never collides."""

    class Meta:
        model = Property

    address = factory.Sequence(lambda n: f"{n} Builder Street")
    normalized_address = factory.LazyAttribute(
        lambda row: f"{row.address.lower()} {uuid.uuid4().hex}"
    )
    city = "Austin"
    state = "TX"
    zip_code = "78701"
    property_type = "single_family"


class LeadRow(factory.Factory):
    """An unsaved Lead with a name and nothing else."""

    class Meta:
        model = Lead

    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Builder{n}")


class CampaignRow(factory.Factory):
    """An unsaved email Campaign."""

    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = "email"


def organization_of(account: Account) -> uuid.UUID:
    return uuid.UUID(account.organization_id)


def add_property(database: Database, account: Account, address: str, **fields: Any) -> str:
    """Write a property row for the account's organization and return its id."""
    with database.unit_of_work(organization_of(account)) as session:
        home = PropertyRow.build(address=address, **fields)
        session.add(home)
        session.flush()
        return str(home.id)


def add_lead(database: Database, account: Account, first: str, last: str, **fields: Any) -> str:
    """Write a lead row for the account's organization and return its id."""
    with database.unit_of_work(organization_of(account)) as session:
        lead = LeadRow.build(first_name=first, last_name=last, **fields)
        session.add(lead)
        session.flush()
        return str(lead.id)


def add_campaign(database: Database, account: Account, name: str, **fields: Any) -> str:
    """Write a campaign row for the account's organization and return its id."""
    with database.unit_of_work(organization_of(account)) as session:
        campaign = CampaignRow.build(name=name, **fields)
        session.add(campaign)
        session.flush()
        return str(campaign.id)


# --- files ---------------------------------------------------------------------------------------


def png(width: int, height: int) -> bytes:
    """Return a valid RGB PNG of the given size, built byte by byte."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
