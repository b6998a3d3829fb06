"""Object storage on MinIO or any S3-compatible service, through the `minio` client."""

from __future__ import annotations

import io
from datetime import timedelta

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import check_bucket_name

from providers.base import (
    PermanentProviderError,
    ProviderConfigError,
    ProviderHealth,
    TransientProviderError,
)
from providers.storage.port import (
    ObjectNotFound,
    StorageProvider,
    StoredObject,
    check_presign,
    validate_key,
)

_MISSING = frozenset({"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"})


def _translate(exc: Exception, key: str) -> Exception:
    if isinstance(exc, S3Error):
        if exc.code in _MISSING:
            return ObjectNotFound(f"no object {key!r}")
        status = exc.response.status if exc.response is not None else 0
        if status >= 500 or exc.code in ("SlowDown", "ServiceUnavailable", "InternalError"):
            return TransientProviderError(f"storage error {exc.code}", code=exc.code)
        return PermanentProviderError(f"storage error {exc.code}: {exc.message}", code=exc.code)
    return TransientProviderError(f"storage unreachable: {exc}")


class MinioStorage(StorageProvider):
    name = "minio"
    mode = "production"

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = True,
        region: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        try:
            check_bucket_name(bucket)
        except ValueError as exc:
            raise ProviderConfigError(["MINIO_BUCKET"], f"invalid bucket name {bucket!r}") from exc
        self.bucket = bucket
        self.endpoint = endpoint
        self.secure = secure
        # Bounded timeouts and few retries: a storage outage must not hang request threads.
        http_client = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=(502, 503, 504)),
        )
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http_client,
        )

    def initialize(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except (MinioException, OSError, urllib3.exceptions.HTTPError) as exc:
            raise _translate(exc, self.bucket) from exc

    def shutdown(self) -> None:
        return None

    def health(self) -> ProviderHealth:
        try:
            present = self.client.bucket_exists(self.bucket)
        except (MinioException, OSError, urllib3.exceptions.HTTPError) as exc:
            return self._health(False, f"bucket {self.bucket}: {exc}")
        return self._health(present, f"bucket {self.bucket}" + ("" if present else " missing"))

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        validate_key(key)
        try:
            self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        except (MinioException, OSError, urllib3.exceptions.HTTPError) as exc:
            raise _translate(exc, key) from exc

    def get(self, key: str) -> StoredObject:
        validate_key(key)
        try:
            response = self.client.get_object(self.bucket, key)
            try:
                data = response.read()
                content_type = response.headers.get("Content-Type", "application/octet-stream")
            finally:
                response.close()
                response.release_conn()
        except (MinioException, OSError, urllib3.exceptions.HTTPError) as exc:
            raise _translate(exc, key) from exc
        return StoredObject(data, content_type, len(data))

    def delete(self, key: str) -> None:
        validate_key(key)
        try:
            self.client.remove_object(self.bucket, key)
        except (MinioException, OSError, urllib3.exceptions.HTTPError) as exc:
            raise _translate(exc, key) from exc

    def exists(self, key: str) -> bool:
        validate_key(key)
        try:
            self.client.stat_object(self.bucket, key)
        except (MinioException, OSError, urllib3.exceptions.HTTPError) as exc:
            error = _translate(exc, key)
            if isinstance(error, ObjectNotFound):
                return False
            raise error from exc
        return True

    def presigned_url(self, key: str, expires_in_s: int = 900, method: str = "GET") -> str:
        validate_key(key)
        check_presign(expires_in_s, method)
        expires = timedelta(seconds=expires_in_s)
        if method == "PUT":
            return self.client.presigned_put_object(self.bucket, key, expires)
        return self.client.presigned_get_object(self.bucket, key, expires)
