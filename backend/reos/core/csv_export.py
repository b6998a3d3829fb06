"""Writing CSV for people to open in a spreadsheet, without formula injection.

Imports store cells as given, so a value may start with "=", "+", "-" or "@" (or a tab or
carriage return, which some spreadsheets skip before reading a formula). A spreadsheet would run
such a cell as a formula; every CSV export goes through `write_csv`, which prefixes it with a
single quote so it is shown as text (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: object) -> str:
    """The cell as text, with a leading single quote when a spreadsheet would read a formula."""
    if value is None:
        return ""
    text = str(value)
    # Numbers are written by us, not taken from a file: -5 is a number, not a formula.
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (RFC 4180, CRLF line ends) of `header` and `rows`, every cell neutralized."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([neutralize_cell(name) for name in header])
    writer.writerows([neutralize_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
