"""Properties API: intake with dedupe, filters, sorting, history, archive, images, valuations,
tenancy, roles, the read cache, and the CSV import."""

from __future__ import annotations

import struct
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reos.core.db import Database
from reos.core.security.rbac import Permission
from reos.models import AuditLog, Property, PropertyHistory
from reos.properties.importing import import_properties_csv
from tests.builders import create_property as create
from tests.builders import png
from tests.builders import property_body as body
from tests.conftest import Account, add_member, make_app, register
from tests.http.test_rbac_matrix import api_routes, declared_permissions
from tests.jobs_support import run_until_settled, runner_for
from tests.services import REDIS_URL, need_redis

PROPERTIES = "/api/v1/properties"


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


# --- images built byte by byte -----------------------------------------------------------------


def jpeg(width: int, height: int) -> bytes:
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    app0 = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = segment(0xDB, b"\x00" + bytes(range(1, 65)))
    sof0 = segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + app0 + dqt + sof0 + sos + b"\x00\x00" + b"\xff\xd9"


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 7
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_lossy(width: int, height: int) -> bytes:
    frame = b"\x30\x01\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 8
    chunk = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def upload(client: TestClient, account: Account, property_id: str, data: bytes) -> Any:
    return client.post(
        f"{PROPERTIES}/{property_id}/images",
        headers=account.headers,
        files={"file": ("photo.bin", data, "image/png")},
    )


# --- intake and validation ---------------------------------------------------------------------


