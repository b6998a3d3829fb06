"""What every proof gets (a client, the pack directory, cached logins) and what it returns."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEMO_PASSWORD = "DemoPass123!"
DEMO_DOMAIN = "demo.reos.example"


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
    _tokens: dict[str, str] = field(default_factory=dict)

    def login(self, role: str) -> str:
        """An access token for a demo user; logins are cached because auth is rate-limited."""
        if role not in self._tokens:
            response = self.client.post(
                "/api/v1/auth/login",
                json={"email": f"{role}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD},
            )
            response.raise_for_status()
            self._tokens[role] = response.json()["access_token"]
        return self._tokens[role]

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.login(role)}"}

    def write(self, name: str, text: str) -> Path:
        path = self.pack_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text.endswith("\n") else text + "\n")
        return path

    def write_json(self, name: str, data: Any) -> Path:
        return self.write(name, json.dumps(data, indent=2, sort_keys=True, default=str))


Proof = Callable[[ProofContext], ProofResult]


def format_headers(response: httpx.Response) -> str:
    lines = [f"HTTP {response.status_code} {response.reason_phrase}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    return "\n".join(lines)


def check_lines(checks: list[tuple[str, bool]]) -> str:
    return "\n".join(f"{'PASS' if ok else 'FAIL'}  {label}" for label, ok in checks)
