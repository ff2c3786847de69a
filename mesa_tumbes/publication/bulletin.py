"""The Mesa's bulletin of a month (`mesa boletin`): its balance of results as the Mesa presents it,
every figure from the marts, protected as `mesa export` protects them.

What it says: who reported the month (and which figures are partial for lack of a report); per
sector, people reached against people in need at the department level (the only level where the
RMRP's need is known), progress against the RMRP target with the share of the year elapsed, referral
gaps (identified against attended), districts with need and no service, each group's share of people
reached against its share of need, and a twelve-month trend of each month's own figure (people are
never added up across months); a first page of key messages written from those figures; and notes on
method. This module gathers the figures as tables; bulletin_render.py draws and writes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from mesa_tumbes.core.boundaries import load_boundaries
from mesa_tumbes.core.i18n import number as written_number
from mesa_tumbes.core.i18n import text
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.publication.export import Protected, protected_marts
from mesa_tumbes.publication.maps import DistrictFigures, gaps_by_district, reached_by_district
from mesa_tumbes.warehouse.store import connect, query

MARTS = (
    "gap_coverage", "gap_target", "gap_referral", "gap_territorial", "gap_equity", "gap_reporting",
    "dim_period", "dim_agency", "dim_indicator",
)  # fmt: skip
VALID = ("valid_on_time", "valid_late")
TREND_MONTHS = 12
# A key message names at most this many items (sectors, districts).
LISTED = 3


class BulletinError(ValueError):
    """A bulletin that cannot be made: `key` and `params` say why in the locales (`bulletin.errors`)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params

    def describe(self, lang: str) -> str:
        return text(lang, f"bulletin.errors.{self.key}", **self.params)


@dataclass(frozen=True)
class Section:
    """One table of the bulletin: its rows as shown (numbers as numbers, SUPPRESSED where a cell is
    hidden, None where there is nothing) and as the workbook holds them."""

    key: str  # also the workbook's sheet (its title in the locales)
    columns: list[str]  # keys of bulletin.columns
    rows: list[list[object]]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what makes its figures partial
    glossary: list[tuple[str, str]] = field(default_factory=list)  # codes in its rows, and their names
    # Each row's state as a code (an agency's standing, a sector's target status), for decisions:
    # the rows show it translated, and logic never compares translated text.
    states: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, object]]:
        """The rows by column name, for what reads them (the key messages)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Suppressed:
    """A cell hidden to protect survivors: shown as the marker, never as a number."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __str__(self) -> str:
        return self.marker

    def __repr__(self) -> str:
        return f"Suppressed({self.marker!r})"


@dataclass(frozen=True)
class Bulletin:
    period: str
    year: str
    lang: str
    as_of: dt.date
    threshold: int
    key_messages: list[str]
    sections: dict[str, Section]
    missing_agencies: list[str]  # agencies with a report of the month overdue and not valid
    partial_sectors: list[str]  # sectors (in the reader's language) whose figures lack a report
    trend: pd.DataFrame  # period, sector_label, people_reached: each month's own figure
    coverage_chart_rows: pd.DataFrame  # sector_label, coverage_pct (shown ones only)
    target_chart_rows: pd.DataFrame  # sector_label, target_pct, expected_pct
    suppressed_cells: int
    pending_review: list[str] = field(default_factory=list)  # "AGENCY (state)": figures not published yet
    # The month's maps: sectors without service, and people reached, per district; what the second
    # says of need (known for the department only).
    district_gaps: DistrictFigures | None = None
    district_reach: DistrictFigures | None = None
    reach_notes: list[str] = field(default_factory=list)


def available_periods(warehouse: Path) -> tuple[list[str], str | None]:
    """The months a bulletin can be made for (ended by the last build), and the default one: the
    latest whose reporting deadline has passed (else the latest ended)."""
    with connect(warehouse, read_only=True) as connection:
        rows = connection.execute(
            "select period, is_reporting_due from dim_period where is_complete order by period"
        ).fetchall()
    periods = [period for period, _ in rows]
    due = [period for period, is_due in rows if is_due]
    return periods, (due[-1] if due else (periods[-1] if periods else None))


