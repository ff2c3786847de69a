"""The `mesa` command as people and schedulers call it: a real subprocess."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY_MODULES = ("prefect", "great_expectations", "pandas", "duckdb", "openpyxl")
REPORTED_FIELDS = {"file", "agency", "sha256", "status", "feedback"} | {
    f"rows_{count}" for count in ("read", "loaded", "rejected", "warned")
}


def mesa(*args: str, cwd: Path, api: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    if api:
        environment["PREFECT_API_URL"] = api
    return subprocess.run(
        [sys.executable, "-m", "mesa_tumbes", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys, mesa_tumbes.cli.main; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_MODULES!r}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    help_text = mesa("--help", cwd=ROOT)
    assert help_text.returncode == 0 and "run" in help_text.stdout and "sql" in help_text.stdout


def test_a_missing_inbox_is_a_clear_usage_error_in_spanish(tmp_path: Path) -> None:
    result = mesa("run", "--inbox", "no-existe", cwd=tmp_path)
    assert result.returncode == 2
    assert "La carpeta de entrada" in result.stderr and "no existe" in result.stderr
    english = mesa("run", "--inbox", "missing", cwd=tmp_path, MESA_LANG="en")
    assert english.returncode == 2 and "does not exist" in english.stderr


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    result = mesa("run", cwd=tmp_path, MESA_LANG="fr")
    assert result.returncode == 2 and "fr" in result.stderr


@pytest.mark.e2e
def test_run_json_reports_every_file_and_a_rerun_loads_nothing(
    prefect_api: str, tmp_path: Path, examples_inbox: Path
) -> None:
    first = mesa("run", "--inbox", str(examples_inbox), "--json", cwd=tmp_path, api=prefect_api)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)  # stdout is exactly one JSON object
    assert set(report) == {"submissions"}
    files = sorted(
        str(path.relative_to(examples_inbox)) for path in examples_inbox.rglob("*") if path.is_file()
    )
    assert sorted(entry["file"] for entry in report["submissions"]) == files
    for entry in report["submissions"]:
        assert set(entry) >= REPORTED_FIELDS
        assert entry["status"] in {
            "accepted",
            "accepted_with_warnings",
            "partially_accepted",
            "rejected",
            "duplicate",
        }
        assert Path(entry["feedback"]).is_dir()
    assert (
        (tmp_path / "mesa.duckdb").exists()
        and (tmp_path / "feedback").is_dir()
        and (tmp_path / "archive").is_dir()
    )
    assert "Aceptado parcialmente" in first.stderr  # the officer's log lines, in Spanish, on stderr
    assert "Tablas de brechas reconstruidas por completo" in first.stderr  # the first build

    # Nothing new: known from the inbox and the registry, without starting a flow.
    second = mesa("run", "--inbox", str(examples_inbox), "--json", cwd=tmp_path, api=prefect_api)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {"submissions": []}
    assert "mesa-intake" not in second.stderr and "recalculados" not in second.stderr
    said = mesa("run", "--inbox", str(examples_inbox), cwd=tmp_path, api=prefect_api)
    assert said.returncode == 0 and "No hay archivos nuevos" in said.stdout
    assert f"Archivos ya procesados antes (sin cambios): {len(files)}" in said.stdout

    # A file touched since (same bytes, new time) is something to look at: the flow runs, finds
    # the submission it already has, and remembers the file's new time for the runs after it.
    touched = examples_inbox / files[0]
    os.utime(touched, (touched.stat().st_atime, touched.stat().st_mtime + 60))
    third = mesa("run", "--inbox", str(examples_inbox), "--json", cwd=tmp_path, api=prefect_api)
    assert third.returncode == 0, third.stderr
    assert json.loads(third.stdout) == {"submissions": []} and "mesa-intake" in third.stderr
    fourth = mesa("run", "--inbox", str(examples_inbox), cwd=tmp_path, api=prefect_api)
    assert fourth.returncode == 0 and "mesa-intake" not in fourth.stderr

    count = mesa("sql", "select count(*) as n from submissions", "--csv", cwd=tmp_path)
    # a byte-order mark first, so that Excel reads the accents (the text mode reads CRLF as lines)
    assert count.returncode == 0 and count.stdout.lstrip("\ufeff").splitlines() == ["n", str(len(files))]
    assert count.stdout.startswith("\ufeff")


@pytest.mark.e2e
def test_run_prints_a_summary_for_people(prefect_api: str, tmp_path: Path, examples_inbox: Path) -> None:
    result = mesa("run", "--inbox", str(examples_inbox), cwd=tmp_path, api=prefect_api)
    assert result.returncode == 0, result.stderr
    assert "Envíos procesados: 10" in result.stdout
    assert "Almacén DuckDB" in result.stdout and "mesa sql" in result.stdout
    assert result.stdout.splitlines()[-1].strip().startswith("mesa sql 'select")
    assert "6 / 3 / 0 / 0 / 3" in result.stdout  # the 5W file: read = loaded + rejected + excluded
    assert "great_expectations" not in result.stderr  # the libraries' chatter is not the officer's

    # the same bytes tried again with `mesa validate`: said to be received already, not validated
    pnp = examples_inbox / "PNP" / "pnp_denuncias_2026_10.csv"
    again = mesa("validate", str(pnp), "--agency", "PNP", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "ya se recibió el" in again.stdout and "«pnp_denuncias_2026_10.csv»" in again.stdout
    assert "Aceptado parcialmente" in again.stdout and str(tmp_path / "feedback" / "PNP") in again.stdout
    assert not (tmp_path / "validacion").exists()
    as_json = mesa("validate", str(pnp), "--agency", "PNP", "--json", cwd=tmp_path)
    (entry,) = json.loads(as_json.stdout)["submissions"]
    assert entry["status"] == "partially_accepted" and Path(entry["feedback"]).is_dir()


def test_sql_on_a_missing_warehouse_and_a_bad_query(tmp_path: Path) -> None:
    missing = mesa("sql", "select 1", cwd=tmp_path)
    assert missing.returncode == 2 and "no existe todavía" in missing.stderr
    import duckdb

    duckdb.connect(str(tmp_path / "mesa.duckdb")).close()
    bad = mesa("sql", "select * from nowhere", cwd=tmp_path)
    assert bad.returncode == 1 and "La consulta falló" in bad.stderr
    written = mesa("sql", "create table t (x int)", cwd=tmp_path)
    assert written.returncode == 1  # read-only: analysts cannot change the warehouse by accident


def test_validate_is_a_dry_run_that_writes_nothing_to_the_warehouse(tmp_path: Path) -> None:
    from mesa_tumbes.reception.archive import sha256_of
    from mesa_tumbes.warehouse import store

    warehouse = tmp_path / "mesa.duckdb"
    store.migrate(warehouse)
    before = sha256_of(warehouse)
    example = ROOT / "examples" / "inbox" / "PNP" / "pnp_denuncias_2026_10.csv"
    result = mesa("validate", str(example), "--agency", "pnp", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)["submissions"]  # the shape of `mesa run --json`
    assert (entry["agency"], entry["status"], entry["rows_loaded"], entry["rows_rejected"]) == (
        "PNP",
        "partially_accepted",
        5,
        3,
    )
    assert sha256_of(warehouse) == before  # not a byte changed
    with store.connect(warehouse, read_only=True) as connection:
        assert connection.execute("select count(*) from submissions").fetchone() == (0,)
    assert not (tmp_path / "archive").exists()
    folder = Path(entry["feedback"])
    assert folder.parent == tmp_path / "validacion" / "PNP"
    assert folder.name.endswith("--prueba")  # never the folder of a real submission
    assert "240302" in (folder / "problemas.csv").read_text(encoding="utf-8-sig")
    assert "Validación de prueba" in (folder / "resumen.html").read_text(encoding="utf-8")


def test_validate_lists_the_problems_as_a_linter_does(tmp_path: Path) -> None:
    example = ROOT / "examples" / "inbox" / "PNP" / "pnp_denuncias_2026_10.csv"
    result = mesa("validate", str(example), "--agency", "PNP", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "3 problemas:" in lines
    assert any(
        line.startswith("  Error · fila 8, columna «indicador» («TRA-1»): ")
        and line.endswith("Valor sugerido: TRA-01.")
        for line in lines
    ), lines


def test_validate_says_what_is_wrong_with_its_arguments(tmp_path: Path) -> None:
    missing = mesa("validate", "no-existe.csv", "--agency", "DIRESA", cwd=tmp_path)
    assert missing.returncode == 2 and "no existe" in missing.stderr
    (tmp_path / "f.csv").write_text("periodo,valor\n", encoding="utf-8")
    unknown = mesa("validate", "f.csv", "--agency", "MUNICIPIO", cwd=tmp_path)
    assert unknown.returncode == 2 and "MUNICIPIO" in unknown.stderr and "DIRESA" in unknown.stderr
    human = mesa("validate", "f.csv", "--agency", "DIRESA", cwd=tmp_path)
    assert human.returncode == 0
    assert "Rechazado" in human.stdout and "no se archivó ni se cargó nada" in human.stdout


def test_a_stop_is_recognised_when_prefect_turned_its_termination_signal_into_an_error_of_its_own() -> None:
    """A SIGTERM that lands while Prefect's engine is creating a task run comes out as "ValueError:
    Task run is not set", raised while handling Prefect's TerminationSignal: still a stop (exit 130)."""
    from prefect.exceptions import TerminationSignal

    from mesa_tumbes.cli.terminal import STOPPING, stopped

    assert not STOPPING.is_set()

    def prefect_crash_while_handling(signal: BaseException) -> BaseException:
        try:
            try:
                raise signal
            except BaseException:
                raise ValueError("Task run is not set")  # noqa: B904 (as Prefect's engine does)
        except ValueError as error:
            return error

    assert stopped(prefect_crash_while_handling(TerminationSignal(signal=15)))
    assert stopped(prefect_crash_while_handling(KeyboardInterrupt()))
    assert not stopped(prefect_crash_while_handling(RuntimeError("a bug, not a stop")))
    assert not stopped(ValueError("a bug, not a stop"))
    assert not stopped()


def test_what_the_pipeline_warns_of_in_a_run_reaches_the_runs_logs_in_prefect(
    prefect_api: str, tmp_path: Path, examples_inbox: Path
) -> None:
    """The officer watches served runs in Prefect's UI: a file the run does not take is said there,
    not only on the terminal of the process that ran it."""
    stray = examples_inbox / f"suelto-{tmp_path.name}.csv"
    stray.write_text("periodo;valor\n", encoding="utf-8")
    result = mesa(
        "run", "--inbox", str(examples_inbox), "--warehouse", str(tmp_path / "mesa.duckdb"),
        cwd=tmp_path, api=prefect_api,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    said = f"{stray}: no se toma; los archivos deben estar dentro de la carpeta de una institución"
    assert said in result.stderr  # on the terminal, as before
    logs = httpx.post(
        f"{prefect_api}/logs/filter", json={"sort": "TIMESTAMP_DESC", "limit": 200}, timeout=30
    ).json()
    shipped = [log for log in logs if said in log["message"]]
    assert len(shipped) == 1 and shipped[0]["flow_run_id"] is not None
    assert shipped[0]["level"] == logging.WARNING
