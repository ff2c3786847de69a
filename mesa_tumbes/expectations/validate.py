"""Run Great Expectations suites on frames and turn the results into feedback rows: the runner and the
adapter every format uses. Which suites a part goes through is its format's business (formats/)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mesa_tumbes.core.checks import check
from mesa_tumbes.core.contract import KEY_COLUMNS
from mesa_tumbes.core.frames import stacked
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import set_defaults
from mesa_tumbes.expectations.suggest import suggesters
from mesa_tumbes.expectations.suite import CURRENT_PERIOD_PARAMETER
from mesa_tumbes.transforms.model import Part

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite, ExpectationValidationResult
    from great_expectations.expectations import Expectation
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

# Earlier values of the series of some rows (warehouse.store.series_history, bound to a warehouse).
History = Callable[[pd.DataFrame], pd.DataFrame]
# In a frame validated in bulk: which request (a submission's part) a row belongs to, and the agency
# whose folder the submission came from (the rule "the agency column matches the folder" reads it).
REQUEST_COLUMN, CHANNEL_COLUMN = "request", "channel"
# COMPLETE lists every failing row by request and `row_number` (the partial lists stop at 20).
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [REQUEST_COLUMN, "row_number"],
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class Validation:
    problems: list[Problem]
    not_evaluated: list[str] = field(default_factory=list)  # checks that could not run (a column missing)
    frames: list[tuple[Part, pd.DataFrame]] = field(default_factory=list)  # each part and the rows to load
    results: list[dict[str, Any]] = field(default_factory=list)  # GX's results for it, for the officer
    details: list[pd.DataFrame] = field(default_factory=list)  # rows kept whole (R4V 5W), by row_number


@dataclass(frozen=True)
class Request:
    """One frame of one submission's part to go through a suite, with what the feedback needs: the
    part it came from, the agency's folder, and (R4V 5W) the source field of each checked column."""

    suite: str
    frame: pd.DataFrame
    part: Part
    channel: str
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Checked:
    """What one suite found on one request's frame, and GX's results for it (JSON-ready)."""

    problems: list[Problem]
    not_evaluated: list[str]
    result: dict[str, Any] | None = None


# Expectations whose answer depends on how many rows hold a value (a key repeated), not only on the
# values of each row: they see every row whose key another row shares (the others cannot break
# them). Every other one sees each distinct combination of the columns it reads once, and what it
# finds is said of every row that holds that combination.
EVERY_ROW = frozenset({"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"})
# The column that numbers the distinct combinations of a projection, and the rows they stand for.
COMBINATION = "combination"
# Each expectation of a projection carries its place in the whole suite in its `meta`.
POSITION = "position_in_suite"


@dataclass(frozen=True)
class Projection:
    """Some expectations of a suite that read the same columns, as a suite of their own."""

    suite: ExpectationSuite
    columns: tuple[str, ...]  # what they read (those of the frame, and of their row conditions)
    every_row: bool
    positions: tuple[int, ...]  # their places in the whole suite: results come back in its order


@dataclass(frozen=True)
class Answer:
    """What one expectation found over a bulk frame: the rows it did not hold for (the request and
    row number, and the values it read), and whether it could be evaluated at all."""

    config: ExpectationConfiguration
    config_json: dict[str, Any]
    success: bool
    raised: bool
    unexpected: list[dict[str, Any]]


