"""The pack's MANIFEST.json (verdicts, versions, every file's sha256) and index.html.

`python -m scripts.proofs.pack DIR` re-seals a pack: it hashes the files again (run_proofs.sh
does this after stopping the API, so api.log's hash covers the whole log), rewrites index.html
and MANIFEST.json, prints the summary, and exits 1 if any proof failed.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .harness import ProofResult, git_commit

MANIFEST, INDEX = "MANIFEST.json", "index.html"
PACKAGES = ("fastapi", "sqlalchemy", "pydantic", "celery", "alembic", "uvicorn", "pyjwt")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _hashes(pack: Path) -> dict[str, str]:
    return {
        p.relative_to(pack).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(pack.rglob("*"))
        if p.is_file() and p.relative_to(pack).as_posix() not in {MANIFEST, INDEX}
    }


def _seal(pack: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Hash every file, then write index.html (and add its hash), then MANIFEST.json last."""
    manifest["files"] = _hashes(pack)
    (pack / INDEX).write_text(_page(manifest), encoding="utf-8")
    manifest["files"][INDEX] = hashlib.sha256((pack / INDEX).read_bytes()).hexdigest()
    (pack / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


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
        "git_commit": git_commit(repo),
        "base_url": base_url,
        "database": database,
        "versions": versions(),
        "passed": all(r.passed for r in results),
        "proofs": [vars(r) for r in results],
        "skipped": skipped,
        "files": {},
    }
    return _seal(pack, manifest)


def reseal(pack: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((pack / MANIFEST).read_text())
    return _seal(pack, manifest)


def summary(pack: Path, manifest: dict[str, Any]) -> str:
    proofs = manifest["proofs"]
    lines = [
        "",
        f"Evidence pack {pack}",
        f"commit {manifest['git_commit']}, {manifest['database']} at {manifest['base_url']}",
        "",
    ]
    for p in proofs:
        verdict = "PASS" if p["passed"] else "FAIL"
        lines.append(f"  {verdict}  {p['name']:<18} {p['figure']}"[:118])
        if not p["passed"] and p["detail"]:
            lines.append(f"        {p['detail']}"[:118])
    lines += [f"  SKIP  {name}" for name in manifest.get("skipped", [])]
    failed = [p["name"] for p in proofs if not p["passed"]]
    lines += [
        "",
        f"{len(proofs) - len(failed)}/{len(proofs)} proofs passed"
        + (f"; FAILED: {', '.join(failed)}" if failed else "."),
        f"Open {pack / INDEX}",
    ]
    return "\n".join(lines)


def _page(manifest: dict[str, Any]) -> str:
    """A self-contained page: inline CSS, no scripts, no external fonts or images."""
    esc = html.escape
    files = manifest["files"]
    rows = "\n".join(
        f"<tr class='{'pass' if p['passed'] else 'fail'}'><td>{esc(p['name'])}</td>"
        f"<td class='verdict'>{'PASS' if p['passed'] else 'FAIL'}</td>"
        f"<td>{esc(p['figure'])}</td>"
        + (
            f"<td><a href='{esc(p['file'])}'>{esc(p['file'])}</a></td>"
            if p["file"] in files
            else f"<td>{esc(p['file'])} (not written)</td>"
        )
        + f"<td>{esc(p['detail'])}</td></tr>"
        for p in manifest["proofs"]
    )
    skipped = ", ".join(manifest.get("skipped", []))
    file_rows = "\n".join(
        f"<tr><td><a href='{esc(name)}'>{esc(name)}</a></td><td><code>{digest}</code></td></tr>"
        for name, digest in files.items()
    )
    version_rows = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in manifest["versions"].items()
    )
    passed = sum(1 for p in manifest["proofs"] if p["passed"])
    verdict = (
        "All proofs passed"
        if manifest["passed"]
        else f"{len(manifest['proofs']) - passed} proof(s) FAILED"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Real Estate OS evidence pack {esc(manifest["generated_at"])}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; color: #1f2933; }}
h1 {{ font-size: 1.5rem; margin-bottom: .25rem; }}
h2 {{ font-size: 1.1rem; margin-top: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #d8dee6; padding: .4rem .6rem; text-align: left;
  vertical-align: top; }}
th {{ background: #f3f5f8; }}
.verdict {{ font-weight: 700; }}
tr.pass .verdict, .ok {{ color: #1a7f37; }}
tr.fail .verdict, .bad {{ color: #c62828; }}
.meta {{ color: #52606d; }}
code {{ font-size: .85em; word-break: break-all; }}
</style></head><body>
<h1>Real Estate OS evidence pack</h1>
<p class="{"ok" if manifest["passed"] else "bad"}"><strong>{verdict}</strong>
({passed}/{len(manifest["proofs"])}){f"; skipped: {esc(skipped)}" if skipped else ""}</p>
<p class="meta">Generated {esc(manifest["generated_at"])} against {esc(manifest["base_url"])}
({esc(manifest["database"])}); commit <code>{esc(manifest["git_commit"])}</code>.</p>
<h2>Proofs</h2>
<table><thead><tr><th>proof</th><th>verdict</th><th>figure</th><th>evidence</th>
<th>detail</th></tr></thead><tbody>
{rows}
</tbody></table>
<h2>Versions</h2>
<table><tbody>{version_rows}</tbody></table>
<h2>Files</h2>
<p class="meta">sha256 of every file; <a href="{MANIFEST}">{MANIFEST}</a> holds the same list
and this page's hash.</p>
<table><thead><tr><th>file</th><th>sha256</th></tr></thead><tbody>
{file_rows}
</tbody></table>
</body></html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pack", type=Path)
    args = parser.parse_args(argv)
    manifest = reseal(args.pack)
    print(summary(args.pack, manifest))
    return 0 if manifest["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
