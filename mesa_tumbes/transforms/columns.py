"""What every format says about a header's columns and cells before its rows are read: columns
outside the format, repeated or guessed columns, personal data, formulas without a saved value."""

from __future__ import annotations

from dataclasses import dataclass, field

from mesa_tumbes.core.problems import Problem
from mesa_tumbes.transforms.header import ColumnMatch, Header
from mesa_tumbes.transforms.privacy import personal_data_kind
from mesa_tumbes.transforms.values import cell


def column_problems(columns: ColumnMatch, said: set[str | None] = frozenset()) -> list[Problem]:  # type: ignore[assignment]
    """Columns outside the format, columns that repeat one, and titles read by similarity, except
    those already reported."""
    problems = [
        Problem("structure.unknown_column", column=title) for _, title in columns.unknown if title not in said
    ]
    problems += [
        Problem("structure.repeated_column", column=repeated.title, expected=repeated.used)
        for repeated in columns.repeated
    ]
    guessed = columns.guessed.items()
    return problems + [
        Problem("structure.header_guessed", column=title, field=name) for name, title in guessed
    ]


@dataclass(frozen=True)
class Privacy:
    """Columns that look like personal data: what the agency is told, and where they are (their
    cells are never stored, nor echoed back in the annotated copy)."""

    problems: list[Problem] = field(default_factory=list)
    positions: tuple[int, ...] = ()

    @property
    def titles(self) -> set[str | None]:
        return {problem.column for problem in self.problems}


def personal_data(columns: ColumnMatch, rows: list[list[str]], loaded: tuple[str, ...]) -> Privacy:
    """Columns that look like personal data: reported when ignored, fatal where values are loaded."""
    problems, positions = [], []
    ignored = [*columns.unknown, *((repeated.position, repeated.title) for repeated in columns.repeated)]
    if "notes" in columns.positions:
        ignored.append((columns.positions["notes"], columns.titles["notes"]))
    for position, title in ignored:
        kind = personal_data_kind(title, [cell(row, position) for row in rows])
        if kind:
            problems.append(Problem("structure.personal_data_column", column=title, detail=kind))
            positions.append(position)
    for name in loaded:
        if name in columns.positions:
            kind = personal_data_kind("", [cell(row, columns.positions[name]) for row in rows])
            if kind:
                problems.append(
                    Problem("structure.personal_data_in_values", column=columns.titles[name], detail=kind)
                )
                positions.append(columns.positions[name])
    return Privacy(problems, tuple(positions))


def formula_problems(header: Header, numbers: list[int]) -> list[Problem]:
    """One problem per cell of a read column, in the rows `numbers`, that holds a formula whose value
    was never saved."""
    formulas = header.table.formulas
    if not formulas:
        return []
    columns, wanted = header.columns, set(numbers)
    by_position = {position: name for name, position in columns.positions.items()}
    return [
        Problem(
            "structure.formula_without_value",
            row_number=row,
            column=columns.titles[by_position[position]],
            field=by_position[position],
            sheet=header.table.sheet,
        )
        for row, position in sorted(formulas)
        if row in wanted and position in by_position
    ]
