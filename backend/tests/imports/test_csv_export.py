"""Cells that a spreadsheet would run as formulas are exported as text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from reos.core.csv_export import neutralize_cell, write_csv


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 415 555 0100", "'+1 415 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Ada = Countess", "Ada = Countess"),
        ("", ""),
        (None, ""),
        (-5, "-5"),
        (Decimal("-1.50"), "-1.50"),
    ],
)
def test_a_formula_cell_gets_a_leading_quote_and_nothing_else_changes(
    cell: object, exported: str
) -> None:
    assert neutralize_cell(cell) == exported


def test_an_export_reads_back_with_every_formula_neutralized() -> None:
    document = write_csv(["name", "=note"], [["=cmd|' /C calc'!A0", 'a, "quoted"\nline']])
    assert list(csv.reader(io.StringIO(document, newline=""))) == [
        ["name", "'=note"],
        ["'=cmd|' /C calc'!A0", 'a, "quoted"\nline'],
    ]
