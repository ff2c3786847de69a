"""The DuckDB warehouse: schema migrations, the submissions registry and atomic loads.

Connections are opened per operation and closed at once: a DuckDB file open for writing cannot be
opened by any other process, so analysts can query between the short write transactions of a run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from mesa_tumbes.core.contract import SERIES, Loads, Status, loaded_columns
from mesa_tumbes.core.frames import POSITION, stacked, unstacked

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
QUERIES_DIR = Path(__file__).parent / "queries"
# How long a run waits for an analyst's session to let go of the file before giving up on a step.
OPEN_WAIT_SECONDS = 30.0
# Files are written in a storage format that DuckDB 1.2 and later read (analysts' CLIs, DBeaver, R).
STORAGE_COMPATIBILITY = "v1.2.0"
# What one connection may hold in memory; beyond it DuckDB spills to a folder beside the file (a full
# build of the marts over 3 million values peaks at 2.6 GB without it, at 1.1 GB with it).
MEMORY_LIMIT = "1GB"


@dataclass(frozen=True)
class SubmissionRecord:
    """One row of the `submissions` table."""

    submission_id: str
    agency: str
    file_name: str
    sha256: str
    size_bytes: int
    received_at: dt.datetime
    processed_at: dt.datetime
    status: Status
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_warned: int
    duplicate_of: str | None
    feedback_path: str
    format: str = "mesa_template"
    rows_excluded: int = 0
    channel: str | None = None  # the inbox folder as found on disk
    named_period: str | None = None  # the month the file's name speaks of (YYYY-MM), if any


@contextmanager
def connect(
    path: Path, read_only: bool = False, wait_seconds: float = OPEN_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is always closed, so the file is free for other processes afterwards.
    While another program has the file open (an analyst's DBeaver or R session), opening is retried
    for up to `wait_seconds`, then WarehouseInUseError says so. Inside `holding(path)`, a cursor of
    the connection held (a transaction of its own) instead of a new connection."""
    held = _HELD.get(path)
    connection = held.cursor() if held is not None else _open(path, read_only, wait_seconds)
    try:
        yield connection
    finally:
        connection.close()


# The connections held by `holding`, by file: the writer's, for the length of a run.
_HELD: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def holding(path: Path, wait_seconds: float = OPEN_WAIT_SECONDS) -> Iterator[None]:
    """Keep one connection to the file open while a run writes it, instead of one per step (opening
    and closing the file, with its checkpoint, cost a run about 0.1 s per submission). Only the
    writer's own file: nobody else opens it (analysts read the published copy)."""
    if path in _HELD:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    _HELD[path] = _open(path, False, wait_seconds)
    try:
        yield
    finally:
        held = _HELD.pop(path, None)
        if held is not None:
            with suppress(duckdb.Error):  # a connection a fatal error invalidated cannot even close
                held.close()


def discard(path: Path) -> None:
    """Close the connection held to `path` after DuckDB met a fatal error (the database it belongs to
    is invalidated and must never be used again): the next `connect` opens the file afresh."""
    held = _HELD.pop(path, None)
    if held is not None:
        with suppress(duckdb.Error):
            held.close()


