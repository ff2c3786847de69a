"""What the benchmark runs: the pipeline, its floor, the peers, the incremental cost and cold start."""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from bench.generate import FileSpec, Row, Scale, history_rows, month, write_inbox
from bench.measure import Timer
from bench.peers import PEERS, Rules
from mesa_tumbes.core.contract import LOADED_COLUMNS
from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.build import build
from tests.builders import accepted_record

MESA = Path(sys.executable).with_name("mesa")
HELP_RUNS = 5


def settings_for(folder: Path, inbox: Path) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    return resolve_settings(
        inbox=str(inbox),
        warehouse=str(folder / "mesa.duckdb"),
        feedback=str(folder / "feedback"),
        environ={"MESA_OUTBOX": str(folder / "outbox"), "MESA_BULLETINS": str(folder / "boletin")},
    )


def pipeline(folder: Path, inbox: Path) -> dict[str, Any]:
    """The intake flow, as a scheduled run does it: archive, validate, feedback, load, marts."""
    from mesa_tumbes.flows.intake import run_intake
    from mesa_tumbes.formats.submission import suite_runner

    runner = suite_runner()
    before = runner.validating_seconds
    succeeded, report = run_intake(settings_for(folder, inbox))
    submissions = report.submissions
    return {
        "succeeded": succeeded,
        "gx_seconds": runner.validating_seconds - before,
        "files": len(submissions),
        "rows_read": sum(s.rows_read for s in submissions),
        "rows_loaded": sum(s.rows_loaded for s in submissions),
        "rows_rejected": sum(s.rows_rejected for s in submissions),
        "rows_warned": sum(s.rows_warned for s in submissions),
        "failed": report.failed,
    }


def empty_run(folder: Path) -> None:
    (folder / "inbox").mkdir(parents=True, exist_ok=True)
    pipeline(folder, folder / "inbox")


def cold_start(work: Path) -> dict[str, float]:
    """`mesa --help` (median of five new processes) and `mesa run` over an empty inbox (a new process,
    Prefect's temporary server included: what the officer waits for)."""
    helps = []
    for _ in range(HELP_RUNS):
        with Timer() as timer:
            subprocess.run([str(MESA), "--help"], check=True, capture_output=True)
        helps.append(timer.seconds)
    folder = work / "cold"
    (folder / "inbox").mkdir(parents=True)
    with Timer() as empty:
        subprocess.run([str(MESA), "run", "--inbox", "inbox"], cwd=folder, check=True, capture_output=True)
    return {"help_seconds": statistics.median(helps), "empty_run_seconds": empty.seconds}


def nothing_new(folder: Path, inbox: Path) -> float:
    """`mesa run` in a new process over an inbox whose every file the warehouse already holds (the
    pipeline's): the median of five, what a scheduler's run costs on most days."""
    command = [str(MESA), "run", "--inbox", str(inbox), "--warehouse", str(folder / "mesa.duckdb")]
    command += ["--feedback", str(folder / "feedback")]
    seconds = []
    for _ in range(HELP_RUNS):
        with Timer() as timer:
            subprocess.run(command, cwd=folder, check=True, capture_output=True)
        seconds.append(timer.seconds)
    return statistics.median(seconds)


def nothing_new_with_sources(folder: Path) -> float:
    """`mesa run` in a new process with nothing new in its inbox and both partner sources configured
    (ActivityInfo and KoboToolbox, served on loopback as their APIs answer): each is asked cheaply
    whether anything changed, and nothing starts Prefect. The median of five, after a first run that
    pulled them."""
    import os

    from tests.partner_servers import (
        ActivityInfoHandler,
        KoboHandler,
        PartnerApi,
        five_w,
        kobo_submission,
        serving,
    )

    token = "bench-token"
    (folder / "inbox").mkdir(parents=True)
    activityinfo = PartnerApi(token, "cform5w", [five_w(f"r{n}", 1000.0 + n, 10 + n) for n in range(20)])
    kobo = PartnerApi(token, "aMesaKobo", [kobo_submission(n, "240101", str(n)) for n in range(1, 21)])
    with serving(activityinfo, ActivityInfoHandler), serving(kobo, KoboHandler):
        shipped = (Path(__file__).parents[1] / "config" / "operations.yaml").read_text(encoding="utf-8")
        operations = folder / "operations.yaml"
        operations.write_text(
            shipped.replace("sources: {}\n", "")
            + "\nsources:\n"
            + f"  r4v_5w: {{kind: activityinfo, url: '{activityinfo.url}', form: {activityinfo.form}}}\n"
            + f"  kobo_mesa: {{kind: kobo, url: '{kobo.url}', form: {kobo.form}}}\n",
            encoding="utf-8",
        )
        environ = {
            **os.environ,
            "MESA_OPERATIONS": str(operations),
            "MESA_ACTIVITYINFO_TOKEN": token,
            "MESA_KOBO_TOKEN": token,
        }
        command = [str(MESA), "run", "--inbox", "inbox"]
        subprocess.run(command, cwd=folder, env=environ, check=True, capture_output=True)
        seconds = []
        for _ in range(HELP_RUNS):
            with Timer() as timer:
                subprocess.run(command, cwd=folder, env=environ, check=True, capture_output=True)
            seconds.append(timer.seconds)
    return statistics.median(seconds)


