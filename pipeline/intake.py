"""The steps a submission goes through, as plain functions: the flow's tasks call these."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from core import clock
from core.contract import DEFAULT_LIMITS, ROW_COUNTS, Format, ReadLimits, Status
from core.problems import Problem
from core.reference import Reference, load_reference
from core.settings import DEFAULT_TIMEZONE
from expectations.triage import Verdict, nothing_loaded, with_warning
from expectations.validate import SuiteRunner
from formats import submission
from reception.archive import ArchivedFile, archive_stream, sha256_of
from reception.inbox import InboxFile
from transforms.model import Part
from transforms.read import too_large
from transforms.values import period_in_name, period_kind
from warehouse.store import SubmissionRecord, first_with_content, series_history, slice_losses


@dataclass(frozen=True)
class Received:
    """A file from the inbox, archived: from here on the pipeline reads the archived bytes only."""

    file: InboxFile
    archived: ArchivedFile

    @property
    def agency(self) -> str:
        """The registered agency, or the folder's own name when it belongs to none."""
        return self.file.agency or self.file.channel

    @property
    def named_period(self) -> str | None:
        """The month the file's name speaks of, if any (a day in UTC is close enough to say it)."""
        return period_in_name(self.file.relative_path, self.file.received_at.date())

    @property
    def submission_id(self) -> str:
        """Stable id of this file: the same path with the same bytes is the same submission."""
        key = f"{self.agency}\n{self.file.relative_path}\n{self.archived.sha256}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Outcome:
    """What the pipeline concluded about one submission: the input to feedback and to the load."""

    received: Received
    verdict: Verdict
    problems: list[Problem]
    processed_at: dt.datetime
    not_evaluated: list[str] = field(default_factory=list)
    duplicate_of: SubmissionRecord | None = None
    sheet: str | None = None
    header_row: int | None = None
    format: Format | None = None
    parts: list[Part] = field(default_factory=list)  # where each problem's cell is, for the annotated copy
    results: list[Any] = field(default_factory=list)  # GX validation results, for the technical report

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


def receive(file: InboxFile, archive_dir: Path) -> Received:
    """Archive the file's bytes before anything else happens to it."""
    with file.open() as stream:
        return Received(file=file, archived=archive_stream(stream, archive_dir))


def received_in_place(path: Path, agency: str | None, channel: str) -> Received:
    """A file taken as it is where it lies, without archiving: for a dry run (`mesa validate`)."""
    stat = path.stat()
    file = InboxFile(
        channel=channel,
        agency=agency,
        relative_path=path.name,
        location=str(path),
        size_bytes=stat.st_size,
        received_at=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC),
    )
    return Received(file=file, archived=ArchivedFile(sha256_of(path), path, stat.st_size))


def inspect(
    received: Received,
    warehouse: Path | None,
    reference: Reference,
    runner: SuiteRunner,
    limits: ReadLimits = DEFAULT_LIMITS,
    timezone: str = DEFAULT_TIMEZONE,
    trial: bool = False,
) -> Outcome:
    """Duplicate check, reading, validation and triage. Bad input never raises: it becomes problems.
    Without a warehouse (a dry run on a new machine) the checks against what it holds are skipped;
    a trial (`mesa validate`) checks a file already received as if it were new."""
    now = dt.datetime.now(dt.UTC)
    if received.file.agency is None:
        problem = Problem(
            "structure.unknown_channel",
            value=received.file.channel,
            expected=", ".join(reference.agency_codes),
        )
        return Outcome(received, nothing_loaded("rejected"), [problem], now)
    original = None if trial else first_with_content(warehouse, received.agency, received.archived.sha256)
    if original is not None:
        return Outcome(received, nothing_loaded("duplicate"), [], now, duplicate_of=original)
    if received.archived.size_bytes > limits.max_file_bytes:  # never read into memory
        problem = too_large(received.archived.size_bytes, limits.max_file_bytes)
        return Outcome(received, nothing_loaded("rejected"), [problem], now)
    content = received.archived.path.read_bytes()
    checked = submission.check(
        received.file.relative_path,
        content,
        received.agency,
        runner,
        limits,
        today=clock.today(timezone),
        history=partial(series_history, warehouse),
    )
    parsed, validation, verdict = checked.parsed, checked.validation, checked.verdict
    problems = validation.problems
    if submission.format_of(parsed.format).revises and parsed.format is not None:
        losses = revision_losses(warehouse, received, verdict.accepted)
        problems = [*problems, *losses]
        verdict = with_warning(verdict) if losses else verdict
    return Outcome(
        received=received,
        verdict=verdict,
        problems=problems,
        processed_at=now,
        not_evaluated=validation.not_evaluated,
        sheet=parsed.sheet,
        header_row=parsed.header_row,
        format=parsed.format,
        parts=parsed.parts,
        results=validation.results,
    )


