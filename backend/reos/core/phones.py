"""Phone numbers as we store and send them: E.164, read through libphonenumber
(`phonenumbers`) from the ways people write them.

A number without a country code is read as a number of DEFAULT_PHONE_REGION ("US" unless
configured), so "(415) 555-0100" is +14155550100.
"""

from __future__ import annotations

import re
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, Field

from reos.core.settings import get_settings

# Longer than any number written with punctuation and a country code; more is not a number.
MAX_PHONE_LENGTH = 40
_LEADING_00 = re.compile(r"^\s*00")


def to_e164(raw: str, *, region: str | None = None, possible_only: bool = False) -> str | None:
    """`raw` as an E.164 number ("+14155550100"), or None when it is not a valid number.

    `region` (ISO 3166 code) is where a number without a country code is taken to be; the
    DEFAULT_PHONE_REGION setting when omitted. `possible_only` asks for a number of a possible
    length for its country only, without checking the country's numbering plan.
    """
    # libphonenumber reads "00" as the international prefix only when the default region dials
    # abroad with it (the US dials 011), yet "0044 20 7946 0958" is how most of the world
    # writes a foreign number, so it is taken as "+" everywhere.
    text = _LEADING_00.sub("+", raw, count=1)
    try:
        number = phonenumbers.parse(text, region or get_settings().default_phone_region)
    except phonenumbers.NumberParseException:
        return None
    # An extension cannot be kept in E.164, and dropping it silently would store another number
    # than the one given.
    if number.extension:
        return None
    # Validity checks the country's numbering plan, so an area code starting with 0 is refused;
    # the fictional 555-01xx lines of the tests and demo data are valid in the North American
    # plan, but the 555 area code of the SMS mock's scenario numbers is not.
    if possible_only:
        # A seven-digit local number is "possible" to libphonenumber, yet it cannot be dialled
        # without its area code, so it is not enough.
        reason = phonenumbers.is_possible_number_with_reason(number)
        if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
            return None
    elif not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _refusal() -> ValueError:
    region = get_settings().default_phone_region
    return ValueError(
        f"not a phone number; use E.164 (+14155550100) or a number of region {region}"
    )


def _valid_e164(raw: str) -> str:
    normalized = to_e164(raw)
    if normalized is None:
        raise _refusal()
    return normalized


def _possible_e164(raw: str) -> str:
    normalized = to_e164(raw, possible_only=True)
    if normalized is None:
        raise _refusal()
    return normalized


_PHONE_FIELD = Field(max_length=MAX_PHONE_LENGTH, examples=["+14155550100", "(415) 555-0100"])
# Request fields holding a phone number however it is written, kept as E.164; anything else is
# a 422 naming the field.
# A number we keep about a person: it must exist in its country's numbering plan.
PhoneNumber = Annotated[str, _PHONE_FIELD, AfterValidator(_valid_e164)]
# A number we hand to a carrier: only its shape is checked, because the carrier is the
# authority on which numbers are in service (and the SMS mock's documented scenario numbers
# use the unassigned 555 area code).
DialledNumber = Annotated[str, _PHONE_FIELD, AfterValidator(_possible_e164)]
