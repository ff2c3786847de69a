"""Child process for tests/test_single_writer.py: hold the warehouse's writer lock, as a run does,
for a number of seconds (or until killed), saying when it has it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mesa_tumbes.warehouse.lock import writer

if __name__ == "__main__":
    warehouse, seconds = Path(sys.argv[1]), float(sys.argv[2])
    with writer(warehouse, "mesa-intake (test holder)"):
        print("holding", flush=True)
        time.sleep(seconds)