def gather(warehouse: Path, reference: Reference, period: str | None, lang: str, threshold: int) -> Bulletin:
    """The bulletin of `period` (by default the latest month whose reporting deadline has passed)."""
    if not warehouse.exists():
        raise BulletinError("no_warehouse", path=warehouse)
    periods, default = available_periods(warehouse)
    chosen = period or default
    if chosen is None:
        raise BulletinError("no_periods")
    if chosen not in periods:
        shown = ", ".join(periods[-12:]) or "-"
        raise BulletinError("unknown_period", period=chosen, periods=shown)
    year = int(
        chosen[:4]
    )  # the year to date, and the trend's twelve months (which may begin the year before)
    marts = protected_marts(warehouse, reference, threshold, MARTS, years=(str(year - 1), str(year)))
    with connect(warehouse, read_only=True) as connection:
        row = connection.execute("select as_of from stg_build").fetchone()
        waiting = connection.execute(query("bulletin_pending_review"), {"period": chosen}).fetchall()
    as_of = row[0] if row else dt.date.today()
    bulletin = Gathering(marts, reference, chosen, lang, threshold, as_of).bulletin()
    pending = [f"{agency} ({text(lang, f'console.states.{state}')})" for agency, state in waiting]
    return replace(bulletin, pending_review=pending)


