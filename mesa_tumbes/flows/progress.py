"""Progress through a run over many files: a bar in a terminal, and a log line every tenth of the
way (which is what the officer sees in Prefect's UI and in a scheduled run's log)."""

from __future__ import annotations

import sys
from typing import Any

from prefect import get_run_logger

from mesa_tumbes.core.i18n import text

# Below this many files a run is over before progress would tell anything.
MIN_FILES = 20
STEPS = 10


class Progress:
    def __init__(self, total: int, lang: str) -> None:
        self.total, self.lang, self.done = total, lang, 0
        self.shown = total >= MIN_FILES
        self.next_log = 1
        self.bar: Any = None
        if self.shown and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(text(lang, "log.progress_bar"), total=total)

    def advance(self, label: str) -> None:
        """Count the file about to be taken; log when another tenth of the files is reached."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=label)
        if self.shown and self.done * STEPS >= self.next_log * self.total:
            self.next_log = self.done * STEPS // self.total + 1
            get_run_logger().info(
                text(
                    self.lang,
                    "log.progress",
                    done=self.done,
                    total=self.total,
                    percent=100 * self.done // self.total,
                )
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
