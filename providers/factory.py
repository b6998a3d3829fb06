"""Build every provider from settings: mocks in mock mode, real adapters in production."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from providers.base import BaseProvider, ProviderConfigError, ProviderHealth
from providers.callbacks import CallbackSink, InMemoryCallbackSink
from providers.data.attom import AttomDataProvider
from providers.data.chain import DataProviderChain
from providers.data.ledger import CostLedger, InMemoryCostLedger, MonthlyBudget
from providers.data.mock import MockDataProvider
from providers.data.openaddresses import OpenAddressesDataProvider
from providers.data.port import DataProvider
from providers.data.regrid import RegridDataProvider
from providers.email.mock import MockEmailProvider
from providers.email.port import EmailProvider, InMemoryOutbox, Outbox
from providers.email.sendgrid import SendGridEmailProvider
from providers.email.smtp import SMTPEmailProvider
from providers.sms.mock import DEFAULT_FROM, MockSMSProvider
from providers.sms.port import SMSOutbox, SMSProvider
from providers.sms.twilio import TwilioSMSProvider
from providers.storage.local import LocalStorage
from providers.storage.memory import MemoryStorage
from providers.storage.minio_storage import MinioStorage
from providers.storage.port import StorageProvider
from providers.storage.presign import verify_presigned
from providers.webhook.http import HTTPWebhookProvider
from providers.webhook.mock import MockWebhookProvider
from providers.webhook.port import WebhookProvider
from providers.webhook.signing import derive_secret, secret_key

MODES = ("mock", "production")


@dataclass(frozen=True)
class ProviderSettings:
    """Filled by the app from its own settings; names mirror the environment variables."""

    mode: str = "mock"
    seed: int = 42
    var_dir: str | Path = "var"
    public_base_url: str = "http://127.0.0.1:8000"
    signing_key: str = ""
    # Signs mock callbacks (whsec_…); None derives one from signing_key.
    callback_secret: str | None = None
    # Per-kind overrides; None follows `mode`.
    email_provider: str | None = None  # mock | smtp | sendgrid
    sms_provider: str | None = None  # mock | twilio
    storage_provider: str | None = None  # local (= mock) | memory | minio
    webhook_provider: str | None = None  # mock | http
    data_provider: str | None = None  # mock, or a chain such as "attom,regrid,openaddresses"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_use_tls: bool = True
    smtp_from_address: str | None = None  # the default sender, for SendGrid too
    sendgrid_api_key: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    minio_endpoint: str | None = None
    minio_access_key: str | None = None
    minio_secret_key: str | None = None
    minio_bucket: str = "reos"
    minio_secure: bool = True
    attom_api_key: str | None = None
    regrid_api_key: str | None = None
    openaddresses_url: str | None = None
    data_monthly_budget_usd: float = 50.0
    webhook_allow_hosts: tuple[str, ...] = ()
    mock_latency_ms: float = 0.0
    mock_failure_rate: float = 0.0

    def resolved_callback_secret(self) -> str:
        if self.callback_secret:
            return self.callback_secret
        # Deriving from an empty key would give everyone the same secret: give none instead.
        return derive_secret(self.signing_key, "provider-callbacks") if self.signing_key else ""


@dataclass
class ProviderSet:
    data: DataProvider
    email: EmailProvider
    sms: SMSProvider
    webhook: WebhookProvider
    storage: StorageProvider
    signing_key: str
    callback_secret: str  # what the app's email/SMS event receivers verify against
    outbox: Outbox
    callback_sink: CallbackSink
    cost_ledger: CostLedger

    def all(self) -> list[BaseProvider]:
        return [self.data, self.email, self.sms, self.webhook, self.storage]

    def initialize_all(self) -> None:
        for provider in self.all():
            provider.initialize()

    def shutdown_all(self) -> None:
        """Shut every provider down even if one fails; the first failure is raised after."""
        first: Exception | None = None
        for provider in reversed(self.all()):
            try:
                provider.shutdown()
            except Exception as exc:
                first = first or exc
        if first is not None:
            raise first

    def health(self) -> list[ProviderHealth]:
        reports = []
        for provider in self.all():
            try:
                reports.append(provider.health())
            except Exception as exc:
                # Readiness must report a broken provider, not fail itself.
                reports.append(
                    ProviderHealth(provider.name, provider.kind, provider.mode, False, str(exc))
                )
        return reports

    def verify_presigned(
        self,
        key: str,
        expires: int | str,
        signature: str,
        now: float | None = None,
        method: str = "GET",
    ) -> bool:
        """For the API's /api/v1/storage/{key} route (local and memory storage)."""
        return verify_presigned(self.signing_key, key, expires, signature, now, method)


