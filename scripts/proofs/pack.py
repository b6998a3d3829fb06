"""The pack's MANIFEST.json (hashes, versions, verdicts) and index.html (a page to open)."""

from __future__ import annotations

import hashlib
import html
import json
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from proofs.harness import ProofResult

PACKAGES = ("fastapi", "sqlalchemy", "pydantic", "alembic", "celery", "uvicorn", "pyjwt")


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _commit(repo: Path) -> str:
    out = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=False
    )
    return out.stdout.strip() or "uncommitted"


def _hashes(pack: Path) -> dict[str, str]:
    return {
        str(p.relative_to(pack)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(pack.rglob("*"))
        if p.is_file() and p.name not in {"MANIFEST.json", "index.html"}
    }


def write_pack(
    pack: Path,
    repo: Path,
    base_url: str,
    database: str,
    results: list[ProofResult],
    skipped: list[str],
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": _commit(repo),
        "base_url": base_url,
        "database": database,
        "versions": _versions(),
        "passed": all(r.passed for r in results),
        "proofs": [vars(r) for r in results],
        "skipped": skipped,
        "files": _hashes(pack),
    }
    (pack / "index.html").write_text(_page(manifest))
    manifest["files"]["index.html"] = hashlib.sha256((pack / "index.html").read_bytes()).hexdigest()
    (pack / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _page(manifest: dict[str, Any]) -> str:
    rows = "\n".join(
        f"<tr class='{'pass' if p['passed'] else 'fail'}'><td>{html.escape(p['name'])}</td>"
        f"<td>{'PASS' if p['passed'] else 'FAIL'}</td><td>{html.escape(p['figure'])}</td>"
        f"<td><a href='{html.escape(p['file'])}'>{html.escape(p['file'])}</a></td>"
        f"<td>{html.escape(p['detail'])}</td></tr>"
        for p in manifest["proofs"]
    )
    versions = ", ".join(f"{k} {v}" for k, v in manifest["versions"].items())
    verdict = "All proofs passed" if manifest["passed"] else "Some proofs FAILED"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Real Estate OS evidence pack</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #d8dee6; padding: .45rem .6rem; text-align: left; }}
tr.pass td:nth-child(2) {{ color: #1a7f37; font-weight: 600; }}
tr.fail td:nth-child(2) {{ color: #c62828; font-weight: 600; }}
.meta {{ color: #5b6776; }}
</style></head><body>
<h1>Real Estate OS evidence pack</h1>
<p><strong>{verdict}</strong></p>
<p class="meta">Generated {html.escape(manifest["generated_at"])} against
{html.escape(manifest["base_url"])} ({html.escape(manifest["database"])}); commit
<code>{html.escape(manifest["git_commit"])}</code>.<br>{html.escape(versions)}</p>
<table><thead><tr><th>proof</th><th>verdict</th><th>figure</th><th>evidence</th><th>detail</th>
</tr></thead><tbody>
{rows}
</tbody></table>
<p class="meta">Every file's sha256 is in <a href="MANIFEST.json">MANIFEST.json</a>.</p>
</body></html>
"""
