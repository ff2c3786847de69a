"""Child process for tests/test_kill.py: take an inbox's one file through the real intake steps and
the real loader, and hang inside the load transaction (after the values are inserted, before the
slice is claimed and the transaction committed) so the parent can SIGKILL it there."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from agency_feedback import answer as feedback
from core.reference import load_reference
from formats.submission import suite_runner
from pipeline import intake
from reception.inbox import discover
from warehouse import store

HANG_BEFORE = "claim_current_slices"


def main(inbox: Path, warehouse: Path, archive: Path, feedback_root: Path) -> None:
    reference = load_reference()
    store.migrate(warehouse)
    (file,) = discover(inbox, reference)
    outcome = intake.inspect(intake.receive(file, archive), warehouse, reference, suite_runner())
    feedback.write_feedback(outcome, feedback_root, "es", "America/Lima")
    real_query = store.query

    def query_then_hang(name: str) -> str:
        if name == HANG_BEFORE:
            print("inside-transaction", flush=True)
            time.sleep(600)
        return real_query(name)

    store.query = query_then_hang  # type: ignore[assignment]
    print(f"loading {outcome.verdict.rows_loaded}", flush=True)
    store.load_submission(
        warehouse, intake.record_for(outcome, feedback.feedback_path(outcome)), outcome.verdict.accepted
    )
    print("committed", flush=True)


if __name__ == "__main__":
    main(*(Path(argument) for argument in sys.argv[1:5]))
