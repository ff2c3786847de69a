"""Whether the disk can hold a run, checked before it writes anything: the new files' bytes times a
measured factor (their archived copy, their feedback, the validation results, their rows), plus a
copy of the warehouse for the publish, as much again for the working copy's growth while the tables
are rebuilt (a full rebuild writes every table anew beside the old one until it commits), and a
reserve for DuckDB's own files, against the free space beside the warehouse (and beside the archive,
when it is on another disk)."""

from __future__ import annotations

import shutil
from pathlib import Path

from mesa_tumbes.core.faults import MachineError
from mesa_tumbes.core.settings import Settings
from mesa_tumbes.reception.inbox import InboxFile
from mesa_tumbes.warehouse import store

# What DuckDB needs beyond the rows: its write-ahead log and the checkpoint that folds it in.
RESERVE_BYTES = 16 * 2**20
MEGABYTE = 2**20
# The working copy counted twice: the published copy the run writes, and the rebuild's new tables.
REBUILD_COPIES = 2


def needed_bytes(settings: Settings, new_bytes: int) -> int:
    """The space a run that brings `new_bytes` needs beside the warehouse."""
    working = settings.working.stat().st_size if settings.working.exists() else 0
    return int(new_bytes * settings.space_factor) + REBUILD_COPIES * working + RESERVE_BYTES


def free_bytes(folder: Path) -> int:
    """The free space of the disk that holds `folder` (or the nearest folder of it that exists)."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    return shutil.disk_usage(existing).free


def space_problem(settings: Settings, files: list[InboxFile]) -> MachineError | None:
    """The fault to stop the run with, before it takes anything, when the disk cannot hold it."""
    if settings.space_factor <= 0:
        return None
    seen = store.seen_files(settings.working) if settings.working.exists() else set()
    new_bytes = sum(file.size_bytes for file in files if file.seen_key not in seen)
    if not new_bytes:
        return None
    folder = settings.working.parent
    needed, free = needed_bytes(settings, new_bytes), free_bytes(folder)
    if needed > free:
        return _short(folder, needed, free)
    archive = settings.archive
    if _other_disk(archive, folder):
        needed, free = new_bytes, free_bytes(archive)
        if needed > free:
            return _short(archive, needed, free)
    return None


def missing_megabytes(settings: Settings, folder: Path) -> int:
    """About how much to free in `folder` for a run to go through (at least one megabyte)."""
    needed = needed_bytes(settings, 0)
    return max(1, -(-(needed - free_bytes(folder)) // MEGABYTE))


def _short(folder: Path, needed: int, free: int) -> MachineError:
    detail = f"needs {needed // MEGABYTE} MB, {free // MEGABYTE} MB free"
    return MachineError("no_space_to_start", str(folder), detail, -(-(needed - free) // MEGABYTE))


def _other_disk(path: Path, folder: Path) -> bool:
    def device(p: Path) -> int:
        existing = next((q for q in (p, *p.parents) if q.exists()), Path("/"))
        return existing.stat().st_dev

    return device(path) != device(folder)
