"""Settings from the environment (and `.env`); the defaults give the embedded demo setup."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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

    login_max_failures: int = 5
    idempotency_ttl_hours: int = 24
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_demo_secrets_in_production(self) -> Settings:
        if self.mode == "production":
            missing = []
            if not self.db_dsn:
                missing.append("DB_DSN")
            if not self.jwt_private_key.get_secret_value() or not self.jwt_public_key:
                missing.append("JWT_PRIVATE_KEY/JWT_PUBLIC_KEY")
            if missing:
                raise ValueError(
                    "MODE=production refuses embedded defaults; set: " + ", ".join(missing)
                )
        return self

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
