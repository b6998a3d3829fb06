"""docker-compose.yml and the Dockerfile, checked as far as possible without a Docker engine:
every reference resolves, every setting is one the app reads, every command names real code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import yaml

from reos.core.settings import Settings

REPO = Path(__file__).resolve().parents[3]


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return document


def test_dependencies_and_volumes_resolve() -> None:
    document = compose()
    services = document["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith(("/", ".")) or source in document["volumes"], volume


def test_every_app_setting_is_one_the_app_reads() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    for name, service in compose()["services"].items():
        if "build" not in service:
            continue
        unknown = set(service["environment"]) - fields
        assert not unknown, f"{name}: settings the app does not read: {unknown}"


def test_commands_name_importable_code() -> None:
    targets = set()
    for service in compose()["services"].values():
        command = service.get("command", [])
        text = " ".join(command) if isinstance(command, list) else str(command)
        targets |= set(re.findall(r"\breos\.[a-z_.]+:[a-z_]+", text))
    dockerfile = (REPO / "Dockerfile").read_text()
    targets |= set(re.findall(r"\breos\.[a-z_.]+:[a-z_]+", dockerfile))
    assert {"reos.worker:celery", "reos.main:create_app"} <= targets
    for target in targets:
        module, attribute = target.split(":")
        assert hasattr(importlib.import_module(module), attribute), target


def test_the_worker_listens_on_every_work_queue_and_flower_watches_the_same_broker() -> None:
    services = compose()["services"]
    worker = " ".join(services["worker"]["command"])
    assert "high_priority,default,low_priority" in worker
    broker = services["api"]["environment"]["CELERY_BROKER_URL"]
    assert any(broker in part for part in services["flower"]["command"])


def test_dockerfile_copies_what_exists() -> None:
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), source