def floor(database: Path, files: list[Path], specs: list[FileSpec]) -> int:
    """The bare floor: every file into one DuckDB table with no validation. CSV through read_csv
    (DuckDB sniffs the dialect; it is told the encoding, which it cannot detect), workbooks through
    python-calamine, the fastest reader the pipeline has (DuckDB cannot read them here: no extensions)."""
    import duckdb
    from python_calamine import CalamineWorkbook

    database.unlink(missing_ok=True)
    columns = ", ".join(f"column{n} varchar" for n in range(8))
    with duckdb.connect(str(database)) as connection:
        connection.execute(f"create table floor ({columns})")
        for path, spec in zip(files, specs, strict=True):
            if spec.layout == "xlsx_titles":
                rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[4:]
                connection.append("floor", pd.DataFrame(rows).astype(str))
                continue
            encoding = "latin-1" if spec.layout == "csv_excel_es" else "utf-8"
            connection.execute(
                "insert into floor select * from read_csv(?, header = true, all_varchar = true, "
                "encoding = ?)",
                [str(path), encoding],
            )
        (count,) = connection.execute("select count(*) from floor").fetchone() or (0,)
    return int(count)


def peers(files: list[Path]) -> Iterator[tuple[str, float, int]]:
    rules = Rules.from_reference()
    for name, validate in PEERS.items():
        with Timer() as timer:
            invalid = validate(files, rules)
        yield name, timer.seconds, invalid


def incremental(folder: Path, months: int, scale: Scale, files: int = 5) -> dict[str, Any]:
    """One new file (an agency's next month) when the warehouse holds `months` months of every
    agency's files (loaded through the real loader, then the marts built): the whole run, whose build
    recomputes the new slice only, as the median of `files` runs of one file each; and for comparison
    a full rebuild of the marts."""
    settings = settings_for(folder, folder / "inbox")
    store.migrate(settings.working)
    first = "2021-01"
    for number, (period, rows) in enumerate(history_rows(months, scale, first)):
        seed(settings.working, number, period, rows)
    build(settings.working, load_reference())
    new = Scale(
        files=files, rows_per_file=scale.rows_per_file, first_month=month(first, months), seed=scale.seed
    )
    inventory, _ = write_inbox(folder / "incoming", new)
    runs = []
    for path in inventory.files:
        arrived = folder / "inbox" / path.relative_to(folder / "incoming")
        arrived.parent.mkdir(parents=True, exist_ok=True)
        path.rename(arrived)
        with Timer() as run:
            outcome = pipeline(folder, folder / "inbox")
        assert outcome["rows_read"] == scale.rows_per_file and not outcome["failed"], outcome
        runs.append(run.seconds)
    with Timer() as marts:
        build(settings.working, load_reference(), full=True)
    with store.connect(settings.working, read_only=True) as connection:
        (held,) = connection.execute("select count(*) from observations").fetchone() or (0,)
    return {
        "run_seconds": statistics.median(runs),
        "runs_seconds": runs,
        "full_rebuild_seconds": marts.seconds,
        "rows_held": int(held),
        "bulletin_seconds": bulletin(settings),
    }


def bulletin(settings: Settings) -> float:
    """The Mesa's bulletin of the last month held (HTML, PDF, workbook), from the published copy."""
    from mesa_tumbes.publication.bulletin import available_periods, gather
    from mesa_tumbes.publication.bulletin_render import write_bulletin

    _, period = available_periods(settings.warehouse)
    with Timer() as timer:
        written = gather(settings.warehouse, load_reference(), period, "es", settings.suppression_threshold)
        write_bulletin(written, settings.bulletins)
    return timer.seconds


def seed(warehouse: Path, number: int, period: str, rows: list[Row]) -> None:
    """A month of one agency's history, through the real loader (registered, claimed, current)."""
    reference = load_reference()
    agency = rows[0].agency
    frame = pd.DataFrame(
        [
            [n, r.agency, r.period, r.district, r.indicator, r.sex, r.age_group, r.population_type,
             "district", reference.r4v_groups.get((r.sex, r.age_group)), r.value]
            for n, r in enumerate(rows, start=2)
        ],
        columns=LOADED_COLUMNS,
    )  # fmt: skip
    received = dt.datetime.fromisoformat(f"{period}-01T12:00:00+00:00") + dt.timedelta(days=40)
    submission = f"history{number:06d}"
    record = accepted_record(submission, agency, len(frame), received, f"{agency.lower()}_{period}.csv")
    coverage = frame.groupby(["period", "indicator"]).size().rename("rows_read").reset_index()
    coverage["rows_loaded"] = coverage["rows_read"]
    store.load_submission(warehouse, record, frame, coverage)
