"""The ecosystem config: ``release.toml`` at the top level of the managed repository.

The config says which components exist, which paths belong to each, where a change
propagates, which files carry each version, and where each component is published.
Without a ``release.toml`` the built-in Tasker layout (:data:`DEFAULT_CONFIG`) applies, but
only to a tree that has it. The reader validates everything at once and reports every
problem with its key and value: the types and shapes in :func:`parse` (pure), then, in
:func:`load`, that every path pattern and binding directory names something git tracks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from release_tasks import registries as kinds
from release_tasks import repository, tasker_layout
from release_tasks.config_reader import Reader, read_toml
from release_tasks.errors import ConfigError
from release_tasks.paths import PathSet
from release_tasks.repository import Tree
from release_tasks.tasker_layout import DEFAULT_CONFIG
from release_tasks.version import Registry
from release_tasks.version_files import VersionFile, parse_version_files

CONFIG_FILE = "release.toml"

_ENV_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")

__all__ = ["CONFIG_FILE", "DEFAULT_CONFIG", "Binding", "Config", "Core", "CoreGroup",
           "VersionFile", "builtin", "load", "parse", "tree_problems"]


@dataclass(frozen=True, kw_only=True)
class CoreGroup:
    """Core crates whose changes have the same consequence (e.g. the FFI-facing ones)."""

    name: str
    env_key: str
    label: str
    crates: tuple[str, ...]
    paths: PathSet
    propagates_to: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Core:
    """The Rust crates that version together (``X.Y.Z``)."""

    version_file: str
    workspace: str
    registry: Registry
    tag_prefix: str
    credential: tuple[str, ...]
    trusted_publishing: bool
    groups: tuple[CoreGroup, ...]
    #: An alternative cargo registry (cargo's name for it) the crates are published to; the
    #: pins on core crates then carry ``registry = "NAME"``. None: crates.io.
    cargo_registry: str | None = None

    @property
    def crates(self) -> tuple[str, ...]:
        """Every publishable crate, in config order."""
        return tuple(c for g in self.groups for c in g.crates)


@dataclass(frozen=True, kw_only=True)
class Binding:
    """An FFI binding published to one language registry (``X.Y.Z.P``)."""

    name: str
    env_key: str
    label: str
    directory: str
    paths: PathSet
    registry: Registry
    package: str
    crate: str | None
    tag_prefix: str
    credential: tuple[str, ...]
    trusted_publishing: bool
    version_files: tuple[VersionFile, ...]
    #: Its registry's URLs for this binding alone (by the kind's endpoint keys).
    endpoints: Mapping[str, str] = field(default_factory=dict)

    @property
    def primary_file(self) -> VersionFile:
        """The file that records the binding's own released version."""
        return next(f for f in self.version_files if f.value == "binding")


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole ecosystem, validated."""

    source: str
    project_name: str
    repository: str | None
    main_branch: str
    release_tag_prefix: str
    release_tag_patterns: tuple[str, ...]
    core: Core
    bindings: tuple[Binding, ...]
    registries: Mapping[str, str] = field(default_factory=dict)
    preflight: tuple[tuple[str, ...], ...] = ()  # the repository's own checks, run by CI

    def binding(self, name: str) -> Binding:
        """The binding called ``name`` (a :class:`ConfigError` if there is none)."""
        for binding in self.bindings:
            if binding.name == name:
                return binding
        known = ", ".join(b.name for b in self.bindings)
        raise ConfigError([f"no binding named {name!r} (known: {known})"], self.source)


def builtin() -> Config:
    """The built-in Tasker layout, as a config (not checked against any tree)."""
    return parse(DEFAULT_CONFIG, source=tasker_layout.SOURCE)


def load(root: Path, tree: Tree | None = None) -> Config:
    """The config of the repository whose git top level is ``root``.

    ``root/release.toml`` when there is one, checked against the files git tracks (``tree``,
    when the run has read them already); else the built-in Tasker layout when the tree has
    it; else a :class:`ConfigError` saying to write a ``release.toml``.
    """
    path = root / CONFIG_FILE
    tree = repository.tracked(root) if tree is None else tree
    if not path.is_file():
        tasker_layout.require(root, tree)
        return builtin()
    config, problems = _read(read_toml(path), str(path))
    problems += tree_problems(config, tree)
    if problems:
        raise ConfigError(problems, str(path))
    return config


def tree_problems(config: Config, tree: Tree) -> list[str]:
    """Every path pattern and binding directory of ``config`` that names nothing in ``tree``.

    A typo there would not fail anywhere else: the component's changes would silently
    stop counting, and ``detect`` would call it unchanged.
    """
    problems = []
    hint = "matches no file tracked by git; a typo here hides the component's changes"
    for group in config.core.groups:
        for pattern in group.paths.patterns:
            if not tree.matches(pattern):
                problems.append(f"core.groups.{group.name}.paths: {pattern!r} {hint}")
    for binding in config.bindings:
        if binding.directory and not tree.is_directory(binding.directory):
            problems.append(f"bindings.{binding.name}.directory: {binding.directory!r} is not "
                            "a directory holding files tracked by git")
        for pattern in binding.paths.patterns:
            if pattern != binding.directory and not tree.matches(pattern):
                problems.append(f"bindings.{binding.name}.paths: {pattern!r} {hint}")
    return problems


def parse(data: Mapping[str, Any], source: str = CONFIG_FILE) -> Config:
    """Validate raw config data into a :class:`Config`; every problem at once."""
    config, problems = _read(data, source)
    if problems:
        raise ConfigError(problems, source)
    return config


def _read(data: Mapping[str, Any], source: str) -> tuple[Config, list[str]]:
    """The config ``data`` describes, and every problem with it.

    The config is built even when there are problems (bad values replaced by defaults), so
    that :func:`load` can add the tree's problems to the same report.
    """
    r = Reader()
    top = r.table(data, "(top level)", {"project", "core", "bindings", "registries"}, {"core"})
    project = r.table(top.get("project", {}), "project",
                      {"name", "repository", "main-branch", "release-tag-prefix",
                       "release-tag-patterns", "preflight"}, set())
    core = _parse_core(r, top.get("core", {}))
    bindings = _parse_bindings(r, top.get("bindings", {}))
    registries = r.table(top.get("registries", {}), "registries", set(kinds.config_keys()), set())
    for key, value in registries.items():
        if not isinstance(value, str) or not value.strip():
            r.problems.append(f"registries.{key}: expected a URL string, found {value!r}")
    release_prefix = r.word(project, "release-tag-prefix", "project", "release-")
    patterns = r.names(project, "release-tag-patterns", "project", "tag pattern") or (
        f"{release_prefix}*", "v*")
    config = Config(
        source=source,
        project_name=r.word(project, "name", "project", "project"),
        repository=r.word(project, "repository", "project") or None,
        main_branch=r.word(project, "main-branch", "project", "main"),
        release_tag_prefix=release_prefix,
        release_tag_patterns=patterns,
        core=core,
        bindings=bindings,
        registries={k: v for k, v in registries.items() if isinstance(v, str)},
        preflight=r.commands(project, "preflight", "project"),
    )
    _across_components(r, core, bindings)
    return config, r.problems


def _env_key(r: Reader, data: Mapping[str, Any], where: str, name: str) -> str:
    env_key = r.string(data, "env-key", where, name.upper().replace("-", "_"))
    if not _ENV_KEY.fullmatch(env_key):
        r.problems.append(f"{where}.env-key: {env_key!r} must be UPPER_SNAKE_CASE")
    return env_key


def _parse_core(r: Reader, raw: Any) -> Core:
    data = r.table(raw, "core", {"version-file", "workspace", "registry", "tag-prefix",
                                 "credential", "trusted-publishing", "groups", "cargo-registry"},
                   {"groups"})
    groups = []
    for name, raw_group in r.tables(data.get("groups", {}), "core.groups").items():
        where = f"core.groups.{name}"
        g = r.table(raw_group, where, {"env-key", "label", "crates", "paths", "propagates-to"},
                    {"crates", "paths"})
        groups.append(CoreGroup(
            name=name, env_key=_env_key(r, g, where, name), label=r.string(g, "label", where, name),
            crates=r.names(g, "crates", where, "crate name"), paths=r.patterns(g, "paths", where),
            propagates_to=r.strings(g, "propagates-to", where)))
    if isinstance(data.get("groups"), dict) and not groups:
        r.problems.append("core.groups: at least one group of crates is required")
    return Core(
        version_file=r.path(data, "version-file", "core", "VERSION"),
        workspace=r.string(data, "workspace", "core", "."),
        registry=r.choice({"registry": data.get("registry", "crates-io")}, "registry", "core",
                          kinds.core_kinds()),
        tag_prefix=r.word(data, "tag-prefix", "core", "core-v"),
        credential=r.credential(data, "core") if "credential" in data else ("CARGO_REGISTRY_TOKEN",),
        trusted_publishing=r.boolean(data, "trusted-publishing", "core"),
        groups=tuple(groups),
        cargo_registry=_cargo_registry(r, data),
    )


def _cargo_registry(r: Reader, data: Mapping[str, Any]) -> str | None:
    name = r.word(data, "cargo-registry", "core").strip()
    if name and not _CARGO_REGISTRY.fullmatch(name):
        r.problems.append(f"core.cargo-registry: {name!r} is not a cargo registry name "
                          "(letters, digits, - and _)")
    return None if name in ("", "crates-io") else name


_CARGO_REGISTRY = re.compile(r"[A-Za-z0-9_-]+")
_BINDING_KEYS = {"env-key", "label", "directory", "paths", "registry", "package", "crate",
                 "tag-prefix", "credential", "trusted-publishing", "version-files", "endpoints"}


def _parse_bindings(r: Reader, raw: Any) -> tuple[Binding, ...]:
    bindings = []
    for name, raw_binding in r.tables(raw, "bindings").items():
        where = f"bindings.{name}"
        if not _NAME.fullmatch(name):
            r.problems.append(f"{where}: binding name {name!r} must be lower-case (a-z, 0-9, -, _)")
        b = r.table(raw_binding, where, _BINDING_KEYS,
                    {"directory", "registry", "package", "version-files"})
        directory = r.path(b, "directory", where)
        paths = r.patterns(b, "paths", where) if "paths" in b else PathSet(
            (directory,) if directory else ())
        registry = r.choice(b, "registry", where, kinds.binding_kinds())
        bindings.append(Binding(
            name=name, env_key=_env_key(r, b, where, name), label=r.string(b, "label", where, name),
            directory=directory, paths=paths, registry=registry,
            package=r.word(b, "package", where),
            crate=r.word(b, "crate", where) or None,
            tag_prefix=r.word(b, "tag-prefix", where, f"{name}-v"),
            credential=r.credential(b, where),
            trusted_publishing=r.boolean(b, "trusted-publishing", where),
            version_files=parse_version_files(r, b.get("version-files", []), where),
            endpoints=_parse_endpoints(r, b.get("endpoints", {}), where, registry),
        ))
    return tuple(bindings)


def _parse_endpoints(r: Reader, raw: Any, where: str, registry: Registry) -> dict[str, str]:
    """``endpoints = { registry = "https://..." }``: URLs by the registry kind's keys."""
    known = [spec.key for spec in kinds.kind_of(registry).endpoint_fields]
    table = r.table(raw, f"{where}.endpoints", set(known), set())
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            r.problems.append(f"{where}.endpoints.{key}: expected a URL string, found {value!r}")
    return {k: v for k, v in table.items() if isinstance(v, str) and k in known}


