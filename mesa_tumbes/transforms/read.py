"""Read a submitted file's bytes into tables of text cells, keeping the row numbers the agency sees.

What cannot be read is said with a reason the agency can act on (a key of the locales' `terms`);
the libraries' own messages, in English, go to the log only.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal
from xml.etree import ElementTree

from charset_normalizer import from_bytes

from mesa_tumbes.core.contract import DEFAULT_LIMITS, TEXT_SUFFIXES, WORKBOOK_SUFFIXES, ReadLimits
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.words import intake_words

log = logging.getLogger(__name__)

# Magic numbers: XLSX is a zip archive; legacy XLS is an OLE2 compound document.
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = ",;\t|"
# Encodings tried after UTF-8: what Excel on Windows in Spanish writes.
LEGACY_ENCODINGS = ["cp1252", "latin_1"]
SNIFF_LINES = 50
# Text is binary, not a CSV, when more than this share of its characters are control characters
# (NUL bytes aside: systems pad fixed-size exports with them, and they are removed).
BINARY_SHARE = 0.01
TEXT_CONTROLS = {"\t", "\n", "\r", "\x0b", "\x0c"}
# UTF-16 without a byte-order mark: plain text has a NUL in (almost) every other byte.
UTF16_NUL_SHARE = 0.9


@dataclass(frozen=True)
class Table:
    """One sheet (or one CSV) as text cells; `row_numbers[i]` is row i as Excel shows it (1-based).
    `formulas`: (row number, column position) of cells holding a formula whose value was never
    saved (files written by scripts and web systems): they read as empty, and are not."""

    rows: list[list[str]]
    row_numbers: list[int]
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    hidden: bool = False  # a sheet the agency's template hides (lists, lookups): never the data
    formulas: frozenset[tuple[int, int]] = field(default_factory=frozenset)


class UnsupportedFormatError(Exception):
    """The file is not a CSV or XLSX workbook."""


# Why a file could not be read, as keys of the locales' `terms` (what the agency is told).
Unreadable = Literal[
    "xlsx_not_workbook",  # named .xlsx, but not a workbook
    "damaged_workbook",  # a workbook that cannot be opened
    "zip_not_workbook",  # a zip archive that is not a workbook (a Word document, a folder zipped)
    "not_xls",  # an Office 97-2003 file that is not a workbook, or is protected with a password
    "binary_content",  # not text
    "invalid_csv",  # text that is not a table
]


class UnreadableFileError(Exception):
    """The file claims a supported format but cannot be parsed; `detail` says why, for the agency
    (a key of the locales' `terms`); the library's own message is logged, never shown."""

    def __init__(self, detail: Unreadable, cause: object = None) -> None:
        super().__init__(detail)
        self.detail: Unreadable = detail
        if cause is not None:
            log.warning("unreadable file (%s): %s", detail, cause)


class TooLargeError(Exception):
    """The file, or the workbook once decompressed, is over the configured limit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} > {limit} bytes")
        self.size, self.limit = size, limit


def too_large(size: int, limit: int) -> Problem:
    """The answer to a file (or a workbook, once unzipped) over the limit, which is not read."""
    return Problem("structure.file_too_large", detail=f"{size / 2**20:.1f} MB > {limit / 2**20:.0f} MB")


def read_tables(file_name: str, content: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Table]:
    """The file's tables: one per sheet for XLSX and XLS, one for CSV. The format comes from the bytes."""
    suffix = PurePath(file_name).suffix.lower()
    if content.startswith(ZIP_MAGIC):
        yield from _read_zip_workbook(content, limits)
    elif content.startswith(OLE2_MAGIC):
        yield from _read_xls(content)
    elif suffix in TEXT_SUFFIXES or suffix in WORKBOOK_SUFFIXES:
        if suffix in WORKBOOK_SUFFIXES:
            raise UnreadableFileError("xlsx_not_workbook")
        yield _read_delimited(content)
    else:
        raise UnsupportedFormatError(suffix)


