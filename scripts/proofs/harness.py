"""What every proof gets (a client, the pack directory, cached logins), returns and is listed in."""

from __future__ import annotations

import importlib
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEMO_PASSWORD = "DemoPass123!"
DEMO_DOMAIN = "demo.reos.example"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@dataclass
class ProofResult:
    name: str
    file: str
    passed: bool
    figure: str
    detail: str = ""


@dataclass
class ProofContext:
    base_url: str
    pack_dir: Path
    repo_dir: Path
    client: httpx.Client
    _logins: dict[str, httpx.Response] = field(default_factory=dict)

    def login(self, role: str) -> httpx.Response:
        """The login response of a demo user, made once per run: auth is limited to 10/min/IP."""
        if role not in self._logins:
            body = {"email": f"{role}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
            response = self.client.post("/api/v1/auth/login", json=body)
            retry_after = response.headers.get("Retry-After", "")
            # A previous run a moment ago may have spent the auth window: wait it out once.
            if response.status_code == 429 and retry_after.isdigit() and int(retry_after) <= 60:
                time.sleep(int(retry_after) + 1)
                response = self.client.post("/api/v1/auth/login", json=body)
            self._logins[role] = response
        return self._logins[role]

    def token(self, role: str) -> str:
        response = self.login(role)
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role)}"}

    def write(self, name: str, text: str) -> Path:
        path = self.pack_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text.endswith("\n") else text + "\n")
        return path

    def write_json(self, name: str, data: Any, sort_keys: bool = True) -> Path:
        text = json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False, default=str)
        return self.write(name, text)


@dataclass(frozen=True)
class Proof:
    """A registered proof: its module's NAME, FILE and run(); NEEDS_DATABASE ones read captures."""

    name: str
    file: str
    run: Callable[[ProofContext], ProofResult]
    needs_database: bool = False


def load(module_name: str) -> Proof:
    """Import one proof module of this package by its short name (e.g. "rate_limit")."""
    module = importlib.import_module(f"{__package__}.{module_name}")
    return Proof(module.NAME, module.FILE, module.run, getattr(module, "NEEDS_DATABASE", False))


def format_headers(response: httpx.Response) -> str:
    lines = [f"{response.http_version} {response.status_code} {response.reason_phrase}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    return "\n".join(lines)


def check_lines(checks: list[tuple[str, bool]]) -> str:
    return "\n".join(f"{'PASS' if ok else 'FAIL'}  {label}" for label, ok in checks)


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation; path items also hold non-method keys."""
    return [
        (method.upper(), path, operation)
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def git_commit(repo: Path) -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=False
        )
    except OSError:  # no git on this machine
        return "uncommitted"
    return result.stdout.strip() if result.returncode == 0 else "uncommitted"
