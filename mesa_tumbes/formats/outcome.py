"""What the pipeline concluded about one submission: the input to its feedback and to its load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from mesa_tumbes.core.contract import Format, Status
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.expectations.triage import Verdict
from mesa_tumbes.reception.received import Received
from mesa_tumbes.transforms.model import Part


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
    # What the review rule makes of its figures, per period it loads: (period, state, reason), the
    # state approved, pending or held (a revision of an approved month); told in its feedback.
    review: tuple[tuple[str, str, str], ...] = ()

    @property
    def status(self) -> Status:
        return self.verdict.status

    def for_feedback(self) -> Outcome:
        """The outcome without its rows: what its feedback needs (counts, problems, where each cell
        is, the periods, indicators and sectors it loads), cheap to hand to another process."""
        accepted = self.verdict.accepted
        kept = accepted[[c for c in ("period", "year", "indicator", "sector") if c in accepted]]
        parts = [
            replace(
                part, frame=part.frame.iloc[0:0], source=part.source.iloc[0:0], covers=part.covers.iloc[0:0]
            )
            for part in self.parts
        ]
        verdict = replace(self.verdict, accepted=kept.drop_duplicates(), details=None)
        return replace(self, verdict=verdict, parts=parts)

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
