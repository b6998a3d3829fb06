"""Load the demo organization: deterministic from SEED, idempotent, refused in production.

One organization ("Demo Realty"), four users (admin, sales, agent, viewer), 50 properties with
a valuation each, 20 leads with a score each, 3 campaigns, and sample email and SMS templates.
Every id is derived from SEED, so the same seed gives the same data, and a second run creates
nothing.
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from reos.core.db import Base, Database, bind_tenant
from reos.core.security.passwords import hash_password
from reos.core.settings import Settings, get_settings
from reos.models import (
    Campaign,
    EmailTemplate,
    Lead,
    LeadScore,
    Organization,
    Property,
    PropertyValuation,
    SMSTemplate,
    User,
)
from reos.properties.domain import apn_hash, normalize_address

DEMO_PASSWORD = "DemoPass123!"
SEED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
DEMO_DOMAIN = "demo.reos.example"
ROLES = ("admin", "sales", "agent", "viewer")
PROPERTY_TYPES = ("single_family", "condo", "townhouse", "multi_family", "land", "commercial")
PROPERTY_STATUSES = ("active", "active", "active", "pending", "sold", "off_market")
LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "lost")
LEAD_SOURCES = ("website", "referral", "zillow", "open_house", "cold_call", "direct_mail")
CITIES = (
    ("Austin", "TX", "787", 30.2672, -97.7431),
    ("Denver", "CO", "802", 39.7392, -104.9903),
    ("Phoenix", "AZ", "850", 33.4484, -112.0740),
    ("Raleigh", "NC", "276", 35.7796, -78.6382),
    ("Tampa", "FL", "336", 27.9506, -82.4572),
)


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.existing
        bucket[kind] = bucket.get(kind, 0) + 1


def seed_namespace(seed: int) -> uuid.UUID:
    """Every seeded id is uuid5(namespace, "<kind>:<index>"): the same seed, the same ids."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://real-estate-os.dev/seed/{seed}")


class DemoSeeder:
    def __init__(self, session: Session, seed: int) -> None:
        self.session = session
        self.seed = seed
        self.namespace = seed_namespace(seed)
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.random = random.Random(seed)
        self.report = SeedReport()
        self.now = SEED_DATE

    def id_for(self, kind: str, index: int | str = 0) -> uuid.UUID:
        return uuid.uuid5(self.namespace, f"{kind}:{index}")

    def ensure(self, model: type[Base], row_id: uuid.UUID, **values: Any) -> Any:
        """Insert `model(**values)` under `row_id` unless a row with that id exists."""
        existing = self.session.get(model, row_id)
        kind = model.__tablename__
        self.report.count(kind, existing is None)
        if existing is not None:
            return existing
        row = model(id=row_id, **values)
        self.session.add(row)
        self.session.flush()
        return row

    def run(self) -> SeedReport:
        org_id = self.id_for("organization")
        bind_tenant(self.session, org_id)
        self.ensure(
            Organization,
            org_id,
            name="Demo Realty",
            slug=f"demo-realty-{self.seed}",
        )
        users = {role: self.seed_user(role) for role in ROLES}
        # Draw every random value even for rows that exist, so a partial re-run stays aligned.
        for index in range(50):
            self.seed_property(index, users["agent"].id)
        for index in range(20):
            self.seed_lead(index, users)
        templates = self.seed_templates()
        self.seed_campaigns(templates, users["sales"].id)
        return self.report

    def seed_user(self, role: str) -> User:
        return self.ensure(
            User,
            self.id_for("user", role),
            email=f"{role}@{DEMO_DOMAIN}",
            full_name=f"Demo {role.title()}",
            role=role,
            status="active",
            password_hash=hash_password(DEMO_PASSWORD),
        )

    def seed_property(self, index: int, agent_id: uuid.UUID) -> None:
        city, state, zip_prefix, lat, lon = CITIES[index % len(CITIES)]
        address = self.faker.street_address()
        zip_code = f"{zip_prefix}{self.random.randint(0, 99):02d}"
        property_type = PROPERTY_TYPES[self.random.randrange(len(PROPERTY_TYPES))]
        bedrooms = 0 if property_type in ("land", "commercial") else self.random.randint(1, 6)
        square_feet = 0 if property_type == "land" else self.random.randint(650, 4800)
        price = Decimal(self.random.randint(180, 1450) * 1000)
        apn = f"{self.random.randint(100, 999)}-{self.random.randint(10, 99)}-{index:03d}"
        values = {
            "address": address,
            "city": city,
            "state": state,
            "zip_code": zip_code,
            "property_type": property_type,
            "status": PROPERTY_STATUSES[self.random.randrange(len(PROPERTY_STATUSES))],
            "price": price,
            "bedrooms": bedrooms,
            "bathrooms": Decimal(self.random.randint(2, 8)) / 2 if bedrooms else Decimal(0),
            "square_feet": square_feet or None,
            "lot_size": self.random.randint(2000, 20000),
            "year_built": self.random.randint(1925, 2024),
            "latitude": round(lat + self.random.uniform(-0.15, 0.15), 6),
            "longitude": round(lon + self.random.uniform(-0.15, 0.15), 6),
            "apn": apn,
            "apn_hash": apn_hash(apn),
            "normalized_address": normalize_address(address, city, state, zip_code),
            "description": self.faker.paragraph(nb_sentences=3),
            "owner_name": self.faker.name(),
            "created_by_id": agent_id,
        }
        self.ensure(Property, self.id_for("property", index), **values)

    def seed_lead(self, index: int, users: dict[str, User]) -> None:
        first, last = self.faker.first_name(), self.faker.last_name()
        budget_min = self.random.randint(150, 900) * 1000
        values = {
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}.{index}@leads.{DEMO_DOMAIN}".lower(),
            "phone": f"+1555{self.random.randint(2000000, 9999999)}",
            "source": LEAD_SOURCES[index % len(LEAD_SOURCES)],
            "status": LEAD_STATUSES[self.random.randrange(len(LEAD_STATUSES))],
            "assigned_to_id": users["agent" if index % 2 else "sales"].id,
            "budget_min": Decimal(budget_min),
            "budget_max": Decimal(budget_min + self.random.randint(50, 400) * 1000),
            "notes": self.faker.sentence(),
        }
        self.ensure(Lead, self.id_for("lead", index), **values)

    def seed_templates(self) -> dict[str, uuid.UUID]:
        welcome = self.ensure(
            EmailTemplate,
            self.id_for("email_template", "welcome"),
            name="New listing introduction",
            subject="A home in {{ city }} you may like, {{ first_name }}",
            body_html="<p>Hi {{ first_name }},</p><p>{{ address }} just listed at "
            '{{ price }}.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
            body_text="Hi {{ first_name }}, {{ address }} just listed at {{ price }}. "
            "Unsubscribe: {{ unsubscribe_url }}",
            variables=["first_name", "city", "address", "price", "unsubscribe_url"],
        )
        self.ensure(
            EmailTemplate,
            self.id_for("email_template", "follow_up"),
            name="Showing follow-up",
            subject="Thanks for visiting {{ address }}",
            body_html="<p>Hi {{ first_name }}, thanks for coming by. Questions? Reply here."
            '</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
            body_text="Hi {{ first_name }}, thanks for coming by. Unsubscribe: "
            "{{ unsubscribe_url }}",
            variables=["first_name", "address", "unsubscribe_url"],
        )
        reminder = self.ensure(
            SMSTemplate,
            self.id_for("sms_template", "reminder"),
            name="Showing reminder",
            body="Hi {{ first_name }}, reminder: showing at {{ address }} {{ time }}. "
            "Reply STOP to opt out.",
            variables=["first_name", "address", "time"],
        )
        self.ensure(
            SMSTemplate,
            self.id_for("sms_template", "price_drop"),
            name="Price drop",
            body="{{ address }} is now {{ price }}. Reply STOP to opt out.",
            variables=["address", "price"],
        )
        return {"email": welcome.id, "sms": reminder.id}

    def seed_campaigns(self, templates: dict[str, uuid.UUID], owner_id: uuid.UUID) -> None:
        plans = (
            ("Spring listings announcement", "email", "completed", -60),
            ("Open house reminders", "sms", "scheduled", 7),
            ("Past clients check-in", "email", "draft", None),
        )
        for index, (name, channel, status, offset_days) in enumerate(plans):
            scheduled = self.now + timedelta(days=offset_days) if offset_days is not None else None
            values = {
                "name": name,
                "channel": channel,
                "status": status,
                "email_template_id": templates["email"] if channel == "email" else None,
                "sms_template_id": templates["sms"] if channel == "sms" else None,
                "scheduled_at": scheduled,
                "created_by_id": owner_id,
                "settings": {"throttle_per_minute": 60},
            }
            self.ensure(Campaign, self.id_for("campaign", index), **values)


