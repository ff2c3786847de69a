"""The officer's configuration files: the shipped ones are valid, and every kind of mistake is
reported with its file and line and a way to fix it, before anything runs."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mesa_tumbes.core.config import (
    Calendar,
    ConfigError,
    load_calendar,
    load_operations,
)
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import CALENDAR_FILE, OPERATIONS_FILE, SHIPPED_CONFIG
from tests.test_cli import mesa


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return path


def calendar(path: Path, reference: Reference) -> Calendar:
    return load_calendar(
        path, tuple(reference.agency_codes), tuple(i.code for i in reference.indicators), "2018-01"
    )


def problems(error: pytest.ExceptionInfo[ConfigError]) -> list[tuple[int | None, str]]:
    return [(problem.line, problem.key) for problem in error.value.problems]


def test_the_shipped_calendar_and_operations_are_valid(reference: Reference) -> None:
    loaded = calendar(SHIPPED_CONFIG / CALENDAR_FILE, reference)
    assert {entry.agency for entry in loaded.entries} >= {"DIRESA", "MIMP", "PNP"}
    assert loaded.reminders.days_before >= 0 and loaded.reminders.days_after
    operations = load_operations(SHIPPED_CONFIG / OPERATIONS_FILE)
    assert set(operations.schedules) == {"intake", "marts", "calendar", "bulletin"}


def test_calendar_mistakes_are_each_reported_with_their_line(tmp_path: Path, reference: Reference) -> None:
    path = write(
        tmp_path,
        "calendario.yaml",
        """
        default_due_days: 10
        since: "2026-13"
        reminders:
          days_before: 3
          days_after: [1, siete]
        entries:
          - {agency: DIRESA, indicators: [SAL-01]}
          - {agency: DIRSA, indicators: [SAL-02], frecuencia: monthly}
          - agency: MIMP
            indicators: [VBG-02, SAL-10]
            due_days: -1
          - {agency: DIRESA, indicators: [SAL-01]}
        """,
    )
    with pytest.raises(ConfigError) as error:
        calendar(path, reference)
    assert problems(error) == [
        (2, "bad_period"),
        (5, "bad_days_after"),
        (8, "unknown_key"),  # frecuencia
        (8, "unknown_code_guess"),  # DIRSA: did you mean DIRESA?
        (10, "unknown_code_guess"),  # SAL-10: did you mean SAL-01?
        (11, "bad_number"),  # due_days -1
        (12, "repeated_entry"),  # DIRESA SAL-01 again, first on line 7
    ]
    message = error.value.describe("es")
    suggestion = "«SAL-10» no es un código de indicador conocido. ¿Quiso decir «SAL-01»?"
    assert f"{path}, línea 10: {suggestion}" in message
    assert "línea 12: DIRESA ya tiene SAL-01 con esta frecuencia en la línea 7" in message
    assert "line 2: «since» must be a month YYYY-MM" in error.value.describe("en")


def test_broken_yaml_and_repeated_keys_name_their_line(tmp_path: Path, reference: Reference) -> None:
    with pytest.raises(ConfigError) as error:
        broken = write(tmp_path, "roto.yaml", "entries:\n  - {agency: DIRESA, indicators: [SAL-01]\n")
        calendar(broken, reference)
    assert [key for _, key in problems(error)] == ["not_yaml"]
    assert "roto.yaml, línea" in error.value.describe("es")
    repeated = write(
        tmp_path,
        "repetido.yaml",
        """
        since: "2026-01"
        since: "2026-02"
        entries:
          - {agency: DIRESA, indicators: [SAL-01]}
        """,
    )
    with pytest.raises(ConfigError) as error:
        calendar(repeated, reference)
    assert problems(error) == [(2, "repeated_key")]


def test_operations_mistakes_are_reported_with_their_line(tmp_path: Path) -> None:
    (tmp_path / "bandeja").mkdir()
    path = write(
        tmp_path,
        "operaciones.yaml",
        f"""
        inboxes:
          - {tmp_path / "bandeja"}
          - {tmp_path / "no-existe"}
          - ftp://servidor/entradas
          - sftp://mesa:secreto@servidor/entradas
          - s3:///sin-bucket
        schedules:
          intake: {{cron: "0 */3 * *"}}
          marts: {{cron: "15 0 * * *", active: si}}
        """,
    )
    with pytest.raises(ConfigError) as error:
        load_operations(path)
    assert problems(error) == [
        (3, "inbox_missing_folder"),
        (4, "inbox_protocol"),
        (5, "inbox_password"),  # a password in a URL would end up in logs and flow parameters
        (6, "inbox_no_host"),
        (7, "missing_key"),  # the calendar schedule
        (7, "missing_key"),  # the bulletin schedule
        (8, "bad_cron"),
        (9, "bad_choice"),
    ]
    assert "no escriba la contraseña en la dirección" in error.value.describe("es")


def test_serve_stops_at_start_on_a_bad_calendar_naming_the_line(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "calendario.yaml",
        """
        entries:
          - {agency: DIRESA, indicators: [SAL-01], due_days: diez}
        """,
    )
    result = mesa("serve", "--check", cwd=tmp_path, MESA_CALENDAR=str(bad))
    assert result.returncode == 2
    expected = f"{bad}, línea 2: «due_days» debe ser un número entero entre 0 y 366; dice «diez»."
    assert expected in result.stderr


def test_serve_stops_at_start_on_a_bad_schedule_or_inbox(tmp_path: Path) -> None:
    operations = write(
        tmp_path,
        "operaciones.yaml",
        """
        schedules:
          intake: {cron: "cada tres horas"}
          marts: {cron: "15 0 * * *"}
          calendar: {cron: "0 8 * * *"}
        """,
    )
    result = mesa("serve", "--check", cwd=tmp_path, MESA_OPERATIONS=str(operations))
    assert result.returncode == 2 and f"{operations}, línea 2: «cada tres horas»" in result.stderr
    result = mesa("serve", "--check", cwd=tmp_path, MESA_INBOX="ftp://servidor/entradas")
    assert result.returncode == 2 and "MESA_INBOX" in result.stderr and "ftp" in result.stderr


def test_serve_check_shows_the_plan_of_a_good_configuration(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    result = mesa("serve", "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    plan = ("intake", "marts", "calendar", "*/5 * * * *", "próxima:", "La configuración es correcta.")
    assert [line for line in plan if line not in result.stdout] == []
    # by default new files are taken every five minutes: the next look is at most five minutes away
    (intake,) = [line for line in result.stdout.splitlines() if "*/5 * * * *" in line]
    next_look = dt.datetime.strptime(intake.split("próxima:")[1].strip()[:16], "%Y-%m-%d %H:%M")
    now = dt.datetime.now(ZoneInfo("America/Lima")).replace(tzinfo=None)
    assert dt.timedelta(0) < next_look - now <= dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("variable", "value", "spanish"),
    [
        ("MESA_MAX_FILE_MB", "mucho", "escriba un tamaño en megabytes mayor que 0"),
        ("MESA_LOCK_WAIT_SECONDS", "-1", "escriba un número de segundos"),
        ("MESA_INBOX_RETRIES", "dos", "escriba un número entero"),
        ("MESA_TIMEZONE", "Lima", "no es una zona horaria conocida"),
    ],
)
def test_a_setting_that_cannot_be_used_is_said_in_the_officer_s_language(
    tmp_path: Path, variable: str, value: str, spanish: str
) -> None:
    from mesa_tumbes.core.settings import SettingError, resolve_settings

    with pytest.raises(SettingError) as raised:
        resolve_settings(inbox=str(tmp_path), environ={variable: value})
    assert spanish in raised.value.describe("es") and value in raised.value.describe("es")
    assert raised.value.describe("en") != raised.value.describe("es")


def test_tls_and_mailbox_mistakes_are_reported_with_their_line(tmp_path: Path) -> None:
    """A CA that is not where the file says, a mailbox entry that is no mailbox's address, a
    password name that could not name a variable, a key that does not exist: each with its line."""
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    path = write(
        tmp_path,
        "operaciones.yaml",
        """
        schedules:
          intake: {cron: "*/5 * * * *"}
          marts: {cron: "15 0 * * *"}
          calendar: {cron: "0 8 * * *"}
          bulletin: {cron: "0 9 16 * *"}
        tls:
          ca_file: no-existe.pem
        mail:
          mailboxes:
            "imaps://mesa@correo.gob.pe/INBOX":
              password: GORE-2
              ca_file: ca.pem
              verify: false
            "sftp://mesa@servidor/entradas": {}
        sources:
          r4v:
            kind: kobo
            url: https://kf.kobotoolbox.org
            form: aXXX
            ca_path: carpeta-que-no-existe
        """,
    )
    with pytest.raises(ConfigError) as error:
        load_operations(path)
    assert problems(error) == [
        (7, "missing_ca"),
        (11, "bad_mailbox_password"),
        (13, "unknown_key"),  # there is no way to turn the certificate check off
        (14, "not_a_mailbox"),
        (20, "missing_ca"),
    ]
    described = error.value.describe("es")
    assert "no-existe.pem" in described and "MESA_IMAP_PASSWORD_<NOMBRE>" in described
