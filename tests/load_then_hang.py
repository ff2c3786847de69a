"""Child process for tests/test_kill.py: take an inbox's one file through the real intake steps and
the real loader, and hang inside the load transaction (after the values are inserted, before the
slice is claimed and the transaction committed) so the parent can SIGKILL it there."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mesa_tumbes.core.reference import load_reference
from mesa_tumbes.core.settings import resolve_settings
from mesa_tumbes.pipeline import intake
from mesa_tumbes.reception.inbox import discover
from mesa_tumbes.reception.received import receive
from mesa_tumbes.warehouse import store

HANG_BEFORE = "claim_current_slices"


def main(inbox: Path, published: Path) -> None:
    """Load the inbox's one file into the working warehouse behind `published`."""
    settings = resolve_settings(inbox=str(inbox), warehouse=str(published))
    warehouse = settings.working
    store.migrate(warehouse)
    (file,) = discover(inbox, load_reference())
    outcome = intake.take(receive(file, settings.archive), settings)
    intake.answer(outcome, settings)
    real_query = store.query

    def query_then_hang(name: str) -> str:
        if name == HANG_BEFORE:
            print("inside-transaction", flush=True)
            time.sleep(600)
        return real_query(name)

    store.query = query_then_hang  # type: ignore[assignment]
    print(f"loading {outcome.verdict.rows_loaded}", flush=True)
    intake.load(outcome, settings)
    print("committed", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
