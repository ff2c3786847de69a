"""What the intake pulls from partners' systems, kept in the warehouse: every record (a partner's month
is written as one file from all of its records), and where the next pull starts. A pull is kept in
one transaction: all of it, or none (and its cursor does not move)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mesa_tumbes.warehouse.store import connect, query


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


def source_cursor(path: Path, source: str) -> str | None:
    with connect(path, read_only=True) as connection:
        rows = connection.execute(query("source_cursor"), {"source": source}).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def keep_pull(
    path: Path, source: str, kind: str, records: list[SourceRecord], cursor: str
) -> set[tuple[str, str]]:
    """Keep a complete pull in one transaction: new and changed records, and the cursor. Returns
    the (agency, month) groups whose records changed (before and after an edit), to write again."""
    changed: set[tuple[str, str]] = set()
    with connect(path) as connection:
        connection.begin()
        try:
            if records:
                frame = pd.DataFrame([asdict(record) for record in records])
                connection.register("incoming_records", frame)
                for agency, period, before_agency, before_period in connection.execute(
                    query("source_changed"), {"source": source}
                ).fetchall():
                    changed |= {
                        (a, p) for a, p in ((agency, period), (before_agency, before_period)) if a and p
                    }
                connection.execute(query("keep_source_records"), {"source": source})
            connection.execute(
                query("record_pull"),
                {"source": source, "kind": kind, "cursor": cursor, "records_pulled": len(records)},
            )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    return changed


def record_pull_failure(path: Path, source: str, kind: str, error: str) -> None:
    with connect(path) as connection:
        connection.execute(query("record_pull_failure"), {"source": source, "kind": kind, "error": error})


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


def source_states(path: Path, wait_seconds: float = 0) -> list[SourceState]:
    """Each source's last pull: when, how many records, its last error (for `mesa status`)."""
    with connect(path, read_only=True, wait_seconds=wait_seconds) as connection:
        rows = connection.execute(query("source_states")).fetchall()
    return [SourceState(*row) for row in rows]
