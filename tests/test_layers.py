"""The layers contract (pyproject.toml, [tool.importlinter]) holds on the tree, and it would catch a
lower layer importing a higher one, or two modules of a package importing each other: the same
check as `make check`, run on a copy of the tree with one bad import added."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "importlinter"
]["root_packages"]
PROJECT = ROOT / "mesa_tumbes"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The project's package and its pyproject.toml, copied (Python files only)."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc", "__pycache__")
        )
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, statement: str) -> None:
    source = module.read_text(encoding="utf-8")
    module.write_text(
        source.replace(
            "from __future__ import annotations\n", f"from __future__ import annotations\n\n{statement}\n", 1
        ),
        encoding="utf-8",
    )


def test_every_contract_is_kept(tree: Path) -> None:
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_the_ground_importing_the_command_line_breaks_the_layers(tree: Path) -> None:
    add_import(tree / "mesa_tumbes" / "core" / "clock.py", "import mesa_tumbes.cli.main  # noqa: F401")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Layers point one way" in result.stdout and "BROKEN" in result.stdout
    assert "mesa_tumbes.core.clock -> mesa_tumbes.cli.main" in result.stdout


def test_the_warehouse_importing_validation_breaks_its_contract(tree: Path) -> None:
    add_import(
        tree / "mesa_tumbes" / "warehouse" / "lock.py", "import mesa_tumbes.expectations.triage  # noqa: F401"
    )
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "mesa_tumbes.warehouse.lock -> mesa_tumbes.expectations.triage" in result.stdout


def test_two_modules_importing_each_other_break_the_cycles_contract(tree: Path) -> None:
    followup = tree / "mesa_tumbes" / "followup"
    add_import(followup / "status.py", "import mesa_tumbes.followup.reminders  # noqa: F401")
    add_import(followup / "reminders.py", "import mesa_tumbes.followup.status  # noqa: F401")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "No cycles are allowed in mesa_tumbes.followup" in result.stdout


def test_the_readme_s_layout_tables_name_every_folder_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### How it is built")[1].split("\n## ")[0]
    named = set(re.findall(r"^\|[^|]*\| `([a-z_]+)/`", section, re.MULTILINE))
    named |= set(re.findall(r", `([a-z_]+)/` \|", section))
    named |= set(re.findall(r"^\| `([a-z_]+)/` \|", section, re.MULTILINE))
    layers = {path.name for path in PROJECT.iterdir() if (path / "__init__.py").exists()}
    beside = {"config", "docs", "examples", "bench", "tests"}
    assert all((ROOT / folder).is_dir() for folder in beside)
    assert named == layers | beside


def test_the_project_is_one_import_package_named_once() -> None:
    """Every tool names the one package: setuptools, mypy, import-linter's root and containers."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    tool = project["tool"]
    assert PACKAGES == ["mesa_tumbes"]
    assert tool["setuptools"]["packages"]["find"]["include"] == ["mesa_tumbes*"]
    assert tool["mypy"]["packages"] == ["mesa_tumbes", "bench"]
    contracts = {contract["id"]: contract for contract in tool["importlinter"]["contracts"]}
    assert contracts["layers"]["containers"] == ["mesa_tumbes"]
    assert contracts["cycles"]["ancestors"] == ["mesa_tumbes"]
    top = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}
    assert top <= {"mesa_tumbes", "bench", "tests"}