class WarehouseInUseError(RuntimeError):
    """Another program holds the DuckDB file open and did not let go in time."""

    def __init__(self, path: Path, error: Exception) -> None:
        self.path = path
        super().__init__(
            f"{path} is open in another program (a DuckDB CLI, DBeaver, R or Python session, or "
            f"another run); close it and the next run will take the file again. DuckDB said: {error}"
        )


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    pause = 0.2
    while True:
        try:
            return duckdb.connect(
                str(path),
                read_only=read_only,
                config={"storage_compatibility_version": STORAGE_COMPATIBILITY, "memory_limit": MEMORY_LIMIT},
            )
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() + pause > deadline:
                raise WarehouseInUseError(path, error) from None
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def table(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A query's result as a DataFrame. DuckDB 2.0 converts time-zone-aware timestamps with a
    pandas call that pandas 3.1 deprecates; the warning is DuckDB's to fix and says nothing to a user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop is deprecated")
        return connection.execute(sql).df()


def migrate(path: Path) -> list[str]:
    """Create the warehouse or bring it up to date; returns the migrations applied now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    applied_now = []
    with connect(path) as connection:
        connection.execute(query("create_schema_migrations"))
        done = {name for (name,) in connection.execute("select name from schema_migrations").fetchall()}
        for migration in sorted(MIGRATIONS_DIR.glob("*.sql")):
            if migration.name in done:
                continue
            connection.begin()
            connection.execute(migration.read_text(encoding="utf-8"))
            connection.execute("insert into schema_migrations values (?, now())", [migration.name])
            connection.commit()
            applied_now.append(migration.name)
    return applied_now


# --- The published copy ---------------------------------------------------------------------------
# Analysts (DBeaver, R, Python, `mesa sql`) open a copy of the warehouse that the writer replaces
# after each successful build: a DuckDB file open for writing cannot be opened by anyone else, and a
# file an analyst holds open would stop the writer. The writer's own file stays private.


def publish(working: Path, published: Path) -> None:
    """Replace the published copy with the working file as it is now, in one rename: a reader who has
    the old copy open keeps reading it (on Linux, until it closes), a new reader gets the new one."""
    with connect(working) as connection:
        connection.execute("checkpoint")  # everything in the file, nothing left in a WAL
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.parent / f".{published.name}.publishing-{os.getpid()}"
    try:
        shutil.copyfile(working, staging)
        with staging.open("rb+") as stream:
            os.fsync(stream.fileno())
        staging.chmod(0o444)  # a copy for reading: what is written to it would be replaced
        # A WAL beside the copy would be replayed onto the new file: none may survive it.
        published.with_name(published.name + ".wal").unlink(missing_ok=True)
        staging.replace(published)
    finally:
        staging.unlink(missing_ok=True)


def adopt(working: Path, published: Path) -> bool:
    """Start the working file from the published one when there is none yet: a warehouse made before
    the copy was published (the file analysts open used to be the one written), or moved to another
    machine. A WAL left by a crash is folded in first. True when it did."""
    if working.exists() or not published.exists():
        return False
    working.parent.mkdir(parents=True, exist_ok=True)
    if published.with_name(published.name + ".wal").exists():
        with connect(published) as connection:
            connection.execute("checkpoint")
    staging = working.parent / f".{working.name}.adopting-{os.getpid()}"
    shutil.copyfile(published, staging)
    staging.chmod(0o644)
    staging.replace(working)
    return True


def registered_ids(path: Path) -> set[str]:
    """The submission ids already in the registry: files that a rerun must not process again."""
    with connect(path, read_only=True) as connection:
        return {row[0] for row in connection.execute("select submission_id from submissions").fetchall()}


def first_with_content(path: Path | None, agency: str, sha256: str) -> SubmissionRecord | None:
    """The earliest submission of these same bytes by this agency, if any (for duplicates)."""
    return first_with_contents(path, [(agency, sha256)]).get((agency, sha256))


def first_with_contents(
    path: Path | None, contents: list[tuple[str, str]]
) -> dict[tuple[str, str], SubmissionRecord]:
    """`first_with_content` of each (agency, sha256), in one query: those found, by what was asked."""
    if path is None or not path.exists() or not contents:
        return {}
    agencies, hashes = [agency for agency, _ in contents], [sha256 for _, sha256 in contents]
    with connect(path, read_only=True) as connection:
        cursor = connection.execute(query("first_with_contents"), {"agencies": agencies, "hashes": hashes})
        rows = cursor.fetchall()
        names = [column[0] for column in cursor.description or []]
    records = [SubmissionRecord(**dict(zip(names, row, strict=True))) for row in rows]
    return {(record.agency, record.sha256): record for record in records}


# Where rows go: the statements that insert them and claim their current slices.
LOADS: dict[Loads, tuple[str, ...]] = {
    "need": ("insert_need_targets", "claim_need_slices"),
    "values": ("insert_observations", "review_incoming", "claim_current_slices", "supersede_slices"),
}


def readable(path: Path) -> Path | None:
    """The warehouse when it exists and no run holds it for writing (a dry run then works without it)."""
    if not path.exists():
        return None
    try:
        with connect(path, read_only=True):
            return path
    except duckdb.IOException:
        return None


# A row (by its place in its frame) and its series' history.
HISTORY_COLUMNS = [POSITION, "periods", "median_value", "mad_value", "mean_deviation"]


# Incoming rows asked about in one query: each brings its series' every earlier period, and the
# query's memory grows with both (DuckDB's limit is 1 GB; 50,000 rows of 60 periods hold 3,000,000
# history rows). Each query scans the whole history once: 100,000 rows against a million held took
# 480 ms in chunks of 25,000, 430 ms in chunks of 50,000, about the same in larger ones.
HISTORY_CHUNK_ROWS = 50_000


def _chunks(items: list[tuple[int, pd.DataFrame]], rows: int) -> list[list[tuple[int, pd.DataFrame]]]:
    """Consecutive frames in groups of about `rows` rows (a larger frame alone)."""
    found: list[list[tuple[int, pd.DataFrame]]] = []
    size = 0
    for item in items:
        if not found or size + len(item[1]) > rows:
            found.append([])
            size = 0
        found[-1].append(item)
        size += len(item[1])
    return found


def series_history(path: Path | None, rows: pd.DataFrame) -> pd.DataFrame:
    """Each row of `rows` whose series has current values in other periods (by its `position` in
    `rows`, in order): their count, median and deviations. Rows without every key column (a required
    column was missing: reported already) have none."""
    return series_histories(path, [rows])[0]


def series_histories(path: Path | None, frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """`series_history` of each frame (each its own submission's rows), in one query. Each row is
    given its series' figures where the data is: no series' key goes back and forth as text."""
    empty = pd.DataFrame(columns=HISTORY_COLUMNS)
    usable = [
        (number, frame)
        for number, frame in enumerate(frames)
        if not frame.empty and {*SERIES, "period"} <= set(frame.columns)
    ]
    if path is None or not path.exists() or not usable:
        return [empty for _ in frames]
    found = []
    with connect(path, read_only=True) as connection:
        for chunk in _chunks(usable, HISTORY_CHUNK_ROWS):  # a history joins every earlier period: bounded
            rows = stacked(chunk, "request", [*SERIES, "period"])
            connection.register("incoming_rows", rows.assign(**{POSITION: _positions(chunk)}))
            found.append(table(connection, query("series_history")))
            connection.unregister("incoming_rows")
    return unstacked(pd.concat(found, ignore_index=True), "request", len(frames), HISTORY_COLUMNS)


def _positions(chunk: list[tuple[int, pd.DataFrame]]) -> np.ndarray:
    """Each stacked row's place in its own frame."""
    lengths = np.array([len(frame) for _, frame in chunk], dtype="int64")
    starts = np.cumsum(lengths) - lengths
    positions: np.ndarray = np.arange(int(lengths.sum()), dtype="int64") - np.repeat(starts, lengths)
    return positions


@dataclass(frozen=True)
class SliceLoss:
    """Values of an earlier submission that a revision of its period does not restate."""

    period: str
    file_name: str
    received_at: dt.datetime
    dropped_values: int
    indicators: str


def slice_losses(
    path: Path | None, agency: str, received_at: dt.datetime, rows: pd.DataFrame
) -> list[SliceLoss]:
    """What loading `rows` as the agency's current values for their periods would take away."""
    if rows.empty or path is None or not path.exists():
        return []
    with connect(path, read_only=True) as connection:
        periods = [str(period) for period in rows["period"].dropna().unique()]
        ((held,),) = connection.execute(
            query("held_slices"), {"agency": agency, "received_at": received_at, "periods": periods}
        ).fetchall()
        if not held:  # new periods only (most files): nothing to take away
            return []
        connection.register("incoming_rows", rows)
        cursor = connection.execute(query("slice_losses"), {"agency": agency, "received_at": received_at})
        names = [column[0] for column in cursor.description or []]
        return [SliceLoss(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def approved_slices(path: Path | None, agencies: list[str]) -> set[tuple[str, str]]:
    """The agency-period slices of `agencies` whose figures are approved (published) now."""
    if path is None or not path.exists() or not agencies:
        return set()
    with connect(path, read_only=True) as connection:
        rows = connection.execute(query("approved_slices"), {"agencies": agencies}).fetchall()
    return {(str(agency), str(period)) for agency, period in rows}


COVERAGE_COLUMNS = ["period", "indicator", "rows_read", "rows_loaded"]
# An R4V 5W row as five_w_rows keeps it (formats/r4v_5w: what it reads of each row).
FIVE_W_COLUMNS = [
    "row_number", "agency", "period", "district", "admin_level", "indicator", "r4v_indicator", "country",
    "admin1", "admin2", "appealing_org", "implementing_partner", "subsector", "activity_name",
    "rmrp_activity", "delivery_mechanism", "cva", "cva_value", "total_monthly", "new_beneficiaries",
    "in_destination", "in_transit", "host_community", "pendular", "returnee", "girls", "boys", "women",
    "men", "other_under_18", "other_over_18",
]  # fmt: skip


@dataclass(frozen=True)
class Arrival:
    """What the review rule made of a submission's values on arrival: approved (published at once)
    or pending with the reason it waits; whether it may also replace an approved slice. By default,
    as the rule `all`: approved, revisions too."""

    state: str = "approved"  # approved or pending
    reason: str = "all"  # why it waits (warning, unverified_sender, rule...), or the rule that approved it
    approve_revisions: bool = True


@dataclass(frozen=True)
class ToLoad:
    """One submission to register and load: its record, its accepted rows (as `loads` loads them),
    and which periods and indicators it covered."""

    record: SubmissionRecord
    rows: pd.DataFrame
    coverage: pd.DataFrame | None = None
    loads: Loads = "values"
    arrival: Arrival = Arrival()
    details: pd.DataFrame | None = None  # its rows kept whole beside their values (R4V 5W: five_w_rows)


def load_submission(
    path: Path,
    record: SubmissionRecord,
    rows: pd.DataFrame,
    coverage: pd.DataFrame | None = None,
    loads: Loads = "values",
    arrival: Arrival = Arrival(),
    details: pd.DataFrame | None = None,
) -> None:
    """Register the submission and load its accepted rows in one transaction: all or nothing.
    `coverage` says which periods and indicators the file covered, rows loaded or not; `loads`,
    where its rows go (indicator values, or need and targets); `arrival`, its review state."""
    loading = load_submissions(path, [ToLoad(record, rows, coverage, loads, arrival, details)])
    error = next(loading)
    loading.close()
    if error is not None:
        raise error


def load_submissions(path: Path, items: list[ToLoad]) -> Generator[Exception | None, None, None]:
    """Register and load each submission in its own transaction (all of its rows or none), in order:
    yields, for each, None when it loaded or the error that rolled it back. The round's rows are
    staged once in a temporary table. When no two of the submissions bring values for the same
    agency and period (a round, by construction: intake.rounds), they are loaded together, by set, in
    one transaction (the same statements, each over all of them, in the order one takes); if that
    fails, each is loaded on its own, and only the one at fault is refused. Stopping the iteration
    stops loading (the connection is closed); closing it after the last writes the audit lines of
    the rule's approvals."""
    with connect(path) as connection:
        staged = _stage(connection, items)
        try:
            together = len(items) > 1 and _apart(items) and _load_together(connection, items, staged)
            for position, item in enumerate(items):
                if together:
                    yield None
                    continue
                try:
                    _in_transaction(connection, partial(_load, connection, [(position, item)], staged))
                except Exception as error:
                    yield error
                else:
                    yield None
        finally:
            # the audit lines of the rule's approvals, once for the round (found again next time if
            # this one cannot write them), then the staged rows go
            with suppress(duckdb.Error):
                run(connection, "record_rule_approvals", {})
            with suppress(duckdb.Error):  # gone with the connection anyway; a broken one cannot drop
                for table_name in staged.values():
                    connection.execute(f"drop table if exists {table_name}")


# The staged rows of a round, by what they load; the column that tells each submission's apart: its
# place in the round (loading_submissions.position).
STAGED: dict[Loads, str] = {"values": "staged_values", "need": "staged_need"}
STAGED_SUBMISSION = "staged_submission"
# The slices a submission's rows claim, by what they load (need: the agency's year and measure).
CLAIMS: dict[Loads, list[str]] = {"values": ["agency", "period"], "need": ["year", "measure"]}


def _stage(connection: duckdb.DuckDBPyConnection, items: list[ToLoad]) -> dict[Loads, str]:
    staged: dict[Loads, str] = {}
    for loads, table_name in STAGED.items():
        numbered = [
            (position, item.rows)
            for position, item in enumerate(items)
            if item.loads == loads and not item.rows.empty and _shaped(item)
        ]
        if not numbered:
            continue
        connection.register("round_rows", stacked(numbered, STAGED_SUBMISSION))
        connection.execute(f"create or replace temp table {table_name} as select * from round_rows")
        connection.unregister("round_rows")
        staged[loads] = table_name
    return staged


def _shaped(item: ToLoad) -> bool:
    """Whether the submission's rows have the columns of what it loads (else it is refused)."""
    return list(item.rows.columns) == loaded_columns(item.loads)


def _apart(items: list[ToLoad]) -> bool:
    """Whether the submissions can load together: each has the columns of what it loads, and no
    slice is claimed by two of them (then the order they load in could change what each claims)."""
    if not all(_shaped(item) for item in items):
        return False
    for loads, columns in CLAIMS.items():
        numbered = [(number, item.rows) for number, item in enumerate(items) if item.loads == loads]
        claims = stacked(numbered, "position", columns)
        claims["claimant"] = _each(items, "agency")[claims["position"].to_numpy(dtype="int64")]
        if claims.drop_duplicates().duplicated(subset=["claimant", *columns]).any():
            return False
    return True


def _load_together(
    connection: duckdb.DuckDBPyConnection, items: list[ToLoad], staged: dict[Loads, str]
) -> bool:
    """All the submissions in one transaction; False (nothing written) when that fails, for
    whatever reason: each then loads on its own, and its own error is said of it."""
    try:
        _in_transaction(connection, partial(_load, connection, list(enumerate(items)), staged))
    except Exception:
        return False
    return True


def _in_transaction(connection: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    connection.begin()
    try:
        work()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def _load(
    connection: duckdb.DuckDBPyConnection, entries: list[tuple[int, ToLoad]], staged: dict[Loads, str]
) -> None:
    """Register and load the submissions of `entries` (each with its place in the round), by set, in
    the transaction open: the statements of warehouse/queries read them from `loading_submissions`
    (one row each: its id, agency, arrival), `incoming_records`, `incoming_coverage` and the view
    `incoming_rows` (their staged rows, each with its submission's columns, named load_*)."""
    for _, item in entries:
        if not _shaped(item):
            raise ValueError(
                f"rows to load as {item.loads} must have the columns {loaded_columns(item.loads)}, "
                f"not {list(item.rows.columns)}"
            )
    _temp_table(connection, "loading_submissions", _loading(entries))
    _temp_table(connection, "incoming_records", _records([item.record for _, item in entries]))
    run(connection, "register_submission", {})
    coverage = _coverage([item for _, item in entries])
    if coverage is not None:
        _temp_table(connection, "incoming_coverage", coverage)
        run(connection, "insert_coverage", {})
    for loads, table_name in staged.items():
        if any(item.loads == loads and not item.rows.empty for _, item in entries):
            connection.execute(query("incoming_rows").format(staged=table_name))
            for name in LOADS[loads]:
                run(connection, name, {})
    for _, item in entries:
        if item.details is not None and not item.details.empty:
            connection.register("incoming_details", item.details[FIVE_W_COLUMNS])
            connection.execute(query("insert_five_w_rows"), {"submission_id": item.record.submission_id})
            connection.unregister("incoming_details")


def _temp_table(connection: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """`frame` as a temporary table of the connection (replacing the one of that name)."""
    connection.register("loading_frame", frame)
    connection.execute(f"create or replace temp table {name} as select * from loading_frame")
    connection.unregister("loading_frame")


def _loading(entries: list[tuple[int, ToLoad]]) -> pd.DataFrame:
    """One row per submission loading: its place in the round, and what its statements need."""
    return pd.DataFrame(
        {
            "position": pd.Series([position for position, _ in entries], dtype="int64"),
            "submission_id": pd.Series([item.record.submission_id for _, item in entries], dtype="string"),
            "agency": pd.Series([item.record.agency for _, item in entries], dtype="string"),
            "received_at": _timestamps([item.record.received_at for _, item in entries]),
            "state": pd.Series([item.arrival.state for _, item in entries], dtype="string"),
            "reason": pd.Series([item.arrival.reason for _, item in entries], dtype="string"),
            "approve_revisions": pd.Series(
                [item.arrival.approve_revisions for _, item in entries], dtype="bool"
            ),
        }
    )


RECORD_TIMES = ("received_at", "processed_at")


def _records(records: list[SubmissionRecord]) -> pd.DataFrame:
    """The registry rows, typed as the table's columns (a column of None stays text)."""
    rows = [asdict(record) for record in records]
    frame = pd.DataFrame({name: [row[name] for row in rows] for name in rows[0]})
    for name in frame.columns:
        if name in RECORD_TIMES:
            frame[name] = _timestamps(list(frame[name]))
        elif frame[name].dtype == object:
            frame[name] = frame[name].astype("string")
    return frame


def _timestamps(values: list[dt.datetime]) -> pd.Series:
    """Moments as DuckDB binds them one by one: aware ones as instants, naive ones as they are."""
    aware = [value.tzinfo is not None for value in values]
    if all(aware):
        return pd.Series(pd.to_datetime(values, utc=True))
    if not any(aware):
        return pd.Series(pd.to_datetime(values))
    raise ValueError("a round mixes moments with and without a time zone")


def _coverage(items: list[ToLoad]) -> pd.DataFrame | None:
    """The periods and indicators each submission covered, with its id and agency."""
    numbered = [
        (number, item.coverage)
        for number, item in enumerate(items)
        if item.coverage is not None and not item.coverage.empty
    ]
    if not numbered:
        return None
    rows = stacked(numbered, "position", COVERAGE_COLUMNS)
    positions = rows.pop("position").to_numpy()
    return rows.assign(
        submission_id=_each(items, "submission_id")[positions], agency=_each(items, "agency")[positions]
    )


def _each(items: list[ToLoad], name: str) -> np.ndarray[Any, np.dtype[np.object_]]:
    """A field of each submission's record, by the submission's place in `items`."""
    return np.array([getattr(item.record, name) for item in items], dtype=object)


def _used(statement: str, parameters: dict[str, object]) -> dict[str, object]:
    """The named parameters a statement uses: DuckDB refuses parameters a statement does not name."""
    return {name: value for name, value in parameters.items() if f"${name}" in statement}


def run(connection: duckdb.DuckDBPyConnection, name: str, parameters: dict[str, object]) -> None:
    """Every statement of warehouse/queries/<name>.sql in turn, each given the parameters it names
    (DuckDB prepares one statement at a time)."""
    for statement in statements(name):
        connection.execute(statement, _used(statement, parameters))


@cache
def statements(name: str) -> tuple[str, ...]:
    """The statements of a query file: split where a line ends with a semicolon."""
    found = []
    for chunk in re.split(r";[ \t]*\n", query(name) + "\n"):
        code = "\n".join(line for line in chunk.splitlines() if not line.lstrip().startswith("--"))
        if code.strip():
            found.append(chunk)
    return tuple(found)


@cache
def query(name: str) -> str:
    """A statement from warehouse/queries/<name>.sql."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def remember_seen(
    path: Path, channel: str, file_name: str, size_bytes: int, received_at: dt.datetime, submission_id: str
) -> None:
    """A registered submission's bytes found again under a new time or size: not read again."""
    with connect(path) as connection:
        connection.execute(
            query("remember_seen"),
            {
                "channel": channel,
                "file_name": file_name,
                "size_bytes": size_bytes,
                "received_at": received_at,
                "submission_id": submission_id,
            },
        )


def tables_behind(working: Path, published: Path, wait_seconds: float = OPEN_WAIT_SECONDS) -> bool:
    """Whether the analysts' tables are behind what is loaded: a slice changed since the last build
    (a build that failed after its files loaded: a full disk), or the copy for analysts is not the
    last build's (its publication failed). A run then brings them up to date, with nothing new."""
    with connect(working, read_only=True, wait_seconds=wait_seconds) as connection:
        (touched,) = connection.execute(f"select count(*) from ({query('touched_slices')})").fetchone() or (
            0,
        )
        built = connection.execute("select max(built_at) from build_state").fetchone()
    if touched:
        return True
    try:
        with connect(published, read_only=True, wait_seconds=wait_seconds) as connection:
            copied = connection.execute("select max(built_at) from build_state").fetchone()
    except duckdb.Error:
        return True  # a copy that cannot be read is no copy of the last build
    return built != copied


def seen_files(path: Path, wait_seconds: float = OPEN_WAIT_SECONDS) -> set[tuple[str, str, int, dt.datetime]]:
    """(inbox folder, file path, size, modification time) of every file registered: a file still
    there with the same size and time has not changed, and a run need not read it again."""
    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        rows = connection.execute(query("seen_files")).fetchall()
    return {(channel, name, size, received.astimezone(dt.UTC)) for channel, name, size, received in rows}
