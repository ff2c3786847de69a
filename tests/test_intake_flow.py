"""The intake flow end to end: real files in a temporary inbox, the real Prefect flow, a real DuckDB
file; assertions through SQL and on the feedback files an agency would read."""

from __future__ import annotations

import csv
import gc
import json
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect import flow, task
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings
from prefect.task_runners import ProcessPoolTaskRunner

from mesa_tumbes.core.collector import YOUNG_ALLOCATIONS
from mesa_tumbes.core.config import Execution, Review
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.flows.common import one_off_run
from mesa_tumbes.flows.execution import workers
from mesa_tumbes.pipeline import intake
from mesa_tumbes.pipeline.report import RunReport
from mesa_tumbes.reception.archive import archive_path, sha256_of
from mesa_tumbes.warehouse.store import connect
from tests.builders import template_csv, xlsx_bytes

pytestmark = pytest.mark.e2e

# file -> (status, rows read, loaded, rejected, warned): what examples/README.md says of each file.
EXPECTED = {
    "CANCILLERIA/solicitudes_refugio_octubre.csv": ("partially_accepted", 6, 4, 2, 0),
    "DIRESA/diresa_atenciones_2026-10.xlsx": ("accepted", 27, 27, 0, 0),
    "DIRESA/reenvio_diresa_atenciones_2026-10.xlsx": ("duplicate", 0, 0, 0, 0),
    "DRE/informe_matricula_octubre.csv": ("rejected", 0, 0, 0, 0),
    "MIGRACIONES/migraciones_cpp_octubre2026.xlsx": ("accepted_with_warnings", 8, 8, 0, 8),
    "MIMP/mimp_cem_upe_octubre.csv": ("partially_accepted", 8, 6, 2, 0),
    "MTPE/mtpe_colocaciones_2026-10.csv": ("accepted", 4, 4, 0, 0),
    "PNP/pnp_denuncias_2026_10.csv": ("partially_accepted", 8, 5, 3, 0),
    "ACNUR/acnur_5w_octubre_2026.xlsx": ("accepted", 6, 3, 0, 0),
    "GTRM/rmrp_2026_necesidades_y_metas.xlsx": ("accepted", 20, 18, 0, 0),
}
TEMPLATE_FILES = [name for name in EXPECTED if not name.startswith(("ACNUR/", "GTRM/"))]
SAME_INSTANT = 1_793_000_000  # every example file "arrived" at once: order is then by folder and name


def settings_for(tmp_path: Path, inbox: Path, lang: str = "es") -> Settings:
    return resolve_settings(
        inbox=str(inbox),
        warehouse=str(tmp_path / "mesa.duckdb"),
        feedback=str(tmp_path / "feedback"),
        lang=lang,
    )


def run(settings: Settings) -> tuple[bool, RunReport]:
    from mesa_tumbes.flows.intake import run_intake

    return run_intake(settings)


