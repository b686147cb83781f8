"""``build BINDING VERSION --platform P --out DIR``: one platform's files, as a job of the
workflow's build matrix makes them.

The build is the publish's own (the registry kind's build steps for that platform, with
``SOURCE_DATE_EPOCH`` and without any credential), and its files are then checked as the
publish's gate will check them: each says the binding's package and version, and is for the
platform asked (``--platform host``: this machine's). A native platform other than this
machine's is cross-built where the registry kind can (:meth:`RegistryKind.cross_builds`:
PyPI's and npm's Linux platforms on Linux, with zig); any other is built on its own runner,
and asked for here the stage refuses, naming that runner (the workflow's matrix runs the job
there). ``source`` is built anywhere. Nothing is uploaded or tagged.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping
from pathlib import Path

import httpx

from release_tasks.errors import PublishError, UsageError
from release_tasks.log import get_logger
from release_tasks.model import platforms
from release_tasks.model.components import Config
from release_tasks.publish.builds import head_of, require_clean_tree
from release_tasks.publish.flow import make_context
from release_tasks.publish.platforms import identified, identity_problems, pin_problems
from release_tasks.registries.interface import PublishContext, RegistryKind

log = get_logger("build")

__all__ = ["build_platform", "resolve_platform"]


def resolve_platform(name: str) -> platforms.Platform:
    """``host`` (this machine's platform) or a canonical name; UsageError otherwise."""
    try:
        return platforms.host() if name == platforms.HOST else platforms.get(name)
    except platforms.UnknownPlatform as exc:
        raise UsageError(f"--platform: {exc}") from exc


def build_platform(root: Path, config: Config, binding_name: str, version: str,
                   platform_name: str, out: Path, env: Mapping[str, str], *,
                   http: httpx.Client, allow_dirty: bool = False) -> list[Path]:
    """Build ``platform_name``'s files of the binding at ``version`` into ``out``; checked."""
    ctx = make_context(root, config, binding_name, version, env, dry_run=False,
                       on_duplicate="warn", push_tags=False, http=http, allow_dirty=allow_dirty)
    binding, kind = ctx.binding, ctx.kind
    if platform_name == platforms.MAIN:
        return _build_main(ctx, out, allow_dirty)
    platform = resolve_platform(platform_name)
    if platform.name not in kind.platform_tags:
        raise UsageError(f"{binding.name}: {kind.label} has no package for {platform.name}")
    if binding.platforms and platform.name not in binding.platforms:
        raise UsageError(f"{binding.name} does not declare {platform.name} (platforms = "
                         f"{list(binding.platforms)} in release.toml)")
    here = platforms.host()
    if not (platform.is_source or platform == here or
            platform.name in kind.cross_builds(here.name)):
        raise UsageError(_elsewhere(kind, platform.name, here.name))
    require_clean_tree(root, allow_dirty=allow_dirty, what="build")
    ctx = dataclasses.replace(ctx, platform=platform.name)
    kind.check_tools(ctx)
    head = head_of(root)
    ctx = dataclasses.replace(ctx, commit=head.commit, source_date_epoch=head.time,
                              build_steps=kind.platform_steps(platform.name))
    log.info("Building %s for %s (%s)...", ctx.label, platform.name,
             kind.platform_tags[platform.name])
    build = kind.build(ctx)
    problems = kind.verify(ctx, build)
    for path in build.artifacts:
        artifact = identified(ctx, path, problems)
        if artifact is None:
            continue
        if platform.name not in artifact.platforms:
            found = ", ".join(platforms.ordered(artifact.platforms)) or "no platform"
            problems.append(f"{path.name}: built for {found} ({artifact.tag}), not "
                            f"{platform.name}")
    if not build.artifacts:
        problems.append(f"the build made no file for {platform.name}")
    return _delivered(ctx, build.artifacts, problems, platform.name, out)


def _elsewhere(kind: RegistryKind, platform: str, here: str) -> str:
    """Why ``platform`` is not built on this machine, and where it is."""
    cross = platforms.ordered(kind.cross_builds(here))
    also = (f"{kind.label} cross-builds {', '.join(cross)} here" if cross else
            f"{kind.label} cross-builds no platform here")
    if platforms.get(platform).libc == "musl" and platform not in cross:
        return (f"{platform} has no runner of its own (GitHub has no musl runner) and this "
                f"machine is {here}: {also}: {kind.cross_tool}")
    return (f"{platform} is built on its own runner ({platforms.RUNNERS[platform]} in the "
            f"workflow's build matrix); this machine is {here}, and {also}: {kind.cross_tool}")


def _build_main(ctx: PublishContext, out: Path, allow_dirty: bool) -> list[Path]:
    """The main package of a registry with a package per platform (npm's): its own code,
    pinning each declared platform's package at exactly this version."""
    kind, binding = ctx.kind, ctx.binding
    if not binding.platforms or all(kind.platform_package(binding.package, p) == binding.package
                                    for p in binding.platforms):
        raise UsageError(f"--platform {platforms.MAIN}: {binding.name} has no package per "
                         "platform (a declared npm binding's main package)")
    require_clean_tree(ctx.root, allow_dirty=allow_dirty, what="build")
    kind.check_tools(ctx)
    head = head_of(ctx.root)
    ctx = dataclasses.replace(ctx, commit=head.commit, source_date_epoch=head.time,
                              build_steps=kind.platform_steps(platforms.MAIN))
    log.info("Building %s, the main package...", ctx.label)
    build = kind.build(ctx)
    problems = kind.verify(ctx, build)
    for path in build.artifacts:
        artifact = kind.identify(ctx, path)
        problems += identity_problems(ctx, artifact) + pin_problems(ctx, artifact)
        if artifact.platforms:
            problems.append(f"{path.name}: a package for {', '.join(artifact.platforms)}, "
                            "not the main package")
    return _delivered(ctx, build.artifacts, problems, platforms.MAIN, out)


def _delivered(ctx: PublishContext, files: tuple[Path, ...], problems: list[str], what: str,
               out: Path) -> list[Path]:
    """``files`` copied into ``out``; PublishError listing ``problems`` when there are any."""
    if problems:
        raise PublishError(f"the build of {ctx.label} for {what} is not what "
                           f"{ctx.kind.label} takes for it:\n"
                           + "\n".join(f"  - {p}" for p in problems))
    out.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(path, out / path.name)) for path in files]
