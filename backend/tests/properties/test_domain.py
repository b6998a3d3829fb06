"""Address normalization and APN hashing identify the same property however it is written."""

from __future__ import annotations

from reos.properties.domain import apn_hash, normalize_address


def test_spellings_of_one_address_normalize_alike() -> None:
    spellings = [
        ("123 North Main Street, Apt 4", "Austin", "TX", "78701"),
        ("123 N. Main St. #4", "AUSTIN", "tx", "78701-1234"),
        ("123 n main st unit 4", "austin", "TX", "78701"),
    ]
    assert len({normalize_address(*s) for s in spellings}) == 1


def test_different_units_stay_different() -> None:
    assert normalize_address("5 Oak Ave Apt 1") != normalize_address("5 Oak Ave Apt 2")


def test_apn_formatting_is_ignored() -> None:
    assert apn_hash("123-45-678") == apn_hash("12345678") == apn_hash(" 123 45 678 ")
    assert apn_hash("123-45-679") != apn_hash("123-45-678")
    assert apn_hash(None) is None and apn_hash("--") is None