def seed_insights(
    settings: Settings, database: Database, report: SeedReport, seeder_seed: int
) -> None:
    """A valuation per property and a score per lead, for those that have none yet.

    Each valuation is its own transaction, after the rows above are committed: the data
    provider records its cost in a transaction of its own, which on SQLite must not wait
    behind a writer. Scores are computed as of the seed's fixed date, so they are repeatable.
    """
    from reos.composition import process_providers
    from reos.leads import scores as lead_scores
    from reos.properties import valuations

    namespace = seed_namespace(seeder_seed)
    org_id = uuid.uuid5(namespace, "organization:0")
    providers = process_providers(settings, database)
    providers.initialize_all()
    try:
        for index in range(50):
            property_id = uuid.uuid5(namespace, f"property:{index}")
            with database.unit_of_work(org_id) as session:
                valued = session.scalar(
                    select(PropertyValuation.id).where(PropertyValuation.property_id == property_id)
                )
                if valued is None:
                    valuations.value_property(
                        session,
                        data_provider=providers.data,
                        property_id=property_id,
                        actor_user_id=None,
                    )
                report.count("property_valuations", valued is None)
        with database.unit_of_work(org_id) as session:
            for index in range(20):
                lead_id = uuid.uuid5(namespace, f"lead:{index}")
                scored = session.scalar(select(LeadScore.id).where(LeadScore.lead_id == lead_id))
                if scored is None:
                    lead_scores.score(session, lead_id=lead_id, now=SEED_DATE)
                report.count("lead_scores", scored is None)
    finally:
        providers.shutdown_all()


def seed(settings: Settings) -> SeedReport:
    if settings.mode != "mock":
        raise SystemExit("The demo seed runs in MODE=mock only: it creates known passwords.")
    database = Database(settings)
    try:
        with database.unit_of_work() as session:
            report = DemoSeeder(session, settings.seed).run()
        seed_insights(settings, database, report, settings.seed)
        return report
    finally:
        database.dispose()


def main() -> int:
    settings = get_settings()
    report = seed(settings)
    for kind in sorted(set(report.created) | set(report.existing)):
        print(
            f"{kind:>16}: {report.created.get(kind, 0):3d} created, "
            f"{report.existing.get(kind, 0):3d} already present"
        )
    print(json.dumps({"created": report.created, "existing": report.existing}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
