"""What the pipeline concluded about one submission: the input to its feedback and to its load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core.contract import Format, Status
from core.problems import Problem
from expectations.triage import Verdict
from reception.received import Received
from transforms.model import Part


@dataclass(frozen=True)
class Original:
    """The first submission of the same bytes by the same agency: a duplicate points at it."""

    submission_id: str
    file_name: str
    received_at: dt.datetime
    status: Status


@dataclass(frozen=True)
class Outcome:
    received: Received
    verdict: Verdict
    problems: list[Problem]
    processed_at: dt.datetime
    not_evaluated: list[str] = field(default_factory=list)
    duplicate_of: Original | None = None
    sheet: str | None = None
    header_row: int | None = None
    format: Format | None = None
    parts: list[Part] = field(default_factory=list)  # where each problem's cell is, for the annotated copy
    results: list[Any] = field(default_factory=list)  # GX validation results, for the technical reader

    @property
    def status(self) -> Status:
        return self.verdict.status

    @property
    def periods(self) -> list[str]:
        """The periods loaded: months (YYYY-MM), or years for need and targets."""
        accepted = self.verdict.accepted
        column = "period" if "period" in accepted else "year"
        return sorted(accepted[column].unique())

    @property
    def indicators(self) -> list[str]:
        accepted = self.verdict.accepted
        return sorted(accepted["indicator"].unique()) if "indicator" in accepted else []

    @property
    def sectors(self) -> list[str]:
        accepted = self.verdict.accepted
        return sorted(accepted["sector"].unique()) if "sector" in accepted else []
