"""Proposing the core: its version, the crates that version with it, and its groups.

The core crates are the members that can be published with the core: published
(``publish`` not false, crates.io allowed), at the core version, not an example, and
depending on nothing that is not itself released with the core (crates.io could not resolve
it). The crates the bindings are built from, transitively through normal and build
dependencies, are the FFI-facing group, which propagates to every binding built from it;
the other core crates form the server group. Everything else keeps its own version.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from release_tasks.cargo import workspace
from release_tasks.cargo.workspace import Crate
from release_tasks.errors import ConfigError
from release_tasks.init.model import FoundBinding, Group, Sources
from release_tasks.model.version import clean_version_text
from release_tasks.registries.crates_io import cargo

_EXAMPLE = re.compile(r"(^|[-_/])examples?($|[-_/])")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def core_version(src: Sources, version_file: str) -> tuple[str, str, bool]:
    """The core version, where it comes from, and whether ``version_file`` is missing."""
    text = src.read(version_file) if version_file in src.tree.entries else None
    found = clean_version_text(text or "")
    publishable = [c.version for c in src.workspace.members if c.publish and not _example(c)]
    common = Counter(publishable).most_common()
    if found and _SEMVER.match(found):
        if found in publishable or not common:
            return found, f"{version_file} says {found}", False
        return found, (f"{version_file} says {found}, but no published crate is at it (they "
                       f"are at {', '.join(sorted(set(publishable)))}): fix one or the other"), False
    if not common:
        raise ConfigError(["no member of the workspace can be published (every crate has "
                           "publish = false or is an example): there is no core to release"],
                          "init")
    top = max(common, key=lambda vc: (vc[1], [int(p) for p in re.findall(r"\d+", vc[0])]))[0]
    missing = text is None
    return top, (f"the version of most published crates ({top}); {version_file} "
                 f"{'does not exist: init writes it' if missing else 'holds no X.Y.Z version'}"), missing


def _example(crate: Crate) -> bool:
    return bool(_EXAMPLE.search(crate.name) or _EXAMPLE.search(crate.directory))


def _normal(crate: Crate, names: set[str]) -> set[str]:
    """Members ``crate`` is built from (normal and build dependencies)."""
    return {d.name for d in crate.dependencies if d.kind != "dev" and d.name in names} - {crate.name}


def classify(src: Sources, bindings: Sequence[FoundBinding], core: str
             ) -> tuple[list[str], dict[str, str]]:
    """The core crates (workspace order), and why each other member is left out."""
    ws = src.workspace
    natives = {b.crate.name for b in bindings if b.crate}
    left: dict[str, str] = {}
    for c in ws.members:
        if c.name in natives:
            continue
        if _example(c):
            left[c.name] = "an example (by its name or directory)"
        elif not c.publish:
            left[c.name] = "publish = false"
        elif c.registries is not None and cargo.NAME not in c.registries:
            left[c.name] = f"publish = {list(c.registries)}: not crates.io"
        elif c.version != core:
            left[c.name] = (f"at its own version {c.version} (the core is {core}): released "
                            "on its own schedule")
    names = {c.name for c in ws.members}
    root = ws.root_package
    if root is not None and root.name not in left and root.name not in natives and len(names) > 1:
        others = (names - set(left)) - {root.name}
        if not _normal(root, others) and not any(root.name in _normal(c, {root.name})
                                                 for c in ws.members if c.name in others):
            left[root.name] = ("the workspace's root package, linked to the other crates by "
                               "dev-dependencies only (tests, benchmarks): add it to a group if "
                               "it is published")
    changed = True
    while changed:  # a crate built from one that is not released cannot be published
        changed = False
        for c in ws.members:
            if c.name in left or c.name in natives:
                continue
            released = names - set(left) - natives
            blocked = sorted((c.deps & names) - {c.name} - released)
            if blocked:
                what = "a binding's native crate" if blocked[0] in natives else "left out too"
                left[c.name] = (f"depends on {blocked[0]} ({what}), which crates.io could not "
                                "resolve: it cannot be published with the core")
                changed = True
    return [c.name for c in ws.members if c.name not in left and c.name not in natives], left


def _reach(src: Sources, bindings: Sequence[FoundBinding]) -> dict[str, str]:
    """Every member some binding crate is built from -> the first binding crate reaching it."""
    crates = {c.name: c for c in src.workspace.members}
    crates |= {b.crate.name: b.crate for b in bindings if b.crate}
    names, found = set(crates), {}
    for b in bindings:
        if b.crate is None:
            continue
        stack = [b.crate.name]
        while stack:
            for dep in sorted(_normal(crates[stack.pop()], names)):
                if dep not in found:
                    found[dep] = b.crate.name
                    stack.append(dep)
    return {name: via for name, via in found.items() if name not in
            {b.crate.name for b in bindings if b.crate}}


def _paths(src: Sources, crates: Sequence[str]) -> list[str]:
    paths: list[str] = []
    for name in crates:
        crate = src.workspace.crate(name)
        if crate.directory == ".":  # the root package: its own files, not the whole tree
            paths += [p for p in ("Cargo.toml", "src", "build.rs") if p in src.tree.entries]
        else:
            paths.append(crate.directory)
    return paths


def _ordered(src: Sources, crates: Sequence[str]) -> tuple[str, ...]:
    """In publish order (the phases of cargo's graph), for reading."""
    return tuple(c for phase in workspace.phases(src.workspace, crates) for c in phase)


def propose(src: Sources, bindings: Sequence[FoundBinding], core: str
            ) -> tuple[tuple[Group, ...], dict[str, str], list[str]]:
    """The core groups, the members left out (with why), and notes."""
    crates, left = classify(src, bindings, core)
    if not crates:
        raise ConfigError(["no crate can be released with the core: "
                           + "; ".join(f"{n}: {why}" for n, why in left.items())], "init")
    reach = _reach(src, bindings)
    ws = src.workspace
    shared = [p for p in dict.fromkeys([ws.root_manifest, ws.lockfile]) if p in src.tree.entries]
    ffi = [c for c in crates if c in reach]
    watched = [c for c in reach if c in left]
    notes = [f"the FFI-facing paths also cover {c} ({left[c]}): the bindings are built from it"
             for c in watched]
    if not ffi:
        every = _ordered(src, crates)
        # Not "core": its env key would be CORE, which the core itself uses.
        return (Group(name="crates", label="core crates", crates=every,
                      paths=_no_repeats(_paths(src, every) + shared), propagates_to=(),
                      why="the published crates at the core version; no binding is built from "
                          "any of them"),), left, notes
    built_from = [b for b in bindings if b.crate and set(_reach(src, [b])) & set(ffi)]
    targets = tuple(b.name for b in built_from if b.disabled is None)
    natives = sorted({b.crate.name for b in built_from if b.crate})
    extra = [d for c in watched if (d := ws.crate(c).directory) != "."]
    ordered = _ordered(src, ffi)
    groups = [Group(
        name="ffi", label="FFI-facing core", crates=ordered,
        paths=_no_repeats(_paths(src, ordered) + extra + shared), propagates_to=targets,
        why=f"the crates the bindings are built from ({_and(natives)} depend on them, directly "
            f"or not); with {_and(shared) if shared else 'them'}, a change here rebuilds the "
            "bindings on the next core version")]
    server = _ordered(src, [c for c in crates if c not in reach])
    if server:
        groups.append(Group(name="server", label="server and tools", crates=server,
                            paths=tuple(_paths(src, server)), propagates_to=(),
                            why="the other published crates at the core version: no binding is "
                                "built from them, so a change here releases the core only"))
    return tuple(groups), left, notes



def _no_repeats(paths: Sequence[str]) -> tuple[str, ...]:
    """``paths`` without repeats, nor a path inside a directory already listed
    (``tokenizers/Cargo.toml`` after ``tokenizers``)."""
    unique = list(dict.fromkeys(paths))
    return tuple(p for p in unique if not any(p.startswith(q.rstrip("/") + "/")
                                              for q in unique if q not in (p, ".")))


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
