"""Read a submitted file's bytes into tables of text cells, keeping the row numbers the agency sees."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from charset_normalizer import from_bytes

# Magic numbers: XLSX is a zip archive; legacy XLS is an OLE2 compound document.
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".ssv", ".tab", ""}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
DELIMITERS = ",;\t|"
# Encodings tried after UTF-8: what Excel on Windows in Spanish writes.
LEGACY_ENCODINGS = ["cp1252", "latin_1"]
SNIFF_LINES = 50


@dataclass(frozen=True)
class Table:
    """One sheet (or one CSV) as text cells; `row_numbers[i]` is row i as Excel shows it (1-based)."""

    rows: list[list[str]]
    row_numbers: list[int]
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


class UnsupportedFormatError(Exception):
    """The file is not a CSV or XLSX workbook."""


class UnreadableFileError(Exception):
    """The file claims a supported format but cannot be parsed; `detail` says why, for the agency."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class ReadLimits:
    """What a file may cost to read: beyond these it is rejected with feedback, not read."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_workbook_expanded_bytes: int = 300 * 1024 * 1024  # an XLSX is a zip: guard against bombs


DEFAULT_LIMITS = ReadLimits()


class TooLargeError(Exception):
    """The file, or the workbook once decompressed, is over the configured limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} > {limit} bytes")
        self.size, self.limit = size, limit


def read_tables(file_name: str, content: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Table]:
    """The file's tables: one per sheet for XLSX and XLS, one for CSV. The format comes from the bytes."""
    suffix = PurePath(file_name).suffix.lower()
    if content.startswith(ZIP_MAGIC):
        yield from _read_xlsx(content, limits)
    elif content.startswith(OLE2_MAGIC):
        yield from _read_xls(content)
    elif suffix in TEXT_SUFFIXES or suffix in XLSX_SUFFIXES:
        if suffix in XLSX_SUFFIXES:
            raise UnreadableFileError("el archivo tiene extensión .xlsx pero no es un libro de Excel válido")
        yield _read_delimited(content)
    else:
        raise UnsupportedFormatError(suffix)


# --- Delimited text -----------------------------------------------------------------------------


def decode(content: bytes) -> tuple[str, str]:
    """Decode text: UTF-8 (with or without BOM), UTF-16 with BOM, else the best legacy guess."""
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16"), "utf-16"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(content, cp_isolation=LEGACY_ENCODINGS).best()
    encoding = guess.encoding if guess is not None else "cp1252"
    try:
        return content.decode(encoding), encoding
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 decodes every byte.
        return content.decode("latin_1"), "latin_1"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent number of fields (> 1)."""
    sample = "\n".join(text.splitlines()[:SNIFF_LINES])
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        wide = [width for width in widths if width > 1]
        if not wide:
            continue
        modal = max(set(wide), key=wide.count)
        score = (wide.count(modal), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_delimited(content: bytes) -> Table:
    if b"\x00" in content[:4096] and not content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFileError("el archivo contiene datos binarios, no texto separado por comas")
    text, encoding = decode(content)
    delimiter = sniff_delimiter(text)
    try:
        rows = [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise UnreadableFileError(f"el texto no es un CSV válido ({error})") from error
    return Table(
        rows=rows,
        row_numbers=list(range(1, len(rows) + 1)),
        encoding=encoding,
        delimiter=delimiter,
    )


# --- Excel workbooks ----------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as text the way a person reads it: 12.0 -> "12", a date -> "2026-10-01"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def expanded_size(content: bytes) -> int:
    """Bytes the workbook takes once decompressed, from the zip's directory (nothing is inflated)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(entry.file_size for entry in archive.infolist())


def fill_merged(rows: list[list[str]], ranges: Iterable[tuple[int, int, int, int]]) -> None:
    """Copy the value of each block of cells merged over several rows into every cell of the block.

    Ranges are (first_row, last_row, first_column, last_column), 1-based and inclusive. Merges
    within one row (titles spanning columns) are left alone: filling them would repeat a header.
    """
    for first_row, last_row, first_column, last_column in ranges:
        if last_row == first_row or first_row > len(rows):
            continue
        top = rows[first_row - 1]
        value = top[first_column - 1] if first_column - 1 < len(top) else ""
        for row in rows[first_row - 1 : last_row]:
            row.extend([""] * (last_column - len(row)))
            row[first_column - 1 : last_column] = [value] * (last_column - first_column + 1)


def _read_xlsx(content: bytes, limits: ReadLimits) -> Iterator[Table]:
    # python-calamine (Rust) reads cached cell values and merged ranges about twenty times faster
    # than openpyxl; it is imported here, the CLI does not need it to start. The expansion check
    # bounds what it may inflate.
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        size = expanded_size(content)
    except (zipfile.BadZipFile, OSError) as error:
        raise UnreadableFileError(f"el libro de Excel está dañado o no es un .xlsx ({error})") from error
    if size > limits.max_workbook_expanded_bytes:
        raise TooLargeError(size, limits.max_workbook_expanded_bytes)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = [
            (sheet.name, workbook.get_sheet_by_name(sheet.name))
            for sheet in workbook.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet
        ]
        tables = [
            (name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges) for name, sheet in sheets
        ]
    except Exception as error:  # calamine signals damage with its own errors and with generic ones
        raise UnreadableFileError(f"el libro de Excel está dañado o no es un .xlsx ({error})") from error
    for name, values, merged in tables:
        rows = [[cell_text(value) for value in row] for row in values]
        # calamine's ranges are 0-based and inclusive: ((first_row, first_column), (last_row, last_column)).
        fill_merged(
            rows,
            [(top + 1, bottom + 1, left + 1, right + 1) for (top, left), (bottom, right) in merged or []],
        )
        yield Table(rows=rows, row_numbers=list(range(1, len(rows) + 1)), sheet=name)


def _read_xls(content: bytes) -> Iterator[Table]:
    """Legacy Excel 97-2003 workbooks. Other OLE2 files (Word, encrypted workbooks) are unreadable."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content, formatting_info=True)
    except Exception as error:  # xlrd signals every kind of damage with its own or generic errors
        raise UnreadableFileError(f"no es un libro de Excel 97-2003 legible ({error})") from error
    for sheet in book.sheets():
        rows = [
            [_xls_cell_text(cell, book.datemode) for cell in sheet.row(index)] for index in range(sheet.nrows)
        ]
        # xlrd's ranges are 0-based and half-open: (row_low, row_high, column_low, column_high).
        fill_merged(rows, [(low + 1, high, left + 1, right) for low, high, left, right in sheet.merged_cells])
        yield Table(rows=rows, row_numbers=list(range(1, len(rows) + 1)), sheet=sheet.name)


def _xls_cell_text(cell: object, datemode: Literal[0, 1]) -> str:
    import xlrd

    kind, value = cell.ctype, cell.value  # type: ignore[attr-defined]
    if kind == xlrd.XL_CELL_DATE:
        return cell_text(xlrd.xldate_as_datetime(value, datemode))
    if kind == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(value))
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return cell_text(value)
