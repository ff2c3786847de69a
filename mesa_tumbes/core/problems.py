"""Feedback rows: one per submission x check x offending row (or per file for file-level checks)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mesa_tumbes.core.checks import Severity, check
from mesa_tumbes.core.i18n import strings
from mesa_tumbes.core.reference import load_reference


@dataclass(frozen=True)
class Problem:
    check_id: str
    row_number: int | None = None  # as the agency sees it in Excel; None for file-level checks
    column: str | None = None  # the header as the agency wrote it; None when the column is missing
    field: str | None = None  # the template field the problem is about (agency, period, ...)
    value: str | None = None  # the cell as the agency wrote it
    suggestion: str | None = None  # a value that would pass, where one can be inferred
    expected: str | None = None
    rows: str | None = None
    detail: str | None = None  # free detail, or a key of the locales' `terms` (translated when shown)
    sheet: str | None = None  # for row-level problems of workbooks: the sheet the row is in

    @property
    def severity(self) -> Severity:
        return check(self.check_id).severity

    @property
    def rejects_file(self) -> bool:
        registered = check(self.check_id)
        return registered.severity == "error" and registered.scope == "file"

    def column_label(self, lang: str) -> str | None:
        """The column as the agency wrote it, or the template's title when the file lacks it."""
        if self.column is not None or self.field is None:
            return self.column
        return load_reference().column(self.field).title[lang]

    def field_title(self, lang: str) -> str | None:
        """The template's title of the field the problem is about ("grupo de edad"), if it has one."""
        reference = load_reference()
        if self.field is None or self.field not in {column.field for column in reference.columns}:
            return self.field
        return reference.column(self.field).title[lang]

    def message(self, lang: str) -> str:
        """What the agency reads about it, in `lang` (rendered once: the page, the CSV, the JSON and
        the annotated copy all say it)."""
        return _message(self, lang)


@lru_cache(maxsize=100_000)
def _message(problem: Problem, lang: str) -> str:
    terms: dict[str, str] = strings(lang)["terms"]
    return check(problem.check_id).render(
        lang,
        column=problem.column_label(lang),
        value=problem.value,
        expected=problem.expected,
        rows=problem.rows,
        detail=terms.get(problem.detail or "", problem.detail),
        field=problem.field_title(lang),
        required=", ".join(c.title[lang] for c in load_reference().columns if c.required),
    )