def test_create_normalizes_and_records_history_and_audit(
    client: TestClient, database: Database, admin: Account
) -> None:
    created = create(client, admin, **body(zip_code="787011234", apn="123-45-678"))
    assert created["state"] == "TX"
    assert created["zip_code"] == "78701-1234"
    assert created["price"] == 410_000 and created["bathrooms"] == 2
    assert created["status"] == "active"
    assert created["created_by_id"] == admin.id
    assert created["organization_id"] == admin.organization_id
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        history = session.scalars(select(PropertyHistory)).all()
        assert [(h.change_type, str(h.actor_user_id)) for h in history] == [("created", admin.id)]
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.entity_id == created["id"])
        ).all()
        assert actions == ["property.created"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": -1}, "body.price"),
        ({"property_type": "castle"}, "body.property_type"),
        ({"state": "Texas"}, "body.state"),
        ({"zip_code": "7870"}, "body.zip_code"),
        ({"zip_code": "78701-12"}, "body.zip_code"),
        ({"year_built": 1600}, "body.year_built"),
        ({"year_built": 2999}, "body.year_built"),
        ({"latitude": 91, "longitude": 0}, "body.latitude"),
        ({"latitude": 30.1}, "body.longitude"),
        ({"status": "archived"}, "body.status"),
        ({"bedrooms": -2}, "body.bedrooms"),
        ({"bathrooms": 2.25}, "body.bathrooms"),
        ({"price": 1.005}, "body.price"),
        ({"organization_id": str(uuid.uuid4())}, "body.organization_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, admin: Account, overrides: dict[str, Any], field: str
) -> None:
    response = client.post(PROPERTIES, headers=admin.headers, json=body(**overrides))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert ids(client.get(PROPERTIES, headers=admin.headers)) == []


def test_missing_required_fields_are_named(client: TestClient, admin: Account) -> None:
    response = client.post(PROPERTIES, headers=admin.headers, json={"address": "1 Elm St"})
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.city", "body.state", "body.zip_code", "body.property_type"} <= fields


def test_same_address_spelled_differently_is_a_409_naming_the_original(
    client: TestClient, admin: Account
) -> None:
    original = create(client, admin, **body(address="123 Main Street"))
    for spelling in ("123 main st.", "123 MAIN ST", "123 Main   Street"):
        response = client.post(
            PROPERTIES, headers=admin.headers, json=body(address=spelling, city="AUSTIN")
        )
        assert response.status_code == 409
        problem = response.json()
        assert problem["existing_id"] == original["id"]
        assert original["id"] in problem["detail"]
        assert problem["errors"][0]["field"] == "body.address"
    # Another unit of the same building is another property.
    create(client, admin, **body(address="123 Main Street Apt 2"))


def test_same_apn_is_a_409_however_formatted(client: TestClient, admin: Account) -> None:
    original = create(client, admin, **body(1, apn="123-45-678"))
    response = client.post(PROPERTIES, headers=admin.headers, json=body(2, apn="12345678"))
    assert response.status_code == 409
    assert response.json()["existing_id"] == original["id"]
    assert response.json()["errors"][0]["field"] == "body.apn"


def test_an_archived_property_still_owns_its_address(client: TestClient, admin: Account) -> None:
    original = create(client, admin)
    assert client.delete(f"{PROPERTIES}/{original['id']}", headers=admin.headers).status_code == 204
    response = client.post(PROPERTIES, headers=admin.headers, json=body())
    assert response.status_code == 409
    assert response.json()["existing_id"] == original["id"]
    assert response.json()["existing_archived"] is True


def test_the_same_address_in_another_organization_is_fine(
    client: TestClient, admin: Account
) -> None:
    create(client, admin, **body(apn="1-2-3"))
    rival = register(client, "Rival Realty")
    create(client, rival, **body(apn="1-2-3"))


def test_idempotency_key_replays_the_creation(client: TestClient, admin: Account) -> None:
    headers = {**admin.headers, "Idempotency-Key": "prop-1"}
    first = client.post(PROPERTIES, headers=headers, json=body())
    second = client.post(PROPERTIES, headers=headers, json=body())
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert client.get(PROPERTIES, headers=admin.headers).json()["total"] == 1


# --- reads --------------------------------------------------------------------------------------


@pytest.fixture
def catalog(client: TestClient, admin: Account) -> dict[str, str]:
    """Five properties that each filter tells apart."""
    specs = {
        "austin_house": body(1, price=300_000, bedrooms=2, bathrooms=1, square_feet=1_000),
        "austin_condo": body(
            2,
            property_type="condo",
            price=250_000,
            bedrooms=1,
            bathrooms=1,
            square_feet=700,
            year_built=2015,
        ),
        "austin_big": body(
            3,
            zip_code="78702",
            price=900_000,
            bedrooms=5,
            bathrooms=3.5,
            square_feet=4_000,
            status="pending",
            year_built=2020,
        ),
        "dallas_house": body(
            4, city="Dallas", zip_code="75201", price=500_000, bedrooms=4, square_feet=2_500
        ),
        "denver_house": body(
            5, city="Denver", state="CO", zip_code="80202", price=None, square_feet=None
        ),
    }
    return {name: create(client, admin, **spec)["id"] for name, spec in specs.items()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"city": "austin"}, {"austin_house", "austin_condo", "austin_big"}),
        ({"state": "co"}, {"denver_house"}),
        ({"zip_code": "78702"}, {"austin_big"}),
        ({"property_type": "condo"}, {"austin_condo"}),
        ({"status": "pending"}, {"austin_big"}),
        ({"min_price": 400_000}, {"austin_big", "dallas_house"}),
        ({"max_price": 300_000}, {"austin_house", "austin_condo"}),
        ({"min_bedrooms": 4}, {"austin_big", "dallas_house"}),
        ({"min_bathrooms": 2}, {"austin_big", "dallas_house", "denver_house"}),
        ({"min_sqft": 2_000}, {"austin_big", "dallas_house"}),
        ({"max_sqft": 1_000}, {"austin_house", "austin_condo"}),
        ({"city": "Austin", "max_price": 300_000, "min_sqft": 800}, {"austin_house"}),
    ],
)
def test_each_filter(
    client: TestClient,
    admin: Account,
    catalog: dict[str, str],
    params: dict[str, Any],
    expected: set[str],
) -> None:
    found = set(ids(client.get(PROPERTIES, headers=admin.headers, params=params)))
    assert found == {catalog[name] for name in expected}


