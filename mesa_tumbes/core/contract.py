"""The submission contract's types, named once: the formats a file may be in, the statuses it ends
with, the columns the warehouse loads, the period formats and frequencies, what reading may cost.

See ../shared/design/submission-contract.md: the project extends it, never breaks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

# The formats a submission is recognised in by its header.
Format = Literal["mesa_template", "r4v_5w", "rmrp_need"]
FORMATS: tuple[Format, ...] = get_args(Format)

# A submission's status. The first five are the contract's; `failed` and `set_aside` are a file the
# pipeline itself failed on (retried, then set aside until the officer asks for a retry).
Status = Literal["accepted", "accepted_with_warnings", "partially_accepted", "rejected", "duplicate"]
STATUSES: tuple[Status, ...] = get_args(Status)
FailureStatus = Literal["failed", "set_aside"]
# The row counts of a submission, in the order reports show them.
ROW_COUNTS = ("rows_read", "rows_loaded", "rows_rejected", "rows_warned", "rows_excluded")

# The key of an indicator value: one row per agency x period x district x indicator x group.
KEY_COLUMNS = ["agency", "period", "district", "indicator", "sex", "age_group", "population_type"]
# A series: the key without the period (a value's history is its series' other periods).
SERIES = ["agency", "indicator", "district", "sex", "age_group", "population_type"]
# What loads, by what a file holds: indicator values (Mesa template, R4V 5W) or need and targets (RMRP).
LOADED_COLUMNS = ["row_number", *KEY_COLUMNS, "admin_level", "r4v_group", "value"]
NEED_LOADED_COLUMNS = [
    "row_number", "sheet", "year", "measure", "area", "admin_level", "sector", "population_type",
    "r4v_group", "value",
]  # fmt: skip
Loads = Literal["values", "need"]
# The mark of a workbook written by `mesa plantillas` (its hidden lists sheet, first row: mark, version):
# the intake knows a template it handed out, and tells the agency when the version is an old one.
TEMPLATE_MARK = "plantilla-mesa-tumbes"
TEMPLATE_VERSION = "2026.12"
# The names of files that hold a table, by their ending: text (CSV and its kin, or no ending at all),
# workbooks, and legacy Excel 97-2003. What a mailbox takes as a submission; reading goes by the bytes.
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".ssv", ".tab", ""})
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".ods"})
TABLE_SUFFIXES = TEXT_SUFFIXES | WORKBOOK_SUFFIXES | {".xls"}
# What each row of a file covers, valid or not: the reporting calendar counts it as received.
COVER_COLUMNS = ["row_number", "period", "indicator"]


def loaded_columns(loads: Loads) -> list[str]:
    return NEED_LOADED_COLUMNS if loads == "need" else LOADED_COLUMNS


# Periods: months (YYYY-MM) and quarters (YYYY-Qn); indicators are reported monthly or quarterly.
MONTH_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER_PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")
# Either, as a regular expression without groups (the suite tests it with pandas, which warns of groups).
PERIOD_PATTERN = f"{MONTH_PERIOD.pattern}|{QUARTER_PERIOD.pattern}".replace("(", "(?:")
Frequency = Literal["monthly", "quarterly"]
FREQUENCIES: tuple[Frequency, ...] = get_args(Frequency)


@dataclass(frozen=True)
class ReadLimits:
    """What a file may cost to read: beyond these it is rejected with feedback, not read."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_workbook_expanded_bytes: int = 300 * 1024 * 1024  # an XLSX is a zip: guard against bombs


DEFAULT_LIMITS = ReadLimits()
