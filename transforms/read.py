"""Read a submitted file's bytes into tables of text cells, keeping the row numbers the agency sees."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

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


def read_tables(file_name: str, content: bytes) -> Iterator[Table]:
    """Yield the file's tables: one per worksheet for XLSX, one for CSV. Format is taken from the bytes."""
    suffix = PurePath(file_name).suffix.lower()
    if content.startswith(ZIP_MAGIC):
        yield from _read_xlsx(content)
    elif content.startswith(OLE2_MAGIC):
        raise UnsupportedFormatError("xls")
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


def _read_xlsx(content: bytes) -> Iterator[Table]:
    # openpyxl is imported here: the CLI does not need it to start.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        # openpyxl raises a variety of errors on damaged workbooks (TypeError on broken styles).
        raise UnreadableFileError(f"el libro de Excel está dañado o no es un .xlsx ({error})") from error
    try:
        for sheet in workbook.worksheets:
            # Files written by other tools often declare a wrong used range; read what is there.
            sheet.reset_dimensions()
            rows: list[list[str]] = []
            numbers: list[int] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                rows.append([cell_text(value) for value in values])
                numbers.append(number)
            yield Table(rows=rows, row_numbers=numbers, sheet=sheet.title)
    finally:
        workbook.close()