def test_bad_filters_are_422s(client: TestClient, admin: Account) -> None:
    for params, field in (
        ({"property_type": "castle"}, "query.property_type"),
        ({"min_price": -5}, "query.min_price"),
        ({"min_price": 5, "max_price": 1}, "query.max_price"),
        ({"zip_code": "7"}, "query.zip_code"),
    ):
        response = client.get(PROPERTIES, headers=admin.headers, params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field


def test_sorting(client: TestClient, admin: Account, catalog: dict[str, str]) -> None:
    def order(sort: str) -> list[str]:
        names = {v: k for k, v in catalog.items()}
        response = client.get(PROPERTIES, headers=admin.headers, params={"sort": sort})
        return [names[i] for i in ids(response)]

    by_price = ["austin_condo", "austin_house", "dallas_house", "austin_big", "denver_house"]
    assert order("price") == by_price
    assert order("-price") == [*reversed(by_price[:-1]), "denver_house"]  # no price: last
    assert order("-created_at") == list(reversed(list(catalog)))
    assert order("created_at") == list(catalog)
    assert order("-square_feet")[:2] == ["austin_big", "dallas_house"]
    assert order("bedrooms")[0] == "austin_condo"
    assert order("-year_built")[:2] == ["austin_big", "austin_condo"]


def test_unknown_sort_is_a_422_naming_sort(client: TestClient, admin: Account) -> None:
    for sort in ("owner_name", "--price", "price;drop"):
        response = client.get(PROPERTIES, headers=admin.headers, params={"sort": sort})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.sort"


def test_pagination(client: TestClient, admin: Account, catalog: dict[str, str]) -> None:
    pages = [
        client.get(
            PROPERTIES, headers=admin.headers, params={"page": n, "page_size": 2, "sort": "price"}
        ).json()
        for n in (1, 2, 3)
    ]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert {p["total"] for p in pages} == {5}
    seen = [item["id"] for p in pages for item in p["items"]]
    assert sorted(seen) == sorted(catalog.values())


def test_search_is_a_case_insensitive_substring(client: TestClient, admin: Account) -> None:
    lake = create(client, admin, **body(1, description="View of LAKE Travis"))
    owner = create(client, admin, **body(2, owner_name="Jane Lakeman"))
    dallas = create(client, admin, **body(3, city="Dallas", zip_code="75201"))
    search = f"{PROPERTIES}/search"
    found = ids(client.get(search, headers=admin.headers, params={"q": "lake"}))
    assert set(found) == {lake["id"], owner["id"]}
    assert ids(client.get(search, headers=admin.headers, params={"q": "DALL"})) == [dallas["id"]]
    assert ids(client.get(search, headers=admin.headers, params={"q": "7520"})) == [dallas["id"]]
    assert ids(client.get(search, headers=admin.headers, params={"q": "3 oak"})) == [dallas["id"]]
    # % and _ are characters, not wildcards.
    assert ids(client.get(search, headers=admin.headers, params={"q": "%"})) == []
    assert client.get(search, headers=admin.headers).status_code == 422
    assert client.get(search, headers=admin.headers, params={"q": "  "}).status_code == 422


# --- update, archive, history -------------------------------------------------------------------


def test_put_replaces_and_records_one_history_row_per_changed_field(
    client: TestClient, database: Database, admin: Account
) -> None:
    created = create(client, admin, **body(owner_name="Pat"))
    path = f"{PROPERTIES}/{created['id']}"
    response = client.put(path, headers=admin.headers, json=body(price=425_000.5, bedrooms=4))
    assert response.status_code == 200
    updated = response.json()
    assert (updated["price"], updated["bedrooms"], updated["owner_name"]) == (425_000.5, 4, None)
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        rows = session.scalars(
            select(PropertyHistory).where(PropertyHistory.change_type == "updated")
        ).all()
        changes = {(r.field, r.old_value, r.new_value) for r in rows}
        assert changes == {
            ("price", "410000.00", "425000.50"),
            ("bedrooms", "3", "4"),
            ("owner_name", "Pat", None),
        }
        assert {str(r.actor_user_id) for r in rows} == {admin.id}
    # The same body again changes nothing and records nothing.
    client.put(path, headers=admin.headers, json=body(price=425_000.5, bedrooms=4))
    history = client.get(f"{path}/history", headers=admin.headers).json()
    assert history["total"] == 4


def test_put_that_collides_with_another_property_is_a_409(
    client: TestClient, admin: Account
) -> None:
    first = create(client, admin, **body(1, apn="111"))
    second = create(client, admin, **body(2))
    path = f"{PROPERTIES}/{second['id']}"
    response = client.put(path, headers=admin.headers, json=body(2, address="1 oak ave"))
    assert response.status_code == 409 and response.json()["existing_id"] == first["id"]
    response = client.put(path, headers=admin.headers, json=body(2, apn="1-1-1"))
    assert response.status_code == 409 and response.json()["existing_id"] == first["id"]
    # Keeping its own address and APN is not a collision with itself.
    assert client.put(path, headers=admin.headers, json=body(2, apn="222")).status_code == 200
    assert client.get(path, headers=admin.headers).json()["apn"] == "222"


def test_put_validates_like_post(client: TestClient, admin: Account) -> None:
    created = create(client, admin)
    path = f"{PROPERTIES}/{created['id']}"
    response = client.put(path, headers=admin.headers, json=body(price=-3))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body.price"
    assert client.get(path, headers=admin.headers).json()["price"] == created["price"]


def test_delete_archives_and_hides(client: TestClient, database: Database, admin: Account) -> None:
    created = create(client, admin)
    path = f"{PROPERTIES}/{created['id']}"
    assert client.delete(path, headers=admin.headers).status_code == 204
    assert client.get(path, headers=admin.headers).status_code == 404
    assert ids(client.get(PROPERTIES, headers=admin.headers)) == []
    assert client.delete(path, headers=admin.headers).status_code == 404
    assert client.put(path, headers=admin.headers, json=body()).status_code == 404
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        kept = session.scalars(select(Property).execution_options(include_archived=True)).one()
        assert kept.status == "archived" and kept.deleted_at is not None
        archived = session.scalars(
            select(PropertyHistory).where(PropertyHistory.change_type == "archived")
        ).one()
        assert (archived.field, archived.old_value, archived.new_value) == (
            "status",
            "active",
            "archived",
        )


def test_history_is_newest_first_and_paginated(client: TestClient, admin: Account) -> None:
    created = create(client, admin, **body(latitude=30.27, longitude=-97.74))
    path = f"{PROPERTIES}/{created['id']}"
    client.put(path, headers=admin.headers, json=body(latitude=30.27, longitude=-97.74, price=1))
    assert value(client, admin, created["id"])["status"] == "succeeded"
    history = client.get(f"{path}/history", headers=admin.headers).json()
    kinds = [
        (i["kind"], (i["change"] or {}).get("change_type"), (i["change"] or {}).get("field"))
        for i in history["items"]
    ]
    assert kinds == [
        ("valuation", None, None),
        ("change", "valued", "value"),
        ("change", "updated", "price"),
        ("change", "created", None),
    ]
    assert history["total"] == 4
    second = client.get(
        f"{path}/history", headers=admin.headers, params={"page": 2, "page_size": 3}
    ).json()
    assert [i["change"]["change_type"] for i in second["items"]] == ["created"]


# --- images -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "size"),
    [
        (png(3, 2), "image/png", (3, 2)),
        (jpeg(640, 480), "image/jpeg", (640, 480)),
        (webp_lossless(17, 9), "image/webp", (17, 9)),
        (webp_lossy(320, 200), "image/webp", (320, 200)),
    ],
)
def test_images_are_sniffed_and_measured(
    client: TestClient, admin: Account, data: bytes, content_type: str, size: tuple[int, int]
) -> None:
    prop = create(client, admin)
    response = upload(client, admin, prop["id"], data)
    assert response.status_code == 201, response.text
    image = response.json()
    assert image["content_type"] == content_type  # whatever the request declared
    assert (image["width"], image["height"]) == size
    assert image["size_bytes"] == len(data) and image["position"] == 0
    stored = client.get(f"/api/v1/storage/{image['storage_key']}", headers=admin.headers)
    assert stored.status_code == 200 and stored.content == data
    second = upload(client, admin, prop["id"], data).json()
    assert second["position"] == 1


