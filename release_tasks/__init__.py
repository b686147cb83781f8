"""release_tasks: idempotent, auditable releases of a polyglot monorepo."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    from importlib import metadata
    from pathlib import Path

    try:
        return metadata.version("release-tasks")
    except metadata.PackageNotFoundError:
        version_file = Path(__file__).resolve().parent.parent / "VERSION"
        return version_file.read_text(encoding="utf-8").strip() if version_file.is_file() else "0"


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the package metadata when asked for, not at start-up:
    # importlib.metadata costs more than everything a stage like `versions` imports.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
