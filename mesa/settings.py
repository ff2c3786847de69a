"""Where things live and in which language people are addressed: flags, then MESA_* variables, then
defaults that make an embedded setup in the working folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mesa.i18n import language
from transforms.read import DEFAULT_LIMITS, ReadLimits

DEFAULT_INBOX = "inbox"
DEFAULT_WAREHOUSE = "mesa.duckdb"
DEFAULT_FEEDBACK = "feedback"
# Times that agencies and the officer read are shown in the Mesa's own time zone.
DEFAULT_TIMEZONE = "America/Lima"
ARCHIVE_NEXT_TO_WAREHOUSE = "archive"


@dataclass(frozen=True)
class Settings:
    inbox: Path  # inbox/<AGENCY>/<files>
    warehouse: Path  # the DuckDB file
    feedback: Path  # feedback/<AGENCY>/<submission>/
    archive: Path  # raw bytes of every file received, by SHA-256
    lang: str
    timezone: str = DEFAULT_TIMEZONE
    limits: ReadLimits = DEFAULT_LIMITS


def resolve_settings(
    inbox: str | None = None,
    warehouse: str | None = None,
    feedback: str | None = None,
    archive: str | None = None,
    lang: str | None = None,
    timezone: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Absolute paths; the archive sits next to the warehouse unless told otherwise."""
    warehouse_path = _path(warehouse, environ.get("MESA_WAREHOUSE"), DEFAULT_WAREHOUSE)
    return Settings(
        inbox=_path(inbox, environ.get("MESA_INBOX"), DEFAULT_INBOX),
        warehouse=warehouse_path,
        feedback=_path(feedback, environ.get("MESA_FEEDBACK"), DEFAULT_FEEDBACK),
        archive=_path(
            archive, environ.get("MESA_ARCHIVE"), str(warehouse_path.parent / ARCHIVE_NEXT_TO_WAREHOUSE)
        ),
        lang=language(lang or environ.get("MESA_LANG")),
        timezone=_timezone(timezone or environ.get("MESA_TIMEZONE") or DEFAULT_TIMEZONE),
        limits=ReadLimits(
            max_file_bytes=_megabytes(environ, "MESA_MAX_FILE_MB", DEFAULT_LIMITS.max_file_bytes),
            max_workbook_expanded_bytes=_megabytes(
                environ, "MESA_MAX_WORKBOOK_MB", DEFAULT_LIMITS.max_workbook_expanded_bytes
            ),
        ),
    )


def _megabytes(environ: Mapping[str, str], name: str, default: int) -> int:
    written = environ.get(name)
    if written is None:
        return default
    try:
        megabytes = float(written)
    except ValueError:
        megabytes = -1
    if megabytes <= 0:
        raise ValueError(
            f"{name}={written!r}: write a size in megabytes greater than 0, for example {name}=50"
        )
    return int(megabytes * 2**20)


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"MESA_TIMEZONE: unknown time zone {name!r}; use an IANA name such as {DEFAULT_TIMEZONE}"
        ) from None
    return name


def _path(flag: str | None, variable: str | None, default: str) -> Path:
    return Path(flag or variable or default).expanduser().resolve()
