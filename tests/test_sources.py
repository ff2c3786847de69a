"""Pulls from partners' systems through the real flow, against real HTTP servers on loopback that
implement the APIs' documented endpoints (tests/partner_servers.py): R4V's 5W form in ActivityInfo
(a first pull, an unchanged one, an edited record, a page that fails halfway, an expired token) and
a KoboToolbox form made from the Mesa template (`mesa plantillas --kobo`, checked with pyxform)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from mesa_tumbes.core.config import Source
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.reception import partners
from mesa_tumbes.warehouse.store import connect
from tests.partner_servers import (
    ActivityInfoHandler,
    KoboHandler,
    PartnerApi,
    five_w,
    kobo_submission,
    serving,
)

pytestmark = pytest.mark.e2e

TOKEN = "token-de-prueba-123"


def settings_with(tmp_path: Path, source: Source, monkeypatch: pytest.MonkeyPatch) -> Settings:
    (tmp_path / "inbox").mkdir(exist_ok=True)
    settings = resolve_settings(
        inbox=str(tmp_path / "inbox"),
        warehouse=str(tmp_path / "mesa.duckdb"),
        feedback=str(tmp_path / "feedback"),
        # a partner's edited month replaces its approved figures on arrival (`all`); under the default
        # rule it waits for the officer, as any revision (tests/test_review.py)
        environ={
            "MESA_INBOX_RETRIES": "1",
            "MESA_INBOX_RETRY_DELAY_SECONDS": "0.1",
            "MESA_AUTO_APPROVE": "all",
        },
    )
    return dataclasses.replace(settings, sources=(source,))


def sql(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    with connect(settings.working, read_only=True) as connection:
        return connection.execute(query).fetchall()


def test_activityinfo_pulls_what_changed_revises_a_partner_month_and_keeps_nothing_partial(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mesa_tumbes.flows.intake import run_intake

    monkeypatch.setattr(partners, "PAGE_RECORDS", 2)  # pages of two records: paging is exercised
    monkeypatch.setenv("MESA_ACTIVITYINFO_TOKEN", TOKEN)
    api = PartnerApi(
        TOKEN,
        "cform5w",
        [
            five_w("r1", 1000.0, 40),
            five_w("r2", 1001.0, 30, admin2="PE2403"),
            five_w("r3", 1002.0, 7, partner="Socio sin institución"),
        ],
    )
    with serving(api, ActivityInfoHandler):
        source = Source("r4v_5w", "activityinfo", api.url, api.form)
        settings = settings_with(tmp_path, source, monkeypatch)

        # A first pull: the partner's month becomes a 5W file of its agency, loaded as one.
        succeeded, report = run_intake(settings)
        assert succeeded, report
        ((entry),) = report.submissions
        assert (entry.file, entry.status, entry.format) == ("OIM/r4v_5w-2026-10.csv", "accepted", "r4v_5w")
        assert entry.rows_read == 2
        # the partner mapped to no agency is kept aside, not loaded
        assert sql(settings, "select record_id from source_records where agency is null") == [("r3",)]
        assert sql(settings, "select cursor, last_error from source_state") == [("1002.0", None)]
        first_value = sql(settings, "select sum(value) from indicator_values where agency = 'OIM'")

        # Unchanged: asked only for what was edited since, nothing written, nothing loaded.
        succeeded, again = run_intake(settings)
        assert succeeded and again.submissions == []
        assert json.loads(api.requests[-1])["filter"] == "_lastEditTime > 1002.000"

        # An edited record: its partner-month is written again and loads as a revision of the slice.
        api.records[0] = five_w("r1", 1003.0, 55)
        succeeded, revised = run_intake(settings)
        assert succeeded and [(e.file, e.status) for e in revised.submissions] == [
            ("OIM/r4v_5w-2026-10.csv", "accepted")
        ]
        assert sql(settings, "select count(*) from current_slices where agency = 'OIM'") == [(1,)]
        assert sql(settings, "select sum(value) from indicator_values where agency = 'OIM'") != first_value

        # A page that fails halfway: nothing kept, said in Spanish; the next run resumes from there.
        api.records += [five_w("r4", 1004.0, 5, admin2="PE2402"), five_w("r5", 1005.0, 6, admin2="PE2402"),
                        five_w("r6", 1006.0, 8, admin2="PE2402")]  # fmt: skip
        api.fail_page = 1
        succeeded, halfway = run_intake(settings)
        assert succeeded and halfway.unreachable == [] and halfway.submissions == []  # a source is no inbox
        (said,) = halfway.sources_failed
        assert said.startswith("Fuente r4v_5w: no respondió tras los reintentos (HTTP 500)")
        assert sql(settings, "select count(*) from source_records where record_id in ('r4', 'r5', 'r6')") == [
            (0,)
        ]
        ((cursor, error),) = sql(settings, "select cursor, last_error from source_state")
        assert cursor == "1003.0" and error is not None and TOKEN not in error
        api.fail_page = None
        succeeded, resumed = run_intake(settings)
        assert succeeded and [e.file for e in resumed.submissions] == ["OIM/r4v_5w-2026-10.csv"]
        assert sql(settings, "select count(*) from source_records where agency = 'OIM'") == [(5,)]

        # An expired token: refused at once (no retry), said as such, nothing kept.
        api.token = "otro-token"
        asked = len(api.requests)
        succeeded, refused = run_intake(settings)
        assert succeeded and refused.unreachable == [] and len(api.requests) == asked
        assert refused.sources_failed[0].startswith(
            "Fuente r4v_5w: el token fue rechazado o falta (HTTP 401)"
        )
        ((fault, error),) = sql(settings, "select last_fault, last_error from source_state")
        assert fault == "token" and TOKEN not in error


def test_a_kobo_form_made_from_the_template_converts_and_its_submissions_load_as_the_template(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Any
) -> None:
    from pyxform.xls2xform import convert

    from mesa_tumbes.agency_templates.kobo import codes_of_choices, write_xlsform
    from mesa_tumbes.flows.intake import run_intake

    form = write_xlsform(tmp_path / "kobo", reference, "es")
    converted = convert(xlsform=str(form))
    assert "<h:title>Reporte a la Mesa de Tumbes (plantilla)</h:title>" in converted.xform
    assert converted.warnings == []
    codes = codes_of_choices(reference)
    assert codes["age_group"]["lt18"] == "<18" and codes["district"]["240302"] == "240302"

    monkeypatch.setenv("MESA_KOBO_TOKEN", TOKEN)
    api = PartnerApi(
        TOKEN,
        "aMesaKobo",
        [
            kobo_submission(11, "240101", "12"),
            kobo_submission(12, "240302", "9"),
            kobo_submission(13, "240303", "4", grupo_edad="lt18", sexo="M"),
        ],
    )
    with serving(api, KoboHandler):
        monkeypatch.setattr(partners, "PAGE_RECORDS", 2)
        settings = settings_with(tmp_path, Source("kobo_mesa", "kobo", api.url, api.form), monkeypatch)
        succeeded, report = run_intake(settings)
        assert succeeded, report
        ((entry),) = report.submissions
        assert (entry.file, entry.status, entry.format) == (
            "DIRESA/kobo_mesa-2026-10.csv",
            "accepted",
            "mesa_template",
        )
        assert sql(settings, "select count(*) from indicator_values where agency = 'DIRESA'") == [(3,)]
        assert sql(settings, "select age_group from observations where district = '240303'") == [("<18",)]
        assert len([r for r in api.requests if "start=" in r]) == 1  # followed `next`

        succeeded, again = run_intake(settings)
        assert succeeded and again.submissions == []  # the same records: nothing written, nothing loaded
        # known without pulling: one request of one record (the form's count and newest submission)
        assert again.sources == [] and "limit=1&" in api.requests[-1]

        # A submission deleted in Kobo: withdrawn from its month, which loads again without it.
        del api.records[1]
        succeeded, withdrawn = run_intake(settings)
        assert succeeded and [e.file for e in withdrawn.submissions] == ["DIRESA/kobo_mesa-2026-10.csv"]
        assert "1 retirado (borrado en la fuente)" in withdrawn.sources[0]
        assert sql(settings, "select count(*) from indicator_values where agency = 'DIRESA'") == [(2,)]
        assert sql(settings, "select count(*) from source_records where source = 'kobo_mesa'") == [(2,)]
