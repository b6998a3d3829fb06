"""Reading an upload once: delimiter, byte-order mark, header names, row numbers, row limit, and
the files that cannot be imported at all."""

from __future__ import annotations

import pytest

from reos.imports.reading import UnusableFile, normalize_column, read_csv, sniff_delimiter

COLUMNS = ("first_name", "last_name", "email")
REQUIRED = ("first_name", "last_name")


def read(data: bytes, max_rows: int = 100) -> object:
    return read_csv(data, columns=COLUMNS, required=REQUIRED, max_rows=max_rows)


def problems(data: bytes, max_rows: int = 100) -> list[tuple[int, str, str]]:
    with pytest.raises(UnusableFile) as refused:
        read(data, max_rows)
    return [(p["row"], p["field"], p["message"]) for p in refused.value.problems]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("first_name,last_name", ","),
        ("first_name;last_name;email", ";"),
        ("first_name\tlast_name", "\t"),
        ("first_name|last_name", "|"),
        ("first_name", ","),
    ],
)
def test_the_delimiter_is_the_one_the_header_uses(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header) == delimiter


def test_a_semicolon_file_with_commas_in_its_values_reads_by_its_header() -> None:
    csv_file = read_csv(
        b"first_name;last_name;email\nAda;Lovelace, Countess;ada@example.com\n",
        columns=COLUMNS,
        required=REQUIRED,
        max_rows=10,
    )
    assert csv_file.delimiter == ";"
    assert csv_file.records == [(2, ["Ada", "Lovelace, Countess", "ada@example.com"])]


def test_a_byte_order_mark_does_not_rename_the_first_column() -> None:
    csv_file = read_csv(
        "\ufefffirst_name,last_name\nA,B\n".encode(), columns=COLUMNS, required=REQUIRED, max_rows=1
    )
    assert csv_file.header == ["first_name", "last_name"]


@pytest.mark.parametrize(
    ("written", "name"),
    [("First Name", "first_name"), (" first-name ", "first_name"), ("E MAIL", "e_mail")],
)
def test_header_names_are_normalized(written: str, name: str) -> None:
    assert normalize_column(written) == name


def test_unknown_columns_are_ignored_and_listed() -> None:
    csv_file = read_csv(
        b"First Name,Last Name,Shoe Size,\nA,B,44,x\n",
        columns=COLUMNS,
        required=REQUIRED,
        max_rows=10,
    )
    assert csv_file.header == ["first_name", "last_name", None, None]
    assert csv_file.ignored_columns == ["shoe_size", "column 4 (no name)"]


def test_rows_are_numbered_as_the_files_lines() -> None:
    data = b'first_name,last_name\nA,B\n\n"C\nD",E\n  ,  \nF,G\n'
    csv_file = read_csv(data, columns=COLUMNS, required=REQUIRED, max_rows=10)
    # Line 3 and line 6 are blank; the record on line 4 spans line 5.
    assert [line for line, _ in csv_file.records] == [2, 4, 7]


def test_more_rows_than_the_limit_is_refused_at_the_first_row_too_many() -> None:
    data = b"first_name,last_name\n" + b"A,B\n" * 3
    assert len(read_csv(data, columns=COLUMNS, required=REQUIRED, max_rows=3).records) == 3
    assert problems(data, max_rows=2) == [(4, "file", "more than 2 rows; split the file")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [(1, "file", "the file is empty")]),
        (b" \r\n\n", [(1, "file", "the file is empty")]),
        (b"first_name,last_name\n", [(1, "file", "the file has a header but no rows")]),
        (b"first_name,last_name\nA,\xe9\n", [(2, "file", "not UTF-8 text")]),
        (
            "first_name\n".encode("utf-16"),
            [(1, "file", "the file is UTF-16; save it as UTF-8 CSV")],
        ),
        (
            b"First_Name,email\nA,a@example.com\n",
            [(1, "last_name", "required column is missing")],
        ),
        (
            b"first_name,last_name,Last Name\nA,B,C\n",
            [(1, "last_name", "column appears twice")],
        ),
        (
            b'first_name,last_name\n"A,B\n',
            [(2, "file", "not a readable CSV: unexpected end of data")],
        ),
    ],
)
def test_a_file_that_cannot_be_imported_says_why(
    data: bytes, expected: list[tuple[int, str, str]]
) -> None:
    assert problems(data) == expected
