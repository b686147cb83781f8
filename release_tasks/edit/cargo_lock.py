"""``Cargo.lock``: the versions of the workspace's own packages.

Workspace members (and other path packages) are the ``[[package]]`` entries without a
``source``; a registry package of the same name, even of the same version, is never touched.

Dependency lists name a package as cargo's lock encoding does: ``"name"`` when the name is
unique, ``"name version"`` when several versions share it, and ``"name version (source)"``
when several sources share a name and version. A version bump can change which form cargo
wants (``cargo build --locked`` rejects a lockfile cargo would write differently), so every
reference to a renamed package's name is re-encoded with the counts after the bump.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import semver

from release_tasks.edit._common import (
    check_semver,
    fail,
    split_bom,
)
from release_tasks.edit._lockscan import Block, reorder, scan_blocks, splice
from release_tasks.edit._toml import parse_toml


@dataclass(frozen=True, slots=True)
class _Package:
    name: str
    version: str
    source: str | None


def cargo_lock_versions(
    text: str, members: Mapping[str, str] | Collection[str], *, source: str | None = None
) -> dict[str, str]:
    """``{name: version}`` of the source-less packages named in ``members`` that are present."""
    packages = [pkg for pkg in _load(text, source).packages if pkg.source is None]
    found = [pkg.name for pkg in packages]
    if duplicates := sorted(name for name, n in Counter(found).items() if n > 1):
        raise fail(source, f"several path packages named {', '.join(duplicates)}")
    return {pkg.name: pkg.version for pkg in packages if pkg.name in members}


def set_cargo_lock_versions(
    text: str, versions: Mapping[str, str], *, source: str | None = None
) -> str:
    """Set the version of each source-less package named in ``versions`` (absent names are
    skipped: a binding's lockfile holds only the crates it uses) and of references to it."""
    for version in versions.values():
        check_semver(version, source)
    lock = _load(text, source)
    old = lock.packages
    new = [
        _Package(p.name, versions[p.name], None) if p.source is None and p.name in versions else p
        for p in old
    ]
    # The result must parse to exactly this: the old document with the intended changes.
    expected = copy.deepcopy(lock.data)
    edits: list[tuple[int, int, str]] = []
    for i, (before, after, block) in enumerate(zip(old, new, lock.blocks, strict=True)):
        if before.version != after.version:
            _, start, end = block.strings["version"]
            edits.append((start, end, after.version))
            expected["package"][i]["version"] = after.version
    # Lockfile v1 spells every reference out in full.
    encode = _Encoder(new, full="metadata" in lock.data and "version" not in lock.data)
    for i, block in enumerate(lock.blocks):
        refs = [ref for ref, _, _ in block.items]
        wanted = [
            encode(_resolve(ref, old, source, old[i].name)) if _name(ref) in versions else ref
            for ref in refs
        ]
        if wanted == refs:
            continue
        wanted.sort(key=_ref_order)  # Cargo sorts each list by (name, version, source).
        edits += [
            (start, end, w)
            for (r, start, end), w in zip(block.items, wanted, strict=True)
            if r != w
        ]
        expected["package"][i]["dependencies"] = wanted
    if not edits:
        return text
    out = splice(lock.body, edits)
    order = _package_order(new, versions)
    if order != sorted(order):
        out = reorder(out, scan_blocks(out, "dependencies", source), order)
        expected["package"] = [expected["package"][k] for k in order]
    if parse_toml(out, source) != expected:
        raise fail(
            source, "internal error: the edit changed more than the versions; nothing written"
        )
    return lock.bom + out


def _name(ref: str) -> str:
    return ref.split(" ", 1)[0]


def _ref_order(ref: str) -> tuple[str, bool, str, bool]:
    # Cargo compares the optional version and source as strings, absent before present.
    name, _, rest = ref.partition(" ")
    version, _, src = rest.partition(" ")
    return (name, bool(version), version, bool(src))


def _package_order(packages: list[_Package], renamed: Collection[str]) -> list[int]:
    """Which package goes in each place: cargo orders entries by name, then semantic
    version, then source (path sources first). Only the renamed names can have moved."""
    order = list(range(len(packages)))
    for name in renamed:
        places = [i for i, pkg in enumerate(packages) if pkg.name == name]
        if len(places) < 2:
            continue
        ranked = sorted(
            places,
            key=lambda i: (
                semver.Version.parse(packages[i].version),
                packages[i].source is not None,
            ),
        )
        for place, i in zip(places, ranked, strict=True):
            order[place] = i
    return order


@dataclass(frozen=True, slots=True)
class _Lock:
    bom: str
    body: str
    data: dict[str, Any]
    packages: list[_Package]
    blocks: list[Block]


def _load(text: str, source: str | None) -> _Lock:
    """The ``[[package]]`` entries, read by ``tomllib`` and checked against the line scan."""
    bom, body = split_bom(text)
    data = parse_toml(body, source)
    entries = data.get("package", [])
    blocks = scan_blocks(body, "dependencies", source)
    packages: list[_Package] = []
    layout_ok = isinstance(entries, list) and len(entries) == len(blocks)
    for entry, block in zip(entries if layout_ok else [], blocks, strict=False):
        seen = {key: value for key, (value, _, _) in block.strings.items()}
        refs = [value for value, _, _ in block.items]
        if (
            not isinstance(entry, dict)
            or any(seen.get(key) != entry.get(key) for key in ("name", "version", "source"))
            or refs != entry.get("dependencies", [])
        ):
            layout_ok = False
            break
        packages.append(_Package(entry["name"], entry["version"], entry.get("source")))
    if not layout_ok:
        raise fail(
            source,
            "is not laid out the way cargo writes Cargo.lock; let cargo rewrite it "
            "(`cargo update --workspace`) and try again",
        )
    return _Lock(bom, body, data, packages, blocks)


def _resolve(ref: str, packages: list[_Package], source: str | None, owner: str) -> int:
    """The index of the package a dependency string names."""
    name, _, rest = ref.partition(" ")
    version, _, src = rest.partition(" ")
    candidates = [
        i
        for i, pkg in enumerate(packages)
        if pkg.name == name
        and (not version or pkg.version == version)
        and (not src or f"({_without_precise(pkg.source)})" == src)
    ]
    if not src and len(candidates) > 1:
        # Cargo spells no source for path packages, so an ambiguous bare `name version` is one.
        candidates = [i for i in candidates if packages[i].source is None]
    if len(candidates) != 1:
        raise fail(source, f"dependency {ref!r} of {owner} names {len(candidates)} packages")
    return candidates[0]


def _without_precise(source: str | None) -> str:
    # Git sources end in `#<commit>` in `source` but not in dependency strings.
    return (source or "").split("#", 1)[0]


class _Encoder:
    """Cargo's dependency string for a package, given every package in the lockfile."""

    def __init__(self, packages: list[_Package], full: bool) -> None:
        self._packages = packages
        self._full = full
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for pkg in packages:
            self._counts[pkg.name][pkg.version] += 1

    def __call__(self, index: int) -> str:
        pkg = self._packages[index]
        by_version = self._counts[pkg.name]
        if not self._full and by_version[pkg.version] == 1:
            return pkg.name if len(by_version) == 1 else f"{pkg.name} {pkg.version}"
        if pkg.source is None:
            return f"{pkg.name} {pkg.version}"
        return f"{pkg.name} {pkg.version} ({_without_precise(pkg.source)})"
