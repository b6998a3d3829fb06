"""Each adapter's response mapping, field by field, against a recorded vendor answer."""

from __future__ import annotations

from datetime import date

from providers.data.attom import lower_keys, map_property, map_sales_trend
from providers.data.openaddresses import map_feature
from providers.data.regrid import mailing_address, map_parcel, parcel_fields
from providers.sms.twilio import message_result
from tests.providers.conftest import fixture_json


def test_attom_expanded_profile() -> None:
    record = lower_keys(fixture_json("attom_expandedprofile.json"))["property"][0]
    found = map_property(record, "attom", 0.08)

    assert found.apn == "0206060117"
    assert found.address == "123 MAIN ST, AUSTIN, TX 78701"
    assert (found.street, found.city, found.state, found.zip_code) == (
        "123 MAIN ST",
        "AUSTIN",
        "TX",
        "78701",
    )
    assert (found.latitude, found.longitude) == (30.2672, -97.7431)
    assert (found.beds, found.baths, found.sqft, found.year_built) == (3, 2.0, 1850, 1995)
    assert (found.last_sale_price, found.last_sale_date) == (455000, date(2019, 5, 3))
    assert (found.assessed_value, found.owner_name) == (410000, "JANE Q OWNER")


def test_attom_sales_trend_takes_the_latest_period() -> None:
    data = lower_keys(fixture_json("attom_salestrend.json"))
    stats = map_sales_trend(data, "78701", "attom", 0.08)
    assert (stats.period, stats.median_sale_price, stats.sales_count) == ("2024", 610000, 287)


def test_regrid_parcel() -> None:
    fields = parcel_fields(fixture_json("regrid_parcels.json"))[0]
    found = map_parcel(fields, "regrid", 0.02)

    assert found.apn == "0206060117"
    assert found.address == "123 MAIN ST, AUSTIN, TX 78701"  # ZIP+4 trimmed to five digits
    assert (found.latitude, found.longitude) == (30.2672, -97.7431)
    assert (found.year_built, found.assessed_value, found.owner_name) == (
        1995,
        410000,
        "OWNER JANE Q",
    )
    assert (found.last_sale_price, found.last_sale_date) == (455000, date(2019, 5, 3))
    assert found.beds is None  # not in Regrid's standard schema
    assert mailing_address(fields) == "PO BOX 4410, AUSTIN, TX 78765"


def test_pelias_feature() -> None:
    feature = fixture_json("pelias_search.json")["features"][0]
    found = map_feature(feature, "123 main st austin", "openaddresses")

    assert found.address == "123 Main St, Austin, TX 78701"
    assert (found.latitude, found.longitude) == (30.2672, -97.7431)  # GeoJSON is [lon, lat]
    assert (found.confidence, found.cost_usd) == (1.0, 0.0)


def test_twilio_message_resource() -> None:
    result = message_result(fixture_json("twilio_message.json"), "Hello")
    assert result.provider_message_id == "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    assert (result.status, result.segments, result.cost_usd) == ("queued", 1, 0.0079)
