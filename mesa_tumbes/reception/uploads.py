"""A file an agency sends from its own page: refused with the reason when it is empty, too large, not a
table or named with a path; else archived by its hash before anything reads it and placed in the
upload spool, <AGENCY>/<name as sent>, where the next run takes it as it takes any inbox's files."""

from __future__ import annotations

import io
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mesa_tumbes.core.contract import TABLE_SUFFIXES
from mesa_tumbes.reception.archive import archive_stream


class UploadRefusedError(ValueError):
    """Why an upload was not taken: `key` in the locales (console.agency.upload_refused.<key>)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Delivered:
    path: Path  # in the spool, for the intake
    sha256: str
    size_bytes: int


def checked_name(name: str) -> str:
    """The file's name as sent, when it is only a name (no folder, no hidden file, no control
    character) of a table the intake reads."""
    cleaned = name.strip()
    if (
        not cleaned
        or cleaned in {".", ".."}
        or cleaned.startswith(".")
        or any(mark in cleaned for mark in ("/", "\\", "\0"))
        or any(unicodedata.category(c) == "Cc" for c in cleaned)
        or len(cleaned) > 200
    ):
        raise UploadRefusedError("name")
    suffix = Path(cleaned).suffix.lower()
    if not suffix or suffix not in TABLE_SUFFIXES:
        raise UploadRefusedError("type")
    return cleaned


def deliver(spool: Path, archive: Path, agency: str, name: str, content: bytes, max_bytes: int) -> Delivered:
    """Archive the upload, then place it in the agency's folder of the spool (written whole or not
    at all; a name already waiting there gets a number, never overwritten)."""
    cleaned = checked_name(name)
    if not content:
        raise UploadRefusedError("empty")
    if len(content) > max_bytes:
        raise UploadRefusedError("too_large")
    archived = archive_stream(io.BytesIO(content), archive)
    folder = spool / agency
    folder.mkdir(parents=True, exist_ok=True)
    target = _free(folder / cleaned)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".subiendo-", delete=False) as stream:
        stream.write(content)
        temporary = Path(stream.name)
    temporary.replace(target)
    return Delivered(target, archived.sha256, len(content))


def _free(path: Path) -> Path:
    if not path.exists():
        return path
    for number in range(2, 1000):
        candidate = path.with_name(f"{path.stem} ({number}){path.suffix}")
        if not candidate.exists():
            return candidate
    raise UploadRefusedError("busy")