def test_non_images_are_refused(client: TestClient, admin: Account) -> None:
    prop = create(client, admin)
    pdf = upload(client, admin, prop["id"], PDF)
    assert pdf.status_code == 415
    assert pdf.headers["content-type"] == "application/problem+json"
    assert pdf.json()["errors"][0]["field"] == "body.file"
    assert upload(client, admin, prop["id"], b"just some text").status_code == 415
    assert upload(client, admin, prop["id"], b"").status_code == 422
    truncated = upload(client, admin, prop["id"], png(4, 4)[:20])
    assert truncated.status_code == 422
    assert truncated.json()["errors"][0]["type"] == "corrupt_image"
    assert upload(client, admin, prop["id"], jpeg(10, 10)[:30]).status_code == 422


def test_oversized_image_is_413(settings: Any, database: Any, owner_engine: Any) -> None:
    with TestClient(make_app(settings, database, storage_max_upload_bytes=64)) as client:
        account = register(client)
        prop = create(client, account)
        assert upload(client, account, prop["id"], png(40, 40)).status_code == 413


# --- valuations ---------------------------------------------------------------------------------


def value(client: TestClient, account: Account, property_id: str) -> dict[str, Any]:
    """POST a valuation (202, a task), let the worker run it, and return the finished task."""
    started = client.post(f"{PROPERTIES}/{property_id}/valuations", headers=account.headers)
    assert started.status_code == 202, started.text
    task_id = started.json()["task_id"]
    run_until_settled(runner_for(client.app), task_id, account.organization_id)
    task: dict[str, Any] = client.get(f"/api/v1/tasks/{task_id}", headers=account.headers).json()
    return task


