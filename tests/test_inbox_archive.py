"""Finding files in the inbox and archiving their bytes before anything else."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.reception.archive import archive_file, archive_path, sha256_of
from mesa_tumbes.reception.inbox import discover


def touch(path: Path, content: bytes = b"x", mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_files_are_found_per_agency_folder_oldest_first(tmp_path: Path, reference: Reference) -> None:
    touch(tmp_path / "DIRESA" / "b.csv", mtime=2_000_000_000)
    touch(tmp_path / "DIRESA" / "sub" / "a.xlsx", mtime=1_900_000_000)
    touch(tmp_path / "pnp" / "c.csv", mtime=1_950_000_000)
    found = discover(tmp_path, reference)
    assert [(f.channel, f.agency, f.relative_path) for f in found] == [
        ("DIRESA", "DIRESA", "sub/a.xlsx"),
        ("pnp", "PNP", "c.csv"),
        ("DIRESA", "DIRESA", "b.csv"),
    ]


def test_unknown_folders_are_kept_with_no_agency(tmp_path: Path, reference: Reference) -> None:
    touch(tmp_path / "MUNICIPALIDAD" / "x.csv")
    (found,) = discover(tmp_path, reference)
    assert (found.channel, found.agency) == ("MUNICIPALIDAD", None)


def test_stray_files_links_and_office_leftovers_are_not_submissions(
    tmp_path: Path, reference: Reference, caplog: pytest.LogCaptureFixture
) -> None:
    outside = touch(tmp_path.parent / f"{tmp_path.name}-outside" / "secret.csv")
    inbox = tmp_path / "inbox"
    touch(inbox / "loose.csv")
    touch(inbox / "DIRESA" / "~$reporte.xlsx")
    touch(inbox / "DIRESA" / ".DS_Store")
    touch(inbox / "DIRESA" / "real.csv")
    (inbox / "DIRESA" / "link.csv").symlink_to(outside)
    (inbox / "PNP").symlink_to(outside.parent, target_is_directory=True)
    with caplog.at_level(logging.WARNING):
        found = discover(inbox, reference)
    assert [f.relative_path for f in found] == ["real.csv"]
    assert "loose.csv" in caplog.text and "link.csv" in caplog.text and "PNP" in caplog.text
    # the officer reads why, in the Mesa's language (Spanish unless set otherwise)
    stray = "loose.csv: no se toma; los archivos deben estar dentro de la carpeta de una institución"
    assert stray in caplog.text
    assert "link.csv: no se toma; solo se leen archivos comunes" in caplog.text
    assert "PNP: no se toma; en la bandeja de entrada no se siguen enlaces" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        discover(inbox, reference, "en")
    assert "loose.csv: not taken; files must be inside an agency's folder" in caplog.text


def test_archive_is_content_addressed_read_only_and_written_once(tmp_path: Path) -> None:
    source = touch(tmp_path / "inbox" / "a.csv", b"periodo,valor\n")
    first = archive_file(source, tmp_path / "archive")
    assert first.path == archive_path(tmp_path / "archive", sha256_of(source))
    assert first.path.read_bytes() == b"periodo,valor\n"
    assert not os.access(first.path, os.W_OK) or os.geteuid() == 0
    assert first.path.stat().st_mode & 0o222 == 0
    again = archive_file(touch(tmp_path / "inbox" / "copy.csv", b"periodo,valor\n"), tmp_path / "archive")
    assert again == first
    assert [p.name for p in (tmp_path / "archive").rglob("*") if p.is_file()] == [first.sha256]


def test_archived_copy_survives_the_inbox_file(tmp_path: Path) -> None:
    source = touch(tmp_path / "a.csv", b"original")
    archived = archive_file(source, tmp_path / "archive")
    source.write_bytes(b"overwritten by the agency")
    assert archived.path.read_bytes() == b"original"
