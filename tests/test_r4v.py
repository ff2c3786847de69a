"""The gaps counted as R4V and OCHA count them, through the real intake (read, validate, load) and the
real build:

- R4V's consolidated report of a Tumbes 5W file in the real export's shape (its 30 columns), worked
  out by hand from R4V's published rule, with R4V's three checks;
- a 5W file's monthly reach is its Total_monthly (people reached in the month), its year to date the
  sum of New_beneficiaries; an older export without Total_monthly falls back and says so;
- a 5W row whose Total_monthly is below its new beneficiaries, or whose breakdown adds up to neither,
  is warned about with both figures, and loaded as R4V loads it;
- a month whose reports are not due is never a desert (gap_territorial, the export, the bulletin),
  and the year's elapsed share counts due months only;
- every code column of every mart is named in both languages; p-codes for every admin level;
- the intersector model is the setting's."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mesa_tumbes.agency_feedback.problems import problem_rows
from mesa_tumbes.core.config import CalendarEntry
from mesa_tumbes.core.i18n import strings
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.expectations.validate import SuiteRunner
from mesa_tumbes.formats.outcome import Outcome
from mesa_tumbes.pipeline.intake import load, take
from mesa_tumbes.publication.bulletin import gather
from mesa_tumbes.publication.ecosystem import publish
from mesa_tumbes.publication.export import export
from mesa_tumbes.reception.inbox import discover
from mesa_tumbes.reception.received import receive
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.build import build
from mesa_tumbes.warehouse.catalog import models
from mesa_tumbes.warehouse.seeds import DEFINED_LABELS
from tests.builders import need_row, need_xlsx, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
# R4V's ActivityInfo 5W export, its 30 columns in its order (Activities_5W_2022.xlsx).
EXPORT_COLUMNS = [
    "Country", "Admin1", "Admin2", "Appealing_org", "Implementation", "Implementing_partner", "Month",
    "Subsector", "Indicator", "Activity_Name", "Activity_Description", "RMRPActivity", "COVID19", "CVA",
    "Value", "Delivery_mechanism", "Quantity_output", "Total_monthly", "New_beneficiaries",
    "IN_DESTINATION", "IN_TRANSIT", "Host_Communities", "PENDULARS", "Returnees", "Girls", "Boys",
    "Women", "Men", "Other_under", "Other_above",
]  # fmt: skip
UNHCR = "United Nations High Commissioner for Refugees (UNHCR)"
IOM = "International Organization for Migration (IOM)"
INDICATORS = {
    "Health": "# of refugees and migrants benefiting from primary health care consultations",
    "Protection (General)": (
        "# of refugees and migrants who received protection-related assistance and specialized services"
    ),
    "Multipurpose Cash Assistance (MPC)": (
        "# of individuals benefitting from multipurpose cash transfers (MPC)"
    ),
}
BREAKDOWNS = [
    "IN_DESTINATION", "IN_TRANSIT", "Host_Communities", "PENDULARS", "Returnees",
    "Girls", "Boys", "Women", "Men", "Other_under", "Other_above",
]  # fmt: skip


def export_row(
    org: str, month: str, admin2: str, subsector: str, monthly: int | None, new: int, **parts: Any
) -> list[object]:
    """A row of R4V's 5W export for Tumbes: `parts` are its breakdowns (the others 0), and the
    columns that say who, how and whether it is cash (IP, RMRPActivity, CVA, Value, Delivery)."""
    row: dict[str, object] = {
        "Country": "Peru", "Admin1": "Tumbes", "Admin2": admin2, "Appealing_org": org,
        "Implementation": "Yes", "Implementing_partner": parts.pop("ip", ""), "Month": month,
        "Subsector": subsector, "Indicator": INDICATORS[subsector], "Activity_Name": f"Actividad {subsector}",
        "Activity_Description": "", "RMRPActivity": parts.pop("rmrp", "Yes"), "COVID19": "No",
        "CVA": parts.pop("cva", "No"), "Value": parts.pop("value", None),
        "Delivery_mechanism": parts.pop("mechanism", None), "Quantity_output": 0,
        "Total_monthly": monthly, "New_beneficiaries": new,
    }  # fmt: skip
    row.update({column: parts.pop(column, 0) for column in BREAKDOWNS})
    assert not parts, parts
    return [row[column] for column in EXPORT_COLUMNS]


# The hand-worked file. September, UNHCR: health in Zarumilla (40 reached, 30 new); protection in
# Tumbes through HIAS (50, 25 new); cash in Tumbes (12, all new); and a health activity outside the
# RMRP (RMRPActivity No: R4V leaves it out of its consolidation).
SEPTEMBER = [
    export_row(UNHCR, "2026-09", "Zarumilla", "Health", 40, 30,
               IN_DESTINATION=20, IN_TRANSIT=10, Girls=5, Boys=5, Women=10, Men=10),
    export_row(UNHCR, "2026-09", "Tumbes", "Protection (General)", 50, 25, ip="HIAS",
               IN_DESTINATION=25, Girls=5, Boys=5, Women=10, Men=5),
    export_row(UNHCR, "2026-09", "Tumbes", "Multipurpose Cash Assistance (MPC)", 12, 12,
               cva="Yes", value=12000, mechanism="Transferencia bancaria", IN_DESTINATION=12, Women=6, Men=6),
    export_row(UNHCR, "2026-09", "Contralmirante Villar", "Health", 100, 100, rmrp="No",
               IN_DESTINATION=100, Women=50, Men=50),
]  # fmt: skip
# October, UNHCR: health (60, 20 new); protection (30, 12 new) whose age-sex breakdown adds up to 10,
# neither 12 nor 30 (a warning, loaded as R4V loads it); cash (8, 5 new).
OCTOBER_UNHCR = [
    export_row(UNHCR, "2026-10", "Zarumilla", "Health", 60, 20,
               IN_DESTINATION=20, Girls=4, Boys=4, Women=6, Men=6),
    export_row(UNHCR, "2026-10", "Tumbes", "Protection (General)", 30, 12, ip="HIAS",
               IN_DESTINATION=12, Girls=2, Boys=2, Women=3, Men=3),
    export_row(UNHCR, "2026-10", "Tumbes", "Multipurpose Cash Assistance (MPC)", 8, 5,
               cva="Yes", value=3000, mechanism="Transferencia bancaria", IN_DESTINATION=5, Women=3, Men=2),
]  # fmt: skip
# October, IOM: health in Tumbes through the Peruvian Red Cross (25, 10 new); cash (20, all new).
OCTOBER_IOM = [
    export_row(IOM, "2026-10", "Tumbes", "Health", 25, 10, ip="Cruz Roja Peruana",
               IN_TRANSIT=10, Women=5, Men=5),
    export_row(IOM, "2026-10", "Tumbes", "Multipurpose Cash Assistance (MPC)", 20, 20,
               cva="Yes", value=8000, mechanism="Efectivo", IN_TRANSIT=20, Women=10, Men=10),
]  # fmt: skip
MPC = "Multipurpose Cash Assistance (MPC)"
AGD = "Check AGD breakdown"
OTHER_SECTORS = 10  # the RMRP subsectors no row reports: zero in R4V's template
CALENDAR = (
    CalendarEntry("ACNUR", ("SAL-01", "PRO-02", "TMP-01"), "monthly", 10, "2026-09"),
    CalendarEntry("OIM", ("SAL-01", "TMP-01"), "monthly", 10, "2026-10"),
)


def settings_at(root: Path, intersector: str = "max_sector") -> Settings:
    """The Mesa's settings under `root`: the bundled operations file, but every file approved on
    arrival (the consolidation reads what is published; warnings are the subject here, not the
    review) and the intersector model given."""
    bundled = (ROOT / "config" / "operations.yaml").read_text(encoding="utf-8")
    assert "auto_approve: clean" in bundled and "intersector: max_sector" in bundled
    written = root / "operations.yaml"
    written.write_text(
        bundled.replace("auto_approve: clean", "auto_approve: all").replace(
            "intersector: max_sector", f"intersector: {intersector}"
        ),
        encoding="utf-8",
    )
    return resolve_settings(
        inbox=str(root / "inbox"),
        warehouse=str(root / "mesa.duckdb"),
        feedback=str(root / "feedback"),
        archive=str(root / "archive"),
        environ={"MESA_OPERATIONS": str(written)},
    )


def drop(settings: Settings, agency: str, name: str, content: bytes) -> None:
    folder = Path(settings.inboxes[0]) / agency
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)


def export_file(rows: list[list[object]], columns: list[str] = EXPORT_COLUMNS) -> bytes:
    kept = [EXPORT_COLUMNS.index(column) for column in columns]
    return xlsx_bytes(("Sheet1", [columns, *[[row[i] for i in kept] for row in rows]]))


def intake(
    settings: Settings, reference: Reference, runner: SuiteRunner, as_of: dt.date = dt.date(2026, 11, 22)
) -> list[Outcome]:
    """Every file of the inbox through the intake steps (as the flow does), then the build."""
    store.migrate(settings.working)
    outcomes = []
    for file in discover(settings.inboxes[0], reference):
        outcome = take(receive(file, settings.archive), settings, runner)
        load(outcome, settings)
        outcomes.append(outcome)
    build(settings.working, reference, as_of, intersector=settings.intersector)
    return outcomes


def rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with store.connect(settings.working, read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture
def calendar(reference: Reference) -> Reference:
    return dataclasses.replace(reference, calendar=CALENDAR)


@pytest.fixture
def tumbes(tmp_path: Path, calendar: Reference, runner: SuiteRunner) -> tuple[Settings, list[Outcome]]:
    """The hand-worked 5W files of September and October (and the RMRP's need), taken in and built."""
    settings = settings_at(tmp_path)
    drop(settings, "ACNUR", "acnur_5w_2026-09.xlsx", export_file(SEPTEMBER))
    drop(settings, "ACNUR", "acnur_5w_2026-10.xlsx", export_file(OCTOBER_UNHCR))
    drop(settings, "OIM", "oim_5w_2026-10.xlsx", export_file(OCTOBER_IOM))
    drop(settings, "GTRM", "pin_2026.xlsx", need_xlsx(need_row("Health")))
    return settings, intake(settings, calendar, runner)


CONSOLIDATED = (
    "select month, subsector, monthly_total_beneficiaries, monthly_cva_beneficiaries, consolidated_total,"
    " consolidated_in_destination, consolidated_in_transit, consolidated_girls, consolidated_boys,"
    " consolidated_women, consolidated_men, consolidated_cva_beneficiaries, check_poptype_breakdown,"
    " check_agd_breakdown, check_cva_higher_total from r4v_consolidated"
)


def test_r4v_consolidation_of_a_tumbes_5w_file_in_the_exports_shape(
    tumbes: tuple[Settings, list[Outcome]],
) -> None:
    settings, outcomes = tumbes
    statuses = {
        Path(outcome.received.file.relative_path).name: outcome.verdict.status for outcome in outcomes
    }
    assert statuses["acnur_5w_2026-10.xlsx"] == "accepted_with_warnings"  # protection's breakdown
    assert set(statuses.values()) == {"accepted", "accepted_with_warnings"}
    consolidated = {
        (month, subsector): figures
        for month, subsector, *figures in rows(settings, CONSOLIDATED + " order by month, subsector")
    }
    # Worked by hand from R4V's rule: monthly = sums of Total_monthly (and of the CVA rows'); the
    # consolidated columns = New_beneficiaries and breakdowns summed, cumulated over the months;
    # Intersector = the sectors added up; the activity outside the RMRP is left out. In October,
    # protection's 25 + 12 new people are broken down by age and sex into 35: R4V's check says so.
    # fmt: off
    expected = {
        #                                    monthly cva total dest transit girls boys women men cva
        ("2026-09", "Health"):                [40, 0, 30, 20, 10, 5, 5, 10, 10, 0, "Ok", "Ok", "ok"],
        ("2026-09", "Protection (General)"):  [50, 0, 25, 25, 0, 5, 5, 10, 5, 0, "Ok", "Ok", "ok"],
        ("2026-09", MPC):                     [12, 12, 12, 12, 0, 0, 0, 6, 6, 12, "Ok", "Ok", "ok"],
        ("2026-09", "Intersector"):           [102, 12, 67, 57, 10, 10, 10, 26, 21, 12, "Ok", "Ok", "ok"],
        ("2026-10", "Health"):                [85, 0, 60, 40, 20, 9, 9, 21, 21, 0, "Ok", "Ok", "ok"],
        ("2026-10", "Protection (General)"):  [30, 0, 37, 37, 0, 7, 7, 13, 8, 0, "Ok", AGD, "ok"],
        ("2026-10", MPC):                     [28, 28, 37, 17, 20, 0, 0, 19, 18, 37, "Ok", "Ok", "ok"],
        ("2026-10", "Intersector"):           [143, 28, 134, 94, 40, 16, 16, 53, 47, 37, "Ok", AGD, "ok"],
    }
    # fmt: on
    assert {key: consolidated[key] for key in expected} == expected
    # every other subsector of each month is there, at zero, as in R4V's template
    zero = [0] * 10 + ["Ok", "Ok", "ok"]
    assert sum(figures == zero for figures in consolidated.values()) == 2 * OTHER_SECTORS
    assert len(consolidated) == 2 * (OTHER_SECTORS + 4)
    # the rest of each row is kept: who implemented what, cash and its value (a 3W)
    assert rows(
        settings,
        "select appealing_org, implementing_partner, sector, is_cva, cva_value, delivery_mechanism,"
        " total_monthly, new_beneficiaries from fct_five_w_activities"
        " where period = '2026-10' and is_cva order by appealing_org",
    ) == [
        (IOM, None, "Multipurpose Cash Assistance", True, 8000.0, "Efectivo", 20.0, 20.0),
        (UNHCR, None, "Multipurpose Cash Assistance", True, 3000.0, "Transferencia bancaria", 8.0, 5.0),
    ]
    assert rows(
        settings,
        "select implementing_partner, sum(total_monthly) from fct_five_w_activities"
        " where implementing_partner is not null group by all order by 1",
    ) == [("Cruz Roja Peruana", 25.0), ("HIAS", 80.0)]


@pytest.mark.realdata
def test_the_hand_worked_file_has_the_real_exports_columns_and_the_consolidation_r4vs(realdata: Path) -> None:
    import openpyxl

    folder = realdata / "r4v_R4RMRP2022"
    workbook = openpyxl.load_workbook(folder / "Activities_5W_2022.xlsx", read_only=True)
    assert list(next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True))) == EXPORT_COLUMNS
    workbook = openpyxl.load_workbook(folder / "RMRP_2022_AI_consolidated.xlsx", read_only=True)
    theirs = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True))
    (model,) = [model for model in models() if model.name == "r4v_consolidated"]
    ours = [column for column in model.columns if column not in {"sector", "period_start", "period_end"}]
    assert [str(column).lower().replace(" ", "_") for column in theirs] == ours


