"""The Cargo workspace as the manifests describe it: members, their internal dependencies,
and the publish phases derived from that graph (never from a hard-coded list).
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from release_tasks.errors import ConfigError, UpdateError

_DEP_TABLES = ("dependencies", "build-dependencies", "dev-dependencies")


@dataclass(frozen=True, kw_only=True)
class Crate:
    """One workspace member."""

    name: str
    manifest: str  # repository-relative path of its Cargo.toml
    version: str | None  # None when inherited from the workspace
    publish: bool
    deps: frozenset[str]  # workspace crates it depends on (as published)
    path_deps_without_version: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """Every member of the workspace rooted at ``root_manifest``."""

    root_manifest: str
    members: tuple[Crate, ...]

    def crate(self, name: str) -> Crate:
        for crate in self.members:
            if crate.name == name:
                return crate
        raise ConfigError([f"crate {name!r} is not a member of the workspace "
                           f"{self.root_manifest}"], "release.toml")

    @property
    def manifests(self) -> tuple[str, ...]:
        """Root manifest first, then every member manifest (no duplicates)."""
        seen = dict.fromkeys([self.root_manifest, *(c.manifest for c in self.members)])
        return tuple(seen)


def _load_toml(root: Path, rel: str) -> dict[str, Any]:
    path = root / rel
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UpdateError(f"{rel}: file not found") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UpdateError(f"{rel}: cannot be parsed as TOML: {exc}") from exc


def _dep_entries(manifest: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """``(table, key, entry)`` for every dependency, target-specific ones included."""
    for table in _DEP_TABLES:
        for key, entry in manifest.get(table, {}).items():
            yield table, key, entry
    for target, spec in manifest.get("target", {}).items():
        for table in _DEP_TABLES:
            for key, entry in spec.get(table, {}).items():
                yield f"target.{target}.{table}", key, entry


def load(root: Path, workspace_dir: str = ".") -> Workspace:
    """Read the workspace manifests under ``root`` (a checkout of the repository)."""
    base = PurePosixPath(workspace_dir)
    root_rel = str(base / "Cargo.toml") if workspace_dir != "." else "Cargo.toml"
    top = _load_toml(root, root_rel)
    ws = top.get("workspace", {})
    ws_deps: Mapping[str, Any] = ws.get("dependencies", {})
    excluded = {str(base / e) for e in ws.get("exclude", [])}
    dirs: list[str] = []
    if "package" in top:
        dirs.append(str(base))
    for pattern in ws.get("members", []):
        literal = base / pattern
        if not any(c in pattern for c in "*?[") and not (root / literal / "Cargo.toml").is_file():
            # Cargo refuses a listed member without a manifest; so do we, naming the file.
            raise UpdateError(f"{literal}/Cargo.toml: file not found (a member of the "
                              f"workspace in {root_rel})")
        matches = sorted(p for p in (root / base).glob(pattern) if (p / "Cargo.toml").is_file())
        for match in matches:
            rel = match.relative_to(root).as_posix()
            if rel not in excluded and rel not in dirs:
                dirs.append(rel)
    raw: list[tuple[str, dict[str, Any]]] = []
    for directory in dirs:
        rel = "Cargo.toml" if directory == "." else f"{directory}/Cargo.toml"
        raw.append((rel, top if rel == root_rel else _load_toml(root, rel)))
    names = {m["package"]["name"] for _, m in raw if "package" in m}
    members = []
    for rel, manifest in raw:
        package = manifest["package"]
        deps: set[str] = set()
        unpinned: set[str] = set()
        for table, key, entry in _dep_entries(manifest):
            target, has_version, has_path = _resolve(key, entry, ws_deps)
            if target not in names:
                continue
            if has_path and not has_version and not table.endswith("dev-dependencies"):
                unpinned.add(target)
            # Cargo strips dev-dependencies without a version when publishing.
            if has_version or not table.endswith("dev-dependencies"):
                deps.add(target)
        version = package.get("version")
        publish = package.get("publish", True)
        members.append(Crate(
            name=package["name"], manifest=rel,
            version=version if isinstance(version, str) else None,
            publish=publish is not False and publish != [],
            deps=frozenset(deps - {package["name"]}),
            path_deps_without_version=frozenset(unpinned)))
    return Workspace(root_manifest=root_rel, members=tuple(members))


def _resolve(key: str, entry: Any, ws_deps: Mapping[str, Any]) -> tuple[str, bool, bool]:
    """``(crate name, carries a version, has a path)`` for one dependency entry."""
    if isinstance(entry, str):
        return key, True, False
    if not isinstance(entry, dict):
        return key, False, False
    if entry.get("workspace") is True:
        inherited = ws_deps.get(key, {})
        if isinstance(inherited, str):
            return key, True, False
        name = inherited.get("package", entry.get("package", key))
        return name, "version" in inherited, "path" in inherited
    return entry.get("package", key), "version" in entry, "path" in entry


def phases(workspace: Workspace, crates: Collection[str]) -> list[list[str]]:
    """Publish phases: each crate one phase after the latest of its dependencies.

    Crates within a phase keep the order of ``crates``; a cycle is a :class:`ConfigError`
    naming the crates in it.
    """
    order = list(crates)
    graph = {name: set(workspace.crate(name).deps) & set(order) for name in order}
    depth: dict[str, int] = {}
    visiting: list[str] = []

    def visit(name: str) -> int:
        if name in depth:
            return depth[name]
        if name in visiting:
            cycle = [*visiting[visiting.index(name):], name]
            raise ConfigError([f"dependency cycle among published crates: {' -> '.join(cycle)}"],
                              workspace.root_manifest)
        visiting.append(name)
        depth[name] = 1 + max((visit(d) for d in sorted(graph[name])), default=0)
        visiting.pop()
        return depth[name]

    for name in order:
        visit(name)
    result: list[list[str]] = [[] for _ in range(max(depth.values(), default=0))]
    for name in order:
        result[depth[name] - 1].append(name)
    return result
