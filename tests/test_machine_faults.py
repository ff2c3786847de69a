"""Faults of the Mesa's own machine are the officer's to fix, not the agencies' news: on a real small
file system (a tmpfs mounted by the test) that fills up, or that turns read-only, `mesa run` stops
with a Spanish message and its own exit code, answers no agency about the files it did not take,
leaves the analysts' copy as it was, sets no file aside however often it is tried, and once the
machine is fixed one run loads every file exactly once."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mesa_tumbes.core.faults import MachineError, machine_fault
from mesa_tumbes.reception.archive import sha256_of
from tests.conftest import EXAMPLES_INBOX
from tests.test_cli import mesa

EXIT_MACHINE = 4
FIRST = ("DIRESA", "MIMP")  # the agencies of the first run; the others come when the disk is full


def test_the_machine_faults_are_told_apart_from_a_files_faults() -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "/datos/mesa/archive/.incoming-x")
    found = machine_fault(full)
    assert found is not None and (found.kind, found.where) == ("disk_full", "/datos/mesa/archive")
    read_only = machine_fault(OSError(errno.EROFS, "Read-only file system", "/datos/mesa/mesa.duckdb.lock"))
    assert read_only is not None and read_only.kind == "not_writable"
    lost = machine_fault(OSError(errno.ESTALE, "Stale file handle"))
    assert lost is not None and lost.kind == "mount_lost"
    try:
        raise RuntimeError("while loading") from duckdb.IOException(
            "Could not write: No space left on device"
        )
    except RuntimeError as error:
        chained = machine_fault(error)
    assert chained is not None and chained.kind == "disk_full"
    fatal = machine_fault(duckdb.FatalException("FATAL Error: database has been invalidated"))
    assert fatal is not None and fatal.kind == "database"
    # a file's own faults are not the machine's
    assert machine_fault(ValueError("could not convert 'doce'")) is None
    assert machine_fault(OSError(errno.ENOENT, "No such file")) is None
    assert machine_fault(duckdb.ConversionException("Could not convert string 'x' to INT32")) is None
    # it crosses processes: what a worker raises arrives whole
    import pickle

    again = pickle.loads(pickle.dumps(MachineError("disk_full", "/datos", "ENOSPC", 12)))
    assert (again.kind, again.where, again.detail, again.needed_mb) == ("disk_full", "/datos", "ENOSPC", 12)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 128 MB file system (tmpfs) for the warehouse, its archive and the feedback (the
    examples' warehouse is some 15 MB: DuckDB gives each table its own blocks)."""
    folder = tmp_path / "disco"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128m", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI runs as root and must be able to mount a tmpfs: {mounted.stderr}")
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def add_agencies(inbox: Path, agencies: list[str]) -> None:
    for agency in agencies:
        shutil.copytree(EXAMPLES_INBOX / agency, inbox / agency)


def run(tmp_path: Path, disk: Path, api: str, **env: str) -> subprocess.CompletedProcess[str]:
    return mesa(
        "run",
        "--inbox",
        str(tmp_path / "inbox"),
        cwd=tmp_path,
        api=api,
        MESA_WAREHOUSE=str(disk / "mesa.duckdb"),
        MESA_FEEDBACK=str(disk / "feedback"),
        **env,
    )


def registered(disk: Path) -> list[tuple[str, str]]:
    """(agency, feedback folder) of every submission in the writer's own file."""
    with duckdb.connect(str(disk / ".mesa-trabajo" / "mesa.duckdb"), read_only=True) as connection:
        rows = connection.execute("select agency, feedback_path from submissions order by 1, 2").fetchall()
    return [(str(a), str(f)) for a, f in rows]


def failures(disk: Path) -> int:
    with duckdb.connect(str(disk / ".mesa-trabajo" / "mesa.duckdb"), read_only=True) as connection:
        row = connection.execute("select count(*) from failures").fetchone()
    return int(row[0]) if row else 0


def feedback_folders(disk: Path) -> set[str]:
    root = disk / "feedback"
    return {
        f"{folder.parent.name}/{folder.name}"
        for folder in root.glob("*/*")
        if folder.is_dir() and not folder.name.startswith(".")
    }


