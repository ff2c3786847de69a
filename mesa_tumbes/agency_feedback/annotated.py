"""A copy of the agency's own spreadsheet with each offending cell highlighted and commented."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mesa_tumbes.agency_feedback.problems import PROBLEM_COLUMNS, problem_rows
from mesa_tumbes.core.i18n import strings, text
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.transforms.kept import kept_cells
from mesa_tumbes.transforms.read import is_ooxml, read_tables

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from mesa_tumbes.formats.outcome import Outcome
    from mesa_tumbes.transforms.model import Part

log = logging.getLogger(__name__)
# Beyond this many rows the copy is not written (the CSV lists every problem).
MAX_ROWS = 50_000
# An agency's own .xlsx up to this many rows comes back with its formatting and formulas, through
# openpyxl's full mode (seconds for a large workbook). Larger ones, and every CSV or XLS, are
# streamed row by row from their cells (write-only mode, about ten times faster).
KEEP_FORMATTING_ROWS = 500
# A file of more rows comes back with only the rows that have something to fix (at the rows and
# columns they have in the agency's file, under its header): a copy says what it marks, and writing
# every cell of a large file back cost most of its feedback's time.
EVERY_ROW_UP_TO = 500
# A copy of up to this many rows (data and problems sheet) is put together in memory: XlsxWriter's
# temporary files cost more than its cells, ~40 % of a copy of a few hundred rows. A longer one
# streams through them row by row (constant memory).
IN_MEMORY_UP_TO_ROWS = 5_000
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "excluded": "D9D9D9"}


def write_annotated_copy(outcome: Outcome, target: Path, lang: str, kept: Path | None = None) -> bool:
    """Write the copy to `target`; False when there is nothing to annotate or the file is too large.
    `kept`: the file's cells as read, if they were kept (else the file is read again)."""
    located = [problem for problem in outcome.problems if problem.row_number is not None]
    emptied = any(part.personal for part in outcome.parts)  # personal-data columns: their titles noted
    if not (located or emptied) or not outcome.parts or outcome.verdict.rows_read > MAX_ROWS:
        return False  # nothing to mark on the agency's cells (file-level problems are in the summary)
    content = outcome.received.archived.path.read_bytes()
    # The agency's own .xlsx keeps its formatting; any other workbook (.xls, LibreOffice's .ods) or
    # CSV comes back as a new .xlsx written from its cells.
    if is_ooxml(content) and outcome.verdict.rows_read <= KEEP_FORMATTING_ROWS:
        try:
            _write_original(outcome, content, located, target, lang)
            return True
        except Exception as error:  # openpyxl cannot load every part a reader tolerates (damaged styles)
            log.warning(
                "The workbook cannot be loaded with its formatting (%s); copied from its cells", error
            )
            target.unlink(missing_ok=True)
    _write_from_cells(outcome, content, located, target, lang, kept)
    return True


def _write_original(
    outcome: Outcome, content: bytes, located: list[Problem], target: Path, lang: str
) -> None:
    """The agency's own workbook, formatting and formulas kept, with the cells marked and the cells
    of personal data emptied."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment

    workbook = load_workbook(io.BytesIO(content))
    for part in outcome.parts:
        sheet = workbook[part.sheet] if part.sheet in workbook.sheetnames else workbook.worksheets[0]
        for position in part.personal:
            for (cell,) in sheet.iter_rows(
                min_row=part.header_row + 1, min_col=position + 1, max_col=position + 1
            ):
                cell.value = None
            header = sheet.cell(row=part.header_row, column=position + 1)
            header.comment = Comment(
                personal_note(lang), text(lang, "annotated.comment_author"), width=360, height=120
            )
    for problem in located:
        _mark(workbook, outcome, problem, lang)
    _problems_sheet(workbook, outcome.problems, lang)
    workbook.save(target)


def _write_from_cells(
    outcome: Outcome, content: bytes, located: list[Problem], target: Path, lang: str, kept: Path | None
) -> None:
    """A workbook streamed from the file's cells, at the same rows and columns, all as text (a value
    starting with "=" never becomes a formula), with the problems sheet first and each marked cell
    filled and commented. XlsxWriter writes row by row (in memory for a short copy)."""
    import xlsxwriter

    tables = (kept_cells(kept) if kept is not None else None) or list(
        read_tables(outcome.received.file.relative_path, content)
    )
    sheets = [table.sheet for table in tables]
    names = _sheet_names(sheets, text(lang, "annotated.problems_sheet"), text(lang, "template.data_sheet"))
    marks = _marks_by_cell(outcome, located, dict(zip(sheets, names, strict=True)), lang)
    only_marked = outcome.verdict.rows_read > EVERY_ROW_UP_TO
    marked_rows = {(name, number) for name, number, _ in marks}
    rows_written = (len(marked_rows) if only_marked else outcome.verdict.rows_read) + len(outcome.problems)
    memory = "in_memory" if rows_written <= IN_MEMORY_UP_TO_ROWS else "constant_memory"
    options = {memory: True, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(str(target), options)
    fills = {
        severity: workbook.add_format({"bg_color": f"#{rgb}", "pattern": 1})
        for severity, rgb in FILLS.items()
    }
    comment = {"author": text(lang, "annotated.comment_author"), "width": 360, "height": 180}
    problems = workbook.add_worksheet(text(lang, "annotated.problems_sheet"))
    for row, values in enumerate(_problem_table(outcome.problems, lang)):
        for column, value in enumerate(values):
            if value is not None:
                problems.write_string(row, column, str(value))
    parts = {part.sheet: part for part in outcome.parts}
    for table, name in zip(tables, names, strict=True):
        sheet = workbook.add_worksheet(name)
        part = parts.get(table.sheet)
        personal = set(part.personal) if part is not None else set()
        header = part.header_row if part is not None else 0
        if only_marked and part is not None:
            sheet.write_comment(header - 1, 0, text(lang, "annotated.only_marked_rows"), comment)
        for number, cells in zip(table.row_numbers, table.rows, strict=True):
            if only_marked and part is not None and number > header and (name, number) not in marked_rows:
                continue
            for column, value in enumerate(cells):
                written = "" if value is None else str(value)
                if column in personal and part is not None and number >= part.header_row:
                    if number == part.header_row:  # its cells below are never echoed back
                        sheet.write_string(number - 1, column, written)
                        sheet.write_comment(number - 1, column, personal_note(lang), comment)
                    continue
                mark = marks.get((name, number, column + 1))
                if mark is not None:
                    sheet.write_string(number - 1, column, written, fills[mark[0]])
                    sheet.write_comment(number - 1, column, mark[1], comment)
                elif written:
                    sheet.write_string(number - 1, column, written)
    workbook.close()


def personal_note(lang: str) -> str:
    """The note on the title of a column whose cells were emptied because they hold personal data."""
    return text(lang, "annotated.personal_emptied")


def _sheet_names(sheets: list[str | None], reserved: str, unnamed: str) -> list[str]:
    """The data sheets' names as in the agency's file (`unnamed` for a CSV), each unique and none the
    problems sheet's (Excel compares them without case)."""
    taken = {reserved.lower()}
    names = []
    for sheet in sheets:
        base = (sheet or unnamed)[:31]
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base[: 31 - len(str(n)) - 1]} {n}"
        taken.add(name.lower())
        names.append(name)
    return names


