"""CPython's cyclic garbage collector, set for the processes of a run.

CPython looks for reference cycles among the container objects it tracks (lists, dicts, tuples,
instances) every 700 net allocations of them, and objects that outlive a few such collections move
to older generations, walked whole now and then. A run allocates millions of containers that live
for a file or a round (the cells parsed, the problems found, Great Expectations' results) while it
holds large ones for its length (a round's frames' text columns): collecting that often walks the
same objects again and again, and moves short-lived ones into the generations walked whole. A run
collects the youngest generation every YOUNG_ALLOCATIONS allocations instead; cycles are still
collected, a little later (~0.1-0.15 GB more at the peak of a million rows).
Measured on the bench's months of 1,000,000 rows, whole runs (writer and workers) paired with the
default, two runs each: 200 clean files 34.3 / 33.5 s -> 28.6 / 28.6 s; 200 noisy files 45.4 /
46.8 s -> 40.1 / 41.2 s; 1,000 files 48.1 / 43.5 s -> 41.3 / 41.0 s. 20,000 and 100,000 measured
about the same as 50,000.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Tracked allocations between two collections of the youngest generation (CPython's default: 700).
YOUNG_ALLOCATIONS = 50_000


def collect_less_often() -> None:
    """For a process that lives for a run (a worker): the youngest generation collected every
    YOUNG_ALLOCATIONS allocations, the older ones as CPython does."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_ALLOCATIONS, middle, old)


@contextmanager
def collecting_less_often() -> Iterator[None]:
    """`collect_less_often` for the length of a block, then as before (a served process lives on)."""
    before = gc.get_threshold()
    collect_less_often()
    try:
        yield
    finally:
        gc.set_threshold(*before)