# --- Delimited text -----------------------------------------------------------------------------


def decode(content: bytes) -> tuple[str, str]:
    """Decode text: UTF-8 (with or without BOM), UTF-16 with BOM, else the best legacy guess. A byte
    that does not belong to the encoding its mark announces is read as the legacy guess (UTF-8) or
    shown as "�" (UTF-16): the cell it is in is then reported, not the whole file."""
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:
            content = content[len(codecs.BOM_UTF8) :]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16", errors="replace"), "utf-16"
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


def without_padding(content: bytes) -> bytes:
    """The bytes without NUL padding; UTF-16 written without a byte-order mark gets its mark back."""
    if b"\x00" not in content or content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content
    sample = content[:4096]
    for mark, offset in ((codecs.BOM_UTF16_LE, 1), (codecs.BOM_UTF16_BE, 0)):
        nul_half, text_half = sample[offset::2], sample[1 - offset :: 2]
        interleaved = nul_half.count(0) >= UTF16_NUL_SHARE * len(nul_half)
        if nul_half and interleaved and text_half.count(0) <= (1 - UTF16_NUL_SHARE) * len(text_half):
            return mark + content
    return content.replace(b"\x00", b"")


# Control characters that plain text does not hold (tabs, line breaks and form feeds aside).
CONTROLS = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(32) if chr(c) not in TEXT_CONTROLS) + "]"
)


def is_binary(text: str) -> bool:
    controls = len(CONTROLS.findall(text))
    return controls > BINARY_SHARE * max(len(text), 1)


