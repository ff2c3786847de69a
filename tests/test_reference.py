"""Convention tests: the reference data, check registry and texts are complete and consistent."""

from __future__ import annotations

import re
import string
from collections import Counter

import pytest

from mesa_tumbes.core.checks import LANGUAGES, PLACEHOLDERS, checks
from mesa_tumbes.core.i18n import strings
from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.text import fold, vocabulary_key
from mesa_tumbes.formats.submission import expectations

STARTER_INDICATORS = {
    "SAL-01", "SAL-02", "SAL-03", "SAL-04", "VBG-01", "VBG-02", "TRA-01", "TRA-02",
    "PRO-01", "DOC-01", "DOC-02", "INT-01", "EDU-01", "POB-01",
}  # fmt: skip
DOMAIN_AGENCIES = {
    "GORE", "CANCILLERIA", "MIGRACIONES", "DIRESA", "MIMP", "PNP", "MTPE", "DRE", "DEFENSORIA",
    "OIM", "ACNUR", "UNICEF", "CARE", "ENCUENTROS", "GTRM",
}  # fmt: skip


def test_the_thirteen_tumbes_districts_with_inei_and_reniec_codes(reference: Reference) -> None:
    districts = {d.inei: d for d in reference.districts}
    assert len(districts) == 13
    assert {d.province_inei for d in reference.districts} == {"2401", "2402", "2403"}
    for district in reference.districts:
        assert re.fullmatch(r"24\d{4}", district.inei)
        assert re.fullmatch(r"23\d{4}", district.reniec)
        assert district.inei.startswith(district.province_inei)
    # The pitfall of domain.md: RENIEC numbers Zarumilla's districts in another order.
    assert districts["240302"].name == "Aguas Verdes" and districts["240302"].reniec == "230304"
    assert districts["240303"].name == "Matapalo" and districts["240303"].reniec == "230302"
    assert len({fold(d.name) for d in reference.districts}) == 13


def test_starter_catalogue_is_complete_and_pairs_make_sense(reference: Reference) -> None:
    indicators = {i.code: i for i in reference.indicators}
    assert set(indicators) >= STARTER_INDICATORS
    sectors = {s.name for s in reference.sectors}
    for indicator in indicators.values():
        assert indicator.sector in sectors, indicator.code
        assert indicator.name_es and indicator.name_en
        if indicator.role == "attended":
            assert indicator.pairs_with is not None, indicator.code
            assert indicators[indicator.pairs_with].role == "identified"
    assert indicators["TRA-02"].pairs_with == "TRA-01"
    assert indicators["VBG-02"].pairs_with == "VBG-01"
    assert len({fold(code) for code in indicators}) == len(indicators)


def test_agencies_have_stable_codes_and_unambiguous_aliases(reference: Reference) -> None:
    codes = [a.code for a in reference.agencies]
    assert set(codes) >= DOMAIN_AGENCIES
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", code) for code in codes)
    owners: dict[str, set[str]] = {}
    for agency in reference.agencies:
        for written in (agency.code, agency.name, *agency.aliases):
            owners.setdefault(fold(written), set()).add(agency.code)
    assert {key: owner for key, owner in owners.items() if len(owner) > 1} == {}


def test_template_columns_and_their_aliases(reference: Reference) -> None:
    assert {c.field for c in reference.columns if c.required} == {"period", "district", "indicator", "value"}
    keys = Counter(
        key
        for column in reference.columns
        for key in {fold(alias) for alias in (*column.aliases, column.field)}
    )
    assert [key for key, count in keys.items() if count > 1] == []
    for column in reference.columns:
        assert set(column.title) == set(LANGUAGES), column.field


@pytest.mark.parametrize("column", ["sex", "age_group", "population_type"])
def test_vocabulary_words_map_to_one_code(reference: Reference, column: str) -> None:
    owners: dict[str, set[str]] = {}
    for code, aliases in reference.vocabularies[column].items():
        for written in (code, *aliases):
            owners.setdefault(vocabulary_key(written), set()).add(code)
    assert {key: owner for key, owner in owners.items() if len(owner) > 1} == {}
    assert "total" in reference.vocabularies[column]


def test_every_check_is_complete_in_both_languages() -> None:
    for check in checks().values():
        assert check.id.startswith(f"{check.group}."), check.id
        for lang in LANGUAGES:
            assert check.title(lang) and check.message(lang), (check.id, lang)
            used = {name for _, name, _, _ in string.Formatter().parse(check.message(lang)) if name}
            assert used <= PLACEHOLDERS, (check.id, lang, used - PLACEHOLDERS)
            assert check.placeholders(lang) == check.placeholders("es"), (check.id, lang)


def test_the_locales_hold_texts_for_the_registered_checks_and_no_other() -> None:
    for lang in LANGUAGES:
        written = {f"{group}.{name}" for group, rules in strings(lang)["checks"].items() for name in rules}
        assert written == set(checks()), lang


def test_suites_implement_exactly_the_checks_registered_for_them(reference: Reference) -> None:
    in_suite = {e.meta["check_id"] for suite in expectations(reference).values() for e in suite}
    registered = {check.id for check in checks().values() if check.by == "suite"}
    assert in_suite == registered


def test_spanish_and_english_texts_have_the_same_keys() -> None:
    def keys(node: object, prefix: str = "") -> set[str]:
        if isinstance(node, dict):
            return {k for key, value in node.items() for k in keys(value, f"{prefix}{key}.")}
        return {prefix.rstrip(".")}

    assert keys(strings("es")) == keys(strings("en"))
