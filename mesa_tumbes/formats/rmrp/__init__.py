"""The RMRP people in need and targets (R4V's `Proportions.xlsx` shape), sent by the GTRM: sheets
such as "PiN 2026" and "Target", one row per country x admin1 x subsector. They are the
denominators of the gap tables, loaded at department level."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mesa_tumbes.core.contract import Format, Loads
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.formats.base import Checking, Context, PartCheck
from mesa_tumbes.formats.rmrp import suites
from mesa_tumbes.formats.rmrp.reading import RmrpSpec, rmrp_parts
from mesa_tumbes.transforms.header import Header, HeaderSpec
from mesa_tumbes.transforms.model import Part, Reading

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


class RmrpFormat:
    name: Format = "rmrp_need"
    loads: Loads = "need"
    revises = False  # a year's need replaces the last one as a whole (claim_need_slices)

    def header_spec(self, reference: Reference) -> HeaderSpec:
        return RmrpSpec()

    def read(self, headers: list[Header], channel: str, reference: Reference) -> Reading:
        yield from ()  # its rows are normalised as they are read: nothing asked
        return rmrp_parts(headers, reference)

    def suites(self, reference: Reference) -> dict[str, list[Expectation]]:
        return suites.suites(reference)

    def check(self, part: Part, context: Context) -> Checking:
        checked = yield [context.request("rmrp_need", part.frame, part)]
        return PartCheck(checked, part.frame)

    def to_load(self, accepted: pd.DataFrame) -> pd.DataFrame:
        return accepted


FORMAT = RmrpFormat()
