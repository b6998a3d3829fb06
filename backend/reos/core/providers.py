"""Settings → the provider set (through `providers.factory`, the only place adapters are built),
and the one start-up refusal that lists every missing production setting."""

from __future__ import annotations

from pydantic import SecretStr

from providers.base import ProviderConfigError
from providers.data.ledger import CostLedger
from providers.email.port import Outbox
from providers.factory import ProviderSet, ProviderSettings, build_providers
from reos.core.local_secrets import local_secret
from reos.core.settings import Settings


class ConfigurationError(RuntimeError):
    """Production mode was asked for without the settings it needs."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            "MODE=production refuses to start; set these settings: " + ", ".join(missing)
        )


def _plain(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _signing_key(settings: Settings) -> str:
    given = settings.storage_signing_key.get_secret_value()
    # The demo signs its own storage links; production must be given the key (if it needs one).
    return (
        local_secret(settings, "STORAGE_SIGNING_KEY", given) if settings.mode == "mock" else given
    )


def provider_settings(settings: Settings) -> ProviderSettings:
    return ProviderSettings(
        mode=settings.mode,
        seed=settings.seed,
        var_dir=settings.var_dir,
        public_base_url=settings.public_base_url,
        signing_key=_signing_key(settings),
        callback_secret=settings.provider_callback_secret.get_secret_value() or None,
        email_provider=settings.email_provider,
        sms_provider=settings.sms_provider,
        storage_provider=settings.storage_provider,
        webhook_provider=settings.webhook_provider,
        data_provider=settings.data_provider,
        smtp_host=settings.smtp_host,
        smtp_port=settings.smtp_port,
        smtp_username=settings.smtp_username,
        smtp_password=_plain(settings.smtp_password),
        smtp_use_tls=settings.smtp_use_tls,
        smtp_from_address=settings.smtp_from_address,
        sendgrid_api_key=_plain(settings.sendgrid_api_key),
        twilio_account_sid=settings.twilio_account_sid,
        twilio_auth_token=_plain(settings.twilio_auth_token),
        twilio_from_number=settings.twilio_from_number,
        minio_endpoint=settings.minio_endpoint,
        minio_access_key=settings.minio_access_key,
        minio_secret_key=_plain(settings.minio_secret_key),
        minio_bucket=settings.minio_bucket,
        minio_secure=settings.minio_secure,
        attom_api_key=_plain(settings.attom_api_key),
        regrid_api_key=_plain(settings.regrid_api_key),
        openaddresses_url=settings.openaddresses_url,
        data_monthly_budget_usd=settings.data_monthly_budget_usd,
        webhook_allow_hosts=tuple(settings.webhook_allow_hosts),
        mock_latency_ms=settings.mock_latency_ms,
        mock_failure_rate=settings.mock_failure_rate,
    )


# The factory names settings by their provider-side names; these are the app's variables.
ENV_NAMES = {"SIGNING_KEY": "STORAGE_SIGNING_KEY", "CALLBACK_SECRET": "PROVIDER_CALLBACK_SECRET"}


def build_provider_set(
    settings: Settings, *, outbox: Outbox | None = None, cost_ledger: CostLedger | None = None
) -> ProviderSet:
    """The providers for this process; in production, refuse with every missing setting at once."""
    missing = settings.production_gaps()
    try:
        provider_set = build_providers(
            provider_settings(settings), outbox=outbox, cost_ledger=cost_ledger
        )
    except ProviderConfigError as exc:
        missing += [ENV_NAMES.get(name, name) for name in exc.missing]
        raise ConfigurationError(missing) from exc
    if missing:
        raise ConfigurationError(missing)
    return provider_set
