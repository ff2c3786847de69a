"""The R4V 5W export (ActivityInfo) that UN agencies and NGOs already send to the R4V platform.

Its rows are checked as written (wide: R4V's own rules), then the rows without errors become the
warehouse's long rows (the total, each population type and each age-sex group), checked by the rules
of indicator values and, for the totals, against their series' history. Several activities of one
partner under one indicator, place and month add up before they load. The mapping of R4V indicators
to the catalogue is data: indicators.csv, beside this module (README.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mesa_tumbes.core.contract import Format, Loads
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.derived import plausibility
from mesa_tumbes.formats.base import Checking, Context, PartCheck
from mesa_tumbes.formats.r4v_5w import suites
from mesa_tumbes.formats.r4v_5w.reading import (
    SOURCE_FIELDS,
    aggregate,
    details,
    five_w_part,
    five_w_spec,
    to_long,
    totals,
)
from mesa_tumbes.transforms.header import Header, HeaderSpec
from mesa_tumbes.transforms.model import Part, Reading

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


class FiveWFormat:
    name: Format = "r4v_5w"
    loads: Loads = "values"
    revises = True

    def header_spec(self, reference: Reference) -> HeaderSpec:
        return five_w_spec(reference)

    def read(self, headers: list[Header], channel: str, reference: Reference) -> Reading:
        yield from ()  # its rows are normalised as they are read: nothing asked
        part, problems = five_w_part(headers[0], reference)
        return ([] if part is None else [part]), problems

    def suites(self, reference: Reference) -> dict[str, list[Expectation]]:
        return suites.suites(reference)

    def check(self, part: Part, context: Context) -> Checking:
        (wide,) = yield [context.request("r4v_5w", part.frame, part)]
        rejected = {problem.row_number for problem in wide.problems if problem.severity == "error"}
        kept = part.frame[~part.frame["row_number"].isin(rejected)]
        long = to_long(kept, part.source, context.channel, context.reference)
        requests = [context.request("r4v_5w_long", long, part, SOURCE_FIELDS)]
        if context.history is not None:
            judged = totals(long)
            derived = plausibility(judged, context.history(judged))
            requests.append(context.request("plausibility", derived, part, SOURCE_FIELDS))
        checked = yield requests
        kept_whole = details(kept, part.source, context.channel, context.reference)
        return PartCheck([wide, *checked], long, details=kept_whole)

    def to_load(self, accepted: pd.DataFrame) -> pd.DataFrame:
        return aggregate(accepted)


FORMAT = FiveWFormat()
