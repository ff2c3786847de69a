"""Clocks, memory and the machine: what every figure of the benchmark is measured with."""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path
from types import TracebackType
from typing import Any


class Timer:
    """Wall-clock seconds of a `with` block."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.seconds = time.perf_counter() - self._start


def reset_peak_memory() -> None:
    """Reset this process's peak resident set (Linux: writing 5 to clear_refs), so that the peak
    read next is the peak of what ran in between."""
    clear_refs = Path("/proc/self/clear_refs")
    if clear_refs.exists():
        clear_refs.write_text("5")


def peak_memory() -> int:
    """Peak resident set of this process since the last reset, in bytes (VmHWM)."""
    status = Path("/proc/self/status")
    if status.exists():
        match = re.search(r"^VmHWM:\s+(\d+) kB", status.read_text(), re.M)
        if match:
            return int(match.group(1)) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        cpu = match.group(1).strip() if match else cpu
    memory = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.M)
        memory = int(match.group(1)) * 1024 if match else 0
    import duckdb

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_bytes": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "duckdb": duckdb.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }
