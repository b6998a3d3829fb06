"""Pure intake rules: address normalization and APN hashing, used to dedupe properties."""

from __future__ import annotations

import hashlib
import re

STREET_SUFFIXES = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "drive": "dr",
    "road": "rd",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "terrace": "ter",
    "circle": "cir",
    "parkway": "pkwy",
    "highway": "hwy",
    "square": "sq",
    "trail": "trl",
    "way": "way",
}
DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w"}
UNIT_WORDS = {"apartment": "unit", "apt": "unit", "suite": "unit", "ste": "unit", "#": "unit"}


def normalize_address(address: str, city: str = "", state: str = "", zip_code: str = "") -> str:
    """One spelling per place: lower case, no punctuation, USPS-style suffixes, `unit N`."""
    text = f"{address} {city} {state} {zip_code[:5]}".lower().replace("#", " # ")
    words = re.sub(r"[^a-z0-9# ]+", " ", text).split()
    normalized: list[str] = []
    for word in words:
        word = UNIT_WORDS.get(word, word)
        word = STREET_SUFFIXES.get(word, word)
        word = DIRECTIONS.get(word, word)
        if word == "unit" and normalized and normalized[-1] == "unit":
            continue
        normalized.append(word)
    return " ".join(normalized)


def apn_hash(apn: str | None) -> str | None:
    """A hash of the parcel number with formatting removed (`123-45-678` == `12345678`)."""
    if not apn:
        return None
    digits = re.sub(r"[^0-9a-z]", "", apn.lower())
    return hashlib.sha256(digits.encode()).hexdigest() if digits else None
