"""Find the files waiting in an inbox: one folder per agency, the folder decides who submitted.

An inbox is a local folder (the default) or a remote one reached through fsspec: an SFTP server
(`sftp://user@host/path`) or an S3 bucket (`s3://bucket/prefix`). Either way the same rules
apply: files inside `<AGENCY>/` folders, links and system files skipped, nothing moved or deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from mesa_tumbes.core.i18n import DEFAULT_LANGUAGE, text
from mesa_tumbes.core.locations import is_remote
from mesa_tumbes.core.reference import Reference

log = logging.getLogger(__name__)

# What operating systems and Office leave next to real files: never submissions.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
IGNORED_PREFIXES = (".", "~$")


@dataclass(frozen=True)
class InboxFile:
    channel: str  # the agency folder's name as it is on disk
    agency: str | None  # the registered agency that folder belongs to; None for an unknown folder
    relative_path: str  # inside the agency folder, with "/" separators
    location: str  # the local path, or the file's URL in a remote inbox
    size_bytes: int
    received_at: dt.datetime  # the file's modification time: when it landed in the inbox
    name: str = ""  # the name the agency gave the file, where it differs (an e-mail's attachment)
    # False for a message whose receiving server did not authenticate the sender's domain: anyone
    # can write a From. A folder's or server's files are as trusted as the access to them.
    sender_verified: bool = True

    @property
    def shown_name(self) -> str:
        """The file as the agency knows it: its own name for an attachment, else its path."""
        return self.name or self.relative_path

    @property
    def label(self) -> str:
        return f"{self.channel}/{self.relative_path}"

    @property
    def seen_key(self) -> tuple[str, str, int, dt.datetime]:
        """What tells a file unchanged since it was taken (warehouse.store.seen_files)."""
        return (self.channel, self.relative_path, self.size_bytes, self.received_at)

    def open(self) -> IO[bytes]:
        if not is_remote(self.location):
            return Path(self.location).open("rb")
        import fsspec

        stream: IO[bytes] = fsspec.open(self.location, "rb").open()
        return stream


def discover(inbox: Path | str, reference: Reference, lang: str = DEFAULT_LANGUAGE) -> list[InboxFile]:
    """Every file under inbox/<AGENCY>/, oldest first. Links are not followed; stray files are logged
    (in `lang`: the officer reads why a file was not taken). A remote inbox that cannot be reached
    raises OSError (the flow retries, then reports it)."""
    location = str(inbox)
    found = (
        _remote_files(location, reference, lang)
        if is_remote(location)
        else _local_files(Path(location), reference, lang)
    )
    return sorted(found, key=lambda f: (f.received_at, f.channel, f.relative_path))


# --- Local folders ------------------------------------------------------------------------------


def _local_files(inbox: Path, reference: Reference, lang: str) -> list[InboxFile]:
    found = []
    for entry in sorted(inbox.iterdir()):
        if _ignored(entry.name):
            continue
        if entry.is_symlink():
            log.warning(text(lang, "log.inbox_link", path=entry))
        elif entry.is_dir():
            agency = _agency_for_folder(entry.name, reference)
            found += _files_under(entry, agency, lang)
        else:
            log.warning(text(lang, "log.inbox_stray", path=entry))
    return found


def _files_under(folder: Path, agency: str | None, lang: str) -> list[InboxFile]:
    files = []
    for directory, subdirectories, names in os.walk(folder, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if not _ignored(d))
        for name in sorted(names):
            path = Path(directory) / name
            if _ignored(name):
                continue
            if path.is_symlink() or not path.is_file():
                log.warning(text(lang, "log.inbox_not_regular", path=path))
                continue
            stat = path.stat()
            files.append(
                InboxFile(
                    channel=folder.name,
                    agency=agency,
                    relative_path=path.relative_to(folder).as_posix(),
                    location=str(path),
                    size_bytes=stat.st_size,
                    received_at=dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC),
                )
            )
    return files


# --- Remote inboxes -----------------------------------------------------------------------------


def _remote_files(location: str, reference: Reference, lang: str) -> list[InboxFile]:
    from fsspec.core import url_to_fs

    fs, root = url_to_fs(location)
    root = root.rstrip("/")
    found = []
    for entry in sorted(fs.ls(root, detail=True), key=lambda e: str(e["name"])):
        name = str(entry["name"]).rstrip("/").rsplit("/", 1)[-1]
        if _ignored(name):
            continue
        if entry.get("type") != "directory":
            log.warning(text(lang, "log.inbox_stray", path=entry["name"]))
            continue
        agency = _agency_for_folder(name, reference)
        folder = str(entry["name"]).rstrip("/")
        for path, info in sorted(fs.find(folder, detail=True).items()):
            relative = path[len(folder) :].lstrip("/")
            if not relative or any(_ignored(part) for part in relative.split("/")):
                continue
            if info.get("type") != "file" or info.get("islink"):
                log.warning(text(lang, "log.inbox_not_regular", path=path))
                continue
            found.append(
                InboxFile(
                    channel=name,
                    agency=agency,
                    relative_path=relative,
                    location=_file_url(location, path),
                    size_bytes=int(info.get("size") or 0),
                    received_at=_modified(fs, path, info),
                )
            )
    return found


def _file_url(inbox: str, path: str) -> str:
    """The file's URL. An S3 path starts with its bucket; an SFTP path is on the inbox's server,
    reached with the inbox's user, password and port."""
    parts = urlsplit(inbox)
    if parts.scheme == "s3":
        return f"s3://{path.lstrip('/')}"
    return f"{parts.scheme}://{parts.netloc}/{path.lstrip('/')}"


def _modified(fs: Any, path: str, info: dict[str, Any]) -> dt.datetime:
    """When the file landed: the modification time each protocol reports, in UTC."""
    value = info.get("LastModified") or info.get("mtime") or info.get("modified")
    if value is None:
        value = fs.modified(path)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    moment: dt.datetime = value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _agency_for_folder(name: str, reference: Reference) -> str | None:
    """The folder is named after the agency's code; case is forgiven ("Diresa" is DIRESA)."""
    return next((code for code in reference.agency_codes if code.casefold() == name.casefold()), None)


def _ignored(name: str) -> bool:
    return name.startswith(IGNORED_PREFIXES) or name.casefold() in IGNORED_NAMES
