"""The feedback rows: one per problem, ordered as the agency reads them (file-level first, then by
row, then in registry order), with the severity and message in the agency's language. The page, the
CSV, the annotated copy and the terminal list them the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypedDict

from mesa_tumbes.core.checks import checks
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.problems import Problem

ProblemColumn = Literal[
    "row_number", "column", "value", "check_id", "severity", "message", "suggestion", "sheet"
]
# Appended columns keep the earlier ones where agencies' spreadsheets expect them.
PROBLEM_COLUMNS: tuple[ProblemColumn, ...] = (
    "row_number", "column", "value", "check_id", "severity", "message", "suggestion", "sheet",
)  # fmt: skip


class ProblemRow(TypedDict):
    """One problem as the agency reads it (the CSV's columns, and the severity's code)."""

    row_number: int | None  # as Excel shows it
    column: str | None
    value: str | None  # the cell as written
    check_id: str
    severity: str  # in the agency's language
    severity_id: str  # error, warning
    message: str
    suggestion: str | None
    sheet: str | None


def ordered(problems: list[Problem]) -> list[Problem]:
    """File-level problems first, then by row, then in registry order."""
    rank = {check_id: position for position, check_id in enumerate(checks())}
    return sorted(problems, key=lambda p: (p.sheet or "", p.row_number or 0, rank[p.check_id]))


def problem_rows(problems: list[Problem], lang: str) -> list[ProblemRow]:
    """The feedback rows, with the severity and message in `lang`."""
    return [
        {
            "row_number": problem.row_number,
            "column": problem.column_label(lang),
            "value": problem.value,
            "check_id": problem.check_id,
            "severity": text(lang, f"severity.{problem.severity}"),
            "severity_id": problem.severity,
            "message": problem.message(lang),
            "suggestion": problem.suggestion,
            "sheet": problem.sheet,
        }
        for problem in ordered(problems)
    ]


def problem_place(row: Mapping[str, object], lang: str) -> str:
    """Where a problem is, as the agency finds it: sheet, row as Excel shows it, column, the value."""
    where = (
        text(lang, "cli.problem_row", row=row["row_number"])
        if row.get("row_number") is not None
        else text(lang, "cli.problem_file")
    )
    if row.get("sheet"):
        where = text(lang, "cli.problem_sheet", sheet=row["sheet"], where=where)
    if row.get("column"):
        where = text(lang, "cli.problem_column", where=where, column=row["column"])
    if row.get("value"):
        where = text(lang, "cli.problem_value", where=where, value=row["value"])
    return where
