"""The Mesa template (submission contract, section 2): one row per indicator x district x period x
group, headers in Spanish or English. Its rows are checked by the rules of indicator values, against
each other (totals and their parts, attended and identified), and against their series' history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mesa_tumbes.core.contract import Format, Loads
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.suite import comparison_expectations, value_expectations
from mesa_tumbes.formats.base import Checking, Context, PartCheck
from mesa_tumbes.formats.template.reading import template_part, template_spec
from mesa_tumbes.transforms.header import Header, HeaderSpec
from mesa_tumbes.transforms.model import Part, Reading

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


class TemplateFormat:
    name: Format = "mesa_template"
    loads: Loads = "values"
    revises = True

    def header_spec(self, reference: Reference) -> HeaderSpec:
        return template_spec(reference)

    def read(self, headers: list[Header], channel: str, reference: Reference) -> Reading:
        steps = template_part(headers[0], channel, reference)
        del headers  # their cells go once read: a chunk's files wait together (template_part)
        part, problems = yield from steps
        return ([] if part is None else [part]), problems

    def suites(self, reference: Reference) -> dict[str, list[Expectation]]:
        return {
            "mesa_template": value_expectations(reference),
            "mesa_comparisons": comparison_expectations(),
        }

    def check(self, part: Part, context: Context) -> Checking:
        frame = part.frame
        requests = [
            context.request("mesa_template", frame, part),
            context.request("mesa_comparisons", context.comparisons(frame), part),
        ]
        if context.history is not None:
            requests.append(context.request("plausibility", context.plausibility(frame), part))
        checked = yield requests
        return PartCheck(checked, frame)

    def to_load(self, accepted: pd.DataFrame) -> pd.DataFrame:
        return accepted


FORMAT = TemplateFormat()