def test_a_5w_files_monthly_coverage_uses_total_monthly(tumbes: tuple[Settings, list[Outcome]]) -> None:
    settings, _ = tumbes
    coverage = rows(
        settings,
        "select period, period_kind, people_reached, reached_basis from gap_coverage"
        " where sector = 'Health' and area_code = '24' and group_code = 'total' order by period",
    )
    # months: people reached in the month (Total_monthly: 40 + 100 in September, 60 + 25 in
    # October); the year: new people added up (30 + 100 + 20 + 10)
    assert coverage == [
        ("2026", "year_to_date", 160.0, "new_beneficiaries_year_to_date"),
        ("2026-09", "month", 140.0, "period"),
        ("2026-10", "month", 85.0, "period"),
    ]
    assert rows(
        settings,
        "select value, new_beneficiaries, reach_basis from fct_indicator_groups where agency = 'ACNUR'"
        " and indicator = 'SAL-01' and period = '2026-10' and group_code = 'total'",
    ) == [(60.0, 20.0, "total_monthly")]


def test_an_older_export_without_total_monthly_falls_back_to_new_beneficiaries_and_says_so(
    tmp_path: Path, calendar: Reference, runner: SuiteRunner
) -> None:
    settings = settings_at(tmp_path)
    older = [column for column in EXPORT_COLUMNS if column != "Total_monthly"]
    drop(settings, "ACNUR", "acnur_5w_2026-10.xlsx", export_file(OCTOBER_UNHCR, older))
    drop(settings, "GTRM", "pin_2026.xlsx", need_xlsx(need_row("Health")))
    (outcome, _) = intake(settings, calendar, runner)
    assert outcome.verdict.status == "accepted_with_warnings"  # the protection breakdown, not the column
    assert rows(
        settings,
        "select people_reached, reached_basis from gap_coverage where sector = 'Health'"
        " and area_code = '24' and group_code = 'total' and period = '2026-10'",
    ) == [(20.0, "period_new_beneficiaries_fallback")]
    assert rows(
        settings,
        "select distinct reach_basis from fct_indicator_groups"
        " where agency = 'ACNUR' and group_code = 'total'",
    ) == [("new_beneficiaries_fallback",)]


