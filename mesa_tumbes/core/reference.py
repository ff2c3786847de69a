"""The reference data (agencies, districts, indicators, vocabularies, template columns), typed and cached."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from mesa_tumbes.core import yamldata
from mesa_tumbes.core.config import CalendarEntry, ReminderPolicy, load_calendar
from mesa_tumbes.core.contract import Frequency
from mesa_tumbes.core.settings import agencies_path, calendar_path
from mesa_tumbes.core.text import fold, header_key, vocabulary_key

AgencyKind = Literal["state", "un", "ngo", "platform"]
Role = Literal["reached", "identified", "attended", "population"]
Unit = Literal["people", "cases"]
CodedColumn = Literal["sex", "age_group", "population_type"]
# The reference data that comes with the code; what the officer edits is in the configuration folder.
REFERENCE_DIR = Path(__file__).parent / "reference_data"


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: AgencyKind
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()  # who may send its files by e-mail, and who receives its feedback


@dataclass(frozen=True)
class District:
    inei: str
    reniec: str
    name: str
    province_inei: str
    province_name: str

    @property
    def choice(self) -> str:
        """How the template's list offers it: code and name ("240101 - Tumbes")."""
        return f"{self.inei} - {self.name}"


@dataclass(frozen=True)
class Sector:
    name: str
    name_es: str
    sensitive: bool = False
    aliases: tuple[str, ...] = ()
    r4v_name: str = ""  # how R4V's consolidated report names it, where that differs from `name`

    @property
    def consolidated_name(self) -> str:
        return self.r4v_name or self.name


@dataclass(frozen=True)
class Breakdown:
    """Rows whose `column` is one of `parts` add up to the row whose `column` is `total`."""

    column: str
    total: str
    parts: tuple[str, ...]
    unknown: str | None = None  # the part that stands for "not recorded" (sex X)


@dataclass(frozen=True)
class Region:
    """The deployment's region, as R4V files name it."""

    country: str
    country_aliases: tuple[str, ...]
    department: str  # INEI code of the department (2 digits)
    national_labels: tuple[str, ...] = ()  # Admin1 values for country-level figures
    first_period: str = "2018-01"  # YYYY-MM: nothing is reported for earlier periods


@dataclass(frozen=True)
class R4VGroups:
    """R4V's breakdowns of the people a 5W row reports, as the warehouse keeps them (r4v_groups.yaml);
    the 5W export's own columns are its format's (formats/r4v_5w/columns.yaml)."""

    population_types: tuple[str, ...]
    age_sex_groups: dict[str, tuple[str, str]]  # girls -> (F, <18), ...


@dataclass(frozen=True)
class Indicator:
    code: str
    sector: str
    role: Role
    unit: Unit
    name_es: str
    name_en: str
    pairs_with: str | None = None
    decimals: bool = False
    frequency: Frequency = "monthly"
    sector_reach: bool = False  # it counts people reached (R4V's "PiN" indicator type)
    reach_reason_es: str = ""  # why it does not (empty for one that does: the catalogue's words say)
    reach_reason_en: str = ""

    @property
    def r4v_type(self) -> str:
        """R4V's indicator type: "PiN" for people reached (its consolidation adds only those up)."""
        return "PiN" if self.sector_reach else "other"

    def reach_reason(self, lang: str) -> str:
        return self.reach_reason_es if lang == "es" else self.reach_reason_en

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en

    def choice(self, lang: str) -> str:
        """How the template's list offers it: code and name ("SAL-01 - Atenciones de salud ...")."""
        return f"{self.code} - {self.name(lang)}"


@dataclass(frozen=True)
class TemplateColumn:
    field: str
    required: bool
    title: dict[str, str]
    aliases: tuple[str, ...]
    default: str | None = None


