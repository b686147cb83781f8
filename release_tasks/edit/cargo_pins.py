"""``Cargo.toml``: exact pins (``version = "=X.Y.Z"``) on the workspace's own crates.

``cargo publish`` needs a version on every path dependency, and an exact one keeps the
published crates in lock-step. Every dependency table counts: ``[workspace.dependencies]``,
``[dependencies]``, ``[build-dependencies]``, ``[dev-dependencies]`` and their
``[target.'cfg(..)'.*]`` variants, written inline, long-hand (``[dependencies.x]``) or with
dotted keys, and renamed ones (``x = { package = "tasker-shared", ... }``).

* ``workspace = true`` entries are left alone: ``[workspace.dependencies]`` carries the pin.
* :func:`edit_cargo_pins` lets the caller decide, entry by entry, what each requirement
  becomes (or that a version-less path entry gets one); :func:`edit_cargo_pin_registries`
  likewise for the ``registry`` a path entry names (added after its ``version``, the
  spelling cargo's documentation uses); :func:`set_cargo_pins` is the simple
  policy: every entry ``=X.Y.Z``, version-less path entries pinned except dev-dependencies
  (cargo drops those when publishing, which is what test helpers want).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from release_tasks.edit._common import DocPath, check_semver, fail
from release_tasks.edit._toml import TomlEdit, dotted, is_table

Kind = Literal["workspace", "normal", "build", "dev"]
_REGISTRY_NAME = re.compile(r"[A-Za-z0-9_-]+")

# Cargo still accepts the underscore spellings of the old manifests.
_TABLES: dict[str, Kind] = {
    "dependencies": "normal",
    "build-dependencies": "build",
    "build_dependencies": "build",
    "dev-dependencies": "dev",
    "dev_dependencies": "dev",
}


@dataclass(frozen=True, slots=True)
class Pin:
    """One dependency on a workspace crate, for the drift check."""

    table: str  # the dependency table, e.g. ``target.'cfg(unix)'.dependencies``
    key: str  # the dependency's key in that table (its local name when renamed)
    crate: str  # the package it depends on
    version: str | None  # the requirement as written, e.g. ``=0.1.8``; None: has none
    kind: Kind = "normal"
    has_path: bool = False
    registry: str | None = None  # its ``registry = "NAME"``; None: none (crates.io)


@dataclass(frozen=True, slots=True)
class _Entry:
    pin: Pin
    table: MutableMapping[str, Any]  # the container holding the version (dependency or table)
    key: str  # the version's key in ``table``
    mode: Literal["string", "version", "add"]
    path: DocPath  # where the version sits in the parsed document


def cargo_pins(text: str, crates: Collection[str], *, source: str | None = None,
               every: bool = False) -> list[Pin]:
    """Every dependency on one of ``crates`` that carries, or should carry, a version
    (``every``: also version-less path dev-dependencies)."""
    return [entry.pin for entry in _entries(TomlEdit(text, source), crates)
            if every or entry.pin.version is not None or entry.pin.kind != "dev"]


def edit_cargo_pins(text: str, crates: Collection[str], decide: Callable[[Pin], str | None], *,
                    source: str | None = None) -> str:
    """Set each dependency on one of ``crates`` to ``decide(pin)`` (``None``: leave it); a
    version-less path entry gets a ``version`` key right after its ``path``."""
    edit = TomlEdit(text, source)
    for entry in list(_entries(edit, crates)):
        wanted = decide(entry.pin)
        if wanted is None or wanted == entry.pin.version:
            continue
        check_semver(wanted.lstrip("=^~"), source)
        if entry.mode == "add":
            edit.add_after_path(entry.table, wanted, entry.path)
        else:
            edit.replace(entry.table, entry.key, wanted, entry.path)
    return edit.result()


def edit_cargo_pin_registries(text: str, crates: Collection[str],
                              decide: Callable[[Pin], str | None], *,
                              source: str | None = None) -> str:
    """Set the ``registry`` of each table entry on one of ``crates`` to ``decide(pin)``
    (``None``: leave it); an entry without one gets it after its ``version`` (or ``path``)."""
    edit = TomlEdit(text, source)
    for entry in list(_entries(edit, crates)):
        wanted = decide(entry.pin)
        if wanted is None or wanted == entry.pin.registry or entry.mode == "string":
            continue
        if not _REGISTRY_NAME.fullmatch(wanted):
            raise fail(source, f"{wanted!r} is not a cargo registry name")
        where = (*entry.path[:-1], "registry")
        if entry.pin.registry is not None:
            edit.replace(entry.table, "registry", wanted, where)
        else:
            edit.add_after(entry.table, "version" if entry.mode == "version" else "path",
                           "registry", wanted, where)
    return edit.result()


def set_cargo_pins(
    text: str,
    crates: Collection[str],
    version: str,
    *,
    add_missing: bool = True,
    source: str | None = None,
) -> str:
    """Pin every dependency on one of ``crates`` to ``=version`` (``version`` is ``X.Y.Z``)."""
    requirement = "=" + check_semver(version, source)

    def decide(pin: Pin) -> str | None:
        if pin.version is None:
            return requirement if add_missing and pin.kind != "dev" else None
        return requirement

    return edit_cargo_pins(text, crates, decide, source=source)


def _dependency_tables(
    doc: MutableMapping[str, Any],
) -> Iterator[tuple[tuple[str, ...], MutableMapping[str, Any], Kind]]:
    workspace = doc.get("workspace")
    if is_table(workspace) and is_table(deps := workspace.get("dependencies")):
        yield ("workspace", "dependencies"), deps, "workspace"
    for name, kind in _TABLES.items():
        if is_table(deps := doc.get(name)):
            yield (name,), deps, kind
    target = doc.get("target")
    if is_table(target):
        for platform, tables in target.items():
            for name, kind in _TABLES.items():
                if is_table(tables) and is_table(deps := tables.get(name)):
                    yield ("target", platform, name), deps, kind


def _entries(edit: TomlEdit, crates: Collection[str]) -> Iterator[_Entry]:
    if isinstance(crates, str):  # A lone name would be taken letter by letter.
        raise TypeError("crates must be a collection of crate names, not a string")
    wanted = set(crates)
    for keys, deps, kind in _dependency_tables(edit.doc):
        table = dotted(keys)
        for key, value in deps.items():
            if isinstance(value, str):
                if key in wanted:
                    pin = Pin(table, key, key, str(value), kind)
                    yield _Entry(pin, deps, key, "string", (*keys, key))
                continue
            if not is_table(value):
                raise fail(edit.source, f"[{table}] {key} must be a string or a table")
            crate = value.get("package", key)
            if crate not in wanted or value.get("workspace") is True:
                continue
            path = (*keys, key, "version")
            has_path = "path" in value
            registry = str(value["registry"]) if "registry" in value else None
            if "version" in value:
                pin = Pin(table, key, str(crate), str(value["version"]), kind, has_path, registry)
                yield _Entry(pin, value, "version", "version", path)
            elif has_path:
                pin = Pin(table, key, str(crate), None, kind, has_path, registry)
                yield _Entry(pin, value, "version", "add", path)