def test_a_5w_row_below_its_new_people_or_adding_up_to_neither_is_warned_with_both_figures(
    tmp_path: Path, calendar: Reference, runner: SuiteRunner
) -> None:
    settings = settings_at(tmp_path)
    below = export_row(UNHCR, "2026-10", "Zarumilla", "Health", 15, 20, IN_DESTINATION=20, Women=10, Men=10)
    neither = export_row(
        UNHCR, "2026-10", "Tumbes", "Protection (General)", 30, 12, IN_DESTINATION=12, Women=4, Men=4
    )
    drop(settings, "ACNUR", "acnur_5w_2026-10.xlsx", export_file([below, neither]))
    (outcome,) = intake(settings, calendar, runner)
    assert outcome.verdict.status == "accepted_with_warnings"
    said = {row["check_id"]: row for row in problem_rows(outcome.problems, "es")}
    below_said = said["consistency.monthly_below_new"]
    assert below_said["row_number"] == 2 and "15" in below_said["message"] and "20" in below_said["message"]
    neither_said = said["consistency.age_sex_breakdown"]
    assert neither_said["row_number"] == 3
    assert all(figure in neither_said["message"] for figure in ("8", "12", "30"))
    # loaded as R4V loads them
    assert rows(
        settings, "select row_number, total_monthly, new_beneficiaries from five_w_rows order by 1"
    ) == [
        (2, 15.0, 20.0),
        (3, 30.0, 12.0),
    ]


