"""The console's files kept out of git (the key itself is core/secret.py's).

The key comes from MESA_CONSOLE_SECRET, else from a file beside the accounts (the operator's private
configuration), made at the first start with mode 600. Whoever holds it could sign a cookie: the
console refuses to start while the key, the accounts or the sessions sit in a git work tree tracked
or not ignored (`git status` would offer them for a commit), and says how to move them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mesa_tumbes.core.settings import Settings


def work_tree(path: Path) -> Path | None:
    """The git work tree `path` sits in, or None."""
    folder = path.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def exposure(path: Path) -> str | None:
    """Whether git would take the file into a commit: "tracked", "unignored" (or "no_git" when a
    work tree holds it and git is not there to tell), or None when it is safe."""
    tree = work_tree(path)
    if tree is None:
        return None
    git = shutil.which("git")
    if git is None:
        return "no_git"
    inside = str(path.resolve().relative_to(tree.resolve()))
    tracked = subprocess.run(
        [git, "-C", str(tree), "ls-files", "--error-unmatch", "--", inside], capture_output=True, check=False
    )
    if tracked.returncode == 0:
        return "tracked"
    ignored = subprocess.run([git, "-C", str(tree), "check-ignore", "-q", "--", inside], check=False)
    return None if ignored.returncode == 0 else "unignored"


def exposed_files(settings: Settings, files: list[Path]) -> list[tuple[Path, str]]:
    """The console's files (those that exist, and the key even before it does) that git would take."""
    found = []
    for path in files:
        if path.exists() or path == settings.console_secret:
            why = exposure(path)
            if why is not None:
                found.append((path, why))
    return found
