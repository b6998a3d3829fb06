"""MIGRATION_HISTORY.txt (captured by run_proofs.sh): one head, and the proof database is at it."""

from __future__ import annotations

import re

from .harness import ProofContext, ProofResult

NAME = "migration_history"
FILE = "MIGRATION_HISTORY.txt"
NEEDS_DATABASE = True
COMMANDS = ("upgrade", "history", "current")
# run_proofs.sh writes "$ <command>" before, and "[exit status N]" after, each command's output.
SECTION = re.compile(
    r"^\$ (?P<command>.+?)\n(?P<output>.*?)^\[exit status (?P<rc>\d+)\]", re.M | re.S
)


def sections(text: str, kinds: tuple[str, ...]) -> dict[str, re.Match[str]]:
    """The logged commands by the first of `kinds` among their words."""
    found = {}
    for match in SECTION.finditer(text):
        words = match["command"].split()
        kind = next((k for k in kinds if k in words), None)
        if kind:
            found[kind] = match
    return found


def run(ctx: ProofContext) -> ProofResult:
    path = ctx.pack_dir / FILE
    if not path.exists():
        return ProofResult(NAME, FILE, False, "not captured")
    logged = sections(path.read_text(), COMMANDS)
    history, current = logged.get("history"), logged.get("current")
    if history is None or current is None:
        return ProofResult(NAME, FILE, False, "history or current missing from the capture")
    failed = [kind for kind, m in logged.items() if m["rc"] != "0"]
    revisions = re.findall(r"^Rev: (\S+)", history["output"], re.M)
    heads = re.findall(r"^Rev: (\S+) \(head\)", history["output"], re.M)
    at = re.findall(r"^(?:Rev: )?(\S+) \(head\)", current["output"], re.M)
    passed = not failed and len(heads) == 1 and at == heads
    figure = f"{len(revisions)} revisions, head {','.join(heads) or '?'}, "
    figure += f"database at {','.join(at) or 'no head'}"
    detail = f"exited non-zero: {', '.join(failed)}" if failed else ""
    return ProofResult(NAME, FILE, passed, figure, detail)
