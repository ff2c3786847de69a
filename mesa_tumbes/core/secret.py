"""The key that signs what the console hands out: its session cookies and the agencies' links."""

from __future__ import annotations

import secrets

from mesa_tumbes.core.settings import Settings, variable

KEY_BYTES = 48


def secret_key(settings: Settings) -> str:
    """MESA_CONSOLE_SECRET, else the key file (made when missing, readable by its owner only)."""
    if key := variable("MESA_CONSOLE_SECRET"):
        return key
    path = settings.console_secret
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(KEY_BYTES), encoding="utf-8")
    path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
