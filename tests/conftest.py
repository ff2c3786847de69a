"""Shared fixtures. Prefect's home is a temporary folder (never the developer's ~/.prefect), set
here before anything imports Prefect; one local Prefect server serves the whole session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

PREFECT_HOME = Path(tempfile.mkdtemp(prefix="mesa-tests-prefect-"))
os.environ["PREFECT_HOME"] = str(PREFECT_HOME)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "90"
os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("MESA_LANG", None)

if TYPE_CHECKING:
    from mesa_tumbes.core.reference import Reference
    from mesa_tumbes.expectations.validate import SuiteRunner
    from tests.test_marts import Given

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_INBOX = ROOT / "examples" / "inbox"
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def reference() -> Reference:
    from mesa_tumbes.core.reference import load_reference

    return load_reference()


@pytest.fixture(scope="session")
def runner() -> SuiteRunner:
    """The Great Expectations context and suite, built once (import and build take seconds)."""
    from mesa_tumbes.formats.submission import suite_runner

    return suite_runner()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """A local Prefect server for the session; its URL lets subprocesses (the CLI) use it too."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield str(PREFECT_API_URL.value())
    shutil.rmtree(PREFECT_HOME, ignore_errors=True)


@pytest.fixture
def examples_inbox(tmp_path: Path) -> Path:
    """A private copy of the bundled examples, as an inbox."""
    inbox = tmp_path / "inbox"
    shutil.copytree(EXAMPLES_INBOX, inbox)
    return inbox


@pytest.fixture
def given(tmp_path: Path) -> Given:
    """A warehouse built up submission by submission, as intake would (see tests/test_marts.py)."""
    from tests.test_marts import Given

    return Given(tmp_path / "mesa.duckdb")


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA} is absent")
    return REALDATA
