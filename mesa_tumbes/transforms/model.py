"""What reading a submission produces: its format and one part per table, before validation."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import pandas as pd

from mesa_tumbes.core.contract import COVER_COLUMNS, Format
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import Reference


@dataclass(frozen=True)
class Part:
    """One table of a submission (a CSV, or one sheet), validated and triaged on its own."""

    sheet: str | None
    header_row: int
    titles: dict[str, str]  # field -> header as the agency wrote it
    frame: pd.DataFrame  # what the format's suite validates; has `row_number`
    source: pd.DataFrame  # the cells as written, by field, indexed by row_number
    rows_read: int  # data rows under the header (blank and totals rows aside)
    rows_excluded: int = 0  # rows left out before validation: another region, an untracked indicator
    positions: dict[str, int] = field(default_factory=dict)  # field -> column position (0-based)
    personal: tuple[int, ...] = ()  # positions of columns that hold personal data: never echoed back
    # What each row covers, valid or not (row_number, period, indicator): the reporting calendar
    # counts a file as received for these. Empty for files that are not indicator values (RMRP).
    covers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COVER_COLUMNS))

    def column_of(self, title: str | None) -> int | None:
        """The 0-based position of the column with this header, as the agency wrote it."""
        return next(
            (self.positions[f] for f, t in self.titles.items() if t == title and f in self.positions), None
        )


@dataclass(frozen=True)
class Parsed:
    """A submission after reading: its parts, or the file-level problems that stopped it."""

    format: Format | None
    parts: list[Part]
    problems: list[Problem] = field(default_factory=list)  # found while reading, file-level or row-level
    encoding: str | None = None

    @property
    def rows_read(self) -> int:
        return sum(part.rows_read for part in self.parts)

    @property
    def sheet(self) -> str | None:
        return self.parts[0].sheet if self.parts else None

    @property
    def header_row(self) -> int | None:
        return self.parts[0].header_row if self.parts else None


@dataclass(frozen=True, eq=False)
class ToNormalise:
    """A table's cells as written (by field, indexed by row number), for its format to derive a
    frame from: which rows are totals rows, the frame its suites validate (codes resolved, numbers
    parsed). `many` does it for many such requests at once: a chunk of files then costs one pass of
    pandas, not one per file."""

    source: pd.DataFrame
    channel: str  # the agency whose folder the file came from
    reference: Reference
    many: Callable[[list[ToNormalise]], list[pd.DataFrame]]


# A format reads a file's tables in steps, as it checks them: it yields the cells it wants
# normalised, receives their frames (in the same order) and returns the parts and what reading found
# wrong. Many files' steps then run together (formats/submission.py).
Reading = Generator[list[ToNormalise], list[pd.DataFrame], tuple[list[Part], list[Problem]]]
