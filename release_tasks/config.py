"""The ecosystem config: ``release.toml`` at the managed repository's root.

The config says which components exist, which paths belong to each, where a change
propagates, which files carry each version, and where each component is published.
Without a ``release.toml`` the built-in Tasker layout (:data:`DEFAULT_CONFIG`) applies.
The reader validates everything at once and reports every problem with its key and value.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from release_tasks.errors import ConfigError
from release_tasks.paths import PathSet, pattern_problem
from release_tasks.version import REGISTRIES, Registry

CONFIG_FILE = "release.toml"

FileFormat = Literal["version", "cargo", "ruby", "pyproject", "package-json"]
FILE_FORMATS: tuple[FileFormat, ...] = get_args(FileFormat)
ValueKind = Literal["core", "binding", "binding-core"]
VALUE_KINDS: tuple[ValueKind, ...] = get_args(ValueKind)

_ENV_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, kw_only=True)
class VersionFile:
    """One version field in one file: which file, how to edit it, which version it holds."""

    path: str
    format: FileFormat
    value: ValueKind
    key: str | None = None  # the Ruby constant name for ``format = "ruby"``


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

    @property
    def all_tag_patterns(self) -> tuple[str, ...]:
        """Release tag patterns plus the core tag pattern: any of them means 'released before'."""
        return (*self.release_tag_patterns, f"{self.core.tag_prefix}*")


def _tasker_default() -> dict[str, Any]:
    ffi = ["tasker-pgmq", "tasker-shared", "tasker-worker"]
    server = ["tasker-client", "tasker-orchestration", "tasker-cli"]
    bindings = ["ruby", "python", "typescript"]
    return {
        "project": {
            "name": "tasker-core",
            "repository": "https://github.com/tasker-systems/tasker-core",
            "main-branch": "main",
            "preflight": [
                ["cargo", "fmt", "--all", "--check"],
                ["cargo", "clippy", "--workspace", "--all-targets", "--locked", "--",
                 "-D", "warnings"],
                ["cargo", "test", "--workspace", "--locked"],
            ],
        },
        "core": {
            "version-file": "VERSION",
            "registry": "crates-io",
            "tag-prefix": "core-v",
            "credential": ["CARGO_REGISTRY_TOKEN"],
            "groups": {
                "ffi": {
                    "env-key": "FFI_CORE",
                    "label": "FFI-facing core",
                    "crates": ffi,
                    # The root manifest and lockfile change what every binding is built from.
                    "paths": [*ffi, "Cargo.toml", "Cargo.lock"],
                    "propagates-to": bindings,
                },
                "server": {
                    "env-key": "SERVER_CORE",
                    "label": "server/client core",
                    "crates": server,
                    "paths": server,
                },
            },
        },
        "bindings": {
            "ruby": {
                "directory": "workers/ruby",
                "registry": "rubygems",
                "package": "tasker-worker-rb",
                "crate": "tasker-worker-rb",
                "credential": ["GEM_HOST_API_KEY"],
                "version-files": [
                    {"path": "workers/ruby/lib/tasker_core/version.rb", "format": "ruby",
                     "key": "VERSION", "value": "binding"},
                    {"path": "workers/ruby/lib/tasker_core/version.rb", "format": "ruby",
                     "key": "RUST_CORE_VERSION", "value": "binding-core"},
                    {"path": "workers/ruby/ext/tasker_core/Cargo.toml", "format": "cargo",
                     "value": "core"},
                ],
            },
            "python": {
                "directory": "workers/python",
                "registry": "pypi",
                "package": "tasker-worker-py",
                "crate": "tasker-worker-py",
                "credential": ["MATURIN_PYPI_TOKEN", "PYPI_TOKEN"],
                "version-files": [
                    {"path": "workers/python/pyproject.toml", "format": "pyproject",
                     "value": "binding"},
                    {"path": "workers/python/Cargo.toml", "format": "cargo", "value": "core"},
                ],
            },
            "typescript": {
                "directory": "workers/typescript",
                "registry": "npm",
                "package": "@tasker-systems/worker",
                "crate": "tasker-worker-ts",
                "credential": ["NPM_TOKEN"],
                "version-files": [
                    {"path": "workers/typescript/package.json", "format": "package-json",
                     "value": "binding"},
                    {"path": "workers/typescript/Cargo.toml", "format": "cargo",
                     "value": "core"},
                ],
            },
        },
    }


#: The Tasker layout of the design document, used when a repository has no release.toml.
DEFAULT_CONFIG: Mapping[str, Any] = _tasker_default()


def load(repo: Path) -> Config:
    """Read ``repo/release.toml``, or the built-in Tasker layout when there is none."""
    path = repo / CONFIG_FILE
    if not path.is_file():
        return parse(DEFAULT_CONFIG, source="built-in Tasker layout")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"cannot be read as TOML: {exc}"], str(path)) from exc
    return parse(data, source=str(path))


class _Reader:
    """Walks the raw TOML data, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def table(self, data: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.problems.append(f"{where}: expected a table, found {data!r}")
            return {}
        for key in sorted(set(data) - allowed):
            self.problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(data)):
            self.problems.append(f"{where}: missing required key {key!r}")
        return cast(dict[str, Any], data)

    def string(self, data: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            self.problems.append(f"{where}.{key}: expected a string, found {value!r}")
            return default
        return value

    def boolean(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problems.append(f"{where}.{key}: expected true or false, found {value!r}")
            return False
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{where}.{key}: expected a list of strings, found {value!r}")
            return ()
        return tuple(value)

    def choice(self, data: Mapping[str, Any], key: str, where: str, options: tuple[str, ...]) -> str:
        value = data.get(key)
        if value not in options:
            self.problems.append(
                f"{where}.{key}: {value!r} is not one of {', '.join(options)}"
            )
            return options[0]
        return cast(str, value)

    def patterns(self, data: Mapping[str, Any], key: str, where: str) -> PathSet:
        patterns = self.strings(data, key, where)
        for pattern in patterns:
            problem = pattern_problem(pattern)
            if problem:
                self.problems.append(f"{where}.{key}: pattern {pattern!r} {problem}")
        return PathSet(tuple(p for p in patterns if pattern_problem(p) is None))

    def credential(self, data: Mapping[str, Any], where: str) -> tuple[str, ...]:
        names = self.strings(data, "credential", where)
        for name in names:
            if not _ENV_VAR.fullmatch(name):
                self.problems.append(f"{where}.credential: {name!r} is not an environment variable name")
        return names


def parse(data: Mapping[str, Any], source: str = CONFIG_FILE) -> Config:
    """Validate raw config data into a :class:`Config`; every problem at once."""
    r = _Reader()
    top = r.table(data, "(top level)", {"project", "core", "bindings", "registries"}, {"core"})
    project = r.table(top.get("project", {}), "project",
                      {"name", "repository", "main-branch", "release-tag-prefix",
                       "release-tag-patterns", "preflight"}, set())
    core = _parse_core(r, top.get("core", {}))
    bindings = _parse_bindings(r, top.get("bindings", {}))
    registries = r.table(top.get("registries", {}), "registries",
                         {"crates-io", "rubygems", "pypi-index", "pypi-upload", "npm"}, set())
    for key, value in registries.items():
        if not isinstance(value, str):
            r.problems.append(f"registries.{key}: expected a URL string, found {value!r}")
    release_prefix = r.string(project, "release-tag-prefix", "project", "release-")
    patterns = r.strings(project, "release-tag-patterns", "project") or (
        f"{release_prefix}*", "v*")
    preflight = project.get("preflight", [])
    if not (isinstance(preflight, list) and all(
            isinstance(c, list) and c and all(isinstance(a, str) for a in c) for c in preflight)):
        r.problems.append(f"project.preflight: expected a list of commands (lists of strings), "
                          f"found {preflight!r}")
        preflight = []
    _cross_check(r, core, bindings)
    if r.problems:
        raise ConfigError(r.problems, source)
    return Config(
        source=source,
        project_name=r.string(project, "name", "project", "project"),
        repository=project.get("repository") if isinstance(project.get("repository"), str) else None,
        main_branch=r.string(project, "main-branch", "project", "main"),
        release_tag_prefix=release_prefix,
        release_tag_patterns=patterns,
        core=core,
        bindings=bindings,
        registries=dict(registries),
        preflight=tuple(tuple(c) for c in preflight),
    )


def _parse_core(r: _Reader, raw: Any) -> Core:
    data = r.table(raw, "core", {"version-file", "workspace", "registry", "tag-prefix",
                                 "credential", "trusted-publishing", "groups"}, {"groups"})
    groups_raw = r.table(data.get("groups", {}), "core.groups", set(data.get("groups", {})), set())
    groups = []
    for name, raw_group in groups_raw.items():
        where = f"core.groups.{name}"
        g = r.table(raw_group, where, {"env-key", "label", "crates", "paths", "propagates-to"},
                    {"crates", "paths"})
        env_key = r.string(g, "env-key", where, name.upper().replace("-", "_"))
        if not _ENV_KEY.fullmatch(env_key):
            r.problems.append(f"{where}.env-key: {env_key!r} must be UPPER_SNAKE_CASE")
        groups.append(CoreGroup(
            name=name, env_key=env_key, label=r.string(g, "label", where, name),
            crates=r.strings(g, "crates", where), paths=r.patterns(g, "paths", where),
            propagates_to=r.strings(g, "propagates-to", where)))
    if not groups:
        r.problems.append("core.groups: at least one group of crates is required")
    return Core(
        version_file=r.string(data, "version-file", "core", "VERSION"),
        workspace=r.string(data, "workspace", "core", "."),
        registry=cast(Registry, r.choice({"registry": data.get("registry", "crates-io")},
                                         "registry", "core", ("crates-io",))),
        tag_prefix=r.string(data, "tag-prefix", "core", "core-v"),
        credential=r.credential(data, "core") if "credential" in data else ("CARGO_REGISTRY_TOKEN",),
        trusted_publishing=r.boolean(data, "trusted-publishing", "core"),
        groups=tuple(groups),
    )


_BINDING_KEYS = {"env-key", "label", "directory", "paths", "registry", "package", "crate",
                 "tag-prefix", "credential", "trusted-publishing", "version-files"}


def _parse_bindings(r: _Reader, raw: Any) -> tuple[Binding, ...]:
    table = r.table(raw, "bindings", set(raw) if isinstance(raw, dict) else set(), set())
    bindings = []
    for name, raw_binding in table.items():
        where = f"bindings.{name}"
        if not _NAME.fullmatch(name):
            r.problems.append(f"{where}: binding name {name!r} must be lower-case (a-z, 0-9, -, _)")
        b = r.table(raw_binding, where, _BINDING_KEYS,
                    {"directory", "registry", "package", "version-files"})
        directory = r.string(b, "directory", where)
        paths = r.patterns(b, "paths", where) if "paths" in b else PathSet((directory,))
        if directory and pattern_problem(directory):
            r.problems.append(f"{where}.directory: {directory!r} {pattern_problem(directory)}")
        registry = cast(Registry, r.choice(b, "registry", where,
                                           tuple(x for x in REGISTRIES if x != "crates-io")))
        env_key = r.string(b, "env-key", where, name.upper().replace("-", "_"))
        if not _ENV_KEY.fullmatch(env_key):
            r.problems.append(f"{where}.env-key: {env_key!r} must be UPPER_SNAKE_CASE")
        bindings.append(Binding(
            name=name, env_key=env_key, label=r.string(b, "label", where, name),
            directory=directory, paths=paths, registry=registry,
            package=r.string(b, "package", where),
            crate=r.string(b, "crate", where) or None,
            tag_prefix=r.string(b, "tag-prefix", where, f"{name}-v"),
            credential=r.credential(b, where),
            trusted_publishing=r.boolean(b, "trusted-publishing", where),
            version_files=_parse_version_files(r, b.get("version-files", []), where),
        ))
    return tuple(bindings)


def _parse_version_files(r: _Reader, raw: Any, where: str) -> tuple[VersionFile, ...]:
    if not isinstance(raw, list):
        r.problems.append(f"{where}.version-files: expected a list of tables, found {raw!r}")
        return ()
    files = []
    for index, entry in enumerate(raw):
        at = f"{where}.version-files[{index}]"
        e = r.table(entry, at, {"path", "format", "key", "value"}, {"path", "format", "value"})
        fmt = cast(FileFormat, r.choice(e, "format", at, FILE_FORMATS))
        key = e.get("key")
        if fmt == "ruby" and not (isinstance(key, str) and re.fullmatch(r"[A-Z][A-Z0-9_]*", key)):
            r.problems.append(f"{at}.key: a Ruby constant name is required, found {key!r}")
        files.append(VersionFile(path=r.string(e, "path", at), format=fmt,
                                 value=cast(ValueKind, r.choice(e, "value", at, VALUE_KINDS)),
                                 key=key if isinstance(key, str) else None))
    if files and not any(f.value == "binding" for f in files):
        r.problems.append(f"{where}.version-files: one entry must hold value = \"binding\"")
    return tuple(files)


def _cross_check(r: _Reader, core: Core, bindings: tuple[Binding, ...]) -> None:
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
    for group in core.groups:
        for target in group.propagates_to:
            if target not in names:
                r.problems.append(
                    f"core.groups.{group.name}.propagates-to: {target!r} is not a binding "
                    f"(bindings: {', '.join(names) or 'none'})")