@dataclass(frozen=True)
class HeaderWords:
    """Words left out of column titles before they are compared, and abbreviations spelled out."""

    connecting: frozenset[str] = frozenset()
    abbreviations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reference:
    agencies: tuple[Agency, ...]
    districts: tuple[District, ...]
    sectors: tuple[Sector, ...]
    indicators: tuple[Indicator, ...]
    columns: tuple[TemplateColumn, ...]
    vocabularies: dict[str, dict[str, tuple[str, ...]]]
    r4v_groups: dict[tuple[str, str], str]  # (sex, age_group) -> girls, boys, women, men, other_...
    departments: tuple[tuple[str, str], ...]  # Peru's departments: (INEI code, name)
    region: Region
    r4v: R4VGroups
    breakdowns: tuple[Breakdown, ...] = ()
    calendar: tuple[CalendarEntry, ...] = ()
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    header_words: HeaderWords = field(default_factory=HeaderWords)
    _agency_keys: dict[str, str] = field(default_factory=dict, repr=False)
    _address_keys: dict[str, str] = field(default_factory=dict, repr=False)
    _district_keys: dict[str, str] = field(default_factory=dict, repr=False)
    _indicator_keys: dict[str, str] = field(default_factory=dict, repr=False)
    _vocabulary_keys: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _area_keys: dict[str, str] = field(default_factory=dict, repr=False)
    _sector_keys: dict[str, str] = field(default_factory=dict, repr=False)
    _header_keys: dict[str, str] = field(default_factory=dict, repr=False)  # title -> key, as computed

    def __post_init__(self) -> None:
        for agency in self.agencies:
            for written in (agency.code, agency.name, *agency.aliases):
                self._agency_keys[fold(written)] = agency.code
            for address in agency.emails:
                self._address_keys[address.strip().casefold()] = agency.code
        for district in self.districts:
            self._district_keys[district.inei] = district.inei
            self._district_keys[fold(district.name)] = district.inei
            self._district_keys[fold(district.choice)] = district.inei
        for indicator in self.indicators:
            self._indicator_keys[fold(indicator.code)] = indicator.code
            for lang in ("es", "en"):
                self._indicator_keys[fold(indicator.choice(lang))] = indicator.code
        for code, name in self.departments:
            self._area_keys[f"department:{fold(name)}"] = code
        for district in self.districts:
            self._area_keys[f"province:{fold(district.province_name)}"] = district.province_inei
            self._area_keys[f"province:pe{district.province_inei}"] = district.province_inei
        for sector in self.sectors:
            for written in (sector.name, sector.name_es, *sector.aliases):
                self._sector_keys[fold(written)] = sector.name
        for column, words in self.vocabularies.items():
            keys = self._vocabulary_keys.setdefault(column, {})
            for canonical, aliases in words.items():
                for written in (canonical, *aliases):
                    keys[vocabulary_key(written)] = canonical

    # Lookups: each returns the canonical code, or None when the text is not recognised.
    def agency_code(self, text: str) -> str | None:
        return self._agency_keys.get(fold(text))

    def agency_of_address(self, address: str) -> str | None:
        """The agency an e-mail address belongs to (agencies.yaml, `emails`), case ignored."""
        return self._address_keys.get(address.strip().casefold())

    def district_code(self, text: str) -> str | None:
        """INEI code from an INEI code or a district name (accents, case and spacing ignored)."""
        return self._district_keys.get(text.strip()) or self._district_keys.get(fold(text))

    def indicator_code(self, text: str) -> str | None:
        """Catalogue code from a code written with any case or separator ("sal 01" -> "SAL-01")."""
        return self._indicator_keys.get(fold(text))

    def vocabulary_code(self, column: CodedColumn, text: str) -> str | None:
        return self._vocabulary_keys[column].get(vocabulary_key(text))

    def department_code(self, name: str) -> str | None:
        """INEI code of a Peruvian department written by name ("Tumbes" -> "24")."""
        return self._area_keys.get(f"department:{fold(name)}")

    def province_code(self, text: str) -> str | None:
        """INEI code of a province of the region, by name or R4V P-code ("Zarumilla", "PE2403" -> "2403")."""
        return self._area_keys.get(f"province:{fold(text)}")

    def sector_name(self, text: str) -> str | None:
        """The RMRP subsector as R4V names it, from any of its spellings."""
        return self._sector_keys.get(fold(text))

    def is_national(self, admin1: str) -> bool:
        """Whether an Admin1 value stands for the whole country ("Country level")."""
        return fold(admin1) in {fold(label) for label in self.region.national_labels}

    def in_country(self, text: str) -> bool:
        return fold(text) in {fold(name) for name in (self.region.country, *self.region.country_aliases)}

    def may_be_in_region(self, country: str, admin1: str) -> bool:
        """Rows an R4V file places in the region's department, or in no department this country has:
        a misspelt "Tumbez" is an error to report, not a row to leave out."""
        if not self.in_country(country) or self.is_national(admin1):
            return False
        return self.department_code(admin1) in (None, self.region.department)

    @property
    def provinces(self) -> dict[str, str]:
        """INEI code -> name of the region's provinces."""
        return {d.province_inei: d.province_name for d in self.districts}

    def header_key(self, title: str) -> str:
        """A column title as it is compared: "Grupo_Edad", "grupo de edad" and "GRUPO DE EDAD" give
        one key; so do "Cód. distrito" and "código de distrito" (header_words.yaml)."""
        key = self._header_keys.get(title)
        if key is None:
            key = header_key(title, self.header_words.connecting, self.header_words.abbreviations)
            self._header_keys[title] = key
        return key

    # Sets the validation suite is built from.
    @property
    def agency_codes(self) -> list[str]:
        return [agency.code for agency in self.agencies]

    @property
    def inei_codes(self) -> list[str]:
        return [district.inei for district in self.districts]

    @property
    def reniec_codes(self) -> dict[str, District]:
        """RENIEC code -> district, for the codes that are not also an INEI code of the region."""
        inei = set(self.inei_codes)
        return {d.reniec: d for d in self.districts if d.reniec not in inei}

    @property
    def indicator_codes(self) -> list[str]:
        return [indicator.code for indicator in self.indicators]

    def district(self, inei: str) -> District:
        return next(d for d in self.districts if d.inei == inei)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def agency(self, code: str) -> Agency:
        return next(a for a in self.agencies if a.code == code)

    def column(self, field_name: str) -> TemplateColumn:
        return next(c for c in self.columns if c.field == field_name)


