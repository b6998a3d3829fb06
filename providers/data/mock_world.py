"""The mock's small, plausible US housing market: metros, addresses and generated parcels."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from providers.geo import destination, haversine_km


@dataclass(frozen=True)
class Metro:
    city: str
    state: str
    zip_prefix: str
    fips: str  # the county that holds the city centre
    latitude: float
    longitude: float
    price_per_sqft: int  # typical sale price per square foot, 2024-25


METROS = (
    Metro("Austin", "TX", "787", "48453", 30.2672, -97.7431, 310),
    Metro("Phoenix", "AZ", "850", "04013", 33.4484, -112.0740, 270),
    Metro("Denver", "CO", "802", "08031", 39.7392, -104.9903, 340),
    Metro("Atlanta", "GA", "303", "13121", 33.7490, -84.3880, 230),
    Metro("Charlotte", "NC", "282", "37119", 35.2271, -80.8431, 240),
    Metro("Columbus", "OH", "432", "39049", 39.9612, -82.9988, 190),
    Metro("Tampa", "FL", "336", "12057", 27.9506, -82.4572, 265),
    Metro("Nashville", "TN", "372", "47037", 36.1627, -86.7816, 290),
    Metro("Sacramento", "CA", "958", "06067", 38.5816, -121.4944, 330),
    Metro("Raleigh", "NC", "276", "37183", 35.7796, -78.6382, 250),
)

_ADDRESS = re.compile(
    r"^\s*(?P<street>[^,]+?)\s*,\s*(?P<city>[^,]+?)\s*,\s*(?P<state>[A-Za-z]{2})"
    r"\s*(?P<zip>\d{5})?(?:-\d{4})?\s*$"
)


@dataclass(frozen=True)
class ParsedAddress:
    street: str
    city: str
    state: str
    zip_code: str


def parse_address(text: str) -> ParsedAddress | None:
    """'123 Main St, Austin, TX 78701' (ZIP optional); None for anything looser."""
    match = _ADDRESS.match(text)
    if not match:
        return None
    return ParsedAddress(
        street=" ".join(match["street"].split()).title(),
        city=" ".join(match["city"].split()).title(),
        state=match["state"].upper(),
        zip_code=match["zip"] or "",
    )


def metro_for(rng: random.Random, city: str = "", zip_code: str = "") -> Metro:
    for metro in METROS:
        if city.lower() == metro.city.lower() or zip_code.startswith(metro.zip_prefix):
            return metro
    return rng.choice(METROS)


def nearest_metro(latitude: float, longitude: float) -> Metro:
    return min(METROS, key=lambda m: haversine_km(latitude, longitude, m.latitude, m.longitude))


def zip_in(rng: random.Random, metro: Metro) -> str:
    return f"{metro.zip_prefix}{rng.randint(1, 99):02d}"


def point_near(rng: random.Random, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
    """Uniform over the disc: the square root keeps points from crowding the centre."""
    distance = radius_km * rng.random() ** 0.5
    return destination(lat, lon, rng.uniform(0, 360), distance)


def apn(rng: random.Random) -> str:
    return f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}"


@dataclass(frozen=True)
class Parcel:
    beds: int
    baths: float
    sqft: int
    year_built: int
    last_sale_price: int
    last_sale_date: date
    assessed_value: int


def parcel(rng: random.Random, metro: Metro, today: date) -> Parcel:
    """A single-family house whose numbers hang together: size follows bedrooms, price follows
    size and the metro, assessments trail the market."""
    beds = rng.choices((2, 3, 4, 5), weights=(15, 45, 30, 10))[0]
    sqft = int(rng.gauss(600 + beds * 420, 180))
    sqft = max(700, min(sqft, 5200)) // 10 * 10
    baths = max(1.0, min(beds - rng.choice((0.0, 0.5, 1.0)), 4.5))
    year_built = rng.randint(1950, 2022)
    years_ago = rng.randint(0, 15)
    sale_date = today - timedelta(days=years_ago * 365 + rng.randint(0, 364))
    # Prices rose about 5% a year; an older sale was for less.
    sale_price = sqft * metro.price_per_sqft * rng.uniform(0.85, 1.15) / 1.05**years_ago
    assessed = sqft * metro.price_per_sqft * rng.uniform(0.70, 0.95)
    return Parcel(
        beds=beds,
        baths=baths,
        sqft=sqft,
        year_built=year_built,
        last_sale_price=int(round(sale_price, -3)),
        last_sale_date=sale_date,
        assessed_value=int(round(assessed, -3)),
    )


def street_address(fake: Faker) -> str:
    # Faker's building numbers may start with 0 ("0879"), which no US address does.
    return f"{int(fake.building_number()) or 1} {fake.street_name()}"
