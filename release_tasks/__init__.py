"""release_tasks: idempotent, auditable releases of a polyglot monorepo."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path


def _version() -> str:
    try:
        return metadata.version("release-tasks")
    except metadata.PackageNotFoundError:
        version_file = Path(__file__).resolve().parent.parent / "VERSION"
        return version_file.read_text(encoding="utf-8").strip() if version_file.is_file() else "0"


__version__ = _version()
