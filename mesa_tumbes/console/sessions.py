"""The console's sessions, kept on the server: the cookie holds only a random session id (signed, as
Starlette's session cookie is), and this store says whether it is still a session. A session ends at
logout, after IDLE_MINUTES without a request, ABSOLUTE_HOURS after login, when its account's password
or role changes (its stamp), when the account is removed, or when the officer closes them all
(`mesa consola --cuenta NOMBRE --cerrar-sesiones`). A cookie saved before any of these is refused.

The store is a SQLite file beside the accounts file, readable by its owner only: it holds SHA-256
digests of the ids, never the ids, so that a copy of it opens no session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from mesa_tumbes.console.accounts import Account
from mesa_tumbes.core.private_store import beside_accounts, transaction

IDLE_MINUTES = 60
ABSOLUTE_HOURS = 8
SCHEMA = """
create table if not exists sessions (
    digest text primary key,
    account text not null,
    stamp text not null,
    started_at text not null,
    seen_at text not null
)
"""


def sessions_path(accounts: Path) -> Path:
    """Where the sessions of the accounts in `accounts` are kept: beside it."""
    return beside_accounts(accounts, "sesiones")


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Sessions:
    path: Path

    def _connection(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path, SCHEMA)

    def start(self, account: Account, now: dt.datetime | None = None) -> str:
        """A new session for the account (at login): its id, for the cookie."""
        session_id = secrets.token_urlsafe(32)
        moment = (now or dt.datetime.now(dt.UTC)).isoformat()
        with self._connection() as connection:
            connection.execute(
                "insert into sessions values (?, ?, ?, ?, ?)",
                (_digest(session_id), account.name, account.stamp, moment, moment),
            )
        return session_id

    def find(
        self, session_id: str | None, accounts: dict[str, Account], now: dt.datetime | None = None
    ) -> Account | None:
        """The account of a live session, which this request keeps alive; None (and the session
        gone) when it ended, expired, or its account's password or role changed since."""
        if not session_id:
            return None
        moment = now or dt.datetime.now(dt.UTC)
        digest = _digest(session_id)
        with self._connection() as connection:
            found = connection.execute(
                "select account, stamp, started_at, seen_at from sessions where digest = ?", (digest,)
            ).fetchone()
            if found is None:
                return None
            name, stamp, started, seen = found
            account = accounts.get(name)
            alive = (
                account is not None
                and secrets.compare_digest(stamp, account.stamp)
                and moment - dt.datetime.fromisoformat(seen) < dt.timedelta(minutes=IDLE_MINUTES)
                and moment - dt.datetime.fromisoformat(started) < dt.timedelta(hours=ABSOLUTE_HOURS)
            )
            if not alive:
                connection.execute("delete from sessions where digest = ?", (digest,))
                return None
            connection.execute(
                "update sessions set seen_at = ? where digest = ?", (moment.isoformat(), digest)
            )
        return account

    def end(self, session_id: str | None) -> None:
        """Logout: the session is gone, whoever kept a copy of its cookie."""
        if session_id:
            with self._connection() as connection:
                connection.execute("delete from sessions where digest = ?", (_digest(session_id),))

    def end_all(self, account: str) -> int:
        """Every session of the account ends; how many there were."""
        with self._connection() as connection:
            return connection.execute("delete from sessions where account = ?", (account,)).rowcount

    def forget_expired(self, now: dt.datetime | None = None) -> None:
        """Drop the sessions past their absolute expiry (the store does not grow for ever)."""
        oldest = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=ABSOLUTE_HOURS)
        with self._connection() as connection:
            connection.execute("delete from sessions where started_at < ?", (oldest.isoformat(),))
