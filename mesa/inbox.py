"""Find the files waiting in the inbox: one folder per agency, the folder decides who submitted."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mesa.reference import Reference

log = logging.getLogger(__name__)

# What operating systems and Office leave next to real files: never submissions.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
IGNORED_PREFIXES = (".", "~$")


@dataclass(frozen=True)
class InboxFile:
    channel: str  # the agency folder's name as it is on disk
    agency: str | None  # the registered agency that folder belongs to; None for an unknown folder
    relative_path: str  # inside the agency folder, with "/" separators
    path: Path
    size_bytes: int
    received_at: dt.datetime  # the file's modification time: when it landed in the inbox

    @property
    def label(self) -> str:
        return f"{self.channel}/{self.relative_path}"


def discover(inbox: Path, reference: Reference) -> list[InboxFile]:
    """Every file under inbox/<AGENCY>/, oldest first. Links are not followed; stray files are logged."""
    found = []
    for entry in sorted(inbox.iterdir()):
        if _ignored(entry.name):
            continue
        if entry.is_symlink():
            log.warning("Skipped %s: links are not followed in the inbox", entry)
        elif entry.is_dir():
            agency = _agency_for_folder(entry.name, reference)
            found += _files_under(entry, agency)
        else:
            log.warning("Skipped %s: files must be inside an agency folder (inbox/<AGENCY>/)", entry)
    return sorted(found, key=lambda f: (f.received_at, f.channel, f.relative_path))


def _agency_for_folder(name: str, reference: Reference) -> str | None:
    """The folder is named after the agency's code; case is forgiven ("Diresa" is DIRESA)."""
    return next((code for code in reference.agency_codes if code.casefold() == name.casefold()), None)


def _files_under(folder: Path, agency: str | None) -> list[InboxFile]:
    files = []
    for directory, subdirectories, names in os.walk(folder, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if not _ignored(d))
        for name in sorted(names):
            path = Path(directory) / name
            if _ignored(name):
                continue
            if path.is_symlink() or not path.is_file():
                log.warning("Skipped %s: only regular files are read, links are not followed", path)
                continue
            stat = path.stat()
            files.append(
                InboxFile(
                    channel=folder.name,
                    agency=agency,
                    relative_path=path.relative_to(folder).as_posix(),
                    path=path,
                    size_bytes=stat.st_size,
                    received_at=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC),
                )
            )
    return files


def _ignored(name: str) -> bool:
    return name.startswith(IGNORED_PREFIXES) or name.casefold() in IGNORED_NAMES
