"""The environment is read in one module (core/settings.py), every variable declared there once; the
files the officer edits are found in the configuration folder, else the ones shipped with the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mesa_tumbes.core import settings
from mesa_tumbes.core.settings import (
    AGENCIES_FILE,
    OPERATIONS_FILE,
    SHIPPED_CONFIG,
    UnknownVariableError,
    resolve_settings,
)

PACKAGE = Path(settings.__file__).resolve().parents[1]
SETTINGS_MODULE = Path(settings.__file__).resolve()
ENVIRONMENT_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_reads(source: str) -> list[int]:
    """The lines of `source` that touch the process environment (os.environ, os.getenv, ...)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT_NAMES:
            found.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [node.lineno for alias in node.names if alias.name in ENVIRONMENT_NAMES]
    return found


def test_no_module_but_the_settings_module_reads_the_environment() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.resolve() != SETTINGS_MODULE
        and (lines := environment_reads(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "import os\nwritten = os.environ.get('MESA_LANG')\n",
        "import os\nwritten = os.getenv('MESA_LANG')\n",
        "from os import environ\n",
        "import os as system\nsystem.environ['X'] = '1'\n",
    ],
)
def test_the_check_finds_every_way_of_reading_the_environment(source: str) -> None:
    assert environment_reads(source)


def test_a_variable_not_declared_cannot_be_read() -> None:
    with pytest.raises(UnknownVariableError):
        settings.variable("MESA_NOT_DECLARED", {"MESA_NOT_DECLARED": "1"})
    assert settings.variable("MESA_LANG", {"MESA_LANG": "en"}) == "en"
    # resolve_settings reads through the same guard, and an unset variable is not a mistake.
    with pytest.raises(UnknownVariableError):
        settings._Declared({}).get("MESA_NOT_DECLARED")
    assert settings._Declared({}).get("MESA_LANG") is None


def test_every_mesa_variable_named_in_the_code_is_declared() -> None:
    import re

    named = {
        name
        for path in PACKAGE.rglob("*.py")
        for name in re.findall(r"\bMESA_[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8"))
    }
    assert named <= set(settings.VARIABLES)


def test_the_configuration_folder_s_files_win_and_the_shipped_ones_fill_in(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    inbox = tmp_path / "entrada"
    inbox.mkdir()
    shipped = (SHIPPED_CONFIG / OPERATIONS_FILE).read_text(encoding="utf-8")
    assert "inboxes: []\n" in shipped
    written = shipped.replace("inboxes: []\n", f"inboxes: [{inbox}]\n")
    (folder / OPERATIONS_FILE).write_text(written, encoding="utf-8")
    environ = {"MESA_CONFIG_DIR": str(folder)}
    assert settings.operations_path(environ) == folder / OPERATIONS_FILE
    assert settings.agencies_path(environ) == SHIPPED_CONFIG / AGENCIES_FILE
    resolved = resolve_settings(environ=environ)
    assert resolved.inboxes == (str(inbox),)
    # The console's accounts are written in the configuration folder, never inside the package.
    assert Path(resolved.review.accounts) == folder / "consola.yaml"


def test_with_no_configuration_folder_the_shipped_files_are_used(tmp_path: Path) -> None:
    environ = {"MESA_CONFIG_DIR": str(tmp_path / "nowhere")}
    assert settings.operations_path(environ) == SHIPPED_CONFIG / OPERATIONS_FILE
    assert Path(resolve_settings(environ=environ).review.accounts) == tmp_path / "nowhere" / "consola.yaml"
    assert (SHIPPED_CONFIG / AGENCIES_FILE).is_file()
