"""docs/analysts.md stays true: every SQL block in it runs on the warehouse the bundled examples
produce and answers with rows, and every table analysts query is in it and documented."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest

from mesa_tumbes.core.reference import Reference
from mesa_tumbes.expectations.validate import SuiteRunner
from mesa_tumbes.pipeline.intake import load, take
from mesa_tumbes.reception.inbox import discover
from mesa_tumbes.reception.received import receive
from mesa_tumbes.warehouse import store
from mesa_tumbes.warehouse.build import build
from tests.builders import settings_under

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "analysts.md"
AS_OF = dt.date(2026, 11, 22)
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)


def guide_queries() -> list[tuple[str, str]]:
    """(the heading above it, the query) for every ```sql block of the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    queries = []
    for match in SQL_BLOCK.finditer(text):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        queries.append((headings[-1], match.group(1)))
    return queries


@pytest.fixture(scope="module")
def examples_warehouse(
    tmp_path_factory: pytest.TempPathFactory, reference: Reference, runner: SuiteRunner
) -> Path:
    """The bundled examples taken through the intake steps (as the flow does) and the models built,
    as on AS_OF: the files arrived before it (their reports count as received that day)."""
    root = tmp_path_factory.mktemp("analysts")
    settings = settings_under(root)
    inbox = shutil.copytree(ROOT / "examples" / "inbox", root / "inbox")
    arrived = dt.datetime(2026, 11, 9, 15, tzinfo=dt.UTC).timestamp()
    for path in sorted(inbox.rglob("*")):
        arrived += 60  # one after the other, in their order (a resubmission after its first copy)
        os.utime(path, (arrived, arrived))
    store.migrate(settings.working)
    for file in discover(inbox, reference):
        load(take(receive(file, settings.archive), settings, runner), settings)
    build(settings.working, reference, AS_OF)
    return settings.working


def test_the_guide_has_ten_questions_at_least() -> None:
    questions = re.findall(r"^### \d+\. ", GUIDE.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(questions) >= 10
    assert len(guide_queries()) >= 10


@pytest.mark.parametrize(("heading", "query"), guide_queries(), ids=[h for h, _ in guide_queries()])
def test_every_query_in_the_guide_answers_with_rows(
    examples_warehouse: Path, heading: str, query: str
) -> None:
    with store.connect(examples_warehouse, read_only=True) as connection:
        rows = connection.execute(query).fetchall()
    assert rows, f"the query under «{heading}» returns no rows on the examples' warehouse"


def test_every_table_analysts_query_is_in_the_guide_and_fully_documented(examples_warehouse: Path) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    with store.connect(examples_warehouse, read_only=True) as connection:
        marts = [
            name
            for (name,) in connection.execute(
                "select distinct table_name from data_dictionary where layer = 'mart' order by 1"
            ).fetchall()
        ]
        undocumented = connection.execute(
            "select table_name, column_name from data_dictionary "
            "where layer in ('mart', 'intake') and column_comment is null"
        ).fetchall()
    assert {m for m in marts if m.startswith("gap_")} == {
        "gap_coverage",
        "gap_target",
        "gap_referral",
        "gap_territorial",
        "gap_equity",
        "gap_reporting",
    }
    assert [m for m in marts if f"`{m}`" not in text] == []
    assert undocumented == []
