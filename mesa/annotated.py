"""A copy of the agency's own spreadsheet with each offending cell highlighted and commented."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.problems import Problem
from mesa.i18n import strings
from transforms.read import ZIP_MAGIC, read_tables

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from mesa.intake import Outcome

# Beyond this many rows the copy is not written (the CSV lists every problem): openpyxl keeps a
# workbook in memory and writing one of that size takes longer than the rest of the run.
MAX_ROWS = 50_000
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "excluded": "D9D9D9"}
COMMENT_AUTHOR = "Mesa Tumbes"
PROBLEMS_SHEET = {"es": "Problemas", "en": "Problems"}


def write_annotated_copy(outcome: Outcome, target: Path, lang: str) -> bool:
    """Write the copy to `target`; False when there is nothing to annotate or the file is too large."""
    located = [problem for problem in outcome.problems if problem.row_number is not None]
    if not outcome.parts or outcome.verdict.rows_read > MAX_ROWS:
        return False
    content = outcome.received.archived.path.read_bytes()
    workbook = (
        _original_workbook(content)
        if content.startswith(ZIP_MAGIC)
        else _workbook_from_cells(outcome, content)
    )
    for problem in located:
        _mark(workbook, outcome, problem, lang)
    _problems_sheet(workbook, outcome.problems, lang)
    workbook.save(target)
    return True


def _original_workbook(content: bytes) -> Workbook:
    """The agency's own workbook, formatting and formulas kept."""
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))


def _workbook_from_cells(outcome: Outcome, content: bytes) -> Workbook:
    """A workbook of a CSV or legacy .xls, cell by cell at the same rows and columns, all as text."""
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for table in read_tables(outcome.received.file.relative_path, content):
        sheet = workbook.create_sheet((table.sheet or "Datos")[:31])
        for number, cells in zip(table.row_numbers, table.rows, strict=True):
            for position, value in enumerate(cells, start=1):
                if value:
                    _text(sheet.cell(row=number, column=position), value)
    return workbook


def _text(cell: Any, value: object) -> None:
    """Set a cell as text: a value starting with "=" stays text, never a formula."""
    cell.value = None if value is None else str(value)
    cell.data_type = "s"


def _mark(workbook: Workbook, outcome: Outcome, problem: Problem, lang: str) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    part = next((p for p in outcome.parts if p.sheet == problem.sheet), outcome.parts[0])
    sheet: Worksheet = workbook[part.sheet] if part.sheet in workbook.sheetnames else workbook.worksheets[0]
    position = part.column_of(problem.column)
    cell = sheet.cell(row=problem.row_number or 1, column=(position or 0) + 1)
    cell.fill = PatternFill("solid", fgColor=FILLS[problem.severity])
    note = problem.message(lang)
    if problem.suggestion:
        note += f"\n{strings(lang)['summary']['suggestion']}: {problem.suggestion}"
    if cell.comment is not None:  # several problems in one cell: keep them all
        note = f"{cell.comment.text}\n\n{note}"
    cell.comment = Comment(note, COMMENT_AUTHOR, width=360, height=180)


def _problems_sheet(workbook: Workbook, problems: list[Problem], lang: str) -> None:
    from mesa.feedback import PROBLEM_COLUMNS, problem_rows

    sheet = workbook.create_sheet(PROBLEMS_SHEET[lang], 0)
    headers = strings(lang)["problems_columns"]
    for position, column in enumerate(PROBLEM_COLUMNS, start=1):
        _text(sheet.cell(row=1, column=position), headers[column])
    for number, row in enumerate(problem_rows(problems, lang), start=2):
        for position, column in enumerate(PROBLEM_COLUMNS, start=1):
            if row[column] is not None:
                _text(sheet.cell(row=number, column=position), row[column])