class SuiteRunner:
    """An ephemeral Great Expectations context holding the suites, built once per process."""

    def __init__(self, reference: Reference, expectations: dict[str, list[Expectation]]) -> None:
        """`expectations`: every suite by name (the formats' own, and the shared ones)."""
        set_defaults({"GX_ANALYTICS_ENABLED": "false"})
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        # GX announces the temporary folder of every ephemeral context at INFO, from a logger it sets
        # to INFO itself when imported (its package's level alone does not hold it back).
        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self.reference = reference
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = self.context.data_sources.add_pandas("submissions").add_dataframe_asset("submission")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole_submission")
        self.projections = {
            name: [
                Projection(self.context.suites.add(suite), columns, every_row, positions)
                for suite, columns, every_row, positions in projections(name, items)
            ]
            for name, items in expectations.items()
        }
        self.configs = {
            name: [(item.configuration, item.configuration.to_json_dict()) for item in items]
            for name, items in expectations.items()
        }
        self.suggest = suggesters(reference)
        self.validating_seconds = 0.0  # inside Great Expectations' validations (the benchmark says it)

    def check_many(self, requests: list[Request], parameters: dict[str, Any]) -> list[Checked]:
        """Every request, in bulk: the frames that go through a suite (those with the same columns: a
        frame without a required column is told so, not the others) are validated together, each
        row tagged with its request; each group of the suite's expectations that reads the same
        columns sees their distinct values once (see EVERY_ROW); the problems are split back per
        request."""
        checked = [Checked([], []) for _ in requests]
        groups: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
        for number, request in enumerate(requests):
            if not request.frame.empty:
                groups[(request.suite, tuple(sorted(map(str, request.frame.columns))))].append(number)
        for (suite, _), members in groups.items():
            frame = _tagged_many(requests, members)
            answers = self.answers(suite, frame, parameters)
            for number, found in self.split(suite, answers, members, requests).items():
                checked[number] = found
        return checked

    def check(self, request: Request, parameters: dict[str, Any]) -> Checked:
        return self.check_many([request], parameters)[0]

    def answers(self, suite: str, frame: pd.DataFrame, parameters: dict[str, Any]) -> list[Answer]:
        """Each expectation of the suite over the bulk frame, in the suite's order."""
        found: dict[int, Answer] = {}
        for projection in self.projections[suite]:
            present = [column for column in projection.columns if column in frame]
            if projection.every_row:
                index = [REQUEST_COLUMN, "row_number"]
                # only the rows whose key another row shares can break a uniqueness rule
                shared = (
                    frame.duplicated(subset=present, keep=False) if present else frame.index == frame.index
                )
                rows = frame.loc[shared, list(dict.fromkeys([*present, *index]))]
                results = self._validate(rows, projection.suite, index, parameters)
                unexpected = [_items(result) for result in results]
            else:
                distinct, combinations = _distinct(frame, present)
                results = self._validate(distinct, projection.suite, [COMBINATION], parameters)
                unexpected = [_rows_of(_items(result), combinations, frame) for result in results]
            for result, items in zip(results, unexpected, strict=True):
                position = _position(result)
                config, config_json = self.configs[suite][position]
                found[position] = Answer(config, config_json, bool(result.success), _raised(result), items)
        return [found[position] for position in sorted(found)]

    def _validate(
        self, frame: pd.DataFrame, suite: ExpectationSuite, index: list[str], parameters: dict[str, Any]
    ) -> list[ExpectationValidationResult]:
        started = time.perf_counter()
        batch = self.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result_format = {**RESULT_FORMAT, "unexpected_index_column_names": index}
        result = batch.validate(suite, expectation_parameters=parameters, result_format=result_format)
        self.validating_seconds += time.perf_counter() - started
        return list(result.results)

    def split(
        self, suite: str, answers: list[Answer], members: list[int], requests: list[Request]
    ) -> dict[int, Checked]:
        """The adapter: per request, one Problem per check x offending row (or per file for the
        file-level checks), and GX's results as they concern it."""
        problems: dict[int, list[Problem]] = {n: [] for n in members}
        not_evaluated: dict[int, list[str]] = {n: [] for n in members}
        records: dict[int, list[dict[str, Any]]] = {n: [] for n in members}
        rows = {n: Rows(requests[n].frame, requests[n].part, requests[n].sources) for n in members}
        for answer in answers:
            meta = answer.config.meta or {}
            by_request: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for item in answer.unexpected:
                by_request[int(item[REQUEST_COLUMN])].append(item)
            for n in members:
                unexpected = by_request.get(n, [])
                failed = not answer.success and (bool(unexpected) or check(meta["check_id"]).scope == "file")
                if answer.raised:
                    not_evaluated[n].append(meta["check_id"])
                elif failed:
                    problems[n] += self._problems_for(meta, unexpected, rows[n])
                records[n].append(_record(answer.config_json, answer.raised, failed, unexpected))
        return {
            # A 5W row loads as several rows: what is wrong with it is said once.
            n: Checked(
                list(dict.fromkeys(problems[n])),
                not_evaluated[n],
                {"suite_name": suite, "results": records[n]},
            )
            for n in members
        }

    def _problems_for(
        self, meta: dict[str, Any], unexpected: list[dict[str, Any]], rows: Rows
    ) -> list[Problem]:
        check_id: str = meta["check_id"]
        if check(check_id).scope == "file":
            aliases = self.reference.column(meta["column"]).aliases
            return [Problem(check_id, field=meta["column"], expected=", ".join(aliases))]
        if meta.get("column") is None and meta.get("column_from") is None:  # across columns: the key
            return _duplicate_rows(check_id, unexpected, rows.part.sheet)
        problems = []
        numbers = [int(item["row_number"]) for item in unexpected]
        fields = rows.fields(numbers, meta)
        cells = rows.written_many(numbers, fields)
        for item, number, field_name, written in zip(unexpected, numbers, fields, cells, strict=True):
            suggest = self.suggest.get((check_id, field_name)) or self.suggest.get((check_id, None))
            expected = _expected(item, meta, rows, number)
            detail = rows.quoted(item, number, meta["detail_from"]) if "detail_from" in meta else None
            problems.append(
                Problem(
                    check_id,
                    row_number=number,
                    column=rows.title(field_name),
                    field=field_name,
                    value=written,
                    suggestion=suggest(written) if suggest and written else None,
                    expected=expected,
                    detail=detail,
                    sheet=rows.part.sheet,
                )
            )
        return problems


