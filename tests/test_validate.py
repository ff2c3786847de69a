"""Every check in the registry, broken on purpose: the feedback row it gives and what loads."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from mesa_tumbes.core.checks import checks
from mesa_tumbes.core.contract import DEFAULT_LIMITS, ReadLimits
from mesa_tumbes.core.problems import Problem
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.validate import SuiteRunner
from mesa_tumbes.formats.submission import expectations, verdict
from mesa_tumbes.formats.submission import read as parse_submission
from mesa_tumbes.formats.submission import validate as validate_parsed
from mesa_tumbes.pipeline.intake import take
from mesa_tumbes.reception.archive import ArchivedFile
from mesa_tumbes.reception.inbox import InboxFile
from mesa_tumbes.reception.received import Received
from tests.builders import (
    NEED_HEADER,
    csv_bytes,
    five_w_csv,
    five_w_row,
    need_row,
    need_xlsx,
    settings_under,
    template_csv,
    xlsx_bytes,
)

VALID = ["DIRESA", "2026-10", "240101", "SAL-01", "F", "18-59", "destino", "12"]


def row(**changes: str) -> list[str]:
    """The valid row with some cells changed, by template field."""
    positions = ["agency", "period", "district", "indicator", "sex", "age_group", "population_type", "value"]
    cells = list(VALID)
    for name, value in changes.items():
        cells[positions.index(name)] = value
    return cells


@dataclass(frozen=True)
class Case:
    check_id: str
    content: bytes
    expected: dict[str, Any]  # fields of the Problem that must match
    status: str
    rows_loaded: int
    name: str = "submission.csv"
    limits: ReadLimits = DEFAULT_LIMITS
    channel: str = "DIRESA"


CASES = [
    Case(
        "structure.required_column",
        csv_bytes([["periodo", "ubigeo", "valor"], ["2026-10", "240101", "3"]]),
        {"row_number": None, "field": "indicator", "column": None},
        "rejected",
        0,
    ),
    Case(
        "domain.value_missing",
        template_csv(VALID, row(district="", sex="M")),
        {"row_number": 3, "column": "ubigeo", "value": ""},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.agency_matches_channel",
        template_csv(VALID, row(agency="OIM", sex="M")),
        {"row_number": 3, "column": "agencia", "value": "OIM", "expected": "DIRESA"},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.period_format",
        template_csv(row(period="10/2026")),
        {"row_number": 2, "column": "periodo", "value": "10/2026", "suggestion": "2026-10"},
        "rejected",
        0,
    ),
    Case(
        "domain.period_frequency",
        template_csv(VALID, row(period="2026-T3", sex="M")),
        {"row_number": 3, "column": "periodo", "value": "2026-T3"},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.period_in_future",
        template_csv(VALID, row(period="2099-01", sex="M")),
        {"row_number": 3, "column": "periodo", "value": "2099-01"},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.period_before_programme",
        template_csv(row(period="2015-06")),
        {"row_number": 2, "column": "periodo", "value": "2015-06", "expected": "2018-01"},
        "rejected",
        0,
    ),
    Case(
        "domain.district_in_region",
        template_csv(VALID, row(district="Aguas Verde", sex="M")),
        {"row_number": 3, "column": "ubigeo", "value": "Aguas Verde", "suggestion": "Aguas Verdes"},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.district_reniec_code",
        template_csv(row(district="230304")),
        {"row_number": 2, "column": "ubigeo", "value": "230304", "suggestion": "240302"},
        "rejected",
        0,
    ),
    Case(
        "domain.indicator_in_catalogue",
        template_csv(VALID, row(indicator="TRA-1")),
        {"row_number": 3, "column": "indicador", "value": "TRA-1", "suggestion": "TRA-01"},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.sex_in_list",
        template_csv(row(sex="Femenina")),
        {"row_number": 2, "column": "sexo", "value": "Femenina", "suggestion": "F"},
        "rejected",
        0,
    ),
    Case(
        "domain.age_group_in_list",
        template_csv(VALID, row(age_group="adultos", sex="M")),
        {"row_number": 3, "column": "grupo de edad", "value": "adultos"},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.population_type_in_list",
        template_csv(row(population_type="visitante")),
        {"row_number": 2, "column": "tipo de población", "value": "visitante"},
        "rejected",
        0,
    ),
    Case(
        "domain.value_is_number",
        template_csv(row(value="25 personas")),
        {"row_number": 2, "column": "valor", "value": "25 personas", "suggestion": "25"},
        "rejected",
        0,
    ),
    Case(
        "domain.value_non_negative",
        template_csv(VALID, row(value="-3", sex="M")),
        {"row_number": 3, "column": "valor", "value": "-3", "suggestion": None},
        "partially_accepted",
        1,
    ),
    Case(
        "domain.value_whole",
        template_csv(row(value="1.234")),
        {"row_number": 2, "column": "valor", "value": "1.234", "suggestion": "1234"},
        "rejected",
        0,
    ),
    Case(
        "consistency.total_equals_parts",
        template_csv(row(sex="", value="10"), row(sex="F", value="6"), row(sex="M", value="5")),
        {"row_number": 2, "column": "valor", "value": "10", "expected": "11"},
        "partially_accepted",
        2,
    ),
    Case(
        "consistency.attended_within_identified",
        template_csv(row(indicator="TRA-01", value="2"), row(indicator="TRA-02", value="3")),
        {"row_number": 3, "column": "valor", "value": "3", "expected": "2"},
        "accepted_with_warnings",
        2,
    ),
    Case(
        "consistency.duplicate_key",
        template_csv(VALID, row(value="13"), row(sex="M")),
        {"row_number": 2, "rows": "2, 3"},
        "partially_accepted",
        1,
    ),
    # R4V 5W exports, sent by UNHCR (ACNUR).
    Case(
        "structure.outside_region",
        five_w_csv(
            five_w_row(),
            five_w_row(Admin1="Piura", Admin2=""),
            five_w_row(Country="Ecuador", Admin1="El Oro"),
        ),
        {"row_number": None, "rows": "2", "detail": "Peru / Piura (1), Ecuador / El Oro (1)"},
        "accepted",
        1,
        channel="ACNUR",
    ),
    Case(
        "structure.indicator_not_tracked",
        five_w_csv(
            five_w_row(),
            five_w_row(
                Subsector="Common Services (Communication)", Indicator="# of communication products published"
            ),
        ),
        {"row_number": None, "value": "# of communication products published", "rows": "1"},
        "accepted",
        1,
        channel="ACNUR",
    ),
    Case(
        "domain.admin_area_unknown",
        five_w_csv(five_w_row(), five_w_row(Admin1="Tumbez")),
        {"row_number": 3, "column": "Admin1", "value": "Tumbez", "suggestion": "Tumbes"},
        "partially_accepted",
        1,
        channel="ACNUR",
    ),
    # R4V's quality checks: a breakdown that adds up to neither New_beneficiaries (30) nor
    # Total_monthly (40) is a warning naming both, the row loaded as R4V loads it (one that adds up
    # to Total_monthly passes); the month's people are not fewer than its new ones.
    Case(
        "consistency.population_breakdown",
        five_w_csv(five_w_row(IN_TRANSIT=5)),
        {"row_number": 2, "column": "New_beneficiaries", "value": "30", "expected": "25", "detail": "40"},
        "accepted_with_warnings",
        1,
        channel="ACNUR",
    ),
    Case(
        "consistency.age_sex_breakdown",
        five_w_csv(five_w_row(), five_w_row(Women=20), five_w_row(Women=25)),
        {"row_number": 4, "column": "New_beneficiaries", "value": "30", "expected": "45", "detail": "40"},
        "accepted_with_warnings",
        3,
        channel="ACNUR",
    ),
    Case(
        "consistency.monthly_below_new",
        five_w_csv(five_w_row(Total_monthly=20)),
        {"row_number": 2, "column": "Total_monthly", "value": "20", "expected": "30"},
        "accepted_with_warnings",
        1,
        channel="ACNUR",
    ),
    # RMRP people in need and targets, sent by the GTRM.
    Case(
        "structure.year_missing",
        need_xlsx(
            need_row(),
            sheet="Target",
            header=[title.replace(" 2026", "").replace("PiN", "Target") for title in NEED_HEADER],
        ),
        {"row_number": None, "value": "Target"},
        "rejected",
        0,
        name="needs.xlsx",
        channel="GTRM",
    ),
    Case(
        "domain.sector_unknown",
        need_xlsx(need_row(), need_row(subsector="Healt care")),
        {
            "row_number": 3,
            "column": "Subsector",
            "value": "Healt care",
            "suggestion": "Health",
            "sheet": "PiN 2026",
        },
        "partially_accepted",
        1,
        name="needs.xlsx",
        channel="GTRM",
    ),
    Case(
        "structure.unsupported_format",
        b"%PDF-1.4 informe",
        {"row_number": None, "detail": ".pdf"},
        "rejected",
        0,
        name="informe.pdf",
    ),
    Case(
        "structure.unreadable_file",
        b"PK\x03\x04 not really a zip",
        {"row_number": None},
        "rejected",
        0,
        name="r.xlsx",
    ),
    Case("structure.empty_file", b"", {"row_number": None}, "rejected", 0),
    Case(
        "structure.header_not_found",
        b"Informe de matricula\nSin tabla\n",
        {"row_number": None},
        "rejected",
        0,
    ),
    Case("structure.no_data_rows", template_csv(), {"row_number": None}, "rejected", 0),
    Case(
        "structure.file_too_large",
        template_csv(VALID, VALID),
        {"row_number": None, "detail": "0.0 MB > 0 MB"},
        "rejected",
        0,
        limits=ReadLimits(max_file_bytes=100),
    ),
    Case(
        "structure.file_too_large",
        xlsx_bytes(
            (
                "H",
                [
                    ["periodo", "ubigeo", "indicador", "valor"],
                    *[["2026-10", "240101", "SAL-01", n] for n in range(300)],
                ],
            )
        ),
        {"row_number": None},
        "rejected",
        0,
        name="r.xlsx",
        limits=ReadLimits(max_workbook_expanded_bytes=10_000),
    ),
    Case(
        "structure.mojibake_repaired",
        csv_bytes(
            [
                ["periodo", "ubigeo", "indicador", "tipo de poblaciÃ³n", "valor"],
                ["2026-10", "240101", "SAL-01", "trÃ¡nsito", "4"],
            ]
        ),
        {"row_number": None, "detail": "«tipo de poblaciÃ³n» → «tipo de población» (+1)"},
        "accepted_with_warnings",
        1,
    ),
    Case(
        "structure.total_row",
        template_csv(VALID, row(sex="M"), ["TOTAL", "", "", "", "", "", "", "24"]),
        {"row_number": 4, "value": "TOTAL"},
        "accepted_with_warnings",
        2,
    ),
    Case(
        "structure.personal_data_column",
        csv_bytes(
            [
                ["periodo", "ubigeo", "indicador", "valor", "Nombre y apellidos"],
                ["2026-10", "240101", "SAL-01", "4", "Ana Pérez"],
            ]
        ),
        {"row_number": None, "column": "Nombre y apellidos", "detail": "names"},
        "accepted_with_warnings",
        1,
    ),
    Case(
        "structure.personal_data_in_values",
        template_csv(row(value="45871236"), row(sex="M", value="40125587")),
        {"row_number": None, "column": "valor", "detail": "identity_document"},
        "rejected",
        0,
    ),
    Case(
        "structure.unknown_column",
        csv_bytes(
            [["periodo", "ubigeo", "indicador", "valor", "Sede"], ["2026-10", "240101", "SAL-01", "4", "x"]]
        ),
        {"row_number": None, "column": "Sede"},
        "accepted_with_warnings",
        1,
    ),
    Case(
        "structure.repeated_column",
        xlsx_bytes(
            (
                "H",
                [
                    ["periodo", "ubigeo", "distrito", "indicador", "valor"],
                    ["2026-10", "240101", "Tumbes", "SAL-01", 4],
                ],
            )
        ),
        {"row_number": None, "column": "distrito", "expected": "ubigeo"},
        "accepted_with_warnings",
        1,
        name="r.xlsx",
    ),
    Case(
        "structure.months_across_columns",
        csv_bytes([["ubigeo", "indicador", "agosto", "septiembre"], ["240101", "SAL-01", "3", "4"]]),
        {"row_number": None, "value": "agosto, septiembre"},
        "rejected",
        0,
    ),
    Case(
        "structure.header_guessed",
        csv_bytes(
            [["periodo", "ubigeo", "indicador", "tipo de poblacon", "valor"], [*VALID[1:4], "destino", 3]]
        ),
        {"row_number": None, "column": "tipo de poblacon", "field": "population_type"},
        "accepted_with_warnings",
        1,
    ),
    Case(
        "structure.formula_without_value",
        xlsx_bytes(
            ("H", [["periodo", "ubigeo", "indicador", "valor"], ["2026-10", "240101", "SAL-01", "=2+3"]])
        ),
        {"row_number": 2, "column": "valor", "sheet": "H"},
        "rejected",
        0,
        name="f.xlsx",
    ),
    Case(
        "consistency.conflicting_columns",
        csv_bytes(
            [
                ["periodo", "ubigeo", "distrito", "indicador", "valor"],
                ["2026-10", "240101", "Tumbes", "SAL-01", "4"],
                ["2026-10", "240102", "Zarumilla", "SAL-01", "4"],
            ]
        ),
        {
            "row_number": 3,
            "column": "distrito",
            "value": "Zarumilla",
            "expected": "ubigeo",
            "detail": "240102",
        },
        "partially_accepted",
        1,
    ),
    Case(
        "consistency.total_above_parts",
        template_csv(row(sex="", value="30"), row(value="11"), row(sex="M", value="10")),
        {"row_number": 2, "column": "valor", "value": "30", "expected": "21", "detail": "9"},
        "accepted_with_warnings",
        3,
    ),
]


def validate(runner: SuiteRunner, reference: Reference, case: Case) -> tuple[list[Problem], Any]:
    parsed = parse_submission(case.name, case.content, case.channel, reference, case.limits)
    validation = validate_parsed(parsed, case.channel, runner)
    return validation.problems, verdict(parsed, validation)


@pytest.mark.parametrize("case", CASES, ids=[case.check_id for case in CASES])
def test_check_gives_its_feedback_row_and_load_outcome(
    runner: SuiteRunner, reference: Reference, case: Case
) -> None:
    problems, verdict = validate(runner, reference, case)
    raised = [p for p in problems if p.check_id == case.check_id]
    assert raised, f"{case.check_id} not raised; got {[p.check_id for p in problems]}"
    first = raised[0]
    assert {key: getattr(first, key) for key in case.expected} == case.expected
    assert first.message("es") and first.message("en")
    assert (verdict.status, verdict.rows_loaded) == (case.status, case.rows_loaded)


def test_the_titles_a_message_lists_are_in_the_agency_s_language(
    runner: SuiteRunner, reference: Reference
) -> None:
    problems, _ = validate(runner, reference, Case("", b"Informe\nSin tabla\n", {}, "", 0))
    (missing,) = problems
    assert "periodo, distrito, indicador, valor" in missing.message("es")
    assert "period, district, indicator, value" in missing.message("en")


def test_each_problem_is_reported_once_and_only_by_its_check(
    runner: SuiteRunner, reference: Reference
) -> None:
    content = template_csv(row(district="230304"), row(value="abc", sex="M"), row(value="-2.5", sex="X"))
    problems, _ = validate(runner, reference, Case("", content, {}, "", 0))
    assert sorted((p.row_number, p.check_id) for p in problems) == [
        (2, "domain.district_reniec_code"),
        (3, "domain.value_is_number"),
        (4, "domain.value_non_negative"),
        (4, "domain.value_whole"),
    ]


def test_missing_column_is_reported_and_checks_needing_it_are_not_evaluated(
    runner: SuiteRunner, reference: Reference
) -> None:
    parsed = parse_submission(
        "f.csv",
        csv_bytes([["periodo", "indicador", "valor"], ["2026-10", "SAL-01", "1"]]),
        "DIRESA",
        reference,
    )
    validation = validate_parsed(parsed, "DIRESA", runner)
    assert [(p.check_id, p.field) for p in validation.problems] == [("structure.required_column", "district")]
    assert validation.problems[0].column_label("es") == "distrito"
    assert validation.problems[0].column_label("en") == "district"
    assert "domain.district_in_region" in validation.not_evaluated


def test_every_failing_row_is_reported_not_a_sample(runner: SuiteRunner, reference: Reference) -> None:
    ages = ["0-5", "6-11", "12-17", "18-59", "60+"]
    kinds = ["destino", "tránsito", "pendular", "retornado", "comunidad de acogida"]
    many = [
        row(district="Lima", sex=sex, age_group=age, population_type=kind)
        for sex, age, kind in itertools.product(["F", "M", "X"], ages, kinds)
    ]
    problems, verdict = validate(runner, reference, Case("", template_csv(*many), {}, "", 0))
    reported = [p.row_number for p in problems if p.check_id == "domain.district_in_region"]
    assert reported == list(range(2, 2 + len(many))) and len(many) == 75
    assert verdict.status == "rejected"


def test_unknown_agency_folder_is_rejected_with_the_list_of_agencies(
    tmp_path: Path, runner: SuiteRunner, reference: Reference
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(template_csv(VALID))
    file = InboxFile("FOO", None, "file.csv", str(path), 10, dt.datetime.now(dt.UTC))
    outcome = take(Received(file, ArchivedFile("0" * 64, path, 10)), settings_under(tmp_path), runner)
    assert outcome.status == "rejected"
    (problem,) = outcome.problems
    assert (problem.check_id, problem.value) == ("structure.unknown_channel", "FOO")
    assert "DIRESA" in (problem.expected or "")


def runner_for(reference: Reference) -> SuiteRunner:
    """A runner whose suites are built from other reference data."""
    return SuiteRunner(reference, expectations(reference))


def test_every_registered_check_has_a_case() -> None:
    # Tested elsewhere: an unknown agency folder (below), and the checks against the warehouse's
    # history (test_history.py).
    tested = {case.check_id for case in CASES} | {
        "structure.unknown_channel",
        "consistency.revision_drops_values",
        "plausibility.unusual_value",
        "structure.old_template",  # test_templates.py: an old template, read and answered
    }
    assert tested == set(checks())


def test_indicators_that_allow_decimals_skip_the_whole_number_rule(reference: Reference) -> None:
    decimal = tuple(replace(i, decimals=i.code == "SAL-01") for i in reference.indicators)
    custom = runner_for(replace(reference, indicators=decimal))
    content = template_csv(row(value="12.5"), row(indicator="SAL-02", value="12.5"))
    parsed = parse_submission("f.csv", content, "DIRESA", reference)
    problems = validate_parsed(parsed, "DIRESA", custom).problems
    assert [(p.row_number, p.check_id) for p in problems] == [(3, "domain.value_whole")]


def test_quarterly_indicators_take_quarters_however_written(reference: Reference) -> None:
    quarterly = tuple(
        replace(i, frequency="quarterly" if i.code == "DOC-01" else i.frequency) for i in reference.indicators
    )
    custom = runner_for(replace(reference, indicators=quarterly))
    content = template_csv(
        row(indicator="DOC-01", period="2026-Q3"),
        row(indicator="DOC-01", period="2026-T2", sex="M"),
        row(indicator="DOC-01", period="2026-10", sex="X"),
    )
    parsed = parse_submission("f.csv", content, "DIRESA", reference)
    assert list(parsed.parts[0].frame["period"]) == ["2026-Q3", "2026-Q2", "2026-10"]
    problems = validate_parsed(parsed, "DIRESA", custom).problems
    assert [(p.row_number, p.check_id) for p in problems] == [(4, "domain.period_frequency")]


def test_the_current_month_may_be_reported_the_next_one_may_not(
    runner: SuiteRunner, reference: Reference
) -> None:
    parsed = parse_submission(
        "f.csv", template_csv(row(period="2026-11"), row(period="2026-12", sex="M")), "DIRESA", reference
    )
    problems = validate_parsed(parsed, "DIRESA", runner, today=dt.date(2026, 11, 22)).problems
    assert [(p.row_number, p.check_id) for p in problems] == [(3, "domain.period_in_future")]


@pytest.mark.parametrize(
    ("parts", "problem"),
    [
        ({"F": "4", "M": "5"}, None),  # X unknown: the parts may add up to less than the total
        ({"F": "4", "M": "5", "X": "1"}, None),  # all parts, equal to the total
        ({"F": "4", "M": "4", "X": "1"}, "9"),  # all parts, less than the total
        ({"F": "6", "M": "5"}, "11"),  # more than the total
    ],
)
def test_a_total_is_the_sum_of_its_parts_and_a_part_may_be_unknown(
    runner: SuiteRunner, reference: Reference, parts: dict[str, str], problem: str | None
) -> None:
    rows = [row(sex="", value="10"), *(row(sex=sex, value=value) for sex, value in parts.items())]
    problems, _ = validate(runner, reference, Case("", template_csv(*rows), {}, "", 0))
    found = [(p.row_number, p.expected) for p in problems if p.check_id == "consistency.total_equals_parts"]
    assert found == ([] if problem is None else [(2, problem)])


def test_age_bands_add_up_to_their_coarse_band(runner: SuiteRunner, reference: Reference) -> None:
    rows = [
        row(age_group="<18", value="5"),
        row(age_group="0-5", value="2"),
        row(age_group="6-11", value="2"),
        row(age_group="12-17", value="2"),
    ]
    problems, _ = validate(runner, reference, Case("", template_csv(*rows), {}, "", 0))
    assert [(p.row_number, p.check_id, p.expected) for p in problems] == [
        (2, "consistency.total_equals_parts", "6")
    ]
