"""One writer at a time: every run that writes the warehouse holds a lock file next to it.

DuckDB lets one process open a file for writing, but a run opens and closes the file between
submissions (so that analysts can query in between), so two runs could interleave their writes.
The lock is held for the whole run instead. It is an operating-system lock (`filelock`): if the
process dies, the lock goes with it, and no stale lock is ever left to clear by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypedDict, cast

from filelock import FileLock, Timeout


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: enough for the officer to recognise the run."""

    what: str
    pid: int
    host: str
    since: str  # ISO time, UTC


class BusyHolder(TypedDict, total=False):
    """Who held the warehouse, as a run's result and `--json` carry it: a Holder's fields, or
    `in_use`, the working file another program holds open."""

    what: str
    pid: int
    host: str
    since: str
    in_use: str


def described(holder: Holder | None) -> BusyHolder:
    """A holder as results carry it (empty when nobody could be named)."""
    return cast("BusyHolder", asdict(holder)) if holder is not None else {}


class WarehouseBusyError(RuntimeError):
    """Another run is writing the warehouse and did not finish within the wait allowed."""

    def __init__(self, warehouse: Path, holder: Holder | None) -> None:
        self.warehouse = warehouse
        self.holder = holder
        super().__init__(f"{warehouse} is being written by {holder or 'another process'}")


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def holder_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".writer.json")


@contextmanager
def writer(
    warehouse: Path,
    what: str,
    wait_seconds: float = 0.0,
    waiting: Callable[[Holder | None], object] | None = None,
) -> Iterator[Holder]:
    """Hold the warehouse's writer lock for the block; wait up to `wait_seconds` for it, then raise
    WarehouseBusyError naming the run that holds it. `waiting` is told who holds it when this has
    to wait (a run that waits in silence looks hung)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(warehouse), thread_local=False)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if wait_seconds <= 0:
                raise
            if waiting is not None:
                waiting(current_holder(warehouse))
            lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise WarehouseBusyError(warehouse, current_holder(warehouse)) from None
    me = Holder(
        what, os.getpid(), socket.gethostname(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )
    info = holder_path(warehouse)
    try:
        info.write_text(json.dumps(me.__dict__), encoding="utf-8")
        yield me
    finally:
        info.unlink(missing_ok=True)
        lock.release()


def current_holder(warehouse: Path) -> Holder | None:
    """The run that holds the lock, as it described itself; None when nobody does. Read without
    touching the lock, so that asking never makes a starting run find the warehouse busy."""
    try:
        holder = Holder(**json.loads(holder_path(warehouse).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if holder.host == socket.gethostname() and not _alive(holder.pid):
        return None  # a run that was killed: the operating system has released its lock
    return holder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