def projections(
    name: str, items: list[Expectation]
) -> list[tuple[ExpectationSuite, tuple[str, ...], bool, tuple[int, ...]]]:
    """The suite's expectations grouped by the columns they read (and whether they must see every
    row), each group a suite of its own: (suite, columns, every row, places in the whole suite)."""
    import great_expectations as gx

    grouped: dict[tuple[bool, tuple[str, ...]], list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        every_row = item.configuration.type in EVERY_ROW
        grouped[(every_row, read_columns(item.configuration.kwargs))].append(position)
    return [
        (
            gx.ExpectationSuite(
                name=f"{name}.{number}",
                expectations=[
                    items[p].copy(update={"id": None, "meta": {**(items[p].meta or {}), POSITION: p}})
                    for p in positions
                ],
            ),
            columns,
            every_row,
            tuple(positions),
        )
        for number, ((every_row, columns), positions) in enumerate(grouped.items())
    ]


def read_columns(kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The columns an expectation reads: its own, and those its row condition names."""
    found = [kwargs[key] for key in ("column", "column_A", "column_B") if isinstance(kwargs.get(key), str)]
    found += list(kwargs.get("column_list") or [])

    def conditions(node: object) -> None:
        if isinstance(node, dict):
            column = node.get("column")
            if isinstance(column, dict) and isinstance(column.get("name"), str):
                found.append(column["name"])
            for value in node.values():
                conditions(value)
        elif isinstance(node, list):
            for value in node:
                conditions(value)

    conditions(kwargs.get("row_condition"))
    return tuple(sorted(set(found)))


def _distinct(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """The distinct combinations of `columns` (numbered in COMBINATION), and each row's number."""
    if not columns:
        numbers = pd.Series(0, index=frame.index)
        return pd.DataFrame({COMBINATION: [0]}), numbers
    numbers = frame.groupby(columns, dropna=False, sort=False).ngroup()
    first = ~numbers.duplicated()
    distinct = frame.loc[first, columns].copy()
    distinct[COMBINATION] = numbers[first].to_numpy()
    return distinct.reset_index(drop=True), numbers


def _position(result: ExpectationValidationResult) -> int:
    """The result's expectation's place in its whole suite (GX orders results its own way)."""
    config = result.expectation_config
    assert config is not None, "GX results carry their expectation"
    return int((config.meta or {})[POSITION])


def _items(result: ExpectationValidationResult) -> list[dict[str, Any]]:
    return list(result.result.get("unexpected_index_list") or [])


def _rows_of(
    items: list[dict[str, Any]], combinations: pd.Series, frame: pd.DataFrame
) -> list[dict[str, Any]]:
    """The rows a distinct combination GX found stands for: each as GX would have listed it (the
    request, the row number and the values the expectation read)."""
    if not items:
        return []
    by_combination = {int(item[COMBINATION]): item for item in items}
    hit = combinations.isin(list(by_combination))
    rows = frame.loc[hit, [REQUEST_COLUMN, "row_number"]]
    found = []
    for request, number, combination in zip(
        rows[REQUEST_COLUMN].to_numpy(),
        rows["row_number"].to_numpy(),
        combinations[hit].to_numpy(),
        strict=True,
    ):
        values = {key: value for key, value in by_combination[int(combination)].items() if key != COMBINATION}
        found.append({**values, REQUEST_COLUMN: request, "row_number": number})
    return found


def _tagged_many(requests: list[Request], members: list[int]) -> pd.DataFrame:
    """The members' frames as one bulk frame, with the columns that tell each request apart."""
    frame = stacked([(n, requests[n].frame) for n in members], REQUEST_COLUMN)
    channels = np.array([requests[n].channel for n in members], dtype=object)
    # each row refers to its request's one string (numpy's own strings would copy it per row)
    frame[CHANNEL_COLUMN] = channels[
        np.repeat(np.arange(len(members)), [len(requests[n].frame) for n in members])
    ]
    return frame


def _record(
    config: dict[str, Any], raised: bool, failed: bool, unexpected: list[dict[str, Any]]
) -> dict[str, Any]:
    """One expectation's result as it concerns one request: what it checked, whether it held there,
    and the rows it did not hold for (their cells as the agency wrote them: data, never a page)."""
    return {
        "expectation_config": config,
        "success": not (raised or failed),
        "raised_exception": raised,
        "unexpected_count": len(unexpected),
        "unexpected_index_list": [
            {name: value for name, value in item.items() if name not in (REQUEST_COLUMN, CHANNEL_COLUMN)}
            for item in unexpected
        ],
    }


def said_once(read: list[Problem], checked: list[Problem]) -> list[Problem]:
    """The problems found while reading, then the suites', without those about a cell that reading
    already explained (a formula without a saved value is not also an "empty cell")."""
    cells = {(p.sheet, p.row_number, p.column) for p in read if p.row_number is not None}
    return [*read, *(p for p in checked if (p.sheet, p.row_number, p.column) not in cells)]


class Rows:
    """Looks up, for a row of a validated frame, the field and cell the agency wrote."""

    def __init__(self, frame: pd.DataFrame, part: Part, sources: dict[str, str]) -> None:
        """`frame`: the request's own (most requests have no problem: nothing is computed for them)."""
        self.every = frame
        self.part = part
        self.sources = sources
        self.columns: dict[str, Any] = {}

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per row number, by row number."""
        return self.every.drop_duplicates("row_number").set_index("row_number")

    def field(self, number: int, meta: dict[str, Any]) -> str:
        if "column_from" in meta:
            return str(self.frame.at[number, meta["column_from"]])
        name: str = meta["column"]
        return self.sources.get(name, name)

    def fields(self, numbers: list[int], meta: dict[str, Any]) -> list[str]:
        """`field` of many rows at once (a noisy month has tens of thousands of problems)."""
        if "column_from" not in meta:
            return [self.field(0, meta)] * len(numbers)
        return [str(value) for value in self.frame[meta["column_from"]].reindex(numbers).to_numpy()]

    def written(self, number: int, field_name: str) -> str:
        source = self.part.source
        return str(source.at[number, field_name]) if field_name in source else ""

    def written_many(self, numbers: list[int], fields: list[str]) -> list[str]:
        """`written` of many cells at once: each row's cell of its field, as the agency wrote it."""
        source = self.part.source
        positions = source.index.get_indexer(pd.Index(numbers)) if source.index.is_unique else None
        if positions is None or (positions < 0).any():  # as `written` does it (and fails) one by one
            return [self.written(number, name) for number, name in zip(numbers, fields, strict=True)]
        found = [""] * len(numbers)
        for name in set(fields):
            if name not in source:
                continue
            values = source[name].to_numpy()
            for place, (position, field_name) in enumerate(zip(positions, fields, strict=True)):
                if field_name == name:
                    found[place] = str(values[position])
        return found

    def title(self, field_name: str) -> str:
        return self.part.titles.get(field_name, field_name)

    def value(self, number: int, column: str) -> str:
        return _shown(self.frame.at[number, column])

    def quoted(self, item: dict[str, Any], number: int, column: str) -> str:
        """A column of the frame row GX reported in `item` (a row can be compared more than once: the
        frame row is the one whose compared values are those GX reported)."""
        if column in item:
            return _shown(item[column])
        compared = [name for name in item if name != "row_number" and name in self.every]
        if not compared:
            return self.value(number, column)
        for position in self.places.get(number, ()):
            if all(self.column(name)[position] == item[name] for name in compared):
                return _shown(self.column(column)[position])
        return self.value(number, column)

    def column(self, name: str) -> Any:
        """A frame column's values by position, each as `iloc` gives it (kept for the next problem)."""
        if name not in self.columns:
            self.columns[name] = self.every[name].array
        return self.columns[name]

    @cached_property
    def places(self) -> dict[int, list[int]]:
        """The frame's positions of each row number, in order (a 5W row is several frame rows, a
        total compared with several breakdowns is several): a noisy file's problems each find their
        row without scanning the frame."""
        places: dict[int, list[int]] = defaultdict(list)
        for position, number in enumerate(self.every["row_number"].tolist()):
            places[number].append(position)
        return places


def _shown(value: object) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)


def _expected(item: dict[str, Any], meta: dict[str, Any], rows: Rows, number: int) -> str | None:
    """What the message quotes as expected: a frame column (`expected_from`), else a fixed value."""
    column = meta.get("expected_from")
    if column is None:
        expected: str | None = meta.get("expected")
        return expected
    return rows.quoted(item, number, column)


def _raised(outcome: ExpectationValidationResult) -> bool:
    """Whether the expectation could not be evaluated (GX reports exceptions per metric)."""
    info = outcome.exception_info or {}
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(isinstance(v, dict) and v.get("exception_traceback") for v in info.values())


def _duplicate_rows(check_id: str, unexpected: list[dict[str, Any]], sheet: str | None) -> list[Problem]:
    """One problem per repeated row, each naming all the rows that share its key."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for item in unexpected:
        groups[tuple(item.get(column) for column in KEY_COLUMNS)].append(int(item["row_number"]))
    problems = []
    for numbers in groups.values():
        listed = ", ".join(str(number) for number in sorted(numbers))
        problems += [
            Problem(check_id, row_number=number, rows=listed, sheet=sheet) for number in sorted(numbers)
        ]
    return problems


def parameters(today: dt.date) -> dict[str, Any]:
    """The suites' parameters: the month they run in (periods may not start after it). What differs
    per submission (its agency's folder) is a column of the frame, so that many validate at once."""
    return {CURRENT_PERIOD_PARAMETER: today.year * 12 + today.month - 1}