def test_a_month_not_yet_due_is_never_a_desert_and_the_elapsed_share_counts_due_months(
    tmp_path: Path, calendar: Reference, runner: SuiteRunner, reference: Reference
) -> None:
    settings = settings_at(tmp_path)
    drop(settings, "ACNUR", "acnur_5w_2026-10.xlsx", export_file(OCTOBER_UNHCR))
    drop(settings, "GTRM", "pin_2026.xlsx", need_xlsx(need_row("Health")))
    # 1 December: October's reports were due on 10 November; November's are due on 10 December
    intake(settings, calendar, runner, as_of=dt.date(2026, 12, 1))
    statuses = dict(
        rows(
            settings,
            "select period, list(distinct gap_status order by gap_status) from gap_territorial group by 1",
        )
    )
    assert statuses["2026-11"] == ["not_due_yet"]
    assert "no_service" not in statuses["2026-09"]  # due, but ACNUR's September never came
    assert rows(
        settings, "select count(*) from gap_territorial where period = '2026-11' and is_service_desert"
    ) == [(0,)]
    exported = tmp_path / "export"
    export(settings.working, exported, reference, threshold=5)
    published = pd.read_csv(exported / "gap_territorial.csv", dtype={"period": str})
    november = published.loc[published["period"] == "2026-11"]
    assert len(november) and not november["is_service_desert"].astype(bool).any()
    assert set(november["gap_status"]) == {"not_due_yet"}
    bulletin = gather(settings.working, calendar, "2026-11", "es", 5)
    territorial = bulletin.sections["territorial"]
    assert territorial.rows == []
    assert territorial.notes == [strings("es")["bulletin"]["notes"]["territorial_not_due"]]
    # the share of the year elapsed counts October (due), not November (ended, not due)
    assert rows(settings, "select distinct share_of_year_elapsed from gap_target") == [(round(10 / 12, 3),)]
    build(settings.working, calendar, dt.date(2026, 11, 5))  # 5 November: October not due yet either
    assert rows(settings, "select distinct share_of_year_elapsed from gap_target") == [(round(9 / 12, 3),)]


