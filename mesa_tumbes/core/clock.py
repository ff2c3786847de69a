"""Days and times as the Mesa reads them: in its own time zone (America/Lima by default), whatever the
machine's clock says. Deadlines are days in Tumbes; stored instants are UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def today(timezone: str) -> dt.date:
    """Today in the Mesa's time zone."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


MINUTE_FORMAT = "%Y-%m-%d %H:%M"


def local_minute(moment: dt.datetime | str, timezone: str) -> str:
    """ "2026-11-05 09:30", in the Mesa's time zone: where the zone is said once for a whole table.
    Takes an aware datetime or its ISO text."""
    instant = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return instant.astimezone(ZoneInfo(timezone)).strftime(MINUTE_FORMAT)


def local_time(moment: dt.datetime | str, timezone: str) -> str:
    """ "2026-11-05 09:30 (America/Lima)": unambiguous in Spanish and English."""
    return f"{local_minute(moment, timezone)} ({timezone})"
