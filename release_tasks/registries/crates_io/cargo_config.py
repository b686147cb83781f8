"""What cargo's own configuration says about registries, read the way cargo reads it.

Cargo merges ``.cargo/config.toml`` (or ``.cargo/config``) of the directory it runs in and of
every parent, then ``$CARGO_HOME/config.toml``; the nearer file wins. Two settings matter for
publishing to a registry other than crates.io: whether crates.io itself is replaced by that
registry (``[source.crates-io] replace-with``, which only a file can say: cargo reads no
``[source]`` table from the environment), and the registry's index
(``CARGO_REGISTRIES_<NAME>_INDEX``, else ``[registries.NAME] index``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from release_tasks.registries.crates_io.cargo import cargo_index_var


def config_files(cwd: Path, env: Mapping[str, str]) -> list[Path]:
    """Cargo's configuration files for a command run in ``cwd``, nearest first."""
    found: list[Path] = []
    for directory in [cwd.resolve(), *cwd.resolve().parents]:
        found.extend(_in(directory / ".cargo"))
    home = Path(env["CARGO_HOME"]) if env.get("CARGO_HOME") else Path.home() / ".cargo"
    found.extend(p for p in _in(home) if p not in found)
    return found


def _in(directory: Path) -> Iterator[Path]:
    # Without extension wins when both exist (cargo warns about it).
    for name in ("config", "config.toml"):
        if (directory / name).is_file():
            yield directory / name
            return


def lookup(cwd: Path, env: Mapping[str, str], *keys: str) -> str | None:
    """The string at ``keys`` in the nearest file that sets it (unreadable files are cargo's
    to complain about: they count as setting nothing)."""
    for path in config_files(cwd, env):
        try:
            value: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, str):
            return value
    return None


def registry_index(registry: str, cwd: Path, env: Mapping[str, str]) -> str | None:
    """The index URL of ``registry``: its variable, else ``[registries.NAME] index``."""
    return env.get(cargo_index_var(registry), "").strip() or lookup(
        cwd, env, "registries", registry, "index")


def unknown_registry(registry: str, cwd: Path, env: Mapping[str, str]) -> str | None:
    """Why cargo, run in ``cwd``, would not know ``registry`` (``None``: it knows it)."""
    if registry_index(registry, cwd, env) is not None:
        return None
    return (f"cargo knows no registry {registry!r}: neither {cargo_index_var(registry)} nor "
            f"[registries.{registry}] index in .cargo/config.toml (of {cwd} or a parent, or "
            "CARGO_HOME) names its index. Add it there, or name a registry cargo knows")


def crates_io_goes_to(registry: str, cwd: Path, env: Mapping[str, str]) -> bool:
    """Whether cargo fetches what names crates.io from ``registry`` (source replacement:
    ``replace-with`` naming the registry, or a source whose ``registry`` is its index)."""
    target = lookup(cwd, env, "source", "crates-io", "replace-with")
    if target is None:
        return False
    if target == registry:
        return True
    source_url = lookup(cwd, env, "source", target, "registry")
    index = registry_index(registry, cwd, env)
    return source_url is not None and index is not None and same_index(source_url, index)


def same_index(a: str, b: str) -> bool:
    """Two spellings of one index URL (a trailing slash, ``sparse+`` in one of them only)."""
    def norm(url: str) -> str:
        return url.strip().removeprefix("sparse+").rstrip("/")
    return norm(a) == norm(b)
