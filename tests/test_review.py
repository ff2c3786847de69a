"""Review and approval through the real flow: what the rule approves on arrival is published, what
waits is not (marts, export, bulletin) until the officer decides; a sender the mail server did not
authenticate never has its figures approved on arrival; a returned slice's comment reaches the
agency in its thread; a revision of an approved slice is held until accepted. Real Prefect runs, a
real DuckDB file, real IMAP and SMTP servers on loopback."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.core.settings import Settings, resolve_settings
from mesa_tumbes.warehouse import review
from mesa_tumbes.warehouse.store import connect
from tests.builders import template_csv
from tests.test_mail import (  # the mail servers on loopback
    DIRESA,
    Received,
    imap_port,  # noqa: F401
    outlook_message,
    put,
    report_rows,
    smtp,  # noqa: F401
)
from tests.test_mail import settings_for as mail_settings

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
AUTHSERV = "mx.mesa-tumbes.example"


def folder_settings(tmp_path: Path, inbox: Path, **environ: str) -> Settings:
    return resolve_settings(
        inbox=str(inbox),
        warehouse=str(tmp_path / "mesa.duckdb"),
        feedback=str(tmp_path / "feedback"),
        environ={"MESA_BULLETINS": str(tmp_path / "boletines"), **environ},
    )


def run(settings: Settings) -> Any:
    from mesa_tumbes.flows.intake import run_intake

    succeeded, report = run_intake(settings)
    assert succeeded, report
    return report


def sql(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    with connect(settings.warehouse, read_only=True) as connection:
        return connection.execute(query).fetchall()


def states(settings: Settings) -> dict[tuple[str, str], tuple[str, str]]:
    rows = sql(settings, "select agency, period, review_state, review_reason from slice_states")
    return {(agency, period): (state, reason) for agency, period, state, reason in rows}


def only(settings: Settings, agency: str, period: str, state: str) -> review.Decision:
    """The decision the officer would take on the row in `state`, as the console shows it."""
    rows = review.slices(settings.warehouse, review.STATES)
    (row,) = rows[(rows.agency == agency) & (rows.period == period) & (rows.state == state)].itertuples()
    return review.Decision("approve", agency, period, str(row.submission_id), int(row.version), "ana")


def drop(inbox: Path, agency: str, name: str, content: bytes, when: int) -> None:
    folder = inbox / agency
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    os.utime(folder / name, (when, when))


def diresa_october(value: int) -> bytes:
    return template_csv(["DIRESA", "2026-10", "240101", "SAL-01", "F", "18-59", "in_destination", str(value)])


def published(settings: Settings, agency: str) -> float | None:
    """The agency's figures in the marts, all population groups together (its total)."""
    ((total,),) = sql(
        settings,
        f"select sum(value) from fct_indicator_groups where agency = '{agency}' and group_code = 'total'",
    )
    return total


def test_a_clean_file_is_approved_on_arrival_and_published(prefect_api: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "DIRESA", "octubre.csv", diresa_october(12), 1_793_000_000)
    settings = folder_settings(tmp_path, inbox)

    run(settings)
    assert states(settings) == {("DIRESA", "2026-10"): ("approved", "clean")}
    assert published(settings, "DIRESA") == 12
    ((officer, action, after),) = sql(settings, "select officer, action, value_after from review_decisions")
    assert (officer, action, after) == ("rule", "auto", None)  # its figures are per indicator:
    assert sql(settings, "select indicator, value_before, value_after from review_decision_figures") == [
        ("SAL-01", None, 12)
    ]


