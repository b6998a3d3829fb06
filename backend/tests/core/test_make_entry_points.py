"""`make api` and `make worker` hand the processes a PUBLIC_BASE_URL that follows HOST and PORT,
so presigned links point at the port the API really listens on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def public_base_url_seen_by(target: str, tmp_path: Path, *arguments: str) -> str:
    # A stand-in for the venv's programs that prints what the real one would be configured with.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("uvicorn", "celery"):
        script = bin_dir / program
        script.write_text('#!/bin/sh\necho "PUBLIC_BASE_URL=$PUBLIC_BASE_URL"\n')
        script.chmod(0o755)
    stamp = tmp_path / "install-stamp"
    stamp.touch()  # newer than pyproject.toml and the lock: `install` has nothing to do
    environment = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "PORT")}
    completed = subprocess.run(
        ["make", "-s", target, f"BIN={bin_dir}", f"STAMP={stamp}", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return completed.stdout.strip().splitlines()[-1].removeprefix("PUBLIC_BASE_URL=")


@pytest.mark.parametrize("target", ["api", "worker"])
def test_links_follow_the_port_make_was_given(target: str, tmp_path: Path) -> None:
    seen = public_base_url_seen_by(target, tmp_path, "PORT=9000")
    assert seen == "http://127.0.0.1:9000"


def test_the_default_port_is_the_default_link(tmp_path: Path) -> None:
    assert public_base_url_seen_by("api", tmp_path) == "http://127.0.0.1:8000"


def test_an_explicit_public_base_url_wins(tmp_path: Path) -> None:
    seen = public_base_url_seen_by(
        "api", tmp_path, "PORT=9000", "PUBLIC_BASE_URL=https://reos.example"
    )
    assert seen == "https://reos.example"