def _read_delimited(content: bytes) -> Table:
    text, encoding = decode(without_padding(content))
    if is_binary(text):
        raise UnreadableFileError("binary_content")
    delimiter = sniff_delimiter(text)
    try:
        rows = [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise UnreadableFileError("invalid_csv", error) from error
    return Table(
        rows=rows,
        row_numbers=list(range(1, len(rows) + 1)),
        encoding=encoding,
        delimiter=delimiter,
    )


# --- Excel workbooks ----------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as text the way a person reads it: 12.0 -> "12", a date -> "2026-10-01"."""
    if type(value) is str:  # most cells: codes and names
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return intake_words().true_text if value else intake_words().false_text
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


# What Python's zipfile raises on a damaged or hostile archive is not one family of errors
# (BadZipFile, zlib.error, NotImplementedError for an unknown version, EOFError, RuntimeError for an
# encrypted member...): where an archive an agency sent is only inspected, any of them means
# "damaged", said to the agency as such.
DAMAGED_ZIP: tuple[type[Exception], ...] = (Exception,)


def is_ooxml(content: bytes) -> bool:
    """Whether the bytes are an Office Open XML workbook (.xlsx, .xlsm), not an OpenDocument one."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except DAMAGED_ZIP:
        return False


def _read_zip_workbook(content: bytes, limits: ReadLimits) -> Iterator[Table]:
    """An .xlsx or an OpenDocument spreadsheet (.ods, LibreOffice Calc), through python-calamine
    (Rust: cached cell values and merged ranges, about twenty times faster than openpyxl; imported
    here, the CLI does not need it to start). The expansion check bounds what it may inflate."""
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        size = expanded_size(content)
    except DAMAGED_ZIP as error:
        raise UnreadableFileError("damaged_workbook", error) from error
    if size > limits.max_workbook_expanded_bytes:
        raise TooLargeError(size, limits.max_workbook_expanded_bytes)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except CalamineError as error:
        reason: Unreadable = "zip_not_workbook" if _names_no_workbook(content) else "damaged_workbook"
        raise UnreadableFileError(reason, error) from error
    except Exception as error:  # calamine signals damage with generic errors too
        raise UnreadableFileError("damaged_workbook", error) from error
    formulas = unsaved_formulas(content)
    try:
        sheets = [
            (sheet.name, sheet.visible != SheetVisibleEnum.Visible, workbook.get_sheet_by_name(sheet.name))
            for sheet in workbook.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet
        ]
        tables = [
            (name, hidden, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges)
            for name, hidden, sheet in sheets
        ]
    except Exception as error:
        raise UnreadableFileError("damaged_workbook", error) from error
    for name, hidden, values, merged in tables:
        rows = [list(map(cell_text, row)) for row in values]
        # calamine's ranges are 0-based and inclusive: ((first_row, first_column), (last_row, last_column)).
        fill_merged(
            rows,
            [(top + 1, bottom + 1, left + 1, right + 1) for (top, left), (bottom, right) in merged or []],
        )
        yield Table(
            rows=rows,
            row_numbers=list(range(1, len(rows) + 1)),
            sheet=name,
            hidden=hidden,
            formulas=formulas.get(name, frozenset()),
        )


def _names_no_workbook(content: bytes) -> bool:
    """Whether a readable zip holds no workbook part at all (a Word document, files zipped)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except DAMAGED_ZIP:
        return False
    return "xl/workbook.xml" not in names and "content.xml" not in names


# --- Formulas without a saved value ---------------------------------------------------------------

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PACKAGE = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REFERENCE = re.compile(r"^([A-Z]+)(\d+)$")


def unsaved_formulas(content: bytes) -> dict[str, frozenset[tuple[int, int]]]:
    """Per sheet name, the cells (row number, 0-based column) that hold a formula with no saved
    value. Excel saves every formula's value; a workbook written by a script or a web system often
    does not, and its formulas then read as empty cells. Only sheets that hold a formula are parsed."""
    found: dict[str, frozenset[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                return found
            for sheet, path in _sheet_paths(archive).items():
                if path not in names:
                    continue
                with archive.open(path) as stream:
                    data = stream.read()
                if b"<f" in data or b":f" in data:
                    cells = _cells_without_values(data)
                    if cells:
                        found[sheet] = cells
    except DAMAGED_ZIP as error:  # reading the cells went well: the sheets are answered without this
        log.warning("formulas not inspected: %s", error)
    return found


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the archive, from the workbook and its relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relations.iter(f"{PACKAGE}Relationship")}
    paths = {}
    for sheet in workbook.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{RELATIONSHIPS}id"), "")
        paths[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return paths


def _cells_without_values(data: bytes) -> frozenset[tuple[int, int]]:
    cells = set()
    for _, element in ElementTree.iterparse(io.BytesIO(data)):
        if element.tag != f"{MAIN}c":
            continue
        formula, value = element.find(f"{MAIN}f"), element.find(f"{MAIN}v")
        if formula is not None and (value is None or not (value.text or "").strip()):
            reference = CELL_REFERENCE.match(element.get("r", ""))
            if reference:
                cells.add((int(reference.group(2)), _column_index(reference.group(1))))
        element.clear()
    return frozenset(cells)


def _column_index(letters: str) -> int:
    """0-based position of a column written in letters: A -> 0, AA -> 26."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _read_xls(content: bytes) -> Iterator[Table]:
    """Legacy Excel 97-2003 workbooks. Other OLE2 files (Word, encrypted workbooks) are unreadable."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=content, formatting_info=True)
    except Exception as error:  # xlrd signals every kind of damage with its own or generic errors
        raise UnreadableFileError("not_xls", error) from error
    for sheet in book.sheets():
        rows = [
            [_xls_cell_text(cell, book.datemode) for cell in sheet.row(index)] for index in range(sheet.nrows)
        ]
        # xlrd's ranges are 0-based and half-open: (row_low, row_high, column_low, column_high).
        fill_merged(rows, [(low + 1, high, left + 1, right) for low, high, left, right in sheet.merged_cells])
        yield Table(
            rows=rows,
            row_numbers=list(range(1, len(rows) + 1)),
            sheet=sheet.name,
            hidden=bool(sheet.visibility),
        )


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