def test_a_file_with_a_warning_waits_outside_the_bulletin_and_export_until_approved(
    prefect_api: str, tmp_path: Path, reference: Reference
) -> None:
    from mesa_tumbes.pipeline.review import decide
    from mesa_tumbes.publication.bulletin import gather
    from mesa_tumbes.publication.export import export

    inbox = tmp_path / "inbox"
    example = ROOT / "examples" / "inbox" / "MIGRACIONES" / "migraciones_cpp_octubre2026.xlsx"
    drop(inbox, "MIGRACIONES", example.name, example.read_bytes(), 1_793_000_000)
    drop(inbox, "DIRESA", "octubre.csv", diresa_october(12), 1_793_000_000)
    need = ROOT / "examples" / "inbox" / "GTRM" / "rmrp_2026_necesidades_y_metas.xlsx"
    drop(inbox, "GTRM", need.name, need.read_bytes(), 1_793_000_000)
    settings = folder_settings(tmp_path, inbox)

    run(settings)
    assert states(settings)[("MIGRACIONES", "2026-10")] == ("pending", "warning")
    assert published(settings, "MIGRACIONES") is None  # the marts publish approved slices only
    assert sql(settings, "select count(*) from fct_current_values where agency = 'MIGRACIONES'") == [(8,)]

    def protection_in_export(out: Path) -> list[dict[str, str]]:
        """Migraciones' offices in the export: the districts where its cards were issued in October
        (cards are not people reached, but an office that serves the district)."""
        export(settings.warehouse, out, reference, settings.suppression_threshold)
        import csv

        with (out / "gap_territorial.csv").open(encoding="utf-8-sig") as stream:
            return [
                row
                for row in csv.DictReader(stream)
                if row["sector"] == "Protection (General)"
                and row["period"] == "2026-10"
                and row["agencies_in_district"] != "0"
            ]

    assert protection_in_export(tmp_path / "before") == []
    bulletin = gather(settings.warehouse, reference, "2026-10", "es", settings.suppression_threshold)
    assert bulletin.pending_review == ["MIGRACIONES (por revisar)"]

    decided = decide(settings, only(settings, "MIGRACIONES", "2026-10", "pending"))
    assert decided.applied and decided.state == "approved"
    assert states(settings)[("MIGRACIONES", "2026-10")][0] == "approved"
    assert (
        published(settings, "MIGRACIONES")
        == sql(settings, "select sum(value) from fct_current_values where agency = 'MIGRACIONES'")[0][0]
    )
    assert protection_in_export(tmp_path / "after") != []
    bulletin = gather(settings.warehouse, reference, "2026-10", "es", settings.suppression_threshold)
    assert bulletin.pending_review == []
    ((officer, action, before, after),) = sql(
        settings,
        "select officer, action, value_before, value_after from review_decisions where officer = 'ana'",
    )
    assert (officer, action, before) == ("ana", "approve", None) and after == published(
        settings, "MIGRACIONES"
    )


def test_a_revision_of_an_approved_slice_is_held_then_accepted(prefect_api: str, tmp_path: Path) -> None:
    from mesa_tumbes.pipeline.review import decide

    inbox = tmp_path / "inbox"
    drop(inbox, "DIRESA", "octubre.csv", diresa_october(12), 1_793_000_000)
    settings = folder_settings(tmp_path, inbox)
    run(settings)
    assert published(settings, "DIRESA") == 12

    drop(inbox, "DIRESA", "octubre-corregido.csv", diresa_october(120), 1_793_000_100)
    run(settings)
    assert states(settings)[("DIRESA", "2026-10")] == ("approved", "clean")  # the slice is locked
    assert published(settings, "DIRESA") == 12
    held = review.slices(settings.warehouse)
    assert list(held.state) == ["held"] and list(held.reason) == ["revision"]
    ((figure,),) = held.figures  # per indicator: this file's figure, what is published, last month's
    assert (figure["indicator"], figure["figure"], figure["published"]) == ("SAL-01", 120, 12)

    accepted = decide(settings, replace(only(settings, "DIRESA", "2026-10", "held"), action="accept"))
    assert accepted.applied and (accepted.value_before, accepted.value_after) == (12, 120)
    assert published(settings, "DIRESA") == 120
    assert sql(settings, "select state from slice_reviews order by updated_at") == [
        ("superseded",),
        ("approved",),
    ]
    ((action, before, after, replaced),) = sql(
        settings,
        "select action, value_before, value_after, replaced_submission_id is not null"
        " from review_decisions where officer = 'ana'",
    )
    assert (action, before, after, replaced) == ("accept", 12, 120, True)


def test_two_officers_deciding_at_once_give_one_decision_and_one_audit_line(
    prefect_api: str, tmp_path: Path
) -> None:
    from mesa_tumbes.pipeline.review import decide

    inbox = tmp_path / "inbox"
    drop(inbox, "DIRESA", "octubre.csv", diresa_october(12), 1_793_000_000)
    settings = folder_settings(tmp_path, inbox, MESA_AUTO_APPROVE="none")
    run(settings)
    assert states(settings)[("DIRESA", "2026-10")] == ("pending", "rule")
    decision = only(settings, "DIRESA", "2026-10", "pending")
    results: list[review.Decided] = []

    def officer(name: str) -> None:
        results.append(decide(settings, replace(decision, officer=name)))

    threads = [threading.Thread(target=officer, args=(name,)) for name in ("ana", "luis")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result.applied for result in results) == [False, True]
    assert [result.refusal for result in results if not result.applied] == ["changed"]
    assert sql(settings, "select count(*) from review_decisions where action = 'approve'") == [(1,)]
    # the same form sent again (a replay) is refused: the version it names is gone
    again = decide(settings, decision)
    assert not again.applied and again.refusal == "changed" and again.state == "approved"


