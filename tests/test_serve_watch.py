"""`mesa serve`'s intake watch: when it cannot look or start a run, it says so in the Mesa's
language and looks again."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.flows.serve import watch_intake


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("es", "La vigilancia de la recepción no pudo mirar las bandejas o iniciar una ejecución"),
        ("en", "The intake watch could not look at the inboxes or start a run"),
    ],
)
def test_a_watch_that_cannot_start_a_run_says_why_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, lang: str, said: str
) -> None:
    (tmp_path / "inbox").mkdir()
    settings = resolve_settings(
        inbox=str(tmp_path / "inbox"), warehouse=str(tmp_path / "mesa.duckdb"), lang=lang
    )
    stop = threading.Event()
    tries: list[int] = []

    def start() -> bool:  # the deployment not registered yet: the server says no
        tries.append(1)
        stop.set()  # one look is enough for the test
        raise RuntimeError("deployment 'mesa-intake' not found")

    with caplog.at_level(logging.WARNING):
        watch_intake(settings, "* * * * *", stop, start)
    assert tries == [1]
    assert f"{said} (deployment 'mesa-intake' not found)" in caplog.text
