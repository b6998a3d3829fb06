"""Phone numbers through libphonenumber: the default region, other regions, and what is
refused. The spellings leads accept are covered in tests/leads/test_router.py."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from reos.core.phones import DialledNumber, PhoneNumber, to_e164
from reos.core.settings import Settings


def test_a_national_number_is_read_in_the_given_region() -> None:
    assert to_e164("020 7946 0958", region="GB") == "+442079460958"
    assert to_e164("020 7946 0958") is None  # not a US number
    assert to_e164("+44 20 7946 0958", region="FR") == "+442079460958"


def test_a_leading_00_is_the_international_prefix_even_where_it_is_not_dialled() -> None:
    assert to_e164("0044 20 7946 0958") == "+442079460958"


def test_an_extension_is_refused_rather_than_dropped() -> None:
    assert to_e164("415-555-0100 ext. 12") is None


def test_possible_only_checks_the_shape_not_the_numbering_plan() -> None:
    # 555 is no area code, yet it is a ten-digit North American number.
    assert to_e164("(555) 010-0004") is None
    assert to_e164("(555) 010-0004", possible_only=True) == "+15550100004"
    assert to_e164("555-0100", possible_only=True) is None


def test_the_default_region_setting_is_checked_and_normalized() -> None:
    assert Settings(default_phone_region="gb").default_phone_region == "GB"
    with pytest.raises(ValidationError, match="default_phone_region"):
        Settings(default_phone_region="XX")


class Contact(BaseModel):
    phone: PhoneNumber
    sms_to: DialledNumber


def test_request_fields_are_normalized_or_refused_by_name() -> None:
    contact = Contact(phone="1-415-555-0100", sms_to="555.010.0004")
    assert (contact.phone, contact.sms_to) == ("+14155550100", "+15550100004")
    with pytest.raises(ValidationError) as refused:
        Contact(phone="(015) 555-0100", sms_to="call me")
    assert {error["loc"] for error in refused.value.errors()} == {("phone",), ("sms_to",)}