def test_valuation_is_stored_and_deterministic(client: TestClient, admin: Account) -> None:
    located = {"latitude": 30.2672, "longitude": -97.7431}
    subject = create(client, admin, **body(1, **located))
    create(client, admin, **body(2, price=420_000, square_feet=1_900, **located))
    first, second = value(client, admin, subject["id"]), value(client, admin, subject["id"])
    assert first["status"] == second["status"] == "succeeded"
    one, two = first["result"], second["result"]
    assert one["id"] != two["id"]
    for key in ("value", "low", "high", "confidence", "method", "comparables", "reason_codes"):
        assert one[key] == two[key], key
    assert one["inputs_hash"] == two["inputs_hash"] and len(one["inputs_hash"]) == 64
    assert one["low"] <= one["value"] <= one["high"]
    assert 0 <= one["confidence"] <= 1
    assert one["method"] == "comparable_sales"
    sources = {c["source"] for c in one["comparables"]}
    assert "organization" in sources and len(sources) == 2  # ours and the data provider's
    for comp in one["comparables"]:
        assert comp["adjusted_value"] == pytest.approx(
            comp["price"] + sum(comp["adjustments"].values()), abs=0.02
        )


def test_valuation_without_comparables_falls_back_to_the_list_price(
    client: TestClient, admin: Account
) -> None:
    lonely = create(client, admin, **body(1, property_type="land", price=80_000))
    valuation = value(client, admin, lonely["id"])["result"]
    assert valuation["method"] == "list_price" and valuation["value"] == 80_000
    assert "no_comparables_used_list_price" in valuation["reason_codes"]
    assert "no_coordinates" in valuation["reason_codes"]
    # Elsewhere and without a price, there is nothing to value it from.
    unpriced = create(client, admin, **body(2, property_type="land", price=None, zip_code="80202"))
    refused = value(client, admin, unpriced["id"])
    # A refusal, not a glitch: dead-lettered at once, without retries.
    assert refused["status"] == "dead_lettered" and refused["attempts"] == 1
    assert "no comparable" in refused["error"]
    # In the same ZIP code, the first parcel is its comparable.
    neighbour = create(client, admin, **body(3, property_type="land", price=None))
    valued = value(client, admin, neighbour["id"])["result"]
    assert [c["ref"] for c in valued["comparables"]] == [lonely["id"]]
    assert "few_comparables" in valued["reason_codes"]


# --- tenancy and roles --------------------------------------------------------------------------


def test_another_organizations_property_is_a_404_everywhere(
    client: TestClient, admin: Account
) -> None:
    theirs = create(client, admin)
    rival = register(client, "Rival Realty")
    path = f"{PROPERTIES}/{theirs['id']}"
    assert client.get(path, headers=rival.headers).status_code == 404
    assert client.put(path, headers=rival.headers, json=body()).status_code == 404
    assert client.delete(path, headers=rival.headers).status_code == 404
    assert upload(client, rival, theirs["id"], png(1, 1)).status_code == 404
    assert client.post(f"{path}/valuations", headers=rival.headers).status_code == 404
    assert client.get(f"{path}/history", headers=rival.headers).status_code == 404
    assert ids(client.get(PROPERTIES, headers=rival.headers)) == []
    search = client.get(f"{PROPERTIES}/search", headers=rival.headers, params={"q": "oak"})
    assert ids(search) == []
    # Untouched on its own side.
    mine = client.get(path, headers=admin.headers).json()
    assert mine == theirs
    assert client.get(f"{path}/history", headers=admin.headers).json()["total"] == 1


