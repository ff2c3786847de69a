"""The console's accounts: a YAML file beside operations.yaml (`review.accounts`), each account with
its role and its password hashed with scrypt (never stored, shown or logged in clear).

    accounts:
      maria:
        role: officer        # decides: approves, returns, reopens
        password: "scrypt$16384$8$1$<salt>$<hash>"
      mesa:
        role: reader         # Mesa members: see, never decide

`mesa consola --cuenta NOMBRE --rol officer` asks for a password and writes its hash here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

Role = Literal["officer", "reader"]
ROLES: tuple[Role, ...] = ("officer", "reader")
# scrypt's cost: 16 MiB of memory and about 50 ms per check on this kind of machine (RFC 7914's
# interactive-login figures); stored with each hash so that raising it later keeps old hashes valid.
N, R, P = 2**14, 8, 1
# A password check is as slow for an unknown account as for a known one (no telling them apart).
_DUMMY = f"scrypt${N}${R}${P}${base64.b64encode(b'0' * 16).decode()}${base64.b64encode(b'0' * 32).decode()}"


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    password_hash: str

    @property
    def decides(self) -> bool:
        return self.role == "officer"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        found = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected),
        )  # fmt: skip
    except (ValueError, TypeError):
        return False
    return kind == "scrypt" and hmac.compare_digest(found, expected)


def load_accounts(path: Path) -> dict[str, Account]:
    """The accounts in the file (none when it does not exist)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = {}
    for name, spec in (data.get("accounts") or {}).items():
        role = str(spec.get("role", "reader"))
        if role not in ROLES:
            raise ValueError(f"{path}: account {name}: role must be one of {', '.join(ROLES)}")
        found[str(name)] = Account(str(name), role, str(spec.get("password", "")))
    return found


def authenticate(accounts: dict[str, Account], name: str, password: str) -> Account | None:
    """The account, when the password is its own."""
    account = accounts.get(name)
    good = verify_password(password, account.password_hash if account else _DUMMY)
    return account if account is not None and good else None


def save_account(path: Path, name: str, role: Role, password: str) -> None:
    """Add or replace one account (the file is readable by its owner only)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    data = data or {}
    data.setdefault("accounts", {})[name] = {"role": role, "password": hash_password(password)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    path.chmod(0o600)
