"""docs/operador.md stays true: every setting it lists is one the code reads and the other way round,
every `mesa` command it shows exists, and the calendar it quotes loads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mesa_tumbes.cli.main import build_parser
from mesa_tumbes.core.settings import VARIABLE_FAMILIES, VARIABLES

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "operador.md").read_text(encoding="utf-8")


def variables_in_code() -> set[str]:
    """The MESA_ variables the settings module declares (tests/test_settings_are_read_once.py: the
    only ones the code reads)."""
    return {name for name in VARIABLES if name.startswith("MESA_")}


def test_the_guide_lists_every_setting_the_code_reads_and_no_other() -> None:
    table = GUIDE.split("### Variables de entorno")[1].split("\n## ")[0]
    assert set(re.findall(r"`(MESA_[A-Z_]+)`", table)) == variables_in_code()
    # a family of variables, one per thing configured, is listed by its prefix: `MESA_..._<NOMBRE>`
    assert set(re.findall(r"`(MESA_[A-Z_]+_)<[A-Z]+>`", table)) == set(VARIABLE_FAMILIES)


def test_every_command_in_the_guide_exists() -> None:
    usage = build_parser("es").format_usage()
    commands = set(re.search(r"\{([a-z,]+)\}", usage).group(1).split(","))  # type: ignore[union-attr]
    shown = set(re.findall(r"`mesa ([a-z]+)", GUIDE)) | set(re.findall(r"^\$? ?mesa ([a-z]+)", GUIDE, re.M))
    assert shown and shown <= commands


def test_the_calendar_quoted_in_the_guide_is_a_valid_calendar(tmp_path: Path) -> None:
    from mesa_tumbes.core.config import load_calendar
    from mesa_tumbes.core.reference import load_reference

    block = re.search(r"```yaml\n(default_due_days:.*?)```", GUIDE, re.S)
    assert block is not None
    path = tmp_path / "calendario.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    reference = load_reference()
    codes = tuple(i.code for i in reference.indicators)
    calendar = load_calendar(path, tuple(reference.agency_codes), codes, "2018-01")
    assert {entry.agency for entry in calendar.entries} == {"DIRESA", "DRE"}
    assert yaml.safe_load(block.group(1))["reminders"]["days_after"] == [1, 7]
