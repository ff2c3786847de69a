"""What the intake pulls from partners' systems, kept in the warehouse: every record (a partner's month
is written as one file from all of its records), and where the next pull starts. A pull is kept in
one transaction: all of it, or none (and its cursor does not move)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from mesa_tumbes.warehouse.store import connect, query, run


@dataclass(frozen=True)
class SourceRecord:
    """One record as pulled: its id in the partner's system, the agency and month it is about (None
    when its partner is mapped to no agency), its fields as they came, and their fingerprint."""

    record_id: str
    agency: str | None
    period: str | None
    fields: str  # JSON
    content_sha256: str
    edited_at: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where a source's next pull starts (None: from the beginning) and when it was last read whole."""

    since: str | None
    full_pulled_at: dt.datetime | None


def source_cursor(path: Path, source: str) -> Cursor:
    with connect(path, read_only=True) as connection:
        rows = connection.execute(query("source_cursor"), {"source": source}).fetchall()
    if not rows:
        return Cursor(None, None)
    since, full = rows[0]
    return Cursor(None if since is None else str(since), full)


@dataclass(frozen=True)
class Kept:
    """What keeping one pull changed: the (agency, month) groups to write again, and how many records
    were new, edited, or withdrawn (deleted at the source, seen by a full pull)."""

    changed: set[tuple[str, str]] = field(default_factory=set)
    new: int = 0
    edited: int = 0
    withdrawn: int = 0


def keep_pull(
    path: Path, source: str, kind: str, records: list[SourceRecord], cursor: str, full: bool = False
) -> Kept:
    """Keep a complete pull in one transaction: new and changed records, and the cursor; a `full`
    pull (every record the source holds) also withdraws the kept records it no longer holds. Returns
    the (agency, month) groups whose records changed (before and after an edit), to write again."""
    changed: set[tuple[str, str]] = set()
    new = edited = withdrawn = 0
    with connect(path) as connection:
        connection.begin()
        try:
            frame = pd.DataFrame(
                [asdict(record) for record in records], columns=[f.name for f in fields(SourceRecord)]
            )
            connection.register("incoming_records", frame)
            for agency, period, before_agency, before_period, is_new in connection.execute(
                query("source_changed"), {"source": source}
            ).fetchall():
                changed |= {(a, p) for a, p in ((agency, period), (before_agency, before_period)) if a and p}
                new, edited = new + int(is_new), edited + int(not is_new)
            if full:
                gone = connection.execute(query("source_withdrawn"), {"source": source}).fetchall()
                changed |= {(agency, period) for _, agency, period in gone if agency and period}
                withdrawn = len(gone)
                run(connection, "withdraw_source_records", {"source": source})
            if records:
                connection.execute(query("keep_source_records"), {"source": source})
            run(
                connection,
                "record_pull",
                {
                    "source": source,
                    "kind": kind,
                    "cursor": cursor,
                    "records_pulled": len(records),
                    "full": full,
                },
            )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return Kept(changed, new, edited, withdrawn)


def record_pull_failure(path: Path, source: str, kind: str, fault: str, error: str) -> None:
    with connect(path) as connection:
        connection.execute(
            query("record_pull_failure"), {"source": source, "kind": kind, "fault": fault, "error": error}
        )


def group_records(path: Path, source: str, agency: str, period: str) -> list[dict[str, Any]]:
    """Every record the source holds for the agency's month, in the order of their ids."""
    with connect(path, read_only=True) as connection:
        rows = connection.execute(
            query("source_group"), {"source": source, "agency": agency, "period": period}
        ).fetchall()
    return [json.loads(fields) for _, fields in rows]


@dataclass(frozen=True)
class SourceState:
    """A partner's system as its last pull left it."""

    source: str
    kind: str
    pulled_at: dt.datetime | None
    records_pulled: int | None
    last_error: str | None
    failed_at: dt.datetime | None
    last_fault: str | None = None
    full_pulled_at: dt.datetime | None = None


def source_states(path: Path, wait_seconds: float = 0) -> list[SourceState]:
    """Each source's last pull: when, how many records, its last error (for `mesa status`)."""
    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        rows = connection.execute(query("source_states")).fetchall()
    return [SourceState(*row) for row in rows]