def test_every_code_column_of_every_mart_has_a_label_in_both_languages(
    tumbes: tuple[Settings, list[Outcome]],
) -> None:
    settings, _ = tumbes
    code_like = ("status", "reason", "basis", "level", "role", "kind", "sector", "group_code", "unit")
    code_like += ("frequency", "r4v_type", "sex", "age_group", "population_type", "review_state", "format")
    marts = [model for model in models() if model.layer == "marts" and model.name != "dim_label"]
    with store.connect(settings.working, read_only=True) as connection:
        for model in marts:
            columns = connection.execute(
                "select column_name from duckdb_columns() where table_name = ? and data_type = 'VARCHAR'",
                [model.name],
            ).fetchall()
            codes = [name for (name,) in columns if name.endswith(code_like) or name.startswith("check_")]
            assert set(codes) <= set(model.codes), f"{model.name}: {sorted(set(codes) - set(model.codes))}"
            for column, kind in model.codes.items():
                unnamed = connection.execute(
                    f"select distinct {column} from {model.name}_labeled"
                    f" where {column} is not null and ({column}_es is null or {column}_en is null)"
                ).fetchall()
                assert unnamed == [], f"{model.name}.{column} ({kind}): {unnamed}"
    # the words are the locales', every code in both
    for kind in strings("es")["labels"]:
        assert set(strings("es")["labels"][kind]) == set(strings("en")["labels"][kind]), kind
    for kind, path in DEFINED_LABELS.items():
        es, en = strings("es"), strings("en")
        for key in path:
            es, en = es[key], en[key]
        assert set(es) == set(en), kind


