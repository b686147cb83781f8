"""The ecosystem config: ``release.toml`` at the top level of the managed repository.

The config says which components exist, which paths belong to each, where a change
propagates, which files carry each version, and where each component is published.
Without a ``release.toml`` the built-in Tasker layout (:data:`DEFAULT_CONFIG`) applies, but
only to a tree that has it. The reader validates everything at once and reports every
problem with its key and value: the types and shapes in :func:`parse` (pure), then, in
:func:`load`, that every path pattern and binding directory names something git tracks.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from release_tasks import registries as kinds
from release_tasks.config import builtin as tasker_layout
from release_tasks.config import spec as config_spec
from release_tasks.config.checks import across_components, tree_problems
from release_tasks.config.reader import Reader, Section, read_toml
from release_tasks.errors import ConfigError
from release_tasks.git import repository
from release_tasks.git.repository import Tree
from release_tasks.model.components import (
    Binding,
    Config,
    Core,
    CoreGroup,
    FileFormat,
    ValueKind,
    VersionFile,
)
from release_tasks.model.paths import PathSet
from release_tasks.model.version import Registry, Scheme
from release_tasks.registries.crates_io import cargo

if TYPE_CHECKING:
    from release_tasks.config.builtin import DEFAULT_CONFIG

CONFIG_FILE = "release.toml"

__all__ = ["CONFIG_FILE", "DEFAULT_CONFIG", "Binding", "Config", "Core", "CoreGroup",
           "VersionFile", "builtin", "keys_read", "load", "parse", "tree_problems"]


def __getattr__(name: str) -> Any:
    # The built-in layout's data is read when first asked for, not when config is imported.
    if name == "DEFAULT_CONFIG":
        return tasker_layout.default_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def builtin() -> Config:
    """The built-in Tasker layout, as a config (not checked against any tree)."""
    return parse(tasker_layout.default_config(), source=tasker_layout.SOURCE)


def load(root: Path, tree: Tree | None = None) -> Config:
    """The config of the repository whose git top level is ``root``.

    ``root/release.toml`` when there is one, checked against the files git tracks (``tree``,
    when the run has read them already); else the built-in Tasker layout when the tree has
    it; else a :class:`ConfigError` saying to write a ``release.toml``.
    """
    return checked(read(root), repository.tracked(root) if tree is None else tree)


class Unchecked(NamedTuple):
    """A config as read, before it is checked against the tree."""

    config: Config
    problems: list[str]  # found in the file itself
    path: Path  # root/release.toml
    found: bool  # False: the built-in layout, for want of the file


def read(root: Path) -> Unchecked:
    """The first half of :func:`load`: ``root/release.toml`` (or the built-in layout) read
    and validated in itself, so that a run can start on it while git lists the tree."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return Unchecked(builtin(), [], path, found=False)
    config, problems = _read(read_toml(path), str(path))
    return Unchecked(config, problems, path, found=True)


def checked(unchecked: Unchecked, tree: Tree) -> Config:
    """The second half of :func:`load`: the config, once every pattern and directory it
    names is in ``tree`` (the built-in layout: once the tree has its shape)."""
    config, problems, path, found = unchecked
    if not found:
        tasker_layout.require(path.parent, tree)
        return config
    problems = problems + tree_problems(config, tree)
    if problems:
        raise ConfigError(problems, str(path))
    return config


def parse(data: Mapping[str, Any], source: str = CONFIG_FILE) -> Config:
    """Validate raw config data into a :class:`Config`; every problem at once."""
    config, problems = _read(data, source)
    if problems:
        raise ConfigError(problems, source)
    return config


def _read(data: Mapping[str, Any], source: str, r: Reader | None = None) -> tuple[Config, list[str]]:
    """The config ``data`` describes, and every problem with it.

    The config is built even when there are problems (bad values replaced by defaults), so
    that :func:`load` can add the tree's problems to the same report. Every key is read by
    its description in :mod:`release_tasks.config.spec`.
    """
    r = Reader() if r is None else r
    top = r.section(data, "(top level)", config_spec.TOP)
    project = top.table("project")
    core = _parse_core(top.table("core"))
    bindings = _parse_bindings(top.tables("bindings"))
    registries = top.urls("registries")
    release_prefix = project.word("release-tag-prefix")
    patterns = project.names("release-tag-patterns") or (f"{release_prefix}*", "v*")
    config = Config(
        source=source,
        project_name=project.word("name"),
        repository=project.word("repository") or None,
        main_branch=project.word("main-branch"),
        release_tag_prefix=release_prefix,
        release_tag_patterns=patterns,
        core=core,
        bindings=bindings,
        registries=registries,
        preflight=project.commands("preflight"),
    )
    r.problems.extend(across_components(core, bindings))
    return config, r.problems


