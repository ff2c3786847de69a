"""The console's small stores of its own (its sessions, the agencies' links): SQLite files beside the
accounts file, readable by their owner only, each use one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path


def beside_accounts(accounts: Path, name: str) -> Path:
    """Where the store `name` of the accounts in `accounts` is kept: `<accounts>-<name>.sqlite`."""
    return accounts.with_name(f"{accounts.stem}-{name}.sqlite")


@contextmanager
def transaction(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """The store at `path` (made with mode 600 and `schema` when new), in one transaction committed
    on leaving."""
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=10)) as connection:
        if new:
            path.chmod(0o600)
        with connection:
            connection.execute(schema)
            yield connection
