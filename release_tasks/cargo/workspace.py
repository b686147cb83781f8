"""The Cargo workspace as cargo itself sees it: members, versions, ``publish``, and every
dependency with its kind, target and rename.

One ``cargo metadata --no-deps --offline --format-version 1`` answers all of it, offline and in
tens of milliseconds, with cargo's own rules: the root as a member, virtual roots, glob
members and excludes, inherited versions, renamed and target-specific dependencies. Nothing
here walks manifests by hand; editing still happens with tomlkit at the paths cargo reports.
Publish phases come from this graph, never from a hard-coded list.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from release_tasks import cmd
from release_tasks.errors import ConfigError, ToolMissing, UpdateError

DepKind = Literal["normal", "build", "dev"]
CARGO_HINT = "Install Rust (cargo) with rustup: https://rustup.rs"


@dataclass(frozen=True, kw_only=True)
class Dependency:
    """One dependency entry of a member, as cargo resolved its spelling."""

    name: str  # the package depended on (``package = ...`` of a renamed entry)
    key: str  # the entry's key in its table: the rename, else the name
    kind: DepKind
    target: str | None  # ``cfg(unix)`` of ``[target.'cfg(unix)'.dependencies]``
    req: str  # the requirement; cargo reports ``*`` when the entry has no version
    path: str | None  # repository-relative directory of a path dependency
    git: bool = False  # a git dependency
    registry: str | None = None  # the index URL of its `registry = "NAME"`; None: crates.io

    @property
    def has_version(self) -> bool:
        return self.req != "*"

    @property
    def table(self) -> str:
        """The dependency table it is declared in, as a manifest spells it."""
        table = {"normal": "dependencies", "build": "build-dependencies",
                 "dev": "dev-dependencies"}[self.kind]
        return f"target.{self.target}.{table}" if self.target else table


@dataclass(frozen=True, kw_only=True)
class Crate:
    """One workspace member."""

    name: str
    version: str
    manifest: str  # repository-relative path of its Cargo.toml
    publish: bool  # False for ``publish = false`` (cargo reports ``[]``)
    registries: tuple[str, ...] | None  # ``publish = ["name"]``; None: any registry
    dependencies: tuple[Dependency, ...]
    description: str | None = None
    license: str | None = None
    license_file: str | None = None

    @property
    def directory(self) -> str:
        parent = str(Path(self.manifest).parent)
        return "." if parent in ("", ".") else parent

    @property
    def deps(self) -> frozenset[str]:
        """Packages this crate needs on the registry when published: normal and build
        dependencies, and dev-dependencies that carry a version (cargo strips version-less
        path and git dev-dependencies when packaging)."""
        return frozenset(d.name for d in self.dependencies
                         if (d.kind != "dev" or d.has_version or not (d.path or d.git))
                         and d.name != self.name)


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """Every member of the workspace rooted at ``root_manifest``."""

    root_manifest: str  # repository-relative
    members: tuple[Crate, ...]
    target_directory: Path

    def crate(self, name: str) -> Crate:
        for crate in self.members:
            if crate.name == name:
                return crate
        raise ConfigError([f"crate {name!r} is not a member of the workspace "
                           f"{self.root_manifest} (members: {', '.join(self.names)})"],
                          "release.toml")

    def get(self, name: str) -> Crate | None:
        return next((c for c in self.members if c.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.members)

    @property
    def root_package(self) -> Crate | None:
        """The member whose manifest is the root manifest (a non-virtual root)."""
        return next((c for c in self.members if c.manifest == self.root_manifest), None)

    @property
    def manifests(self) -> tuple[str, ...]:
        """Root manifest first, then every member manifest (no duplicates)."""
        return tuple(dict.fromkeys([self.root_manifest, *(c.manifest for c in self.members)]))

    @property
    def lockfile(self) -> str:
        """The lockfile cargo uses for this workspace (next to the root manifest)."""
        parent = Path(self.root_manifest).parent
        return str(parent / "Cargo.lock") if str(parent) not in ("", ".") else "Cargo.lock"


def load(root: Path, workspace_dir: str = ".", env: Mapping[str, str] | None = None) -> Workspace:
    """Ask cargo for the workspace in ``root / workspace_dir`` (``root``: the repository)."""
    directory = root / workspace_dir
    if not (directory / "Cargo.toml").is_file():
        where = "Cargo.toml" if workspace_dir in (".", "") else f"{workspace_dir}/Cargo.toml"
        raise UpdateError(f"{where}: file not found (the workspace root of the core crates; "
                          "set [core] workspace in release.toml if it lives elsewhere)")
    try:
        result = cmd.run(["cargo", "metadata", "--no-deps", "--offline", "--format-version", "1"],
                         cwd=directory, env=_quiet(env), capture=True, check=False, echo=False)
    except ToolMissing as exc:
        raise ToolMissing(f"`cargo` is needed to read the workspace. {CARGO_HINT}") from exc
    if result.returncode != 0:
        raise UpdateError(_cargo_error(result.stderr, root))
    try:
        data = json.loads(result.stdout)
        return parse_metadata(data, root)
    except (ValueError, KeyError, TypeError) as exc:
        raise UpdateError(f"cannot read `cargo metadata` output: {exc}") from exc


def _quiet(env: Mapping[str, str] | None) -> dict[str, str]:
    child = cmd.child_env(env)  # cargo metadata uploads nothing: no registry token
    child.setdefault("CARGO_TERM_COLOR", "never")
    child["RUST_BACKTRACE"] = "0"  # rustup's backtrace says nothing to a maintainer
    return child


def _cargo_error(stderr: str, root: Path) -> str:
    """Cargo's own message, with absolute paths made repository-relative (and without a
    backtrace), and the fix where it is known."""
    text = stderr.strip().replace(f"{root.resolve()}/", "").replace(f"{root}/", "")
    text = text.split("Stack backtrace:")[0].strip()
    lines = [line for line in text.splitlines() if line.strip()]
    named = re.findall(r"-->\s+(\S+?):\d+", text)
    pinned = re.search(r"toolchain '([^']+)' is not installed", text)
    fix = (f"\nFix {named[0]} (cargo reads every manifest of the workspace), then run the "
           "command again.") if named else ""
    if pinned:
        fix = (f"\nThe repository pins the Rust toolchain {pinned[1]} (rust-toolchain.toml), "
               "which this machine lacks: `rustup toolchain install` in the repository "
               "installs it; RUSTUP_TOOLCHAIN=stable reads the workspace with another one.")
    return ("cargo cannot read the workspace:\n" + "\n".join(f"    {line}" for line in lines)
            + fix)


def _relative(path: str, root: Path) -> str:
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError as exc:
        raise UpdateError(f"{path}: a workspace member outside the repository {root}") from exc


def parse_metadata(data: Mapping[str, Any], root: Path) -> Workspace:
    """Build the model from parsed ``cargo metadata`` JSON (``root``: the repository)."""
    members = set(data["workspace_members"])
    crates = []
    for package in data["packages"]:
        if package["id"] not in members:
            continue
        publish = package.get("publish")
        deps = tuple(
            Dependency(name=d["name"], key=d.get("rename") or d["name"],
                       kind=d.get("kind") or "normal", target=d.get("target"),
                       req=d.get("req", "*"),
                       path=_relative(d["path"], root) if d.get("path") else None,
                       git=str(d.get("source") or "").startswith("git+"),
                       registry=d.get("registry"))
            for d in package.get("dependencies", []))
        crates.append(Crate(
            name=package["name"], version=package["version"],
            manifest=_relative(package["manifest_path"], root),
            publish=publish != [],
            registries=None if publish is None else tuple(publish),
            dependencies=deps, description=package.get("description"),
            license=package.get("license"), license_file=package.get("license_file")))
    root_manifest = _relative(str(Path(data["workspace_root"]) / "Cargo.toml"), root)
    return Workspace(root_manifest=root_manifest, members=tuple(crates),
                     target_directory=Path(data["target_directory"]))


def phases(workspace: Workspace, crates: Collection[str]) -> list[list[str]]:
    """Publish phases: each crate one phase after the latest of its dependencies.

    Crates within a phase keep the order of ``crates``; a cycle among published
    dependencies is a :class:`ConfigError` naming the crates in it (dev-dependencies without
    a version never count: cargo strips them).
    """
    order = list(crates)
    graph = {name: set(workspace.crate(name).deps) & set(order) for name in order}
    found = cycles(graph, closing={(a, b) for a in order for b in graph[a]
                                   if _dev_only(workspace.crate(a), b)})
    if found:
        raise ConfigError([describe_cycle(workspace, c) for c in found] + [CYCLE_FIX],
                          workspace.root_manifest)
    depth: dict[str, int] = {}
    visiting: list[str] = []

    def visit(name: str) -> int:
        if name in depth:
            return depth[name]
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


#: How projects whose tests dev-depend on the crates that depend on them publish anyway.
CYCLE_FIX = ("the fix: crates.io needs every versioned dependency of a crate published before "
             "it, dev-dependencies included, so a dev-dependency with a version closes the "
             "cycle; drop the `version` of that dev-dependency (`x = { path = \"../x\" }`): "
             "cargo strips a version-less path dev-dependency when it publishes")


def _dev_only(crate: Crate, dep: str) -> bool:
    """Whether ``crate`` needs ``dep`` published first only for a versioned dev-dependency."""
    kinds = {d.kind for d in crate.dependencies if d.name == dep}
    return kinds == {"dev"}


def cycles(graph: Mapping[str, Collection[str]],
           closing: Collection[tuple[str, str]] = ()) -> list[list[str]]:
    """Every dependency cycle of ``graph`` at once, in the order of ``graph``: in each
    strongly connected group of crates (Tarjan's algorithm), one path ``a -> b -> ... -> a``
    for each ``closing`` edge ``a -> b`` in it (the dev-dependencies: each must go), else one
    path through the group."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for dep in sorted(graph[name]):
            if dep not in index:
                connect(dep)
                low[name] = min(low[name], low[dep])
            elif dep in stack:
                low[name] = min(low[name], index[dep])
        if low[name] == index[name]:
            group = set()
            while True:
                top = stack.pop()
                group.add(top)
                if top == name:
                    break
            if len(group) > 1 or name in graph[name]:
                groups.append(group)

    for name in graph:
        if name not in index:
            connect(name)
    order = list(graph)
    found: list[list[str]] = []
    for group in sorted(groups, key=lambda g: min(order.index(n) for n in g)):
        edges = sorted(((a, b) for a, b in closing if a in group and b in group),
                       key=lambda e: (order.index(e[0]), order.index(e[1])))
        if not edges:
            found.append(_path(graph, sorted(group, key=order.index)))
        for a, b in edges:
            back = _between(graph, group, b, a)
            found.append([a, *back] if back else [a, b, a])
    return found


def _between(graph: Mapping[str, Collection[str]], members: Collection[str], start: str,
             goal: str) -> list[str]:
    """The shortest path ``start -> ... -> goal`` inside ``members`` ([] when there is none)."""
    if start == goal:
        return [goal]
    came_from: dict[str, str] = {start: start}
    queue = [start]
    for name in queue:  # breadth first: the list grows as it is walked
        for dep in sorted(graph[name]):
            if dep in members and dep not in came_from:
                came_from[dep] = name
                if dep == goal:
                    trail = [goal]
                    while trail[-1] != start:
                        trail.append(came_from[trail[-1]])
                    return trail[::-1]
                queue.append(dep)
    return []


def _path(graph: Mapping[str, Collection[str]], group: Sequence[str]) -> list[str]:
    """The shortest cycle through the first crate of ``group``, inside the group."""
    start, members = group[0], set(group)
    came_from: dict[str, str] = {}
    queue = [start]
    for name in queue:  # breadth first: the list grows as it is walked
        for dep in sorted(graph[name]):
            if dep == start:
                trail = [name]
                while trail[-1] != start:
                    trail.append(came_from[trail[-1]])
                return [*reversed(trail), start]
            if dep in members and dep not in came_from:
                came_from[dep] = name
                queue.append(dep)
    return [start, start]


def describe_cycle(workspace: Workspace, cycle: Sequence[str]) -> str:
    """``a -> b -> a``, with each edge's manifest and kind (a dev-dependency named)."""
    edges = []
    for source, target in itertools.pairwise(cycle):
        crate = workspace.crate(source)
        kinds = sorted({d.kind for d in crate.dependencies if d.name == target
                        and (d.kind != "dev" or d.has_version or not (d.path or d.git))})
        if kinds == ["dev"]:
            req = next(d.req for d in crate.dependencies if d.name == target and d.kind == "dev")
            how = f"dev-depends on {target} with version {req!r} ([dev-dependencies])"
        else:
            how = f"depends on {target}" + ("" if kinds == ["normal"] else f" ({', '.join(kinds)})")
        edges.append(f"{source} ({crate.manifest}) {how}")
    return f"dependency cycle among published crates: {' -> '.join(cycle)}: {'; '.join(edges)}"


def group_problems(workspace: Workspace, groups: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Every configured core crate that cargo does not know as a publishable member."""
    problems = []
    for group, crates in groups:
        for name in crates:
            crate = workspace.get(name)
            if crate is None:
                problems.append(f"core.groups.{group}.crates: {name!r} is not a member of the "
                                f"workspace {workspace.root_manifest} (members: "
                                f"{', '.join(workspace.names)})")
            elif not crate.publish:
                problems.append(f"core.groups.{group}.crates: {name!r} has publish = false in "
                                f"{crate.manifest}; a core crate is published")
    return problems
