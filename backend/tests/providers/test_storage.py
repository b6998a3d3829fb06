"""Storage: one contract for memory, local and MinIO (on moto's S3), and presigned URLs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from providers.base import ProviderConfigError, TransientProviderError
from providers.storage.local import LocalStorage
from providers.storage.memory import MemoryStorage
from providers.storage.minio_storage import MinioStorage
from providers.storage.port import InvalidObjectKey, ObjectNotFound, StorageProvider, StoredObject
from providers.storage.presign import UrlSigner, verify_presigned
from tests.providers.conftest import free_port

BASE_URL = "http://127.0.0.1:8000"
SIGNING_KEY = "test-signing-key"


@pytest.fixture(params=["memory", "local", "minio"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorageProvider]:
    provider: StorageProvider
    if request.param == "memory":
        provider = MemoryStorage(BASE_URL, SIGNING_KEY)
    elif request.param == "local":
        provider = LocalStorage(tmp_path / "storage", BASE_URL, SIGNING_KEY)
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"reos-{uuid.uuid4().hex[:12]}"
        provider = MinioStorage(
            endpoint, "testing", "testing", bucket, secure=False, region="us-east-1"
        )
    provider.initialize()  # creates the bucket / directory
    yield provider
    provider.shutdown()


def test_put_get_exists_delete(storage: StorageProvider) -> None:
    key = "orgs/o1/documents/offer letter.pdf"
    storage.put(key, b"%PDF-1.7 fake", "application/pdf")

    assert storage.exists(key)
    assert storage.get(key) == StoredObject(b"%PDF-1.7 fake", "application/pdf", 13)
    storage.put(key, b"v2", "text/plain")  # overwrite
    assert storage.get(key) == StoredObject(b"v2", "text/plain", 2)

    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting again is fine, as in S3


def test_missing_key_raises_object_not_found(storage: StorageProvider) -> None:
    with pytest.raises(ObjectNotFound):
        storage.get("nope/missing.txt")
    assert not storage.exists("nope/missing.txt")


def test_empty_object(storage: StorageProvider) -> None:
    storage.put("empty.bin", b"")
    assert storage.get("empty.bin") == StoredObject(b"", "application/octet-stream", 0)


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "a/../../b", "/abs/path", "a\x00b", "", "a//b", "./a", "C:/x", "a\\b"]
)
def test_unsafe_keys_are_refused(storage: StorageProvider, key: str) -> None:
    with pytest.raises(InvalidObjectKey):
        storage.put(key, b"x")
    with pytest.raises(InvalidObjectKey):
        storage.get(key)


def test_health_and_presigned_url_shape(storage: StorageProvider) -> None:
    assert storage.health().healthy
    url = storage.presigned_url("reports/q1.csv", expires_in_s=60)
    assert url.startswith("http")
    assert "reports/q1.csv" in unquote(url)


def test_local_storage_keeps_files_under_its_root(tmp_path: Path) -> None:
    root = tmp_path / "storage"
    store = LocalStorage(root, BASE_URL, SIGNING_KEY)
    store.initialize()
    store.put("a/b.txt", b"hello", "text/plain")

    assert (root / "objects" / "a" / "b.txt").read_bytes() == b"hello"
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "objects" / "link")
    with pytest.raises(InvalidObjectKey):
        store.put("link/escape.txt", b"x")
    assert list(outside.iterdir()) == []


def test_minio_refuses_an_invalid_bucket_name() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        MinioStorage("127.0.0.1:9000", "k", "s", "No_Such Bucket", secure=False)
    assert caught.value.missing == ["MINIO_BUCKET"]


def test_minio_presigned_url_is_served_by_s3(s3_endpoint: str) -> None:
    store = MinioStorage(
        s3_endpoint, "testing", "testing", "reos-presign", secure=False, region="us-east-1"
    )
    store.initialize()
    store.initialize()  # idempotent: the bucket already exists
    store.put("docs/a.txt", b"from s3", "text/plain")

    response = httpx.get(store.presigned_url("docs/a.txt", 120))

    assert (response.status_code, response.content) == (200, b"from s3")


def test_minio_unreachable_is_transient() -> None:
    store = MinioStorage(
        f"127.0.0.1:{free_port()}",
        "k",
        "s",
        "reos-down",
        secure=False,
        region="us-east-1",
        timeout_s=1,
    )
    with pytest.raises(TransientProviderError):
        store.initialize()
    assert not store.health().healthy


# --- presigned URLs for memory and local storage ---------------------------------------------


def split(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    key = unquote(parts.path.removeprefix("/api/v1/storage/"))
    return key, query["expires"][0], query["signature"][0]


def test_presigned_url_format_and_verification() -> None:
    url = UrlSigner(BASE_URL, SIGNING_KEY).url("docs/offer 1.pdf", 300, now=1_700_000_000)

    assert url.startswith(
        f"{BASE_URL}/api/v1/storage/docs/offer%201.pdf?expires=1700000300&signature="
    )
    key, expires, signature = split(url)
    assert verify_presigned(SIGNING_KEY, key, expires, signature, now=1_700_000_299)
    assert verify_presigned(SIGNING_KEY, key, expires, signature, now=1_700_000_300)


def test_presigned_url_expires() -> None:
    key, expires, signature = split(UrlSigner(BASE_URL, SIGNING_KEY).url("a.txt", 60, now=1000))
    assert not verify_presigned(SIGNING_KEY, key, expires, signature, now=1061)


@pytest.mark.parametrize("field", ["key", "expires", "signature", "signing_key", "method"])
def test_presigned_url_tampering_is_rejected(field: str) -> None:
    key, expires, signature = split(UrlSigner(BASE_URL, SIGNING_KEY).url("a.txt", 60, now=1000))
    args = {"signing_key": SIGNING_KEY, "key": key, "expires": expires, "signature": signature}
    args[field] = {
        "key": "b.txt",
        "expires": "999999999999",
        "signature": signature[:-1] + ("0" if signature[-1] != "0" else "1"),
        "signing_key": "another-key",
        "method": "",
    }[field]
    method = "PUT" if field == "method" else "GET"
    assert not verify_presigned(
        args["signing_key"],
        args["key"],
        args["expires"],
        args["signature"],
        now=1001,
        method=method,
    )


@pytest.mark.parametrize("expires", ["soon", "", "1e3"])
def test_malformed_expiry_is_rejected(expires: str) -> None:
    assert not verify_presigned(SIGNING_KEY, "a.txt", expires, "00", now=0)


def test_storage_presigned_urls_verify_with_the_same_key(tmp_path: Path) -> None:
    for store in (
        MemoryStorage(BASE_URL, SIGNING_KEY),
        LocalStorage(tmp_path, BASE_URL, SIGNING_KEY),
    ):
        key, expires, signature = split(store.presigned_url("x/y.png", 30))
        assert key == "x/y.png"
        assert verify_presigned(SIGNING_KEY, key, expires, signature)