def revision_losses(warehouse: Path | None, received: Received, accepted: pd.DataFrame) -> list[Problem]:
    """A warning per period where this file replaces another without restating all of its figures."""
    losses = slice_losses(warehouse, received.agency, received.file.received_at, accepted)
    return [
        Problem(
            "consistency.revision_drops_values",
            value=loss.file_name,
            expected=loss.period,
            rows=str(loss.dropped_values),
            detail=loss.indicators,
        )
        for loss in losses
    ]


def coverage(outcome: Outcome) -> pd.DataFrame:
    """Rows read and loaded per period and indicator: what the file covered, valid or not. Rows whose
    period or indicator is not a valid code cannot be placed and are left out."""
    columns = ["period", "indicator", "rows_read", "rows_loaded"]
    frames = [part.covers for part in outcome.parts if not part.covers.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    read = pd.concat(frames)[["period", "indicator", "row_number"]].dropna().drop_duplicates()
    loaded = outcome.verdict.accepted[["period", "indicator", "row_number"]].drop_duplicates()
    counts = read.groupby(["period", "indicator"]).size().rename("rows_read").to_frame()
    counts["rows_loaded"] = loaded.groupby(["period", "indicator"]).size()
    counts = counts.fillna({"rows_loaded": 0}).astype({"rows_loaded": "int64"}).reset_index()
    codes = period_kind_known(counts["period"]) & counts["indicator"].isin(load_reference().indicator_codes)
    return counts.loc[codes, columns]


def period_kind_known(periods: pd.Series) -> pd.Series:
    return periods.map(lambda period: period_kind(period) is not None)


def record_for(outcome: Outcome, feedback_path: str) -> SubmissionRecord:
    """The registry row of a submission whose feedback is at `feedback_path` (relative)."""
    received, verdict = outcome.received, outcome.verdict
    return SubmissionRecord(
        submission_id=received.submission_id,
        agency=received.agency,
        file_name=received.file.relative_path,
        sha256=received.archived.sha256,
        size_bytes=received.archived.size_bytes,
        received_at=received.file.received_at,
        processed_at=outcome.processed_at,
        status=verdict.status,
        rows_read=verdict.rows_read,
        rows_loaded=verdict.rows_loaded,
        rows_rejected=verdict.rows_rejected,
        rows_warned=verdict.rows_warned,
        duplicate_of=outcome.duplicate_of.submission_id if outcome.duplicate_of else None,
        feedback_path=feedback_path,
        format=outcome.format or "unknown",
        rows_excluded=verdict.rows_excluded,
        channel=received.file.channel,
        named_period=received.named_period,
    )


def failure_entry(received: Received, status: str, folder: Path) -> dict[str, Any]:
    """The run report's entry of a file the pipeline failed on: nothing read, nothing loaded."""
    return {
        "file": received.file.label,
        "agency": received.agency,
        "sha256": received.archived.sha256,
        "submission_id": received.submission_id,
        "status": status,
        **dict.fromkeys(ROW_COUNTS, 0),
        "format": None,
        "feedback": str(folder),
    }


def report_entry(outcome: Outcome, folder: Path) -> dict[str, Any]:
    """The submission's entry in a run's report (`mesa run --json`, `mesa validate --json`)."""
    verdict = outcome.verdict
    return {
        "file": outcome.received.file.label,
        "agency": outcome.received.agency,
        "sha256": outcome.received.archived.sha256,
        "submission_id": outcome.received.submission_id,
        "status": verdict.status,
        **verdict.counts,
        "format": outcome.format,
        "feedback": str(folder),
    }
