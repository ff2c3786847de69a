"""Run the suite on a submission's canonical frame and turn the result into feedback rows."""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from expectations.problems import Problem
from expectations.registry import check
from expectations.suggest import suggesters
from expectations.suite import CHANNEL_PARAMETER, build_suite
from mesa.reference import Reference, load_reference
from transforms.normalise import KEY_COLUMNS, Parsed

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult

# COMPLETE lists every failing row by `row_number` (the partial lists stop at 20).
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["row_number"],
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class Validation:
    problems: list[Problem]
    not_evaluated: list[str]  # check ids that could not run (a column they need is missing)


class SuiteRunner:
    """An ephemeral Great Expectations context holding the catalogue's suite, built once per process."""

    def __init__(self, reference: Reference) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx

        # GX announces the temporary folder of every ephemeral context at INFO.
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.reference = reference
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("submissions").add_dataframe_asset("submission")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole_submission")
        self.suite = self.context.suites.add(build_suite(reference))
        self.suggest = suggesters(reference)

    def validate(self, parsed: Parsed, channel: str) -> Validation:
        """Feedback rows for every expectation the frame fails; file-level problems from reading first."""
        if parsed.frame is None:
            return Validation(problems=list(parsed.problems), not_evaluated=[])
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": parsed.frame})
        result = batch.validate(
            self.suite,
            expectation_parameters={CHANNEL_PARAMETER: [channel]},
            result_format=RESULT_FORMAT,
        )
        return self.to_problems(result, parsed, channel)

    def to_problems(
        self, result: ExpectationSuiteValidationResult, parsed: Parsed, channel: str
    ) -> Validation:
        """The adapter: one Problem per check x offending row (or per file for file-level checks)."""
        problems = list(parsed.problems)
        not_evaluated: list[str] = []
        for outcome in result.results:
            assert outcome.expectation_config is not None, "GX results carry their expectation"
            check_id: str = outcome.expectation_config.meta["check_id"]
            field: str | None = outcome.expectation_config.meta.get("column")
            if _raised(outcome):
                not_evaluated.append(check_id)
            elif not outcome.success:
                problems += self._problems_for(check_id, field, outcome, parsed, channel)
        return Validation(problems=problems, not_evaluated=not_evaluated)

    def _problems_for(
        self,
        check_id: str,
        field: str | None,
        outcome: ExpectationValidationResult,
        parsed: Parsed,
        channel: str,
    ) -> list[Problem]:
        unexpected: list[dict[str, Any]] = outcome.result.get("unexpected_index_list") or []
        if check(check_id).scope == "file":
            assert field is not None, f"{check_id} is file-level and needs a column in its meta"
            aliases = self.reference.column(field).aliases
            return [Problem(check_id, field=field, expected=", ".join(aliases))]
        if field is None:  # a rule across columns: the duplicate key
            return _duplicate_rows(check_id, unexpected)
        assert parsed.source is not None
        title = parsed.titles.get(field, field)
        suggest = self.suggest.get(check_id)
        problems = []
        for item in unexpected:
            row = int(item["row_number"])
            written = str(parsed.source.at[row, field]) if field in parsed.source else ""
            problems.append(
                Problem(
                    check_id,
                    row_number=row,
                    column=title,
                    field=field,
                    value=written,
                    suggestion=suggest(written) if suggest and written else None,
                    expected=channel if check_id == "domain.agency_matches_channel" else None,
                )
            )
        return problems


def _raised(outcome: ExpectationValidationResult) -> bool:
    """Whether the expectation could not be evaluated (GX reports exceptions per metric)."""
    info = outcome.exception_info or {}
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(isinstance(v, dict) and v.get("exception_traceback") for v in info.values())


def _duplicate_rows(check_id: str, unexpected: list[dict[str, Any]]) -> list[Problem]:
    """One problem per repeated row, each naming all the rows that share its key."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for item in unexpected:
        groups[tuple(item.get(column) for column in KEY_COLUMNS)].append(int(item["row_number"]))
    problems = []
    for rows in groups.values():
        listed = ", ".join(str(row) for row in sorted(rows))
        problems += [Problem(check_id, row_number=row, rows=listed) for row in sorted(rows)]
    return problems


@cache
def suite_runner() -> SuiteRunner:
    """The process's runner: building a context and suite costs seconds, validating milliseconds."""
    return SuiteRunner(load_reference())