def test_viewer_reads_but_may_not_write(client: TestClient, admin: Account) -> None:
    viewer = add_member(client, admin, "viewer")
    agent = add_member(client, admin, "agent")
    prop = create(client, agent)
    path = f"{PROPERTIES}/{prop['id']}"
    assert client.get(path, headers=viewer.headers).status_code == 200
    assert client.get(PROPERTIES, headers=viewer.headers).status_code == 200
    assert client.get(f"{path}/history", headers=viewer.headers).status_code == 200
    assert client.post(PROPERTIES, headers=viewer.headers, json=body(9)).status_code == 403
    assert client.put(path, headers=viewer.headers, json=body()).status_code == 403
    assert client.delete(path, headers=viewer.headers).status_code == 403
    assert upload(client, viewer, prop["id"], png(1, 1)).status_code == 403
    assert client.post(f"{path}/valuations", headers=viewer.headers).status_code == 403
    assert client.get(path, headers=admin.headers).json()["status"] == "active"


def test_property_reads_need_read_and_every_other_route_write(app: Any) -> None:
    """The role × route matrix (test_rbac_matrix) proves each declared permission is enforced;
    this pins which one each property route declares."""
    routes = [(m, p, r) for m, p, r in api_routes(app) if p.startswith(PROPERTIES)]
    assert len(routes) == 10
    for method, path, route in routes:
        expected = Permission.PROPERTIES_READ if method == "GET" else Permission.PROPERTIES_WRITE
        assert list(declared_permissions(route.dependant)) == [expected], (method, path)


# --- the read cache -----------------------------------------------------------------------------


def cache_counts(client: TestClient) -> tuple[float, float]:
    metrics = client.app.state.container.metrics  # type: ignore[attr-defined]
    hits = metrics.cache_hits.labels("properties")._value.get()
    misses = metrics.cache_misses.labels("properties")._value.get()
    return hits, misses


def exercise_cache(client: TestClient, admin: Account) -> None:
    prop = create(client, admin)
    path = f"{PROPERTIES}/{prop['id']}"
    assert client.get(path, headers=admin.headers).json()["price"] == 410_000
    before = cache_counts(client)
    assert client.get(path, headers=admin.headers).json()["price"] == 410_000
    after = cache_counts(client)
    assert after[0] == before[0] + 1  # served from the cache
    # Each write is seen by the very next read.
    client.put(path, headers=admin.headers, json=body(price=500_000))
    assert client.get(path, headers=admin.headers).json()["price"] == 500_000
    assert client.get(PROPERTIES, headers=admin.headers).json()["items"][0]["price"] == 500_000
    assert client.get(PROPERTIES, headers=admin.headers).json()["total"] == 1
    create(client, admin, **body(2))
    assert client.get(PROPERTIES, headers=admin.headers).json()["total"] == 2
    assert upload(client, admin, prop["id"], png(1, 1)).status_code == 201
    assert value(client, admin, prop["id"])["status"] == "succeeded"
    client.delete(path, headers=admin.headers)
    assert client.get(path, headers=admin.headers).status_code == 404
    assert client.get(PROPERTIES, headers=admin.headers).json()["total"] == 1
    # Another organization asking the very same question gets its own answer.
    rival = register(client, "Rival Realty")
    assert client.get(PROPERTIES, headers=rival.headers).json()["total"] == 0
    assert client.get(path, headers=rival.headers).status_code == 404
    # A failed write leaves the cache (and the data) as they were.
    other = client.get(PROPERTIES, headers=admin.headers).json()["items"][0]
    bad = client.put(f"{PROPERTIES}/{other['id']}", headers=admin.headers, json=body(price=-1))
    assert bad.status_code == 422
    assert client.get(PROPERTIES, headers=admin.headers).json()["items"][0] == other


def test_reads_after_writes_are_never_stale(client: TestClient, admin: Account) -> None:
    exercise_cache(client, admin)


def test_the_cache_is_shared_through_redis(settings: Any, database: Any, owner_engine: Any) -> None:
    need_redis()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with (
        TestClient(make_app(settings, database, redis_url=REDIS_URL)) as first,
        TestClient(make_app(settings, database, redis_url=REDIS_URL)) as second,
    ):
        account = register(first)
        exercise_cache(first, account)
        # A write through one process is seen by a read through another.
        prop = create(first, account, **body(7))
        path = f"{PROPERTIES}/{prop['id']}"
        assert second.get(path, headers=account.headers).json()["price"] == prop["price"]
        first.put(path, headers=account.headers, json=body(7, price=1))
        assert second.get(path, headers=account.headers).json()["price"] == 1