def _choices(settings: ProviderSettings) -> dict[str, str]:
    production = settings.mode == "production"
    email_default = ("smtp" if settings.smtp_host else "sendgrid") if production else "mock"
    return {
        "email": settings.email_provider or email_default,
        "sms": settings.sms_provider or ("twilio" if production else "mock"),
        "storage": settings.storage_provider or ("minio" if production else "local"),
        "webhook": settings.webhook_provider or ("http" if production else "mock"),
        "data": settings.data_provider or ("attom,regrid,openaddresses" if production else "mock"),
    }


# For each choice, the settings it cannot do without (by environment-variable name).
_REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("email", "mock"): ("SIGNING_KEY|CALLBACK_SECRET",),
    ("email", "smtp"): ("SMTP_HOST", "SMTP_FROM_ADDRESS"),
    ("email", "sendgrid"): ("SENDGRID_API_KEY", "SMTP_FROM_ADDRESS"),
    ("sms", "mock"): ("SIGNING_KEY|CALLBACK_SECRET",),
    ("sms", "twilio"): ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"),
    ("storage", "local"): ("SIGNING_KEY", "PUBLIC_BASE_URL"),
    ("storage", "mock"): ("SIGNING_KEY", "PUBLIC_BASE_URL"),
    ("storage", "memory"): ("SIGNING_KEY", "PUBLIC_BASE_URL"),
    ("storage", "minio"): ("MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"),
    ("webhook", "mock"): (),
    ("webhook", "http"): (),
    ("data", "mock"): (),
    ("data", "attom"): ("ATTOM_API_KEY",),
    ("data", "regrid"): ("REGRID_API_KEY",),
    ("data", "openaddresses"): ("OPENADDRESSES_URL",),
}


def _chain_names(choice: str) -> list[str]:
    return [part.strip().lower() for part in choice.split(",") if part.strip()]


def _missing(settings: ProviderSettings, choices: dict[str, str]) -> list[str]:
    """Every setting name that is missing or wrong, in a stable order, each named once."""
    found: list[str] = []
    wanted: list[str] = []
    for kind, choice in choices.items():
        names = _chain_names(choice) if kind == "data" else [choice]
        for name in names or [""]:
            if (kind, name) not in _REQUIRED:
                found.append(f"{kind.upper()}_PROVIDER")
                continue
            wanted.extend(_REQUIRED[(kind, name)])
    for requirement in wanted:
        # "A|B": either setting will do; the first is the one to name.
        if not any(getattr(settings, n.lower(), None) for n in requirement.split("|")):
            found.append(requirement.split("|")[0])
    if settings.callback_secret:
        try:
            secret_key(settings.callback_secret)
        except ValueError:
            found.append("CALLBACK_SECRET")
    return list(dict.fromkeys(found))


def _data(settings: ProviderSettings, choice: str, ledger: CostLedger) -> DataProvider:
    members: list[DataProvider] = []
    for name in _chain_names(choice):
        if name == "mock":
            members.append(
                MockDataProvider(
                    settings.seed,
                    latency_ms=settings.mock_latency_ms,
                    failure_rate=settings.mock_failure_rate,
                )
            )
        elif name == "attom":
            members.append(AttomDataProvider(str(settings.attom_api_key)))
        elif name == "regrid":
            members.append(RegridDataProvider(str(settings.regrid_api_key)))
        else:
            members.append(OpenAddressesDataProvider(str(settings.openaddresses_url)))
    # Even the mock runs inside a chain, so demo costs reach the ledger and the budget bites.
    return DataProviderChain(members, MonthlyBudget(settings.data_monthly_budget_usd, ledger))


