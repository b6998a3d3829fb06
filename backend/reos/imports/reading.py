"""Reading an uploaded CSV once: encoding, byte-order mark, delimiter, header and row limit.

The same reading serves the upload (whose problems are a 422 before any task starts) and the
worker (which reads the stored file back), so a file accepted at upload reads the same later.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TypedDict

# Candidates only: a header written with one of these is read with it, anything else with ",".
DELIMITERS = (",", ";", "\t", "|")
_SEPARATORS = re.compile(r"[\s\-]+")


class RowError(TypedDict):
    """One problem of an import; rows are the file's lines, the header being row 1."""

    row: int
    field: str  # a column, or "file" / "row" when no single column is to blame
    message: str


class UnusableFile(Exception):
    """The file cannot be imported at all; nothing of it is written."""

    def __init__(self, problems: list[RowError]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.problems = problems


@dataclass(slots=True)
class CsvFile:
    """A readable CSV: the known columns by position, and each non-blank record with the line it
    starts on (a quoted value may span lines)."""

    header: list[str | None]  # None for a column that is ignored
    records: list[tuple[int, list[str]]]
    ignored_columns: list[str] = field(default_factory=list)
    delimiter: str = ","


def normalize_column(name: str) -> str:
    """ "First Name", " first-name " and "FIRST_NAME" all name the field first_name."""
    return _SEPARATORS.sub("_", name.strip().lower())


def sniff_delimiter(header_line: str) -> str:
    """The candidate that occurs most in the header line, "," when none does.

    The header alone decides: field names rarely contain a delimiter, while data rows (free text,
    amounts like "1,5") often do, which is what makes csv.Sniffer guess wrong on real files.
    """
    counts = {candidate: header_line.count(candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _problem(row: int, field_name: str, message: str) -> RowError:
    return {"row": row, "field": field_name, "message": message}


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnusableFile([_problem(1, "file", "the file is UTF-16; save it as UTF-8 CSV")])
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs write, so the first column
        # keeps its plain name.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnusableFile([_problem(line, "file", "not UTF-8 text")]) from exc


def read_csv(
    data: bytes, *, columns: Collection[str], required: Collection[str], max_rows: int
) -> CsvFile:
    """Read `data` as a CSV whose header names some of `columns`; raise UnusableFile when it
    cannot be imported (not UTF-8, empty, no rows, a required column missing, a column given
    twice, more than `max_rows` rows). Unknown columns are ignored and listed."""
    text = _decode(data)
    if not text.strip():
        raise UnusableFile([_problem(1, "file", "the file is empty")])
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    # strict: an unclosed quote is an error, instead of silently swallowing every later row into
    # one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        names = [normalize_column(name) for name in next(reader)]
        records = []
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if any(value.strip() for value in values):
                records.append((start, values))
                if len(records) > max_rows:
                    message = f"more than {max_rows} rows; split the file"
                    raise UnusableFile([_problem(start, "file", message)])
    except csv.Error as exc:
        message = f"not a readable CSV: {exc}"
        raise UnusableFile([_problem(reader.line_num or 1, "file", message)]) from exc
    header, ignored, problems = _header(names, columns, required)
    if not problems and not records:
        problems.append(_problem(1, "file", "the file has a header but no rows"))
    if problems:
        raise UnusableFile(problems)
    return CsvFile(header=header, records=records, ignored_columns=ignored, delimiter=delimiter)


def _header(
    names: list[str], columns: Collection[str], required: Collection[str]
) -> tuple[list[str | None], list[str], list[RowError]]:
    header: list[str | None] = []
    ignored: list[str] = []
    problems = [
        _problem(1, column, "required column is missing")
        for column in required
        if column not in names
    ]
    for position, name in enumerate(names, start=1):
        if name not in columns:
            header.append(None)
            ignored.append(name or f"column {position} (no name)")
        elif name in header:
            header.append(None)
            problems.append(_problem(1, name, "column appears twice"))
        else:
            header.append(name)
    return header, ignored, problems
