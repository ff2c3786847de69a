"""Decide a submission's status and which rows load, from its feedback rows."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from mesa_tumbes.core.contract import ROW_COUNTS, Loads, Status, loaded_columns
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.transforms.model import Part


@dataclass(frozen=True)
class Verdict:
    status: Status
    accepted: pd.DataFrame  # the rows to load, with loaded_columns(what the format loads)
    rows_read: int  # = loaded + rejected + excluded
    rows_loaded: int
    rows_rejected: int
    rows_warned: int  # loaded rows that carry a warning
    rows_excluded: int = 0  # outside what the Mesa collects: not loaded, not errors
    details: pd.DataFrame | None = None  # the rows loaded, kept whole beside their values (R4V 5W)

    @property
    def counts(self) -> dict[str, int]:
        """The row counts by name, in the order reports show them (ROW_COUNTS)."""
        return {name: getattr(self, name) for name in ROW_COUNTS}


def nothing_loaded(
    status: Status, loads: Loads = "values", rows_read: int = 0, rows_excluded: int = 0
) -> Verdict:
    accepted = pd.DataFrame(columns=loaded_columns(loads))
    return Verdict(status, accepted, rows_read, 0, rows_read - rows_excluded, 0, rows_excluded)


def with_warning(verdict: Verdict) -> Verdict:
    """The verdict once a file-level warning is added: an accepted file becomes accepted with
    warnings, and the warning is about every row it loads."""
    status: Status = "accepted_with_warnings" if verdict.status == "accepted" else verdict.status
    return replace(verdict, status=status, rows_warned=verdict.rows_loaded)


def triage(loads: Loads, frames: list[tuple[Part, pd.DataFrame]], problems: list[Problem]) -> Verdict:
    """Errors reject their row (a file-level error, every row); warnings load and are reported;
    excluded rows are left out without counting as errors. Rows are told apart by sheet and number."""
    rows_read = sum(part.rows_read for part, _ in frames)
    excluded_on_reading = sum(part.rows_excluded for part, _ in frames)
    if any(problem.rejects_file for problem in problems):
        return nothing_loaded("rejected", loads, rows_read, excluded_on_reading)
    columns = loaded_columns(loads)
    accepted, loaded, rejected, warned, excluded = [], 0, 0, 0, excluded_on_reading
    for part, frame in frames:
        numbers = set(part.source.index)
        mine = [p for p in problems if p.sheet == part.sheet and p.row_number in numbers]
        flagged = {
            severity: {p.row_number for p in mine if p.severity == severity}
            for severity in ("error", "warning", "excluded")
        }
        left_out = flagged["error"] | flagged["excluded"]
        rows = frame.loc[~frame["row_number"].isin(left_out), columns]
        accepted.append(rows)
        loaded += rows["row_number"].nunique()
        rejected += len(flagged["error"])
        excluded += len(flagged["excluded"] - flagged["error"])
        warned += len(flagged["warning"] - left_out)
    if any(p.severity == "warning" and p.row_number is None for p in problems):
        warned = loaded  # a warning about the whole file is about every row it loads
    status: Status
    if not loaded:
        status = "rejected"
    elif rejected:
        status = "partially_accepted"
    elif any(problem.severity == "warning" for problem in problems):
        status = "accepted_with_warnings"
    else:
        status = "accepted"
    frame = pd.concat(accepted, ignore_index=True) if accepted else pd.DataFrame(columns=columns)
    return Verdict(status, frame, loaded + rejected + excluded, loaded, rejected, warned, excluded)
