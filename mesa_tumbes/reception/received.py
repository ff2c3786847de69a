"""A file taken from an inbox: where it came from and its archived bytes, which is all the pipeline
reads from then on."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from mesa_tumbes.reception.archive import ArchivedFile, archive_stream, sha256_of
from mesa_tumbes.reception.inbox import InboxFile


@dataclass(frozen=True)
class Received:
    """A file from the inbox, archived: from here on the pipeline reads the archived bytes only."""

    file: InboxFile
    archived: ArchivedFile

    @property
    def agency(self) -> str:
        """The registered agency, or the folder's own name when it belongs to none."""
        return self.file.agency or self.file.channel

    @property
    def submission_id(self) -> str:
        """Stable id of this file: the same path with the same bytes is the same submission."""
        key = f"{self.agency}\n{self.file.relative_path}\n{self.archived.sha256}"
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def receive(file: InboxFile, archive_dir: Path) -> Received:
    """Archive the file's bytes before anything else happens to it."""
    with file.open() as stream:
        return Received(file=file, archived=archive_stream(stream, archive_dir))


def received_in_place(path: Path, agency: str | None, channel: str) -> Received:
    """A file taken as it is where it lies, without archiving: for a trial (`mesa validate`)."""
    stat = path.stat()
    file = InboxFile(
        channel=channel,
        agency=agency,
        relative_path=path.name,
        location=str(path),
        size_bytes=stat.st_size,
        received_at=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC),
    )
    return Received(file=file, archived=ArchivedFile(sha256_of(path), path, stat.st_size))