def sql(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as connection:
        return connection.execute(query).fetchall()


def by_file(report: RunReport) -> dict[str, dict[str, Any]]:
    return {entry["file"]: entry for entry in report.as_json()["submissions"]}


@pytest.fixture
def inbox(examples_inbox: Path) -> Path:
    for path in examples_inbox.rglob("*"):
        os.utime(path, (SAME_INSTANT, SAME_INSTANT))
    return examples_inbox


def test_examples_flow_into_the_warehouse_and_back_as_feedback(
    prefect_api: str, tmp_path: Path, inbox: Path
) -> None:
    settings = settings_for(tmp_path, inbox)
    succeeded, report = run(settings)
    assert succeeded
    results = by_file(report)
    assert {
        name: (e["status"], e["rows_read"], e["rows_loaded"], e["rows_rejected"], e["rows_warned"])
        for name, e in results.items()
    } == EXPECTED

    # The warehouse holds exactly the loaded rows, as current values; a 5W row loads as its total,
    # population types and age-sex groups (12 values), an RMRP row as one value per measured column.
    loaded = sum(EXPECTED[name][2] for name in TEMPLATE_FILES)
    assert sql(settings, "select count(*) from indicator_values where agency <> 'ACNUR'") == [(loaded,)]
    assert sql(settings, "select count(*) from indicator_values where agency = 'ACNUR'") == [(3 * 12,)]
    assert sql(settings, "select sum(rows_loaded) from submissions") == [
        (sum(e[2] for e in EXPECTED.values()),)
    ]
    assert sql(
        settings,
        "select value from need_values where year = '2026' and sector = 'Health'"
        " and measure = 'people_in_need' and population_type = 'total' and r4v_group is null",
    ) == [(7870.0,)]
    assert sql(
        settings,
        "select value from indicator_values where agency = 'DIRESA' and indicator = 'SAL-01'"
        " and district = '240101' and sex = 'F' and age_group = '18-59'"
        " and population_type = 'in_destination'",
    ) == [(184.0,)]
    # Names became INEI codes; RENIEC-coded, misspelt and negative rows were not loaded.
    assert sql(
        settings, "select distinct district from indicator_values where agency = 'MIMP' order by 1"
    ) == [
        ("240101",),
        ("240106",),
        ("240301",),
        ("240302",),
    ]
    assert sql(
        settings, "select count(*) from indicator_values where district not like '24%' or value < 0"
    ) == [(0,)]
    assert sql(
        settings, "select count(*) from indicator_values where agency = 'PNP' and district = '240302'"
    ) == [(0,)]
    # CANCILLERIA's row that claimed to be ACNUR's did not load.
    assert sql(
        settings, "select count(*) from indicator_values where indicator = 'DOC-01' and agency = 'ACNUR'"
    ) == [(0,)]

    # The registry has one row per file; the duplicate points to the original.
    registry = {
        row[0]: row[1:]
        for row in sql(settings, "select file_name, status, duplicate_of, sha256 from submissions")
    }
    assert len(registry) == len(EXPECTED)
    original_id = results["DIRESA/diresa_atenciones_2026-10.xlsx"]["submission_id"]
    assert registry["reenvio_diresa_atenciones_2026-10.xlsx"][1] == original_id

    # Every file's bytes are archived, untouched.
    for name, entry in results.items():
        assert archive_path(settings.archive, entry["sha256"]).read_bytes() == (inbox / name).read_bytes()

    # Each agency's feedback lives in its own folder and mentions only its own file.
    for name, entry in results.items():
        folder = Path(entry["feedback"])
        agency = name.split("/")[0]
        assert folder.parent == settings.feedback / agency
        written = {p.name for p in folder.iterdir()}
        assert {"resumen.html", "problemas.csv", "resumen.json"} <= written
        # A file that could be read, with a cell to mark, also comes back annotated; Great
        # Expectations' own results stay with the officer (no page of theirs goes to an agency).
        readable = entry["format"] is not None
        answered = json.loads((folder / "resumen.json").read_text(encoding="utf-8"))
        to_mark = readable and any(p["row_number"] is not None for p in answered["problems"])
        assert ("planilla_revisada.xlsx" in written) == to_mark, (name, written)
        assert not any(name.endswith(".html") and name != "resumen.html" for name in written)
        kept = settings.validations / agency / f"{entry['submission_id']}.json"
        assert kept.exists() == (readable and entry["status"] != "duplicate"), name
        summary = json.loads((folder / "resumen.json").read_text(encoding="utf-8"))
        assert (summary["agency"], summary["file"], summary["status"]) == (
            agency,
            name.split("/", 1)[1],
            entry["status"],
        )
        others = [other.split("/", 1)[1] for other in EXPECTED if not other.startswith(f"{agency}/")]
        html = (folder / "resumen.html").read_text(encoding="utf-8")
        assert not any(other in html for other in others)

    pnp = problems(results["PNP/pnp_denuncias_2026_10.csv"])
    assert [(p["fila"], p["regla"], p["valor"], p["valor_sugerido"]) for p in pnp] == [
        ("4", "domain.district_reniec_code", "230304", "240302"),
        ("7", "domain.district_reniec_code", "230304", "240302"),
        ("8", "domain.indicator_in_catalogue", "TRA-1", "TRA-01"),
    ]
    dre = problems(results["DRE/informe_matricula_octubre.csv"])
    assert [p["regla"] for p in dre] == ["structure.header_not_found"]
    assert "Rechazado" in (
        Path(results["DRE/informe_matricula_octubre.csv"]["feedback"]) / "resumen.html"
    ).read_text(encoding="utf-8")

    # The run rebuilt the gap tables: from the files in the inbox to a number in each.
    marts = {
        # DIRESA's SAL-01 cells (838) and UNHCR's 5W primary care (52 reached in October, R4V's
        # Total_monthly; 41 of them new this year) against the RMRP 2026 need.
        "gap_coverage": "select people_reached, people_in_need, coverage_pct from gap_coverage"
        " where sector = 'Health' and area_code = '24' and period = '2026-10' and group_code = 'total'",
        "gap_target": "select target_people from gap_target where sector = 'Health' and group_code = 'total'",
        # PNP's GBV complaints (14 + 4) against MIMP's survivors attended (9 + 3) in Tumbes.
        "gap_referral": "select people_identified, people_attended, attended_pct from gap_referral"
        " where identified_indicator = 'VBG-01' and area_code = '240101' and period = '2026-10'",
        # Canoas de Punta Sal: need in Health; no agency reported a health service there or in its province.
        "gap_territorial": "select is_service_desert from gap_territorial"
        " where district = '240203' and sector = 'Health' and period = '2026-10'",
        "gap_equity": "select share_of_reached_pct from gap_equity where sector = 'Health'"
        " and area_code = '24' and period = '2026-10' and group_code = 'in_destination'",
        # The example files "arrived" on 26 October, before the 10 November deadline.
        "gap_reporting": "select status from gap_reporting where agency = 'DIRESA' and indicator = 'SAL-01'"
        " and period = '2026-10'",
    }
    assert {name: sql(settings, query) for name, query in marts.items()} == {
        "gap_coverage": [(890.0, 7870.0, 11.3)],
        "gap_target": [(5509.0,)],
        "gap_referral": [(18.0, 12.0, 66.7)],
        "gap_territorial": [(True,)],
        "gap_equity": [(100.0,)],
        "gap_reporting": [("valid_on_time",)],
    }

    # Running again loads nothing twice.
    succeeded, again = run(settings)
    assert succeeded and again.as_json()["submissions"] == [] and again.skipped == len(EXPECTED)
    assert sql(settings, "select count(*) from indicator_values") == [(loaded + 36,)]
    assert sql(settings, "select count(*) from observations") == [(loaded + 36,)]
    assert sql(settings, "select count(*) from submissions") == [(len(EXPECTED),)]


def problems(entry: dict[str, Any]) -> list[dict[str, str]]:
    with (Path(entry["feedback"]) / "problemas.csv").open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_a_corrected_file_replaces_the_period_and_history_keeps_both(
    prefect_api: str, tmp_path: Path, inbox: Path
) -> None:
    # corrections replace approved figures on arrival (`all`); under the default rule they wait for
    # the officer (tests/test_review.py)
    settings = replace(settings_for(tmp_path, inbox), review=Review("all"))
    run(settings)
    corrected = inbox / "MIMP" / "mimp_cem_upe_octubre_corregido.csv"
    corrected.write_bytes(
        template_csv(
            ["MIMP", "2026-10", "240101", "VBG-02", "F", "18-59", "", "9"],
            ["MIMP", "2026-10", "240302", "VBG-02", "F", "18-59", "", "4"],
            ["MIMP", "2026-10", "240101", "PRO-01", "M", "6-11", "", "2"],
        )
    )
    os.utime(corrected, (SAME_INSTANT + 3600, SAME_INSTANT + 3600))
    succeeded, report = run(settings)
    assert succeeded
    (entry,) = report.as_json()["submissions"]
    assert (entry["file"], entry["status"], entry["rows_loaded"]) == (
        "MIMP/mimp_cem_upe_octubre_corregido.csv",
        "accepted_with_warnings",  # it does not restate every figure of the file it replaces
        3,
    )
    (warning,) = problems(entry)
    assert (warning["regla"], warning["valor"]) == (
        "consistency.revision_drops_values",
        "mimp_cem_upe_octubre.csv",
    )
    assert sql(
        settings, "select count(*), min(submission_id) from indicator_values where agency = 'MIMP'"
    ) == [(3, entry["submission_id"])]
    assert sql(
        settings, "select count(distinct submission_id), count(*) from observations where agency = 'MIMP'"
    ) == [(2, 9)]


def test_bad_files_are_rejected_with_feedback_and_the_run_goes_on(prefect_api: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    files = {
        "DIRESA/vacio.csv": b"",
        "DIRESA/danado.xlsx": xlsx_bytes(("H", [["periodo"]]))[:200],
        "DIRESA/foto.jpg": b"\xff\xd8\xff\xe0 JFIF",
        "DIRESA/binario.csv": b"\x00\x01\x02\x03" * 50,
        "DIRESA/bueno.csv": template_csv(["DIRESA", "2026-10", "240101", "SAL-01", "F", "", "", "5"]),
        "MUNICIPALIDAD/reporte.csv": template_csv(["", "2026-10", "240101", "SAL-01", "F", "", "", "5"]),
        "suelto.csv": b"periodo,valor\n",
    }
    for name, content in files.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(content)
    settings = settings_for(tmp_path, inbox)
    succeeded, report = run(settings)
    assert succeeded
    statuses = {name: entry["status"] for name, entry in by_file(report).items()}
    assert statuses == {
        "DIRESA/vacio.csv": "rejected",
        "DIRESA/danado.xlsx": "rejected",
        "DIRESA/foto.jpg": "rejected",
        "DIRESA/binario.csv": "rejected",
        "DIRESA/bueno.csv": "accepted",
        "MUNICIPALIDAD/reporte.csv": "rejected",
    }
    rules = {name: [p["regla"] for p in problems(entry)] for name, entry in by_file(report).items()}
    assert rules["DIRESA/vacio.csv"] == ["structure.empty_file"]
    assert rules["DIRESA/danado.xlsx"] == ["structure.unreadable_file"]
    assert rules["DIRESA/foto.jpg"] == ["structure.unsupported_format"]
    assert rules["DIRESA/binario.csv"] == ["structure.unreadable_file"]
    assert rules["MUNICIPALIDAD/reporte.csv"] == ["structure.unknown_channel"]
    # Nothing is lost: even rejected files are archived, and the stray file stays in the inbox.
    for name in statuses:
        assert archive_path(settings.archive, sha256_of(inbox / name)).exists()
    assert (inbox / "suelto.csv").exists()


def test_a_file_the_pipeline_fails_on_gets_an_answer_is_retried_a_few_times_then_set_aside(
    prefect_api: str, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real fault (the feedback writer raises on one agency's file): that file still ends with a
    status and Spanish feedback, the others load, it is not retried forever, and the officer sees it."""
    from mesa_tumbes.agency_feedback import answer as feedback

    real_writer = feedback.write_feedback
    pnp = "PNP/pnp_denuncias_2026_10.csv"

    def writer_with_a_bug(outcome: Any, *args: Any, **kwargs: Any) -> Any:
        if outcome.received.agency == "PNP":
            raise RuntimeError("injected bug in the feedback writer")
        return real_writer(outcome, *args, **kwargs)

    monkeypatch.setattr(feedback, "write_feedback", writer_with_a_bug)
    settings = settings_for(tmp_path, inbox)
    statuses = []
    for attempt in (1, 2, 3):
        succeeded, report = run(settings)
        assert not succeeded and report.failed == [pnp]
        entry = by_file(report)[pnp]
        statuses.append(entry["status"])
        answer = json.loads((Path(entry["feedback"]) / "resumen.json").read_text(encoding="utf-8"))
        assert (answer["status"], answer["attempts"]) == (entry["status"], attempt)
        page = (Path(entry["feedback"]) / "resumen.html").read_text(encoding="utf-8")
        assert "Su archivo no pudo procesarse todavía" in page and "No necesita reenviarlo" in page
        assert "RuntimeError" not in page  # the technical error is for the officer only
        if attempt == 1:  # every other file went on and loaded
            assert {name for name, e in by_file(report).items() if e["status"] != "failed"} == set(
                EXPECTED
            ) - {pnp}
    assert statuses == ["failed", "failed", "set_aside"]
    assert sql(settings, "select attempts, set_aside, step from failures") == [(3, True, "feedback")]
    assert sql(settings, "select count(*) from submissions where agency = 'PNP'") == [(0,)]

    succeeded, report = run(settings)  # set aside: not taken again, and the run is not a failure
    assert succeeded and report.as_json()["submissions"] == [] and report.set_aside == [pnp]

    status = mesa_cli("status", "--warehouse", str(settings.warehouse), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert f"{pnp}: apartado; 3 intentos" in status.stdout
    assert "RuntimeError: injected bug in the feedback writer" in status.stdout

    monkeypatch.setattr(feedback, "write_feedback", real_writer)  # the fix is deployed
    retried = mesa_cli("retry", "--all", "--warehouse", str(settings.warehouse), cwd=tmp_path)
    assert retried.returncode == 0, retried.stderr
    succeeded, report = run(settings)
    assert succeeded
    assert [(e["file"], e["status"]) for e in report.as_json()["submissions"]] == [
        (pnp, "partially_accepted")
    ]
    assert sql(settings, "select count(*) from failures") == [(0,)]
    answer = json.loads(
        (Path(report.as_json()["submissions"][0]["feedback"]) / "resumen.json").read_text("utf-8")
    )
    assert answer["status"] == "partially_accepted"  # the agency's answer is now the real one


def mesa_cli(*args: str, cwd: Path) -> Any:
    import subprocess
    import sys

    env = {**os.environ, "MESA_LANG": "es"}
    return subprocess.run(
        [sys.executable, "-m", "mesa_tumbes", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_feedback_in_english_by_setting(prefect_api: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "inbox" / "PNP", inbox / "PNP")
    settings = settings_for(tmp_path, inbox, lang="en")
    _, report = run(settings)
    (entry,) = report.as_json()["submissions"]
    folder = Path(entry["feedback"])
    assert {p.name for p in folder.iterdir()} == {
        "summary.html",
        "problems.csv",
        "summary.json",
        "annotated_spreadsheet.xlsx",
    }
    assert "RENIEC code" in (folder / "problems.csv").read_text(encoding="utf-8-sig")


def test_command_line_runs_without_a_server_send_no_heartbeats() -> None:
    """Prefect makes a flow wait up to a second at its end for its heartbeat thread; a run whose
    Prefect server dies with the process has no one to read heartbeats, so it sends none."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    from mesa_tumbes.flows.common import one_off_run

    with temporary_settings(updates={PREFECT_API_URL: None}), one_off_run():
        assert get_current_settings().flows.heartbeat_frequency is None
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}), one_off_run():
        assert get_current_settings().flows.heartbeat_frequency is not None  # a served run keeps them


@task
def prefect_address() -> str | None:
    """The Prefect server a worker process reports to."""
    return get_current_settings().api.url


@flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
def ask_a_worker() -> str | None:
    address: str | None = prefect_address.submit().result()
    return address


def test_a_runs_worker_processes_report_to_its_own_server() -> None:
    """A run from the terminal starts one temporary Prefect server, and its worker processes use it
    (left alone, each started a server of its own: seconds each, on the cores doing the work)."""
    with temporary_settings(restore_defaults={PREFECT_API_URL}):  # the officer's terminal: no server
        assert get_current_settings().api.url is None
        with one_off_run():
            started = get_current_settings().api.url
            assert started is not None and started.startswith("http://127.0.0.1:")
            assert ask_a_worker() == started


@task
def collector_threshold() -> tuple[int, ...]:
    return tuple(gc.get_threshold())


@flow
def thresholds_during_a_run() -> tuple[tuple[int, ...], tuple[int, ...]]:
    with workers(Execution(runner="processes", workers=1), 0) as runner:
        in_worker: tuple[int, ...] = runner.submit(collector_threshold, {}).result()
        return tuple(gc.get_threshold()), in_worker


def test_a_runs_processes_collect_garbage_less_often(prefect_api: str) -> None:
    """For a run's length the writer and its worker processes collect the youngest generation less
    often (core/collector.py); the writer collects as before once the run is over."""
    before = gc.get_threshold()
    assert before[0] != YOUNG_ALLOCATIONS
    writer, worker = thresholds_during_a_run()
    assert writer[0] == worker[0] == YOUNG_ALLOCATIONS and writer[1:] == worker[1:] == before[1:]
    assert gc.get_threshold() == before


def test_a_run_in_many_batches_answers_as_in_one(
    prefect_api: str, tmp_path: Path, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file its own batch: the workers read a batch while the one before it is validated and
    loaded, and a later batch's file with the bytes of an earlier one is still found a duplicate."""
    monkeypatch.setattr(intake, "BATCH_BYTES", 1)
    settings = settings_for(tmp_path, inbox)
    succeeded, report = run(settings)
    assert succeeded
    assert {
        name: (e["status"], e["rows_read"], e["rows_loaded"], e["rows_rejected"], e["rows_warned"])
        for name, e in by_file(report).items()
    } == EXPECTED
    assert sql(settings, "select sum(rows_loaded), count(*) from submissions") == [
        (sum(e[2] for e in EXPECTED.values()), len(EXPECTED))
    ]


def test_what_a_command_line_run_needs_is_prepared_while_its_server_starts() -> None:
    """`mesa run` waits seconds for its temporary Prefect server and seconds more to build the
    validation suites: the suites are built while the server starts, and the run begins once both are
    done; a served run (a server already there) prepares nothing ahead."""
    seen: list[tuple[bool, str | None]] = []

    def meanwhile() -> None:
        starting = any(thread.name.startswith("prefect-server") for thread in threading.enumerate())
        seen.append((starting, get_current_settings().api.url))

    with temporary_settings(updates={PREFECT_API_URL: None}), one_off_run(meanwhile):
        address = get_current_settings().api.url
        assert address is not None and httpx.get(f"{address}/health", timeout=10).status_code == 200
    assert seen == [(True, None)]  # once, while the server was starting and not yet the run's
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}), one_off_run(meanwhile):
        pass
    assert len(seen) == 1