class Gathering:
    """The figures of one bulletin, from the protected marts."""

    def __init__(
        self,
        marts: dict[str, Protected],
        reference: Reference,
        period: str,
        lang: str,
        threshold: int,
        as_of: dt.date,
    ) -> None:
        self.marts, self.reference, self.period, self.lang = marts, reference, period, lang
        self.boundaries = load_boundaries()  # the shipped shapes, as the maps draw them
        self.year, self.threshold, self.as_of = period[:4], threshold, as_of
        self.marker = Suppressed(f"<{threshold}")
        sectors = {s.name: (s.name_es if lang == "es" else s.name) for s in reference.sectors}
        self.sector_label: Callable[[str], str] = lambda name: sectors.get(name, name)

    def say(self, key: str, **params: object) -> str:
        return text(self.lang, f"bulletin.{key}", **params)

    def shown(self, protected: Protected, column: str, index: Any) -> object:
        """A cell as the bulletin may show it: the marker when hidden, else its value (None when
        there is none, hidden or not)."""
        value: Any = protected.frame.at[index, column]
        if pd.isna(value):
            return None
        return self.marker if protected.is_hidden(column).loc[index] else value

    # --- Sections ------------------------------------------------------------------------------

    def bulletin(self) -> Bulletin:
        reporting, missing, partial = self.reporting()
        coverage, coverage_chart = self.coverage(partial)
        target, target_chart = self.target()
        trend, trend_rows = self.trend()
        sections = {
            "reporting": reporting,
            "coverage": coverage,
            "target": target,
            "referral": self.referral(),
            "territorial": self.territorial(),
            "equity": self.equity(),
            "trend": trend,
        }
        hidden = sum(
            int(mask.sum())
            for name in ("gap_coverage", "gap_referral")
            for column, mask in self.marts[name].hidden.items()
            if column.startswith("people_")
        )
        return Bulletin(
            period=self.period,
            year=self.year,
            lang=self.lang,
            as_of=self.as_of,
            threshold=self.threshold,
            key_messages=self.key_messages(sections, missing, partial),
            sections=sections,
            missing_agencies=missing,
            partial_sectors=partial,
            trend=trend_rows,
            coverage_chart_rows=coverage_chart,
            target_chart_rows=target_chart,
            suppressed_cells=hidden,
            district_gaps=(gaps := self.district_gaps()),
            district_reach=reached_by_district(
                self.marts["gap_coverage"], gaps, self.period, self.boundaries
            ),
            reach_notes=self.need_notes(),
        )

    def district_gaps(self) -> DistrictFigures:
        return gaps_by_district(self.marts["gap_territorial"].frame, self.period, self.boundaries)

    def need_notes(self) -> list[str]:
        """What the map of people reached can say of need: the department's, for the year."""
        frame = self.marts["gap_coverage"].frame
        need = frame.loc[
            (frame["sector"] == "Intersector")
            & (frame["admin_level"] == "department")
            & (frame["group_code"] == "total")
            & (frame["period"] == self.year),
            "people_in_need",
        ].dropna()
        if need.empty:
            return [self.say_map("need_unknown")]
        return [self.say_map("need_department", need=self.number(need.iloc[0]), year=self.year)]

    def say_map(self, key: str, **params: object) -> str:
        return text(self.lang, f"maps.{key}", **params)

    def reporting(self) -> tuple[Section, list[str], list[str]]:
        """Each agency's reports of the month: valid on time or late, rejected, pending after a
        failure, missing, not yet due; and which sectors' figures lack a report."""
        frame = self.marts["gap_reporting"].frame
        month = frame.loc[frame["period"] == self.period]
        names = self.marts["dim_agency"].frame.set_index("agency")["agency_name"]
        rows: list[list[object]] = []
        standings: list[str] = []
        missing: list[str] = []
        for agency, reports in month.groupby("agency", sort=True):
            counts = reports["status"].value_counts()
            owed = int(counts.get("missing_overdue", 0) + counts.get("received_not_valid", 0))
            standing = (
                "on_time"
                if counts.get("valid_on_time", 0) == len(reports)
                else "owing"
                if owed or counts.get("received_failed", 0)
                else "late"
                if counts.reindex(list(VALID)).sum() == len(reports)
                else "waiting"
            )
            if owed:
                missing.append(str(agency))
            standings.append(standing)
            rows.append(
                [
                    agency,
                    names.get(agency, agency),
                    len(reports),
                    int(counts.get("valid_on_time", 0)),
                    int(counts.get("valid_late", 0)),
                    int(counts.get("received_not_valid", 0)),
                    int(counts.get("received_failed", 0)),
                    int(counts.get("missing_overdue", 0)),
                    self.say(f"standing.{standing}"),
                ]
            )
        lacking = month.loc[~month["status"].isin(VALID), "indicator"]
        indicators = self.marts["dim_indicator"].frame.set_index("indicator")["sector"]
        partial = sorted({self.sector_label(indicators[code]) for code in lacking if code in indicators})
        warnings = [self.say("notes.partial", sectors=", ".join(partial))] if partial else []
        columns = [
            "agency", "agency_name", "expected", "valid_on_time", "valid_late", "rejected", "failed",
            "missing", "standing",
        ]  # fmt: skip
        glossary = [(str(row[0]), str(row[1])) for row in rows]
        section = Section("reporting", columns, rows, warnings=warnings, glossary=glossary, states=standings)
        return section, missing, partial

    def coverage(self, partial: list[str]) -> tuple[Section, pd.DataFrame]:
        """People reached against people in need, per sector, in the department: the month's figure
        and the year to date."""
        protected = self.marts["gap_coverage"]
        frame = protected.frame
        department = frame.loc[(frame["admin_level"] == "department") & (frame["group_code"] == "total")]
        year = department.loc[department["period"] == self.year]
        rows, chart = [], []
        for index, row in year.sort_values("sector").iterrows():
            label = self.sector_label(row["sector"])
            in_month = self._month_reached(protected, row["sector"])
            coverage = self.shown(protected, "coverage_pct", index)
            rows.append(
                [
                    label,
                    in_month,
                    self.shown(protected, "people_reached", index),
                    self.shown(protected, "people_in_need", index),
                    coverage,
                    self.shown(protected, "gap_people", index),
                    self._coverage_note(row, label in partial),
                ]
            )
            if isinstance(coverage, float | int):
                chart.append({"sector_label": label, "coverage_pct": float(coverage)})
        columns = [
            "sector",
            "reached_month",
            "reached_year",
            "people_in_need",
            "coverage_pct",
            "gap_people",
            "note",
        ]
        section = Section("coverage", columns, rows, [self.say("notes.coverage_level", year=self.year)])
        return section, pd.DataFrame(chart, columns=["sector_label", "coverage_pct"])

    def _month_reached(self, protected: Protected, sector: str) -> object:
        frame = protected.frame
        match = frame.index[
            (frame["sector"] == sector)
            & (frame["admin_level"] == "department")
            & (frame["group_code"] == "total")
            & (frame["period"] == self.period)
        ]
        return self.shown(protected, "people_reached", match[0]) if len(match) else None

    def _coverage_note(self, row: pd.Series, partial: bool) -> str:
        notes = [self.say(f"reasons.{row['reason']}")] if isinstance(row["reason"], str) else []
        if partial:
            notes.append(self.say("partial"))
        return "; ".join(notes)

    def target(self) -> tuple[Section, pd.DataFrame]:
        """Reached in the year against the RMRP target, with the share of the year elapsed."""
        protected = self.marts["gap_target"]
        frame = protected.frame
        rows, chart, statuses = [], [], []
        selected = frame.loc[(frame["year"].astype(str) == self.year) & (frame["group_code"] == "total")]
        for index, row in selected.sort_values("sector").iterrows():
            label = self.sector_label(row["sector"])
            elapsed = round(float(row["share_of_year_elapsed"]) * 100, 1)
            target_pct = self.shown(protected, "target_pct", index)
            statuses.append(str(row["status"]))
            rows.append(
                [
                    label,
                    self.shown(protected, "people_reached", index),
                    self.shown(protected, "target_people", index),
                    target_pct,
                    elapsed,
                    self.say(f"target_status.{row['status']}"),
                ]
            )
            if isinstance(target_pct, float | int):
                chart.append(
                    {"sector_label": label, "target_pct": float(target_pct), "expected_pct": elapsed}
                )
        columns = ["sector", "reached_year", "target_people", "target_pct", "expected_pct", "target_status"]
        return Section("target", columns, rows, states=statuses), pd.DataFrame(
            chart, columns=["sector_label", "target_pct", "expected_pct"]
        )

    def referral(self) -> Section:
        """Identified against attended (trafficking, GBV), in the department, in the month."""
        protected = self.marts["gap_referral"]
        frame = protected.frame
        selected = frame.loc[(frame["admin_level"] == "department") & (frame["period"] == self.period)]
        names = self.marts["dim_indicator"].frame.set_index("indicator")
        name_column = "indicator_name_es" if self.lang == "es" else "indicator_name_en"
        rows = [
            [
                " → ".join(
                    str(names.at[row[key], name_column])
                    for key in ("identified_indicator", "attended_indicator")
                ),
                self.shown(protected, "people_identified", index),
                self.shown(protected, "people_attended", index),
                self.shown(protected, "attended_pct", index),
                self.shown(protected, "not_attended_people", index),
                self.say(f"reasons.{row['reason']}") if isinstance(row["reason"], str) else "",
            ]
            for index, row in selected.sort_values("identified_indicator").iterrows()
        ]
        columns = ["pair", "identified", "attended", "attended_pct", "not_attended", "note"]
        return Section("referral", columns, rows)

    def territorial(self) -> Section:
        """Districts with need and no agency serving them in the month, sector by sector."""
        frame = self.marts["gap_territorial"].frame
        month = frame.loc[frame["period"] == self.period]
        deserts = month.loc[month["is_service_desert"].astype(bool)]
        rows: list[list[object]] = [
            [str(district_name), len(group), ", ".join(sorted(self.sector_label(s) for s in group["sector"]))]
            for district_name, group in deserts.groupby("district_name", sort=True)
        ]
        rows.sort(key=lambda row: (-int(str(row[1])), str(row[0])))
        return Section(
            "territorial", ["district", "sectors_without_service", "sectors"], rows, self.unknown(month)
        )

    def unknown(self, month: pd.DataFrame) -> list[str]:
        """What the month's territorial figures cannot say yet: reports not due, or not all in (a
        district is a desert only where the reports that would show a service are in)."""
        if month.empty:
            return [self.say("notes.no_territorial")]
        if not month["is_reporting_due"].astype(bool).any():
            return [self.say("notes.territorial_not_due")]
        waiting = sorted(
            {self.sector_label(s) for s in month.loc[month["gap_status"] == "not_reported", "sector"]}
        )
        return [self.say("notes.territorial_not_reported", sectors=", ".join(waiting))] if waiting else []

    def equity(self) -> Section:
        """Each age-sex group's share of the people reached against its share of the people in need,
        in the year to date, where both are known."""
        protected = self.marts["gap_equity"]
        frame = protected.frame
        selected = frame.loc[
            (frame["period"] == self.year)
            & (frame["group_kind"] == "age_sex")
            & frame["gap_pct_points"].notna()
        ]
        groups = {code: text(self.lang, f"groups.{code}") for code in selected["group_code"].unique()}
        rows = [
            [
                self.sector_label(row["sector"]),
                groups[row["group_code"]],
                self.shown(protected, "share_of_reached_pct", index),
                self.shown(protected, "share_of_need_pct", index),
                self.shown(protected, "gap_pct_points", index),
            ]
            for index, row in selected.sort_values(["sector", "group_code"]).iterrows()
        ]
        return Section("equity", ["sector", "group", "share_reached", "share_need", "gap_points"], rows)

    def trend(self) -> tuple[Section, pd.DataFrame]:
        """People reached each month in the department, sector by sector, for the twelve months that
        end with the bulletin's: each month's own figure, never a sum over months."""
        protected = self.marts["gap_coverage"]
        frame = protected.frame
        end = pd.Period(self.period, freq="M")
        months = [str(end - n) for n in range(TREND_MONTHS - 1, -1, -1)]
        selected = frame.loc[
            (frame["admin_level"] == "department")
            & (frame["group_code"] == "total")
            & (frame["period_kind"] == "month")
            & frame["period"].isin(months)
        ]
        rows, chart = [], []
        for index, row in selected.sort_values(["period", "sector"]).iterrows():
            value = self.shown(protected, "people_reached", index)
            label = self.sector_label(row["sector"])
            rows.append([row["period"], label, value])
            if isinstance(value, float | int):
                chart.append({"period": row["period"], "sector_label": label, "people_reached": float(value)})
        section = Section("trend", ["period", "sector", "reached_month"], rows, [self.say("notes.trend")])
        return section, pd.DataFrame(chart, columns=["period", "sector_label", "people_reached"])

    # --- Key messages --------------------------------------------------------------------------

    def key_messages(self, sections: dict[str, Section], missing: list[str], partial: list[str]) -> list[str]:
        """The month's largest gaps, in sentences written from the figures above (no other figure)."""
        messages = [self._reporting_message(sections["reporting"], missing)]
        messages += self._coverage_messages(sections["coverage"])
        messages += self._target_messages(sections["target"])
        messages += self._referral_messages(sections["referral"])
        messages += self._territorial_messages(sections["territorial"])
        messages += self._equity_messages(sections["equity"])
        if partial:
            messages.append(self.say("messages.partial", sectors=", ".join(partial)))
        return [message for message in messages if message]

    def _reporting_message(self, reporting: Section, missing: list[str]) -> str:
        agencies = len(reporting.rows)
        if not agencies:
            return self.say("messages.no_calendar")
        on_time = reporting.states.count("on_time")
        if not missing:
            return self.say("messages.reporting_complete", on_time=on_time, agencies=agencies)
        return self.say("messages.reporting", on_time=on_time, agencies=agencies, missing=", ".join(missing))

    def _coverage_messages(self, coverage: Section) -> list[str]:
        measured = [row for row in coverage.records() if _number(row["coverage_pct"]) is not None]
        if not coverage.rows:
            return [self.say("messages.no_reach", year=self.year)]
        if not measured:
            return [self.say("messages.no_need", year=self.year)]
        lowest = min(measured, key=lambda row: _number(row["coverage_pct"]) or 0.0)
        return [
            self.say(
                "messages.coverage_gap",
                sector=lowest["sector"],
                year=self.year,
                reached=self.number(lowest["reached_year"]),
                need=self.number(lowest["people_in_need"]),
                pct=self.number(lowest["coverage_pct"], 1),
                gap=self.number(lowest["gap_people"]),
            )
        ]

    def _target_messages(self, target: Section) -> list[str]:
        # Sectors whose progress is shown (a hidden one is not named with a percentage it hides).
        behind = [
            row
            for row, status in zip(target.records(), target.states, strict=True)
            if status == "behind" and _number(row["target_pct"]) is not None
        ]
        if not target.rows:
            return [self.say("messages.no_target", year=self.year)]
        if not behind:
            return []
        listed = "; ".join(
            self.say(
                "messages.behind_item",
                sector=row["sector"],
                pct=self.number(row["target_pct"], 1),
                expected=self.number(row["expected_pct"], 1),
            )
            for row in sorted(behind, key=lambda row: _number(row["target_pct"]) or 0.0)[:LISTED]
        )
        more = self.say("messages.more", count=len(behind) - LISTED) if len(behind) > LISTED else ""
        return [self.say("messages.behind", count=len(behind), sectors=listed + more)]

    def _referral_messages(self, referral: Section) -> list[str]:
        messages = []
        for row in referral.records():
            identified, attended, pct = row["identified"], row["attended"], row["attended_pct"]
            if _number(identified) and _number(attended) is not None and _number(pct) is not None:
                messages.append(
                    self.say(
                        "messages.referral",
                        pair=row["pair"],
                        identified=self.number(identified),
                        attended=self.number(attended),
                        pct=self.number(pct, 1),
                    )
                )
        return messages[:LISTED]

    def _territorial_messages(self, territorial: Section) -> list[str]:
        if not territorial.rows:
            return []
        listed = ", ".join(
            f"{row['district']} ({row['sectors_without_service']})" for row in territorial.records()[:LISTED]
        )
        more = (
            self.say("messages.more", count=len(territorial.rows) - LISTED)
            if len(territorial.rows) > LISTED
            else ""
        )
        return [self.say("messages.deserts", count=len(territorial.rows), districts=listed + more)]

    def _equity_messages(self, equity: Section) -> list[str]:
        measured = [row for row in equity.records() if _number(row["gap_points"]) is not None]
        if not measured:
            return []
        worst = min(measured, key=lambda row: _number(row["gap_points"]) or 0.0)
        if (_number(worst["gap_points"]) or 0.0) >= 0:
            return []
        return [
            self.say(
                "messages.equity",
                group=worst["group"],
                sector=worst["sector"],
                need=self.number(worst["share_need"], 1),
                reached=self.number(worst["share_reached"], 1),
            )
        ]

    def number(self, value: object, decimals: int = 0) -> str:
        return number(value, self.lang, decimals)


def _number(value: object) -> float | None:
    """A cell's value as a number; None for an empty or hidden cell."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if pd.isna(value) else float(value)


def number(value: object, lang: str, decimals: int = 0) -> str:
    """A figure as the reader writes it (core.i18n.number), or the suppression mark it carries."""
    if isinstance(value, Suppressed):
        return str(value)
    return written_number(_number(value), lang, decimals)
