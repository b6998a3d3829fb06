"""Secrets the demo generates for itself: created once, private, and agreed on by racers."""

from __future__ import annotations

from pathlib import Path

import pytest

from reos.core.local_secrets import generated_once, local_secret
from reos.core.settings import Settings


def test_content_is_generated_once(tmp_path: Path) -> None:
    target = tmp_path / "keys" / "secret"
    first = generated_once(target, lambda: b"first")
    second = generated_once(target, lambda: b"second")
    assert first == second == b"first"
    assert target.stat().st_mode & 0o077 == 0


def test_a_process_that_loses_the_race_reads_the_winners_content(tmp_path: Path) -> None:
    target = tmp_path / "secret"

    def generate_while_another_process_wins() -> bytes:
        target.write_bytes(b"winner")  # another process links its file in meanwhile
        return b"loser"

    assert generated_once(target, generate_while_another_process_wins) == b"winner"
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]  # no temp file left behind


def test_secrets_are_only_generated_in_mock_mode(tmp_path: Path) -> None:
    mock = Settings(var_dir=tmp_path)
    assert local_secret(mock, "X") == local_secret(mock, "X")
    assert local_secret(mock, "X", given="set") == "set"
    with pytest.raises(RuntimeError, match="X"):
        local_secret(Settings(mode="production", var_dir=tmp_path), "X")
