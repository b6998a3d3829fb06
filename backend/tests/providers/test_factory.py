"""The factory: modes, per-kind overrides, and one error naming every missing setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from providers.base import ProviderConfigError
from providers.callbacks import InMemoryCallbackSink
from providers.data.ledger import InMemoryCostLedger
from providers.data.port import PropertyQuery
from providers.email.port import EmailMessage, InMemoryOutbox, load_email_events
from providers.factory import ProviderSettings, build_providers
from providers.sms.port import SMSMessage, load_sms_events

PRODUCTION_COMPLETE = ProviderSettings(
    mode="production",
    signing_key="k",
    smtp_from_address="outreach@reos.example",
    sendgrid_api_key="SG.x",
    twilio_account_sid="AC1",
    twilio_auth_token="t",
    twilio_from_number="+15005550006",
    minio_endpoint="https://minio.internal:9000",
    minio_access_key="a",
    minio_secret_key="s",
    attom_api_key="a",
    regrid_api_key="r",
    openaddresses_url="http://pelias.internal:4000",
)


def kinds(settings: ProviderSettings) -> dict[str, str]:
    built = build_providers(settings)
    return {p.kind: type(p).__name__ for p in built.all()}


def test_mock_mode_builds_every_mock(tmp_path: Path) -> None:
    assert kinds(ProviderSettings(signing_key="k", var_dir=tmp_path)) == {
        "data": "DataProviderChain",
        "email": "MockEmailProvider",
        "sms": "MockSMSProvider",
        "webhook": "MockWebhookProvider",
        "storage": "LocalStorage",
    }


def test_production_mode_builds_the_real_adapters() -> None:
    built = build_providers(PRODUCTION_COMPLETE)
    assert {p.kind: type(p).__name__ for p in built.all()} == {
        "data": "DataProviderChain",
        "email": "SendGridEmailProvider",
        "sms": "TwilioSMSProvider",
        "webhook": "HTTPWebhookProvider",
        "storage": "MinioStorage",
    }
    assert [p.name for p in built.data.providers] == ["attom", "regrid", "openaddresses"]  # type: ignore[attr-defined]
    assert all(p.mode == "production" for p in built.all())


def test_per_kind_overrides_win(tmp_path: Path) -> None:
    settings = ProviderSettings(
        mode="production",
        signing_key="k",
        var_dir=tmp_path,
        email_provider="smtp",
        smtp_host="127.0.0.1",
        smtp_from_address="a@reos.example",
        sms_provider="mock",
        storage_provider="memory",
        webhook_provider="mock",
        data_provider="mock",
    )
    assert kinds(settings) == {
        "data": "DataProviderChain",
        "email": "SMTPEmailProvider",
        "sms": "MockSMSProvider",
        "webhook": "MockWebhookProvider",
        "storage": "MemoryStorage",
    }


def test_production_without_credentials_names_every_missing_setting() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        build_providers(ProviderSettings(mode="production"))

    assert caught.value.missing == [
        "SENDGRID_API_KEY",
        "SMTP_FROM_ADDRESS",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_FROM_NUMBER",
        "MINIO_ENDPOINT",
        "MINIO_ACCESS_KEY",
        "MINIO_SECRET_KEY",
        "ATTOM_API_KEY",
        "REGRID_API_KEY",
        "OPENADDRESSES_URL",
    ]
    for name in caught.value.missing:
        assert name in str(caught.value)


def test_a_data_chain_asks_only_for_its_members_keys() -> None:
    settings = ProviderSettings(
        mode="mock",
        signing_key="k",
        data_provider="regrid, openaddresses",
        storage_provider="memory",
    )
    with pytest.raises(ProviderConfigError) as caught:
        build_providers(settings)
    assert caught.value.missing == ["REGRID_API_KEY", "OPENADDRESSES_URL"]


def test_unknown_names_and_modes_are_configuration_errors() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        build_providers(
            ProviderSettings(signing_key="k", email_provider="pigeon", data_provider="mock,zillow")
        )
    assert caught.value.missing == ["EMAIL_PROVIDER", "DATA_PROVIDER"]
    with pytest.raises(ProviderConfigError) as mode:
        build_providers(ProviderSettings(mode="staging"))
    assert mode.value.missing == ["MODE"]


def test_mock_mode_needs_a_signing_key() -> None:
    with pytest.raises(ProviderConfigError) as caught:
        build_providers(ProviderSettings())
    assert caught.value.missing == ["SIGNING_KEY"]


def test_provider_set_lifecycle_health_and_the_apps_verifiers(tmp_path: Path) -> None:
    outbox, sink, ledger = InMemoryOutbox(), InMemoryCallbackSink(), InMemoryCostLedger()
    providers = build_providers(
        ProviderSettings(signing_key="k", var_dir=tmp_path, seed=3),
        outbox=outbox,
        callback_sink=sink,
        cost_ledger=ledger,
    )
    providers.initialize_all()
    assert all(h.healthy for h in providers.health())
    assert (tmp_path / "storage" / "objects").is_dir()

    providers.data.property_details(PropertyQuery(address="1 Elm St, Austin, TX 78701"))
    assert [e.cost_usd for e in ledger.entries()] == [0.08]

    providers.email.send(EmailMessage("jane@example.com", "Hi", "<p>Hi</p>", "Hi"))
    providers.sms.send(SMSMessage("+15551234567", "Hi"))
    assert len(outbox.list()) == 1
    later = datetime.now(UTC) + timedelta(minutes=1)
    channels = {}
    for callback in sink.drain(later):
        load = load_email_events if callback.channel == "email" else load_sms_events
        events = load(
            callback.headers,
            callback.body,
            providers.callback_secret,
            now=callback.due_at.timestamp(),
        )
        channels[callback.channel] = [e.event_type for e in events]
    assert channels == {"email": ["delivered"], "sms": ["delivered"]}

    providers.storage.put("a/b.txt", b"hi", "text/plain")
    url = urlsplit(providers.storage.presigned_url("a/b.txt", 60))
    query = parse_qs(url.query)
    key = unquote(url.path.removeprefix("/api/v1/storage/"))
    assert providers.verify_presigned(key, query["expires"][0], query["signature"][0])
    assert not providers.verify_presigned("a/c.txt", query["expires"][0], query["signature"][0])
    providers.shutdown_all()


def test_minio_endpoint_url_sets_tls() -> None:
    storage = build_providers(PRODUCTION_COMPLETE).storage
    assert (storage.endpoint, storage.secure) == ("minio.internal:9000", True)  # type: ignore[attr-defined]
