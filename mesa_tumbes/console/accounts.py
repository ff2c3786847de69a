"""The console's accounts: a YAML file beside operations.yaml (`review.accounts`), each account with
its role and its password hashed with scrypt (never stored, shown or logged in clear).

    accounts:
      maria:
        role: officer        # decides: approves, returns, reopens
        password: "scrypt$16384$8$1$<salt>$<hash>"
      mesa:
        role: reader         # Mesa members: see, never decide

`mesa consola --cuenta NOMBRE --rol officer` asks for a password and writes its hash here. Every way
of setting a password goes through save_account, which applies the one password rule
(password_problem): at least 12 characters, not the account's name, not guessable (Dropbox's zxcvbn
estimate: common passwords, words, dates and keyboard patterns are refused).
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

Role = Literal["officer", "reader", "agency"]  # agency: a page of its own, by link (never in the file)
ROLES: tuple[Role, ...] = ("officer", "reader")
# scrypt's cost: 16 MiB of memory and about 50 ms per check on this kind of machine (RFC 7914's
# interactive-login figures); stored with each hash so that raising it later keeps old hashes valid.
N, R, P = 2**14, 8, 1
# A password check is as slow for an unknown account as for a known one (no telling them apart).
_DUMMY = f"scrypt${N}${R}${P}${base64.b64encode(b'0' * 16).decode()}${base64.b64encode(b'0' * 32).decode()}"


# The password rule: its minimum length, and the least zxcvbn score (0 to 4; 3 is "safely
# unguessable": about 10^8 guesses, beyond an online attack throttled as the console throttles).
MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3
# Words a password must not lean on: the programme's own, besides the account's name.
PROGRAMME_WORDS = (
    "mesa", "tumbes", "consola", "migrantes", "refugiados", "peru", "contraseña", "contrasena", "clave",
)  # fmt: skip


class WeakPasswordError(ValueError):
    """A password the rule refuses; `reason` names why in the locales (review_cli.password_rule)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    password_hash: str

    @property
    def decides(self) -> bool:
        return self.role == "officer"

    @property
    def stamp(self) -> str:
        """What a session is bound to: it changes when the password or the role does, and every
        session made before is refused from then on."""
        return hashlib.sha256(f"{self.role}\0{self.password_hash}".encode()).hexdigest()[:32]


def password_problem(name: str, password: str) -> str | None:
    """Why the rule refuses `password` for the account `name` (a locales key), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if name and name.casefold() in password.casefold():
        return "contains_name"
    from zxcvbn import zxcvbn  # frequency lists: loaded only when a password is set

    if zxcvbn(password[:100], user_inputs=[name, *PROGRAMME_WORDS])["score"] < MIN_PASSWORD_SCORE:
        return "guessable"
    return None


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
    """Add or replace one account (the file is readable by its owner only), if the password rule
    accepts its password (else WeakPasswordError). Replacing it ends its sessions (its stamp changes)."""
    problem = password_problem(name, password)
    if problem is not None:
        raise WeakPasswordError(problem)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    data = data or {}
    data.setdefault("accounts", {})[name] = {"role": role, "password": hash_password(password)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    path.chmod(0o600)
