"""Settings from the environment (and `.env`); the defaults give the embedded demo setup."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import phonenumbers
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Mode = Literal["mock", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    mode: Mode = "mock"
    debug: bool = False
    seed: int = 42

    var_dir: Path = Path("./var")
    # Empty: a SQLite file under VAR_DIR. PostgreSQL: postgresql+psycopg://owner@host/db
    db_dsn: str = ""
    # On PostgreSQL the app logs in as this role, which owns no table and has no BYPASSRLS,
    # so Row-Level Security binds it; DB_DSN's own user (the owner) runs migrations only.
    db_app_role: str = "reos_app"
    db_app_password: SecretStr = SecretStr("")
    redis_url: str = ""
    celery_broker_url: str = ""

    rate_limit_default: str = "120/minute"
    rate_limit_auth: str = "10/minute"
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://127.0.0.1:3000"]
    )

    jwt_issuer: str = "real-estate-os"
    jwt_audience: str = "real-estate-os-api"
    jwt_access_ttl_minutes: int = Field(default=15, ge=15, le=30)
    jwt_refresh_ttl_days: int = Field(default=7, ge=1, le=7)
    # PEM text; empty in mock mode means "generate once under VAR_DIR/keys".
    jwt_private_key: SecretStr = SecretStr("")
    jwt_public_key: str = ""
    jwt_key_id: str = ""

    # Providers: MODE picks mocks or real adapters; each kind can be overridden.
    public_base_url: str = "http://127.0.0.1:8000"
    storage_signing_key: SecretStr = SecretStr("")  # empty in mock mode: generated once
    provider_callback_secret: SecretStr = SecretStr("")
    email_provider: str | None = None
    sms_provider: str | None = None
    storage_provider: str | None = None
    webhook_provider: str | None = None
    data_provider: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = True
    smtp_from_address: str | None = None
    sendgrid_api_key: SecretStr | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    minio_endpoint: str | None = None
    minio_access_key: str | None = None
    minio_secret_key: SecretStr | None = None
    minio_bucket: str = "reos"
    minio_secure: bool = True
    attom_api_key: SecretStr | None = None
    regrid_api_key: SecretStr | None = None
    openaddresses_url: str | None = None
    data_monthly_budget_usd: float = 50.0
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    mock_latency_ms: float = Field(default=0.0, ge=0)
    mock_failure_rate: float = Field(default=0.0, ge=0, le=1)
    storage_max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Rows one CSV import may hold; a larger file is refused at upload, to be split.
    import_max_rows: int = Field(default=100_000, gt=0)

    # Background tasks: retries back off exponentially (with jitter) from the base, up to the
    # cap; a running task proves it is alive every heartbeat, and a run whose heartbeat is older
    # than three beats is taken over. Redis re-delivers an unacknowledged message after the
    # visibility timeout, so it must exceed the longest task.
    task_max_retries: int = Field(default=3, ge=0, le=10)
    task_retry_backoff_seconds: float = Field(default=2.0, gt=0)
    task_retry_backoff_max_seconds: float = Field(default=300.0, gt=0)
    task_heartbeat_seconds: float = Field(default=5.0, gt=0)
    task_stale_after_seconds: float = Field(default=120.0, gt=0)
    task_visibility_timeout_seconds: int = Field(default=7200, gt=0)

    # Where a phone number written without a country code is taken to be (ISO 3166 code).
    default_phone_region: str = "US"

    login_max_failures: int = 5
    idempotency_ttl_hours: int = 24
    # Domain events older than this are purged nightly (reos.jobs.maintenance).
    event_retention_days: int = Field(default=90, ge=1)
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("trusted_proxies", "cors_origins", "webhook_allow_hosts", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("default_phone_region")
    @classmethod
    def _known_phone_region(cls, value: str) -> str:
        # Checked at start-up: an unknown region would refuse every national number later.
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{value!r} is not a region phone numbers are known for")
        return region

    def production_gaps(self) -> list[str]:
        """Settings production mode needs and the embedded defaults would otherwise fill in."""
        if self.mode != "production":
            return []
        missing = []
        if not self.db_dsn:
            missing.append("DB_DSN")
        if not self.jwt_private_key.get_secret_value():
            missing.append("JWT_PRIVATE_KEY")
        if not self.jwt_public_key:
            missing.append("JWT_PUBLIC_KEY")
        return missing

    @property
    def database_url(self) -> str:
        if self.db_dsn:
            return self.db_dsn
        return f"sqlite:///{(self.var_dir / 'reos.db').resolve()}"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


@lru_cache
def get_settings() -> Settings:
    return Settings()
