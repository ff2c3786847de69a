"""Each agency's link to its own page: a signed, expiring token (itsdangerous, with the console's
key and a salt of its own) that names the agency and the generation of its links. The officer
revokes an agency's links at once by moving its generation on; the store beside the console's
accounts (a SQLite file, mode 600) keeps each agency's generation and when its links were last used.
No account or password for the agency to manage: the link in its latest mail is its way in."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mesa_tumbes.core.private_store import beside_accounts, transaction
from mesa_tumbes.core.secret import secret_key
from mesa_tumbes.core.settings import Settings

SALT = "mesa-agency-page"
ENTRY_PATH = "/institucion/entrar/"
SCHEMA = """
create table if not exists agency_links (
    agency text primary key,
    generation integer not null default 0,
    revoked_at text,
    last_used_at text
)
"""
Refusal = Literal["expired", "invalid", "revoked"]


def links_path(settings: Settings) -> Path:
    """Beside the console's accounts, as its sessions are."""
    return beside_accounts(Path(settings.review.accounts), "enlaces")


@dataclass(frozen=True)
class LinkState:
    agency: str
    generation: int
    revoked_at: str | None
    last_used_at: str | None


@dataclass(frozen=True)
class AgencyLinks:
    path: Path

    def _connection(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path, SCHEMA)

    def generation(self, agency: str) -> int:
        with self._connection() as connection:
            found = connection.execute(
                "select generation from agency_links where agency = ?", (agency,)
            ).fetchone()
        return int(found[0]) if found else 0

    def revoke(self, agency: str, now: dt.datetime | None = None) -> int:
        """Every link the agency holds stops opening its page (and its open pages close); the new
        generation, which the next mail's link carries."""
        moment = (now or dt.datetime.now(dt.UTC)).isoformat()
        with self._connection() as connection:
            connection.execute(
                "insert into agency_links (agency, generation, revoked_at) values (?, 1, ?) "
                "on conflict (agency) do update"
                " set generation = generation + 1, revoked_at = excluded.revoked_at",
                (agency, moment),
            )
            (generation,) = connection.execute(
                "select generation from agency_links where agency = ?", (agency,)
            ).fetchone()
        return int(generation)

    def used(self, agency: str, now: dt.datetime | None = None) -> None:
        moment = (now or dt.datetime.now(dt.UTC)).isoformat()
        with self._connection() as connection:
            connection.execute(
                "insert into agency_links (agency, last_used_at) values (?, ?) "
                "on conflict (agency) do update set last_used_at = excluded.last_used_at",
                (agency, moment),
            )

    def states(self) -> list[LinkState]:
        with self._connection() as connection:
            rows = connection.execute(
                "select agency, generation, revoked_at, last_used_at from agency_links order by agency"
            ).fetchall()
        return [LinkState(*row) for row in rows]


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(settings), salt=SALT)


def issue(settings: Settings, agency: str) -> str:
    """A fresh token for the agency's page, of its links' current generation."""
    generation = AgencyLinks(links_path(settings)).generation(agency)
    return str(_serializer(settings).dumps({"a": agency, "g": generation}))


def page_url(settings: Settings, agency: str) -> str | None:
    """The link a mail to the agency carries, or None when the console's public address is not
    configured (`review.public_url`): a link to this machine's loopback would open nothing."""
    if not settings.review.public_url:
        return None
    return f"{settings.review.public_url}{ENTRY_PATH}{issue(settings, agency)}"


def verify(settings: Settings, token: str, agencies: set[str]) -> tuple[str | None, Refusal | None]:
    """The agency a token opens the page of, or why it opens nothing."""
    try:
        payload = _serializer(settings).loads(token, max_age=settings.review.link_days * 86400)
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    if not isinstance(payload, dict) or payload.get("a") not in agencies:
        return None, "invalid"
    agency = str(payload["a"])
    if payload.get("g") != AgencyLinks(links_path(settings)).generation(agency):
        return None, "revoked"
    return agency, None