def _email(
    settings: ProviderSettings, choice: str, outbox: Outbox, sink: CallbackSink
) -> EmailProvider:
    sender = settings.smtp_from_address or ""
    if choice == "smtp":
        return SMTPEmailProvider(
            str(settings.smtp_host),
            settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_use_tls,
            default_from=sender,
        )
    if choice == "sendgrid":
        return SendGridEmailProvider(str(settings.sendgrid_api_key), default_from=sender)
    return MockEmailProvider(
        outbox,
        sink,
        settings.resolved_callback_secret(),
        default_from=sender or "outreach@demo.reos.example",
        latency_ms=settings.mock_latency_ms,
    )


def _sms(
    settings: ProviderSettings, choice: str, sink: CallbackSink, outbox: object
) -> SMSProvider:
    if choice == "twilio":
        return TwilioSMSProvider(
            str(settings.twilio_account_sid),
            str(settings.twilio_auth_token),
            default_from=str(settings.twilio_from_number),
        )
    return MockSMSProvider(
        sink,
        settings.resolved_callback_secret(),
        default_from=settings.twilio_from_number or DEFAULT_FROM,
        # The app's outbox keeps SMS too; a test's in-memory email outbox does not.
        outbox=outbox if isinstance(outbox, SMSOutbox) else None,
    )


def _storage(settings: ProviderSettings, choice: str) -> StorageProvider:
    if choice == "minio":
        # The minio client wants host:port; a URL-style endpoint also says whether to use TLS.
        endpoint = str(settings.minio_endpoint)
        scheme, _, rest = endpoint.partition("://")
        secure = settings.minio_secure if not rest else scheme == "https"
        return MinioStorage(
            rest.rstrip("/") or endpoint,
            str(settings.minio_access_key),
            str(settings.minio_secret_key),
            settings.minio_bucket,
            secure=secure,
        )
    if choice == "memory":
        return MemoryStorage(settings.public_base_url, settings.signing_key)
    root = Path(settings.var_dir) / "storage"
    return LocalStorage(root, settings.public_base_url, settings.signing_key)


def _webhook(settings: ProviderSettings, choice: str) -> WebhookProvider:
    if choice == "http":
        return HTTPWebhookProvider(allow_hosts=settings.webhook_allow_hosts)
    return MockWebhookProvider(
        latency_ms=settings.mock_latency_ms, allow_hosts=settings.webhook_allow_hosts
    )


def build_providers(
    settings: ProviderSettings,
    *,
    outbox: Outbox | None = None,
    callback_sink: CallbackSink | None = None,
    cost_ledger: CostLedger | None = None,
) -> ProviderSet:
    """Raise ProviderConfigError once, naming every missing setting, before building anything.
    Nothing is contacted here: `initialize_all()` does that."""
    if settings.mode not in MODES:
        raise ProviderConfigError(["MODE"], f"MODE must be one of {MODES}, not {settings.mode!r}")
    choices = {kind: choice.strip().lower() for kind, choice in _choices(settings).items()}
    missing = _missing(settings, choices)
    if missing:
        raise ProviderConfigError(missing)
    outbox = outbox if outbox is not None else InMemoryOutbox()
    sink = callback_sink if callback_sink is not None else InMemoryCallbackSink()
    ledger = cost_ledger if cost_ledger is not None else InMemoryCostLedger()
    return ProviderSet(
        data=_data(settings, choices["data"], ledger),
        email=_email(settings, choices["email"], outbox, sink),
        sms=_sms(settings, choices["sms"], sink, outbox),
        webhook=_webhook(settings, choices["webhook"]),
        storage=_storage(settings, choices["storage"]),
        signing_key=settings.signing_key,
        callback_secret=settings.resolved_callback_secret(),
        outbox=outbox,
        callback_sink=sink,
        cost_ledger=ledger,
    )
