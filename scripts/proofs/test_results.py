"""TEST_RESULTS.xml: the JUnit report of the test suite (the one named by TEST_RESULTS_XML,
or a run made here, whose console output goes to pytest.log)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from .harness import ProofContext, ProofResult

NAME = "tests"
FILE = "TEST_RESULTS.xml"
COUNTS = ("tests", "failures", "errors", "skipped")


def _pytest(repo: Path) -> list[str]:
    pytest = repo / ".venv/bin/pytest"
    return [str(pytest)] if pytest.exists() else [sys.executable, "-m", "pytest"]


def run(ctx: ProofContext) -> ProofResult:
    target = ctx.pack_dir / FILE
    given = Path(os.environ.get("TEST_RESULTS_XML", ""))
    if given.name and given.is_file():
        shutil.copyfile(given, target)
        source = f"copied from {given}"
    else:
        command = [*_pytest(ctx.repo_dir), "-q", "-p", "no:cacheprovider", f"--junitxml={target}"]
        with (ctx.pack_dir / "pytest.log").open("w") as log:
            # The environment is inherited on purpose: the suite sees the same settings.
            code = subprocess.run(
                command, cwd=ctx.repo_dir, stdout=log, stderr=subprocess.STDOUT, check=False
            ).returncode
        source = f"pytest run here (exit {code}; console output in pytest.log)"
    if not target.is_file():
        return ProofResult(NAME, FILE, False, "no JUnit report", source)
    root = ET.parse(target).getroot()  # noqa: S314 - a pytest report, not untrusted input
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    totals = {k: sum(int(s.get(k, 0)) for s in suites) for k in COUNTS}
    passed = totals["tests"] > 0 and totals["failures"] == 0 and totals["errors"] == 0
    figure = ", ".join(f"{v} {k}" for k, v in totals.items())
    return ProofResult(NAME, FILE, passed, figure, source)