def fill(disk: Path, leave_bytes: int) -> Path:
    """Fill the disk with one file, leaving about `leave_bytes` free."""
    filler = disk / "relleno.bin"
    size = shutil.disk_usage(disk).free - leave_bytes
    with filler.open("wb") as stream:
        for _ in range(size // 2**20):
            stream.write(b"\0" * 2**20)
        stream.write(b"\0" * (size % 2**20))
    return filler


@pytest.mark.e2e
def test_a_disk_that_fills_up_stops_the_run_for_the_officer_and_the_next_run_takes_everything_once(
    prefect_api: str, tmp_path: Path, small_disk: Path
) -> None:
    (tmp_path / "inbox").mkdir()
    add_agencies(tmp_path / "inbox", list(FIRST))
    first = run(tmp_path, small_disk, prefect_api)
    assert first.returncode == 0, first.stderr
    published = sha256_of(small_disk / "mesa.duckdb")
    answered = feedback_folders(small_disk)
    add_agencies(tmp_path / "inbox", [p.name for p in EXAMPLES_INBOX.iterdir() if p.name not in FIRST])

    # Not enough room for the run: said before anything is written, nothing taken.
    filler = fill(small_disk, 4 * 2**20)
    refused = run(tmp_path, small_disk, prefect_api)
    assert refused.returncode == EXIT_MACHINE, refused.stderr
    assert "No hay espacio suficiente en" in refused.stderr and "Libere unos" in refused.stderr
    assert "Nada se perdió" in refused.stderr and "Traceback" not in refused.stderr
    assert feedback_folders(small_disk) == answered

    # The check left out (MESA_SPACE_FACTOR=0) and the disk all but full: the disk fills during
    # the run, three runs in a row. Each stops with the message; no agency hears of the untaken
    # files; the analysts' copy is as it was; no file is set aside.
    filler.unlink()
    filler = fill(small_disk, 256 * 2**10)
    for _ in range(3):
        stopped = run(tmp_path, small_disk, prefect_api, MESA_SPACE_FACTOR="0")
        assert stopped.returncode == EXIT_MACHINE, stopped.stderr[-3000:]
        assert "La ejecución se detuvo por una falla del equipo (código de salida 4)" in stopped.stderr
        assert "Libere unos" in stopped.stderr and "Nada se perdió" in stopped.stderr
        assert "Traceback" not in stopped.stderr, stopped.stderr[:4000]
        assert sha256_of(small_disk / "mesa.duckdb") == published
        # the run's summary is printed all the same, and never says there was nothing new
        assert "Almacén DuckDB" in stopped.stdout and "No hay archivos nuevos" not in stopped.stdout
    assert failures(small_disk) == 0
    assert feedback_folders(small_disk) == {folder for _, folder in registered(small_disk)}
    status = mesa(
        "status", "--json", cwd=tmp_path, MESA_WAREHOUSE=str(small_disk / "mesa.duckdb"), MESA_LANG="es"
    )
    runs = json.loads(status.stdout)["runs"]
    # the run's end is recorded when the full disk leaves room for it (DuckDB's log needs a block),
    # else the run shows as interrupted, never as running; the officer read the message either way
    assert runs[0]["state"] in ("stopped", "interrupted")
    assert runs[0]["state"] == "interrupted" or "Libere unos" in runs[0]["message"]
    assert "free_mb" in json.loads(status.stdout)

    # Space freed: one run takes every file, each exactly once.
    filler.unlink()
    freed = run(tmp_path, small_disk, prefect_api)
    assert freed.returncode == 0, freed.stderr[-3000:]
    files = [p for p in (tmp_path / "inbox").rglob("*") if p.is_file()]
    taken = registered(small_disk)
    assert len(taken) == len(files) == len(set(taken))
    assert feedback_folders(small_disk) == {folder for _, folder in taken}
    assert sha256_of(small_disk / "mesa.duckdb") != published  # published again, with everything


@pytest.mark.e2e
def test_a_warehouse_folder_made_read_only_stops_the_run_and_the_next_one_after_the_fix_takes_all(
    prefect_api: str, tmp_path: Path, small_disk: Path
) -> None:
    (tmp_path / "inbox").mkdir()
    add_agencies(tmp_path / "inbox", list(FIRST))
    first = run(tmp_path, small_disk, prefect_api)
    assert first.returncode == 0, first.stderr
    published = sha256_of(small_disk / "mesa.duckdb")
    answered = feedback_folders(small_disk)
    add_agencies(tmp_path / "inbox", [p.name for p in EXAMPLES_INBOX.iterdir() if p.name not in FIRST])

    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        for _ in range(3):
            stopped = run(tmp_path, small_disk, prefect_api)
            assert stopped.returncode == EXIT_MACHINE, stopped.stderr[-3000:]
            assert "La Mesa no puede escribir en" in stopped.stderr
            assert "Revise los permisos de" in stopped.stderr and "Nada se perdió" in stopped.stderr
            assert sha256_of(small_disk / "mesa.duckdb") == published
            assert feedback_folders(small_disk) == answered
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert failures(small_disk) == 0

    fixed = run(tmp_path, small_disk, prefect_api)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    files = [p for p in (tmp_path / "inbox").rglob("*") if p.is_file()]
    taken = registered(small_disk)
    assert len(taken) == len(files) == len(set(taken))
