"""The raw archive: every received file's bytes, kept untouched and addressed by their SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ArchivedFile:
    sha256: str
    path: Path  # the archived copy: what the pipeline reads, never the inbox file itself
    size_bytes: int


def archive_path(archive_dir: Path, sha256: str) -> Path:
    return archive_dir / sha256[:2] / sha256


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def archive_file(source: Path, archive_dir: Path) -> ArchivedFile:
    """Copy a local file into the archive (see `archive_stream`)."""
    with source.open("rb") as stream:
        return archive_stream(stream, archive_dir)


def archive_stream(stream: IO[bytes], archive_dir: Path) -> ArchivedFile:
    """Copy the bytes of `stream` into the archive, read once, unless they are there already; the
    copy is read-only.

    The copy is hashed as it is written, so the archive key always matches the archived bytes even
    if the inbox file changes while it is copied; a remote file is downloaded once.
    """
    archive_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=archive_dir, prefix=".incoming-", delete=False) as copy:
        try:
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
                copy.write(chunk)
            copy.flush()
            os.fsync(copy.fileno())
        except BaseException:
            Path(copy.name).unlink(missing_ok=True)
            raise
    written = Path(copy.name)
    target = archive_path(archive_dir, digest.hexdigest())
    if target.exists():
        written.unlink()
        return ArchivedFile(target.name, target, target.stat().st_size)
    target.parent.mkdir(parents=True, exist_ok=True)
    written.chmod(0o444)
    written.replace(target)
    return ArchivedFile(target.name, target, target.stat().st_size)
