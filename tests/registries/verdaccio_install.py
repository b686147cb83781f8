"""The verdaccio the tests run: the version pinned in ``npm/package.json``, installed with
``npm ci`` on first use."""

from __future__ import annotations

import fcntl
import json
import subprocess
import tempfile
from pathlib import Path

NPM_DIR = Path(__file__).parent / "npm"


def _pinned_version() -> str:
    manifest = json.loads((NPM_DIR / "package.json").read_text())
    return str(manifest["dependencies"]["verdaccio"])


def _installed_version() -> str | None:
    try:
        data = json.loads((NPM_DIR / "node_modules/verdaccio/package.json").read_text())
    except (OSError, ValueError):
        return None
    return str(data.get("version"))


def ensure_installed(npm: str, timeout: float = 600.0) -> Path:
    """Install the locked verdaccio with ``npm ci`` unless it is already there."""
    lock_path = Path(tempfile.gettempdir()) / "release-tasks-verdaccio-install.lock"
    with lock_path.open("w") as lock:
        # Parallel test workers would otherwise run two `npm ci` into one node_modules.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version() != _pinned_version():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=NPM_DIR,
                check=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
    return NPM_DIR / "node_modules/verdaccio/bin/verdaccio"
