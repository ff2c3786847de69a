"""Days and times as the Mesa reads them: in its own time zone (America/Lima by default), whatever the
machine's clock says. Deadlines are days in Tumbes; stored instants are UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def today(timezone: str) -> dt.date:
    """Today in the Mesa's time zone."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


def local_time(moment: dt.datetime | str, timezone: str) -> str:
    """ "2026-11-05 09:30 (America/Lima)": unambiguous in Spanish and English. Takes an aware datetime
    or its ISO text."""
    instant = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{instant.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"
