"""Decide a submission's status and which rows load, from its feedback rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from expectations.problems import Problem
from transforms.normalise import KEY_COLUMNS

Status = Literal["accepted", "accepted_with_warnings", "partially_accepted", "rejected", "duplicate"]
STATUSES: tuple[Status, ...] = (
    "accepted",
    "accepted_with_warnings",
    "partially_accepted",
    "rejected",
    "duplicate",
)
LOADED_COLUMNS = ["row_number", *KEY_COLUMNS, "value"]


@dataclass(frozen=True)
class Verdict:
    status: Status
    accepted: pd.DataFrame  # the rows to load: LOADED_COLUMNS
    rows_read: int
    rows_rejected: int
    rows_warned: int

    @property
    def rows_loaded(self) -> int:
        return len(self.accepted)


def triage(frame: pd.DataFrame | None, problems: list[Problem]) -> Verdict:
    """Errors reject their row (a file-level error, every row); warnings load and are reported."""
    rows_read = 0 if frame is None else len(frame)
    if frame is None or any(problem.rejects_file for problem in problems):
        empty = pd.DataFrame(columns=LOADED_COLUMNS)
        return Verdict("rejected", empty, rows_read, rows_read, 0)
    rejected_rows = {p.row_number for p in problems if p.severity == "error" and p.row_number is not None}
    warned_rows = {p.row_number for p in problems if p.severity == "warning" and p.row_number is not None}
    accepted = frame.loc[~frame["row_number"].isin(rejected_rows), LOADED_COLUMNS].reset_index(drop=True)
    rows_rejected = rows_read - len(accepted)
    rows_warned = len(warned_rows - rejected_rows)
    has_warnings = any(problem.severity == "warning" for problem in problems)
    status: Status
    if accepted.empty:
        status = "rejected"
    elif rows_rejected:
        status = "partially_accepted"
    elif has_warnings:
        status = "accepted_with_warnings"
    else:
        status = "accepted"
    return Verdict(status, accepted, rows_read, rows_rejected, rows_warned)
