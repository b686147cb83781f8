"""The gate before the first upload: the files of ``publish --artifacts DIR`` are one set per
declared platform.

Every file is read for what it says it is (its package, version and platform, by the registry
kind's :meth:`~release_tasks.registries.base.RegistryKind.identify`), and the whole set is
judged at once: each declared platform has exactly one file, every file belongs to a declared
platform, with the binding's package name and version. Every problem is collected and the
publish refused with all of them, each naming its platform and file, before anything is
uploaded: a version on npm or crates.io can never be completed later, and one on PyPI or
RubyGems only file by file (``--backfill``, when the registry already holds the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_tasks.errors import IncompleteSet, ReleaseError, VersionError
from release_tasks.model import platforms
from release_tasks.registries.interface import Artifact, PublishContext, RemoteFile

__all__ = ["PlatformSet", "check_set", "identified", "identity_problems", "on_registry",
           "pin_problems"]


@dataclass(frozen=True, kw_only=True)
class PlatformSet:
    """The artifacts of a publish, judged: the file of each declared platform, the platforms
    the registry already has (only with ``--backfill``), and the main package that serves no
    platform of its own (npm's, which lists the platform packages)."""

    files: Mapping[str, tuple[Path, ...]]
    on_registry: Mapping[str, str]
    main: Path | None = None


def on_registry(ctx: PublishContext, remote: Iterable[RemoteFile]) -> dict[str, str]:
    """The declared platforms whose file the registry lists for the version: platform ->
    file name."""
    found: dict[str, str] = {}
    for file in remote:
        for name in ctx.kind.platforms_of_file(file.name, ctx.binding.package, ctx.rendering):
            if name in ctx.binding.platforms:
                found.setdefault(name, file.name)
    return found


def check_set(ctx: PublishContext, paths: Sequence[Path], *,
              present: Mapping[str, str] | None = None) -> PlatformSet:
    """The artifacts in ``paths`` as one set per platform of ``ctx.binding.platforms``;
    :class:`IncompleteSet` naming every platform and file that is missing, extra, twice or
    wrong. ``present`` (``--backfill``): platforms the registry has already, which the set
    need not hold."""
    kind, binding, present = ctx.kind, ctx.binding, dict(present or {})
    declared = binding.platforms
    problems: list[str] = []
    by_platform: dict[str, list[Artifact]] = {name: [] for name in declared}
    mains: list[Path] = []
    for path in paths:
        artifact = identified(ctx, path, problems)
        if artifact is None:
            continue
        if not artifact.platforms:
            if artifact.tag == "main package" and kind.package_key(artifact.package) == \
                    kind.package_key(binding.package):
                mains.append(path)
                continue
            problems.append(f"{path.name}: extra: its platform {artifact.tag!r} is none of "
                            f"the platforms {kind.label} is published for "
                            f"({_tags(kind.platform_tags, declared)})")
            continue
        wanted = sorted(artifact.platforms & set(declared))
        if not wanted:
            problems.append(f"{path.name}: extra: it is for "
                            f"{', '.join(platforms.ordered(artifact.platforms))} "
                            f"({artifact.tag}), which {binding.name} does not declare "
                            f"(platforms = {list(declared)})")
        for name in wanted:
            by_platform[name].append(artifact)
    for name in declared:
        files = by_platform[name]
        for variant in sorted({a.variant for a in files}):
            same = sorted(a.path.name for a in files if a.variant == variant)
            if len(same) > 1:
                problems.append(f"{name}: {len(same)} files{f' for {variant}' if variant else ''}"
                                f", one set per platform is wanted: {', '.join(same)}")
        if not files and name not in present:
            problems.append(f"{name}: missing: no {_what(ctx, name)} in the artifacts")
    problems += _main_problems(ctx, mains)
    if len(mains) == 1:
        problems += pin_problems(ctx, kind.identify(ctx, mains[0]))
    if problems:
        where = f" in {ctx.artifacts_dir}" if ctx.artifacts_dir else ""
        raise IncompleteSet(
            f"{ctx.label}: the artifacts{where} are not one set per declared platform "
            f"({', '.join(declared)}); nothing was uploaded to {kind.label}:\n"
            + "\n".join(f"  - {p}" for p in problems))
    return PlatformSet(files={n: tuple(a.path for a in f) for n, f in by_platform.items() if f},
                       on_registry={n: present[n] for n in declared
                                    if n in present and not by_platform[n]},
                       main=mains[0] if mains else None)


def identified(ctx: PublishContext, path: Path, problems: list[str]) -> Artifact | None:
    """``path`` as its registry kind reads it, with what is wrong about its package and
    version added to ``problems``; None, and why, when it cannot be read."""
    try:
        artifact = ctx.kind.identify(ctx, path)
    except ReleaseError as exc:
        problems.append(f"{path.name}: cannot be read as a {ctx.kind.label} file: {exc}")
        return None
    problems += identity_problems(ctx, artifact)
    return artifact


def identity_problems(ctx: PublishContext, artifact: Artifact) -> list[str]:
    """A package name or version other than the binding's."""
    kind, name = ctx.kind, artifact.path.name
    found = []
    wanted = {kind.package_key(kind.platform_package(ctx.binding.package, p))
              for p in artifact.platforms} or {kind.package_key(ctx.binding.package)}
    if kind.package_key(artifact.package) not in wanted:
        found.append(f"{name}: package {artifact.package!r}, expected "
                     f"{' or '.join(sorted(wanted))!r}")
    try:
        same = kind.sort_key(artifact.version) == kind.sort_key(ctx.rendering)
    except VersionError:
        same = False
    if not same:
        found.append(f"{name}: version {artifact.version!r}, expected {ctx.rendering}")
    return found


def _main_problems(ctx: PublishContext, mains: list[Path]) -> list[str]:
    """A kind with a package per platform wants its main package once; others want none."""
    per_platform = any(ctx.kind.platform_package(ctx.binding.package, p) != ctx.binding.package
                       for p in ctx.binding.platforms)
    if not per_platform:
        return [f"{p.name}: extra: no platform of its own" for p in mains]
    if not mains:
        return [f"main package: missing: no {ctx.binding.package} {ctx.rendering} "
                "in the artifacts (it lists the platform packages)"]
    if len(mains) > 1:
        return [f"main package: {len(mains)} files: {', '.join(p.name for p in mains)}"]
    return []


def pin_problems(ctx: PublishContext, main: Artifact) -> list[str]:
    """The main package pins every platform package at exactly this version: a range would
    let npm install another version's library beside this version's code."""
    found = []
    for name in ctx.binding.platforms:
        package = ctx.kind.platform_package(ctx.binding.package, name)
        pinned = main.requires.get(package)
        if pinned != ctx.rendering:
            what = "does not list it" if pinned is None else f"pins {pinned!r}"
            found.append(f"{name}: {main.path.name}: optionalDependencies {what}; expected "
                         f'"{package}": "{ctx.rendering}"')
    return found


def _what(ctx: PublishContext, name: str) -> str:
    tag = ctx.kind.platform_tags.get(name, name)
    package = ctx.kind.platform_package(ctx.binding.package, name)
    return f"{package} {ctx.rendering} for {tag}"


def _tags(tags: Mapping[str, str], declared: Iterable[str]) -> str:
    return ", ".join(f"{name}: {tags.get(name, '?')}" for name in declared)