@pytest.mark.parametrize(
    ("header", "state"),
    [
        (f"{AUTHSERV}; dmarc=pass (p=quarantine) header.from=mesa-tumbes.example", ("approved", "clean")),
        (
            f"{AUTHSERV}; dkim=pass header.d=mesa-tumbes.example header.s=s1; dmarc=none",
            ("approved", "clean"),
        ),
        (
            "mx.elsewhere.example; dmarc=pass header.from=mesa-tumbes.example",
            ("pending", "unverified_sender"),
        ),
        (
            f"{AUTHSERV}; spf=pass smtp.mailfrom=bulk@other.example; dmarc=fail",
            ("pending", "unverified_sender"),
        ),
        (None, ("pending", "unverified_sender")),
    ],
    ids=["dmarc-pass", "dkim-aligned", "another-server-says-so", "spf-of-another-domain", "no-header"],
)
def test_a_sender_the_mail_server_did_not_authenticate_is_held_for_review(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,  # noqa: F811
    smtp: tuple[int, Received],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    header: str | None,
    state: tuple[str, str],
) -> None:
    message = outlook_message("Reporte octubre", {"reporte.csv": report_rows()}, "<m1@diresa.example>")
    if header is not None:
        message["Authentication-Results"] = header
    put(imap_port, message)
    settings = mail_settings(tmp_path, imap_port, smtp[0], monkeypatch, MESA_AUTHSERV_ID=AUTHSERV)

    run(settings)
    assert states(settings) == {("DIRESA", "2026-10"): state}
    assert sql(settings, "select sender_verified from mail_messages") == [(state[0] == "approved",)]
    # the feedback goes to the agency's own addresses: told, when the sender was not authenticated,
    # that a file arrived in its name and is held
    ((to, reply),) = smtp[1].messages
    body = reply.get_body(preferencelist=("plain",))
    assert to == [DIRESA] and body is not None
    said = "desde un remitente que el servidor de correo no pudo verificar" in body.get_content()
    assert said == (state[0] == "pending")


def test_a_returned_slice_tells_the_agency_the_comment_in_its_thread_and_waits_for_a_new_file(
    prefect_api: str,
    tmp_path: Path,
    imap_port: int,  # noqa: F811
    smtp: tuple[int, Received],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mesa_tumbes.pipeline.review import decide

    smtp_port, received = smtp
    put(imap_port, outlook_message("Reporte octubre", {"reporte.csv": report_rows()}, "<m1@diresa.example>"))
    settings = mail_settings(tmp_path, imap_port, smtp_port, monkeypatch, MESA_AUTO_APPROVE="none")
    run(settings)
    assert len(received.messages) == 1  # the feedback
    # a question first (follow-up of a flagged value): the agency is asked in its thread, the slice waits
    question = "¿Las 12 atenciones de mujeres de 18-59 en Tumbes son del mes o acumuladas?"
    asked = decide(
        settings, replace(only(settings, "DIRESA", "2026-10", "pending"), action="ask", comment=question)
    )
    assert asked.applied and asked.state == "pending"
    (to, told) = received.messages[1]
    assert to == [DIRESA] and told["In-Reply-To"] == "<m1@diresa.example>"
    assert question in told.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert states(settings)[("DIRESA", "2026-10")] == ("pending", question)

    comment = "Las atenciones de mujeres de 18-59 parecen <b>diez veces</b> más altas: revise la cifra."
    decision = only(settings, "DIRESA", "2026-10", "pending")
    decided = decide(settings, replace(decision, action="return", comment=comment))
    assert decided.applied and decided.state == "returned"

    (to, told) = received.messages[2]
    assert to == [DIRESA] and str(told["Subject"]) == "Re: Reporte octubre"
    assert told["In-Reply-To"] == "<m1@diresa.example>"
    assert "<m1@diresa.example>" in str(told["References"])
    body = told.get_body(preferencelist=("plain",))
    assert body is not None
    content = body.get_content()
    assert comment in content and "«reporte.csv»" in content and "2026-10" in content
    assert states(settings)[("DIRESA", "2026-10")] == ("returned", comment)
    assert published(settings, "DIRESA") is None

    # the agency's corrected file replaces the returned one and waits for review in its turn
    put(
        imap_port,
        outlook_message("Reporte corregido", {"reporte.csv": diresa_october(13)}, "<m2@diresa.example>"),
    )
    run(settings)
    assert states(settings)[("DIRESA", "2026-10")] == ("pending", "unverified_sender")  # no server named
    assert sql(settings, "select state from slice_reviews order by updated_at") == [
        ("superseded",),
        ("pending",),
    ]


def test_the_rule_is_checked_when_read(tmp_path: Path) -> None:
    from mesa_tumbes.core.settings import SettingError

    with pytest.raises(SettingError) as raised:
        folder_settings(tmp_path, tmp_path, MESA_AUTO_APPROVE="todo")
    assert "clean, all, none" in raised.value.describe("es")
