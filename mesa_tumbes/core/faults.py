"""Faults of the Mesa's own machine, told apart from faults of a file: a full disk, a folder the
pipeline may not write, a DuckDB database invalidated by a fatal error, a network share that went
away, memory run out. They are the officer's to fix: a run stops at once, answers no agency, counts no attempt
against any file, and says what happened, where and what to do."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

MachineKind = Literal[
    "disk_full", "not_writable", "database", "mount_lost", "no_space_to_start", "out_of_memory"
]

# What the operating system says of each kind (errno codes).
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
MOUNT_LOST = frozenset({errno.ENOTCONN, errno.ESTALE, errno.ENODEV, errno.EHOSTDOWN, errno.ENXIO})
# What DuckDB says when the machine fails it (its errors carry text, not errno codes), by kind.
DATABASE_TEXTS: tuple[tuple[str, MachineKind], ...] = (
    ("no space left on device", "disk_full"),
    ("disk quota exceeded", "disk_full"),
    ("read-only file system", "not_writable"),
    ("permission denied", "not_writable"),
    ("database has been invalidated", "database"),
    ("fatal error", "database"),
    ("out of memory", "out_of_memory"),
)


class MachineError(Exception):
    """The machine failed the run: `kind`, `where` (the folder or service), `detail` (the library's
    own words, for the log), `needed_mb` (the space to free, when that is the fix). Built from plain
    values so that it crosses processes and cluster workers."""

    def __init__(self, kind: MachineKind, where: str = "", detail: str = "", needed_mb: int = 0) -> None:
        super().__init__(kind, where, detail, needed_mb)
        self.kind, self.where, self.detail, self.needed_mb = kind, where, detail, needed_mb

    def __str__(self) -> str:
        return f"{self.kind} at {self.where or '?'}: {self.detail}"

    def located(self, where: str, needed_mb: int = 0) -> MachineError:
        """The same fault, said of `where` when it did not say where itself."""
        return MachineError(self.kind, self.where or where, self.detail, self.needed_mb or needed_mb)


def machine_fault(error: BaseException) -> MachineError | None:
    """The machine fault behind `error` (itself, or anything in its chain), or None when the error
    is not the machine's (a bug, or a file the pipeline could not handle)."""
    for link in error_chain(error):
        if isinstance(link, MachineError):
            return link
        if isinstance(link, MemoryError):
            return MachineError("out_of_memory", "", f"{type(link).__name__}: {link}")
        if isinstance(link, OSError) and link.errno is not None:
            kind = _kind_of_errno(link.errno)
            if kind is not None:
                return MachineError(kind, _folder_of(link.filename), f"{type(link).__name__}: {link}")
        if type(link).__module__.split(".")[0] in ("duckdb", "_duckdb"):
            said = str(link).lower()
            fatal = type(link).__name__ == "FatalException"
            if type(link).__name__ == "OutOfMemoryException":
                return MachineError("out_of_memory", "", f"{type(link).__name__}: {link}")
            kind = next((k for text, k in DATABASE_TEXTS if text in said), "database" if fatal else None)
            if kind is not None:
                return MachineError(kind, "", f"{type(link).__name__}: {link}")
    return None


def _kind_of_errno(code: int) -> MachineKind | None:
    if code in DISK_FULL:
        return "disk_full"
    if code in NOT_WRITABLE:
        return "not_writable"
    if code in MOUNT_LOST:
        return "mount_lost"
    return None


def _folder_of(filename: object) -> str:
    if not filename:
        return ""
    path = Path(os.fsdecode(filename) if isinstance(filename, str | bytes) else str(filename))
    return str(path.parent) if path.parent != Path() else str(path)


# What a stop (Ctrl+C, SIGTERM) becomes on its way out: Python's and Prefect's own signals, and
# DuckDB's: a signal that lands while DuckDB runs a query in the main thread interrupts the query,
# and DuckDB raises "Query interrupted" in place of the signal's exception.
STOP_ERRORS = ("KeyboardInterrupt", "TerminationSignal", "InterruptException")
DUCKDB_INTERRUPTED = "Query interrupted"


def interrupted(error: BaseException) -> bool:
    """Whether the error is a stop asked for by the officer (or the service manager), whatever
    library it came out of: such an error stops the run, it is never a file's failure."""
    return any(
        type(link).__name__ in STOP_ERRORS
        or (isinstance(link, RuntimeError) and str(link) == DUCKDB_INTERRUPTED)
        for link in error_chain(error)
    )


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those it was raised from or while handling, each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


# Where the tracebacks of faults the officer is told of in a sentence are kept, for the technical team.
TRACE_FILE = "errores.log"


def keep_trace(folder: Path, what: str, error: BaseException) -> Path:
    """Append the error's traceback to the trace file in `folder`; returns the file (named in the
    officer's sentence, which never shows a traceback)."""
    import datetime as dt
    import traceback

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TRACE_FILE
    with path.open("a", encoding="utf-8") as trace:
        trace.write(f"--- {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} {what}\n")
        trace.write("".join(traceback.format_exception(error)))
    return path
