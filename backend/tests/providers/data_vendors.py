"""Respx stand-ins for ATTOM, Regrid and a Pelias geocoder, and the data contract's inputs."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import respx

from providers.data.attom import ATTOM_API
from providers.data.port import ComparablesQuery, LeadQuery
from providers.data.regrid import REGRID_API
from tests.providers.conftest import fixture_json

ATTOM_KEY = "attom-test-key"
REGRID_KEY = "regrid-test-token"
GEOCODER_URL = "http://geocoder.test"

KNOWN_ADDRESS = "123 Main St, Austin, TX 78701"
MISSING_ADDRESS = "0 Nowhere Rd, Austin, TX 78701"
THROTTLED_ADDRESS = "123 Main St, Austin, TX 00429"
MISSING_APN = "000-000-000"
NEAR_MAIN_ST = ComparablesQuery(30.2672, -97.7431, radius_km=2.0, limit=10)
NULL_ISLAND = ComparablesQuery(0.0, 0.0, radius_km=1.0, limit=5)
LEAD = LeadQuery(name="Jane Owner", email="jane@example.com", phone="+15551234567")
UNKNOWN_LEAD = LeadQuery(name="Unknown Owner", email="unknown@example.com")
RETRY_AFTER = "30"

Handler = Callable[[httpx.Request], httpx.Response]


def throttled() -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": RETRY_AFTER}, text="Too Many Requests")


def attom(request: httpx.Request) -> httpx.Response:
    if request.headers.get("apikey") != ATTOM_KEY:
        return httpx.Response(401, json={"status": {"code": 401, "msg": "Invalid API key"}})
    params = request.url.params
    where = " ".join(params.values())
    if "00429" in where:
        return throttled()
    empty = httpx.Response(400, json=fixture_json("attom_no_result.json"))
    path = request.url.path
    if path.endswith("/property/expandedprofile"):
        if params.get("address1", "").startswith("0 ") or params.get("apn") == MISSING_APN:
            return empty
        return httpx.Response(200, json=fixture_json("attom_expandedprofile.json"))
    if path.endswith("/property/snapshot"):
        if float(params["latitude"]) == 0 and float(params["longitude"]) == 0:
            return empty
        return httpx.Response(200, json=fixture_json("attom_snapshot.json"))
    if path.endswith("/salestrend/snapshot"):
        if params["geoid"] == "ZI00000":
            return empty
        return httpx.Response(200, json=fixture_json("attom_salestrend.json"))
    return httpx.Response(404)


def regrid(request: httpx.Request) -> httpx.Response:
    params = request.url.params
    if params.get("token") != REGRID_KEY:
        return httpx.Response(401, json={"message": "invalid token"})
    where = " ".join(params.values())
    if "00429" in where:
        return throttled()
    empty = httpx.Response(200, json=fixture_json("regrid_empty.json"))
    found = httpx.Response(200, json=fixture_json("regrid_parcels.json"))
    path = request.url.path
    if path.endswith("/parcels/address"):
        return empty if params["query"].startswith("0 ") else found
    if path.endswith("/parcels/apn"):
        return empty if params["parcelnumb"] == MISSING_APN else found
    if path.endswith("/parcels/point"):
        return empty if float(params["lat"]) == 0 and float(params["lon"]) == 0 else found
    if path.endswith("/parcels/owner"):
        return empty if params["owner"] == UNKNOWN_LEAD.name else found
    return httpx.Response(404, json={"message": "not found"})


def pelias(request: httpx.Request) -> httpx.Response:
    text = request.url.params.get("text", "")
    if "00429" in text:
        return throttled()
    if text.startswith("0 "):
        return httpx.Response(200, json=fixture_json("pelias_empty.json"))
    return httpx.Response(200, json=fixture_json("pelias_search.json"))


def install(router: respx.MockRouter, **overrides: Handler) -> dict[str, respx.Route]:
    """Route each vendor's host to its stand-in (or to an override, by vendor name)."""
    handlers: dict[str, Handler] = {"attom": attom, "regrid": regrid, "pelias": pelias, **overrides}
    return {
        "attom": router.route(url__startswith=ATTOM_API).mock(side_effect=handlers["attom"]),
        "regrid": router.route(url__startswith=REGRID_API).mock(side_effect=handlers["regrid"]),
        "pelias": router.route(url__startswith=GEOCODER_URL).mock(side_effect=handlers["pelias"]),
    }
