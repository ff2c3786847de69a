"""What a run says of itself: one entry per submission taken, and what it left aside. The flow fills
it; the command line prints it (`mesa run`, `--json`), and `mesa validate` prints one entry of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mesa_tumbes.core.contract import FailureStatus, Format, Status
from mesa_tumbes.warehouse.lock import BusyHolder


@dataclass(frozen=True)
class Entry:
    """One submission in a run's report: the shape of `mesa run --json` and `mesa validate --json`."""

    file: str  # AGENCY/path, as in the inbox
    agency: str
    sha256: str
    submission_id: str
    status: Status | FailureStatus
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_warned: int
    rows_excluded: int
    format: Format | None
    feedback: str  # the feedback folder
    name: str = ""  # the file as the agency named it (an e-mail's attachment: not the spool's name)

    @property
    def shown(self) -> str:
        """AGENCY/file as the agency knows it, for people."""
        channel = self.file.partition("/")[0]
        return f"{channel}/{self.name}" if self.name else self.file


@dataclass
class RunReport:
    """A run of the intake flow."""

    submissions: list[Entry] = field(default_factory=list)
    skipped: int = 0  # files seen before, unchanged
    failed: list[str] = field(default_factory=list)  # files the pipeline failed on this run (AGENCY/path)
    unreachable: list[str] = field(default_factory=list)  # inboxes that did not answer
    set_aside: list[str] = field(default_factory=list)  # files set aside after failing, not taken
    busy: BusyHolder | None = None  # who held the warehouse when the run found it busy
    mail: list[str] = field(default_factory=list)  # feedback e-mails that could not be sent (AGENCY/file)
    machine: str | None = None  # the fault of the machine that stopped the run, said for the officer
    machine_kind: str | None = None  # its kind (core.faults.MachineKind)
    sources: list[str] = field(default_factory=list)  # what each partner source pulled, said
    sources_failed: list[str] = field(default_factory=list)  # the sources that could not be pulled, said
    marts_failed: bool = False  # the gap tables could not be rebuilt (the last ones stay; a bug's trace kept)

    def as_json(self) -> dict[str, Any]:
        """What `mesa run --json` prints (a run stopped by the machine also says why)."""
        said: dict[str, Any] = {"submissions": [asdict(entry) for entry in self.submissions]}
        if self.sources or self.sources_failed:
            said["sources"] = {"pulled": self.sources, "failed": self.sources_failed}
        if self.machine is not None:
            said["machine_fault"] = {"kind": self.machine_kind, "message": self.machine}
        return said
