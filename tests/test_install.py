"""`pip install .` puts one import package of the project in site-packages, with every file it reads
(templates, SQL, reference data, the shipped configuration), and the installed `mesa` answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "mesa_tumbes"


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as pip builds it, from a copy of what is under version control."""
    source, dist = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    tracked = run("git", "ls-files", "-z", cwd=ROOT).split("\0")
    for name in (n for n in tracked if n.split("/")[0] in {PACKAGE, "config", "pyproject.toml", "README.md"}):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():
            target.symlink_to((ROOT / name).readlink())
        else:
            shutil.copy2(ROOT / name, target)
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        dist,
        ".",
        cwd=source,
    )
    return next(dist.glob("*.whl"))


def test_the_wheel_holds_one_package_and_every_file_of_it(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {name.split("/")[0] for name in names} == {PACKAGE, wheel.name.split("-py3")[0] + ".dist-info"}
    tracked = run("git", "ls-files", PACKAGE, cwd=ROOT).split()
    packaged = [name for name in tracked if not (ROOT / name).is_symlink()]
    assert [name for name in packaged if name not in names] == []
    shipped = {f"{PACKAGE}/core/defaults/{path.name}" for path in (ROOT / "config").glob("*.yaml")}
    assert shipped and shipped <= names


def test_an_empty_environment_gets_one_top_level_package_and_a_working_mesa(
    wheel: Path, tmp_path: Path
) -> None:
    environment = tmp_path / "empty"
    run(sys.executable, "-m", "venv", environment, cwd=tmp_path)
    python = environment / "bin" / "python"
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).strip()
    )
    before = {path.name for path in site.iterdir()}
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    added = {path.name for path in site.iterdir()} - before
    assert {name for name in added if not name.endswith(".dist-info")} == {PACKAGE}
    # The dependencies, taken from this environment rather than downloaded again (the project's own
    # code there is an editable install, which a path entry does not activate).
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MESA_LANG": "es"}
    where = run(python, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)", cwd=tmp_path, env=env)
    assert where.startswith(str(site))
    usage = run(environment / "bin" / "mesa", "--help", cwd=tmp_path, env=env)
    assert "revisar" in usage and "boletin" in usage
    # With no configuration folder, the files shipped inside the package are read and valid.
    (tmp_path / "inbox").mkdir()
    plan = run(environment / "bin" / "mesa", "serve", "--check", cwd=tmp_path, env=env)
    assert "intake" in plan
