"""What a release writes: every version site of the tree, with its old and its new value.

One planner serves ``update`` (which writes the result), the release summary (which lists
the files) and the drift check (which reports the sites whose old value is in conflict), so
drift is never a second statement of update's rules. A site is in conflict when its old
value is neither the component's current version nor its next one; a pin that the release
adds where cargo needs one is part of the plan, not drift.

Where versions live (VERSIONING.md says the same in prose): ``VERSION``; each core crate's
``[package] version``; ``[workspace.package] version`` when a core crate inherits it (or it
equals the core version); the root package when it is versioned with the core; the files of
each binding; every pin on a package whose version moves; every Cargo.lock that lists one.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_tasks import cmd, edit
from release_tasks.apply.binding_sites import binding_sites
from release_tasks.apply.sites import ChangeSet, Editor, Planner, Site, Targets, expected
from release_tasks.cargo import workspace
from release_tasks.cargo.requirements import parse_pin, satisfies
from release_tasks.errors import UpdateError
from release_tasks.model.components import Config
from release_tasks.registries import kind_of


def _toml(text: str | None) -> dict[str, Any]:
    try:
        return tomllib.loads((text or "").lstrip("\ufeff"))
    except tomllib.TOMLDecodeError:
        return {}


def _inherits(manifest: Mapping[str, Any]) -> bool:
    version = (manifest.get("package") or {}).get("version")
    return isinstance(version, dict) and version.get("workspace") is True


@dataclass(frozen=True)
class _Moves:
    """Packages whose version the release moves to the next core version."""

    names: frozenset[str]
    ws_package: bool  # [workspace.package] version is written
    explicit: tuple[workspace.Crate, ...]  # members whose own [package] version is written


def _moves(p: Planner, config: Config, ws: workspace.Workspace, cur: str, nxt: str,
           core_files: set[str]) -> _Moves:
    core = set(config.core.crates)
    manifests = {c.name: _toml(p.text(c.manifest)) for c in ws.members}
    root_doc = _toml(p.text(ws.root_manifest))
    ws_version = ((root_doc.get("workspace") or {}).get("package") or {}).get("version")
    inheritors = {name for name, doc in manifests.items() if _inherits(doc)}
    root = ws.root_package
    ws_moves = isinstance(ws_version, str) and (
        bool(inheritors & core) or ws_version in (cur, nxt)
        or (root is not None and root.name in inheritors and root.version in (cur, nxt)))
    moving = set(core) | {c.name for c in ws.members if c.manifest in core_files}
    if root is not None and (root.name in core or root.version in (cur, nxt)):
        moving.add(root.name)
    if ws_moves:
        moving |= inheritors
    explicit = tuple(c for c in ws.members if c.name in moving and c.name not in inheritors
                     and c.manifest not in core_files)
    return _Moves(frozenset(moving), ws_moves, explicit)


def plan(root: Path, config: Config, ws: workspace.Workspace, targets: Targets,
         tree: Sequence[str]) -> ChangeSet:
    """Every site of the tree at ``root`` for ``targets``; ``tree`` lists its tracked files."""
    p = Planner(root)
    cur, nxt = str(targets.core_current), str(targets.core_next)
    p.add(config.core.version_file, lambda t: edit.version_file_text(t, nxt),
          Site(config.core.version_file, "version", cur, nxt))
    core_files = {s.path for b in config.bindings for s in b.version_files
                  if s.format == "cargo" and s.value == "core"}
    moves = _moves(p, config, ws, cur, nxt, core_files)
    core = set(config.core.crates)
    for crate in moves.explicit:
        conflict = None
        if crate.version not in (cur, nxt) and crate.name in core:
            conflict = f"package.version: found {crate.version}, {expected(cur, nxt)}"
        p.add(crate.manifest, _package_editor(crate.manifest, nxt),
              Site(crate.manifest, "package.version", crate.version, nxt, conflict))
    if moves.ws_package:
        ok, old = p.read(ws.root_manifest, lambda t: edit.workspace_package_version(
            t, source=ws.root_manifest))
        if ok and old is not None:
            conflict = None
            if old not in (cur, nxt):
                conflict = f"workspace.package.version: found {old}, {expected(cur, nxt)}"
            p.add(ws.root_manifest, lambda t: edit.set_workspace_package_version(
                t, nxt, source=ws.root_manifest),
                Site(ws.root_manifest, "workspace.package.version", old, nxt, conflict))
    shipping = {s.path for b in config.bindings if kind_of(b.registry).ships_crate_source
                for s in b.version_files if s.format == "cargo"}
    shipping |= {ws.crate(b.crate).manifest for b in config.bindings
                 if kind_of(b.registry).ships_crate_source and b.crate and ws.get(b.crate)}
    members = {c.manifest: c for c in ws.members}
    manifests = list(ws.manifests) + [
        f for f in [*sorted(core_files), *(f for f in tree if Path(f).name == "Cargo.toml")]
        if f not in ws.manifests]
    for manifest in dict.fromkeys(manifests):
        declarer = members.get(manifest)
        _pins(p, manifest, moves.names, cur, nxt, core, in_workspace=manifest in ws.manifests,
              requires=manifest in shipping or (declarer is not None and declarer.name in core),
              registry=config.core.cargo_registry)
    binding_sites(p, config, targets)
    _lockfiles(p, ws, moves.names, cur, nxt, tree)
    return p.result()


def _package_editor(path: str, version: str) -> Editor:
    return lambda text: edit.set_cargo_package_version(text, version, source=path)


def _pins(p: Planner, manifest: str, moving: frozenset[str], cur: str, nxt: str,
          core: set[str], *, in_workspace: bool, requires: bool,
          registry: str | None = None) -> None:
    """Keep every pin on a moving package in step; add the ones cargo needs. With an
    alternative cargo ``registry``, every path pin on a core crate names it: once published,
    the dependency is looked up there, not on crates.io."""
    ok, _ = p.read(manifest, lambda t: None)
    text = p.texts.get(manifest)
    if not ok or text is None:
        return
    try:
        pins = edit.cargo_pins(text, moving, source=manifest, every=True)
    except UpdateError as exc:
        p.problem(manifest, str(exc))
        return
    decisions: dict[tuple[str, str], str] = {}
    sites = []
    for pin in pins:
        if not in_workspace and not pin.has_path:
            continue  # a registry dependency that only shares a name
        key = f"{pin.table}.{pin.key}.version"
        if pin.version is None:
            needed = pin.kind != "dev" and pin.crate in core and (
                requires or pin.table == "workspace.dependencies")
            if needed:
                decisions[(pin.table, pin.key)] = f"={nxt}"
                sites.append(Site(manifest, key, None, f"={nxt}"))
            continue
        found = parse_pin(pin.version)
        # A caret or tilde requirement behind the version that still allows it (opendal's
        # `0.58.1` with 0.58.2) is not drift; it is rewritten only once it would not allow
        # the next version.
        allowed = (found is not None and found.op != "=" and found.version not in (cur, nxt)
                   and bool(satisfies(pin.version, cur)))
        if allowed and satisfies(pin.version, nxt):
            continue
        if found is not None:
            new = found.moved_to(nxt)
            conflict = None
            if found.version not in (cur, nxt) and not allowed:
                conflict = f"{key}: found {pin.version}, {expected(cur, nxt, found.op)}"
            decisions[(pin.table, pin.key)] = new
            sites.append(Site(manifest, key, pin.version, new, conflict))
        elif satisfies(pin.version, nxt) is False:
            sites.append(Site(manifest, key, pin.version, pin.version,
                              f"{key}: found {pin.version}, which does not allow {nxt}"))
    registries: dict[tuple[str, str], str] = {}
    for pin in pins:
        # A version-less path dev-dependency is stripped by cargo: it needs no registry.
        kept = pin.version is not None or (pin.table, pin.key) in decisions
        if registry and pin.has_path and pin.crate in core and kept and pin.registry != registry:
            registries[(pin.table, pin.key)] = registry
            sites.append(Site(manifest, f"{pin.table}.{pin.key}.registry", pin.registry, registry))
    if not sites:
        return

    def editor(text: str) -> str:
        text = edit.edit_cargo_pins(text, moving, lambda pin: decisions.get((pin.table, pin.key)),
                                    source=manifest)
        if not registries:
            return text
        return edit.edit_cargo_pin_registries(
            text, moving, lambda pin: registries.get((pin.table, pin.key)), source=manifest)

    p.add(manifest, editor, *sites)


def _lockfiles(p: Planner, ws: workspace.Workspace, moving: frozenset[str], cur: str, nxt: str,
               tree: Sequence[str]) -> None:
    """Every Cargo.lock listing a workspace package: its entry at the package's new version.

    Only the workspace's own lockfile (the one cargo reads) can be in conflict; others, next
    to crates built on their own, are refreshed."""
    versions = {c.name: nxt if c.name in moving else c.version for c in ws.members}
    current = {c.name: c.version for c in ws.members}
    locks = [f for f in tree if Path(f).name == "Cargo.lock"]
    if ws.lockfile not in locks and (p.root / ws.lockfile).is_file():
        locks.insert(0, ws.lockfile)
    for lock in locks:
        ok, _ = p.read(lock, lambda t: None)
        text = p.texts.get(lock)
        if not ok or text is None:
            continue
        try:
            found = edit.cargo_lock_versions(text, versions, source=lock)
        except UpdateError as exc:
            p.problem(lock, str(exc))
            continue
        if not found:
            continue
        sites = []
        for name, old in found.items():
            conflict = None
            if lock == ws.lockfile:
                allowed = (cur, nxt) if name in moving else (current[name],)
                if old not in allowed:
                    conflict = f"package {name}: found {old}, " + (
                        expected(cur, nxt) if name in moving else f"expected {current[name]}")
            sites.append(Site(lock, f"package {name}", old, versions[name], conflict))
        wanted = {name: versions[name] for name in found}
        p.add(lock, functools.partial(_set_lock, wanted, lock), *sites)


def _set_lock(versions: Mapping[str, str], lock: str, text: str) -> str:
    return edit.set_cargo_lock_versions(text, versions, source=lock)


_SKIP_DIRS = frozenset({".git", "target", "node_modules", ".venv", "venv", "__pycache__"})


def tree_files(root: Path) -> list[str]:
    """The repository's tracked files (``git ls-files``), or every file outside build
    output when ``root`` is not a git work tree."""
    result = cmd.run(["git", "-C", str(root), "ls-files", "-z"], capture=True, check=False,
                     echo=False)
    if result.returncode == 0:
        return [f for f in result.stdout.split("\0") if f]
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not _SKIP_DIRS & set(rel.parts):
            found.append(rel.as_posix())
    return found