def keys_read(data: Mapping[str, Any]) -> set[str]:
    """The described keys the reader asks for when it reads ``data`` (``bindings.NAME.crate``):
    with a file that sets every key, all of :mod:`release_tasks.config.spec`'s."""
    r = Reader()
    _read(data, CONFIG_FILE, r)
    return r.keys_read


def _parse_core(data: Section) -> Core:
    groups = []
    for name, g in data.tables("groups").items():
        groups.append(CoreGroup(
            name=name, env_key=g.string("env-key"), label=g.string("label"),
            crates=g.names("crates"), paths=g.patterns("paths"),
            propagates_to=g.strings("propagates-to")))
    return Core(
        version_file=data.path("version-file"),
        workspace=data.string("workspace"),
        registry=data.choice("registry"),
        tag_prefix=data.word("tag-prefix"),
        credential=data.credential("credential"),
        trusted_publishing=data.boolean("trusted-publishing"),
        groups=tuple(groups),
        cargo_registry=cargo.alternative(data.string("cargo-registry")),
    )


def _parse_bindings(tables: Mapping[str, Section]) -> tuple[Binding, ...]:
    bindings = []
    for name, b in tables.items():
        directory = b.path("directory")
        paths = b.patterns("paths") if b.has("paths") else PathSet(
            (directory,) if directory else ())
        registry = b.choice("registry")
        bindings.append(Binding(
            name=name, env_key=b.string("env-key"), label=b.string("label"),
            directory=directory, paths=paths, registry=registry,
            package=b.word("package"),
            crate=b.word("crate") or None,
            tag_prefix=b.word("tag-prefix"),
            credential=b.credential("credential"),
            trusted_publishing=b.boolean("trusted-publishing"),
            version_files=parse_version_files(b),
            endpoints=_endpoints(b, registry),
            platforms=_platforms(b, registry),
            versioning=cast("Scheme", b.choice("versioning")),
        ))
    return tuple(bindings)


def _platforms(b: Section, registry: Registry) -> tuple[str, ...]:
    """``platforms = [...]``: only those the binding's registry has a name for."""
    given = b.choices("platforms")
    if not given or registry not in kinds.REGISTRIES:
        return given
    kind = kinds.kind_of(registry)
    for name in given:
        if name not in kind.platform_tags:
            b.reader.problems.append(f"{b.where}.platforms: {kind.label} has no {name!r} "
                                     f"package (it has: {', '.join(kind.platform_tags)})")
    return tuple(n for n in given if n in kind.platform_tags)


def _endpoints(b: Section, registry: Registry) -> dict[str, str]:
    """``endpoints = { registry = "https://..." }``: only the keys of the binding's kind."""
    given = b.urls("endpoints")
    known = {spec.key for spec in kinds.kind_of(registry).endpoint_fields} if (
        registry in kinds.REGISTRIES) else set(given)
    for key in sorted(set(given) - known):
        b.reader.problems.append(f"{b.where}.endpoints: unknown key {key!r} (allowed: "
                                 f"{', '.join(sorted(known))})")
    return {k: v for k, v in given.items() if k in known}


def parse_version_files(binding: Section) -> tuple[VersionFile, ...]:
    """The ``version-files`` list of ``binding``; problems go to its reader."""
    files = []
    for e in binding.table_list("version-files"):
        files.append(VersionFile(path=e.path("path"), format=cast(FileFormat, e.choice("format")),
                                 key=e.dependent("key"), value=cast(ValueKind, e.choice("value"))))
    if files and not any(f.value == "binding" for f in files):
        binding.reader.problems.append(
            f"{binding.where}.version-files: one entry must hold value = \"binding\"")
    return tuple(files)