TUMBES_PCODES = {
    "department": {"PE24": "Tumbes"},
    "province": {"PE2401": "Tumbes", "PE2402": "Contralmirante Villar", "PE2403": "Zarumilla"},
    "district": {
        "PE240101": "Tumbes", "PE240102": "Corrales", "PE240103": "La Cruz", "PE240104": "Pampas de Hospital",
        "PE240105": "San Jacinto", "PE240106": "San Juan de la Virgen", "PE240201": "Zorritos",
        "PE240202": "Casitas", "PE240203": "Canoas de Punta Sal", "PE240301": "Zarumilla",
        "PE240302": "Aguas Verdes", "PE240303": "Matapalo", "PE240304": "Papayal",
    },
}  # fmt: skip


def test_p_codes_for_all_13_districts_3_provinces_and_the_department(
    tumbes: tuple[Settings, list[Outcome]], reference: Reference
) -> None:
    settings, _ = tumbes
    found: dict[str, dict[str, str]] = {}
    for level, pcode, name, label in rows(
        settings, "select admin_level, area_pcode, area_name, area_label from dim_area"
    ):
        found.setdefault(level, {})[pcode] = name
        assert label == f"{name} ({strings('es')['labels']['admin_level'][level]})"
    assert found == TUMBES_PCODES
    assert rows(settings, "select count(*) from dim_district where district_pcode = 'PE' || district") == [
        (13,)
    ]
    # the HXL export tags the p-code as the code, the INEI code beside it
    exported = settings.working.parent / "export"
    publish(settings.working, exported, reference, threshold=5)
    with (exported / "hxl" / "gap_territorial.csv").open(encoding="utf-8") as stream:
        header, tags, first = (next(stream).rstrip("\r\n").split(",") for _ in range(3))
    tagged = dict(zip(header, tags, strict=True))
    assert tagged["district_pcode"] == "#adm3+code" and tagged["district"] == "#adm3+code+inei"
    assert tagged["province_pcode"] == "#adm2+code"
    row = dict(zip(header, first, strict=True))
    assert row["district_pcode"] == "PE" + row["district"]


@pytest.mark.realdata
def test_province_p_codes_are_r4vs_admin2_codes(realdata: Path, reference: Reference) -> None:
    admin = pd.read_excel(
        realdata / "r4v_R4RMRP2022" / "Admin2SHP.xlsx", sheet_name="AInfo", engine="openpyxl"
    )
    tumbes = admin.loc[(admin["Country"] == "Peru") & (admin["Admin1"] == "Tumbes")]
    assert dict(zip(tumbes["Admin2 PCode"], tumbes["Admin2"], strict=True)) == TUMBES_PCODES["province"]


@pytest.mark.parametrize(("model", "intersector"), [("max_sector", 85.0), ("sum", 85.0 + 30.0 + 28.0)])
def test_the_intersector_figure_follows_the_setting(
    tmp_path: Path, calendar: Reference, runner: SuiteRunner, model: str, intersector: float
) -> None:
    settings = settings_at(tmp_path, model)
    drop(settings, "ACNUR", "acnur_5w_2026-10.xlsx", export_file(OCTOBER_UNHCR))
    drop(settings, "OIM", "oim_5w_2026-10.xlsx", export_file(OCTOBER_IOM))
    intake(settings, calendar, runner)
    # October: health 60 + 25, protection 30, cash 8 + 20 people reached in the month
    assert rows(
        settings,
        "select people_reached from gap_coverage where sector = 'Intersector' and area_code = '24'"
        " and group_code = 'total' and period = '2026-10'",
    ) == [(intersector,)]


def test_mesa_sql_csv_opens_in_excel_as_is(tumbes: tuple[Settings, list[Outcome]]) -> None:
    import subprocess
    import sys

    settings, _ = tumbes
    written = subprocess.run(
        [sys.executable, "-m", "mesa_tumbes", "sql", "--warehouse", str(settings.working), "--csv",
         "select agency_name from dim_agency where agency = 'DIRESA'"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert written.startswith(b"\xef\xbb\xbfagency_name\r\n")
    assert "Dirección" in written.decode("utf-8-sig")