def test_memory_cache_is_bounded_and_expires() -> None:
    from reos.core.cache import MemoryStore

    now = [0.0]
    store = MemoryStore(max_entries=2, clock=lambda: now[0])
    store.set("a", b"1", ttl=10)
    store.set("b", b"2", ttl=10)
    assert store.get("a") == b"1"  # a is now the most recently used
    store.set("c", b"3", ttl=10)
    assert (store.get("a"), store.get("b"), store.get("c")) == (b"1", None, b"3")
    now[0] = 11.0
    assert store.get("a") is None and len(store) == 1


# --- CSV import ---------------------------------------------------------------------------------

CSV = (
    "address,city,state,zip_code,property_type,price,bedrooms,apn,owner_name\n"
    "1 Elm Street,Austin,TX,78701,single_family,300000,3,111-22-333,Ann\n"
    "2 Elm Street,Austin,TX,78701,condo,-5,2,,\n"  # row 3: negative price
    '"3 Elm Street, Unit 4",Austin,tx,78701,townhouse,250000,,,"Lee,\n Bo"\n'  # rows 4-5
    "1 elm st.,AUSTIN,TX,78701,single_family,300000,3,,\n"  # row 6: same as row 2
    "9 Pine Rd,Austin,TX,78701,single_family,1,1,11122333,\n"  # row 7: same APN as row 2
    "\n"
    "5 Elm Street,Austin,Texas,7870,castle,,,,\n"  # row 9: three bad fields
    "6 Elm Street,Austin,TX,78701,land,10,0,,\n"
)


def test_csv_import_creates_valid_rows_and_reports_the_rest(
    client: TestClient, database: Database, admin: Account
) -> None:
    org = uuid.UUID(admin.organization_id)
    progress: list[tuple[int, int]] = []
    with database.unit_of_work(org) as session:
        # Batches of 3: the duplicates of row 2 (rows 6 and 7) are in the next batch.
        result = import_properties_csv(
            session,
            CSV.encode(),
            uuid.UUID(admin.id),
            lambda d, t: progress.append((d, t)),
            batch_rows=3,
        )
    assert result["created"] == 3 and result["duplicates"] == 2
    assert sorted((e["row"], e["field"]) for e in result["errors"]) == [
        (3, "price"),
        (9, "property_type"),
        (9, "state"),
        (9, "zip_code"),
    ]
    assert progress == [(3, 7), (6, 7), (7, 7)]
    listed = client.get(PROPERTIES, headers=admin.headers, params={"sort": "price"}).json()
    assert [p["address"] for p in listed["items"]] == [
        "6 Elm Street",
        "3 Elm Street, Unit 4",
        "1 Elm Street",
    ]
    assert listed["items"][1]["owner_name"] == "Lee,\n Bo"
    assert listed["items"][0]["created_by_id"] == admin.id

    # Importing the same file again creates nothing.
    with database.unit_of_work(org) as session:
        again = import_properties_csv(session, CSV.encode(), uuid.UUID(admin.id), None)
    assert again["created"] == 0 and again["duplicates"] == 5
    assert client.get(PROPERTIES, headers=admin.headers).json()["total"] == 3
    history = client.get(
        f"{PROPERTIES}/{listed['items'][0]['id']}/history", headers=admin.headers
    ).json()
    assert [i["change"]["change_type"] for i in history["items"]] == ["created"]


def test_csv_import_rolls_back_with_its_transaction(
    client: TestClient, database: Database, admin: Account
) -> None:
    """The import writes in the caller's transaction, which still decides."""
    with (
        pytest.raises(RuntimeError),
        database.unit_of_work(uuid.UUID(admin.organization_id)) as session,
    ):
        result = import_properties_csv(session, CSV.encode(), None, None)
        assert result["created"] == 3
        raise RuntimeError("the task failed after the import")
    assert client.get(PROPERTIES, headers=admin.headers).json()["total"] == 0


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"address,city,state,zip_code,property_type,color\n", (1, "file")),
        (b"address,city,state,property_type\n", (1, "zip_code")),
        (b"", (1, "file")),
        (b"address,city\n1 A St,\xff\xfe\n", (2, "file")),
    ],
)
def test_csv_import_refuses_an_unusable_file(
    database: Database, admin: Account, data: bytes, problem: tuple[int, str]
) -> None:
    with database.unit_of_work(uuid.UUID(admin.organization_id)) as session:
        result = import_properties_csv(session, data, None, None)
    assert result["created"] == 0
    assert problem in [(e["row"], e["field"]) for e in result["errors"]]