def _marks_by_cell(
    outcome: Outcome, located: list[Problem], names: dict[str | None, str], lang: str
) -> dict[tuple[str, int, int], tuple[str, str]]:
    """(sheet written, row, column) -> (severity of its first problem, every problem's note).
    `names`: the agency's sheet -> the sheet written for it."""
    marks: dict[tuple[str, int, int], tuple[str, str]] = {}
    first = next(iter(names.values()))
    for problem in located:
        part = _part_of(outcome, problem)
        key = (
            names.get(part.sheet, first),
            problem.row_number or 1,
            (part.column_of(problem.column) or 0) + 1,
        )
        note = _note(problem, lang)
        if key in marks:  # several problems in one cell: keep them all
            marks[key] = (marks[key][0], f"{marks[key][1]}\n\n{note}")
        else:
            marks[key] = (problem.severity, note)
    return marks


def _text(cell: Any, value: object) -> None:
    """Set a cell as text: a value starting with "=" stays text, never a formula."""
    cell.value = None if value is None else str(value)
    cell.data_type = "s"


def _mark(workbook: Workbook, outcome: Outcome, problem: Problem, lang: str) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    part = _part_of(outcome, problem)
    sheet: Worksheet = workbook[part.sheet] if part.sheet in workbook.sheetnames else workbook.worksheets[0]
    position = part.column_of(problem.column)
    cell = sheet.cell(row=problem.row_number or 1, column=(position or 0) + 1)
    cell.fill = PatternFill("solid", fgColor=FILLS[problem.severity])
    note = _note(problem, lang)
    if cell.comment is not None:  # several problems in one cell: keep them all
        note = f"{cell.comment.text}\n\n{note}"
    cell.comment = Comment(note, text(lang, "annotated.comment_author"), width=360, height=180)


def _part_of(outcome: Outcome, problem: Problem) -> Part:
    return next((p for p in outcome.parts if p.sheet == problem.sheet), outcome.parts[0])


def _note(problem: Problem, lang: str) -> str:
    note = problem.message(lang)
    if problem.suggestion:
        note += f"\n{strings(lang)['summary']['suggestion']}: {problem.suggestion}"
    return note


def _problem_table(problems: list[Problem], lang: str) -> list[list[object]]:
    """The problems sheet: a header row in the agency's language, then one row per problem."""
    headers = strings(lang)["problems_columns"]
    return [
        [headers[column] for column in PROBLEM_COLUMNS],
        *([row[column] for column in PROBLEM_COLUMNS] for row in problem_rows(problems, lang)),
    ]


def _problems_sheet(workbook: Workbook, problems: list[Problem], lang: str) -> None:
    sheet = workbook.create_sheet(text(lang, "annotated.problems_sheet"), 0)
    for number, row in enumerate(_problem_table(problems, lang), start=1):
        for position, value in enumerate(row, start=1):
            if value is not None:
                _text(sheet.cell(row=number, column=position), value)
