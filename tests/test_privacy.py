"""Personal data is recognised by header or by content, and never stored."""

from __future__ import annotations

import pytest

from mesa_tumbes.core.problems import Problem
from mesa_tumbes.transforms.privacy import kind_by_cells, kind_by_header, personal_data_kind


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Nombres", "names"),
        ("APELLIDOS Y NOMBRES", "names"),
        ("N° DNI", "identity_document"),
        ("Carné de extranjería", "identity_document"),
        ("Teléfono de contacto", "phone"),
        ("Correo electrónico", "email"),
        ("Dirección", "address"),
        ("Nombre del indicador", None),
        ("Nombre del establecimiento", None),
        ("Sede", None),
    ],
)
def test_headers_that_name_personal_data(title: str, kind: str | None) -> None:
    assert kind_by_header(title) == kind


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        (["45871236", "40125587", ""], "identity_document"),
        (["987654321", "+51912345678", "951 234 567"], "phone"),
        (["ana@gmail.com", "luis.p@minsa.gob.pe"], "email"),
        (["12", "45", "7"], None),
        (["240101", "240302"], None),
        (["45871236", "12", "7"], None),  # one DNI-like figure among counts is not a column of DNIs
        ([], None),
    ],
)
def test_cells_that_look_like_personal_data(cells: list[str], kind: str | None) -> None:
    assert kind_by_cells(cells) == kind


def test_an_innocent_header_does_not_hide_personal_cells() -> None:
    assert personal_data_kind("Contacto", ["987654321", "912345678"]) == "phone"


def test_the_kind_is_named_in_the_agency_s_language() -> None:
    problem = Problem("structure.personal_data_column", column="Contacto", detail="phone")
    assert "números de teléfono" in problem.message("es")
    assert "phone numbers" in problem.message("en")