def _read_yaml(name: str, folder: Path = REFERENCE_DIR) -> Any:
    with (folder / name).open(encoding="utf-8") as stream:
        return yamldata.load(stream)


def _read_csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@cache
def load_reference() -> Reference:
    """Read the reference files once per process."""
    columns = _read_yaml("columns.yaml")
    vocabularies = _read_yaml("vocabularies.yaml")
    region = _read_yaml("region.yaml")
    r4v = _read_yaml("r4v_groups.yaml")
    header_words = _read_yaml("header_words.yaml")
    agencies = agencies_path()
    reference = Reference(
        agencies=tuple(
            Agency(
                **{**row, "aliases": tuple(row.get("aliases", ())), "emails": tuple(row.get("emails", ()))}
            )
            for row in _read_yaml(agencies.name, agencies.parent)
        ),
        districts=tuple(District(**row) for row in _read_csv("districts.csv")),
        sectors=tuple(
            Sector(**{**row, "aliases": tuple(row.get("aliases", ()))}) for row in _read_yaml("sectors.yaml")
        ),
        indicators=tuple(Indicator(**row) for row in _read_yaml("indicators.yaml")),
        columns=tuple(
            TemplateColumn(
                field=name,
                required=spec["required"],
                title=spec["title"],
                aliases=tuple(spec["aliases"]),
                default=spec.get("default"),
            )
            for name, spec in columns.items()
        ),
        vocabularies={
            column: {code: tuple(str(a) for a in aliases) for code, aliases in words.items()}
            for column, words in vocabularies.items()
        },
        r4v_groups={(row["sex"], row["age_group"]): row["r4v_group"] for row in _read_csv("r4v_groups.csv")},
        departments=tuple((row["inei"], row["name"]) for row in _read_csv("peru_departments.csv")),
        region=Region(
            country=region["country"],
            country_aliases=tuple(region["country_aliases"]),
            department=region["department"],
            national_labels=tuple(region["national_labels"]),
            first_period=region["first_period"],
        ),
        r4v=R4VGroups(
            population_types=tuple(r4v["population_types"]),
            age_sex_groups={group: (pair[0], pair[1]) for group, pair in r4v["age_sex_groups"].items()},
        ),
        breakdowns=tuple(
            Breakdown(row["column"], row["total"], tuple(row["parts"]), row.get("unknown"))
            for row in _read_yaml("breakdowns.yaml")
        ),
        header_words=HeaderWords(
            connecting=frozenset(header_words["connecting"]),
            abbreviations={str(k): str(v) for k, v in header_words["abbreviations"].items()},
        ),
    )
    calendar = load_calendar(
        calendar_path(),
        agencies=tuple(reference.agency_codes),
        indicators=tuple(i.code for i in reference.indicators),
        first_period=reference.region.first_period,
    )
    return replace(reference, calendar=calendar.entries, reminders=calendar.reminders)
