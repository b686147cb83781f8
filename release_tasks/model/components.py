"""The components of a release, as ``release.toml`` describes them: frozen values, no I/O.

The core (:class:`Core`, its :class:`CoreGroup` s), the bindings (:class:`Binding`), the files
that carry their versions (:class:`VersionFile`: which field of which file holds which version,
edited by its format, :mod:`release_tasks.apply.formats`), and the whole :class:`Config`.
:mod:`release_tasks.config` reads and checks them; every other room only uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from release_tasks.errors import ConfigError
from release_tasks.model.paths import PathSet
from release_tasks.model.version import BindingVersion, Registry, Scheme

FileFormat = Literal["version", "cargo", "ruby", "pyproject", "package-json",
                     "package-json-platforms"]
FILE_FORMATS: tuple[FileFormat, ...] = get_args(FileFormat)
ValueKind = Literal["core", "binding", "binding-core"]
VALUE_KINDS: tuple[ValueKind, ...] = get_args(ValueKind)


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
    #: The platforms it is published for (canonical names); empty: not declared, so the
    #: publish runner's own build (its platform, and ``source`` where the registry has one).
    platforms: tuple[str, ...] = ()
    #: How its version is made: two-tier ``X.Y.Z.P``, the core's (lockstep), or its own.
    versioning: Scheme = "two-tier"

    def parse_version(self, text: str, source: str = "version") -> BindingVersion:
        """A canonical version of this binding (``X.Y.Z.P``, or ``X.Y.Z`` when it is not
        versioned two-tier)."""
        return BindingVersion.parse_for(text, self.versioning, source)

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

    @property
    def marker_patterns(self) -> tuple[str, ...]:
        """The tags that mark a release: release tags and every component's tags."""
        return (*self.release_tag_patterns, f"{self.core.tag_prefix}*",
                *(f"{b.tag_prefix}*" for b in self.bindings))

    def binding(self, name: str) -> Binding:
        """The binding called ``name`` (a :class:`ConfigError` if there is none)."""
        for binding in self.bindings:
            if binding.name == name:
                return binding
        known = ", ".join(b.name for b in self.bindings)
        raise ConfigError([f"no binding named {name!r} (known: {known})"], self.source)