def _package_key(registry: Registry, package: str) -> str:
    """``package`` as its registry compares names (PyPI normalizes them, PEP 503)."""
    return kinds.kind_of(registry).package_key(package)


def _across_components(r: Reader, core: Core, bindings: tuple[Binding, ...]) -> None:
    """What no two components may share: env keys, tag prefixes, crates, packages."""
    names = [b.name for b in bindings]
    keys = [g.env_key for g in core.groups] + [b.env_key for b in bindings] + ["CORE"]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        r.problems.append(f"env-key {key!r} is used by more than one component")
    prefixes = [core.tag_prefix] + [b.tag_prefix for b in bindings]
    for prefix in sorted({p for p in prefixes if prefixes.count(p) > 1}):
        r.problems.append(f"tag-prefix {prefix!r} is used by more than one component")
    crates = core.crates
    for crate in sorted({c for c in crates if crates.count(c) > 1}):
        r.problems.append(f"core.groups: crate {crate!r} is listed in more than one group")
    published: dict[tuple[Registry, str], list[str]] = {}
    for binding in bindings:
        if binding.package:
            owner = (binding.registry, _package_key(binding.registry, binding.package))
            published.setdefault(owner, []).append(binding.name)
    for (registry, package), owners in published.items():
        if len(owners) > 1:
            r.problems.append(
                f"bindings {' and '.join(owners)} all publish {package!r} to {registry}: "
                "a package belongs to one binding")
    for group in core.groups:
        for target in group.propagates_to:
            if target not in names:
                r.problems.append(
                    f"core.groups.{group.name}.propagates-to: {target!r} is not a binding "
                    f"(bindings: {', '.join(names) or 'none'})")
