"""The one publish flow: a binding to its registry, and the steps the crates share with it.

Order (it matters): the version argument and the version files agree; no drift; the
credential is there (unless ``--dry-run``); the tools are there; the registry is asked
whether the version is already out, *before* any build, so a re-run never spends minutes
rebuilding what is published (a registry that lists the same version spelled differently, or
a greater one, stops it: versions only go up); then build, check the artifacts in the
registry's own terms, upload, wait until the registry shows it, tag. Builds run without any
credential; the upload gets only its own. The registry kind
(:mod:`release_tasks.registries`) does everything that differs between registries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from release_tasks import config as config_mod
from release_tasks import consistency, credentials, formats, git, ordering
from release_tasks.duplicates import OnDuplicate, handle_duplicate
from release_tasks.errors import (
    CommandError,
    PublishError,
    RegistryUnavailable,
    ReleaseError,
    TagError,
    UsageError,
    VersionError,
)
from release_tasks.log import get_logger, register_secrets_from_env
from release_tasks.registries import given_endpoints, kind_of, make_client
from release_tasks.registries.http import Sleep
from release_tasks.registries.values import Build, PublishContext
from release_tasks.version import BindingVersion, Registry

log = get_logger("publish")

Clock = Callable[[], float]
FIRST_POLL_DELAY = 0.5
MAX_POLL_DELAY = 10.0
#: How long a binding's upload is waited for before a warning (0.5 s, doubling).
BINDING_VISIBLE_TIMEOUT = 15.5

__all__ = ["PublishContext", "already_published", "binding_for", "make_context",
           "publish_binding", "tag_and_push", "wait_until_visible"]


class NotVisible(PublishError):
    """An upload succeeded but the registry did not list it in time."""


def binding_for(config: config_mod.Config, registry: Registry, name: str | None, *,
                version: str | None = None, root: Path | None = None) -> str:
    """The binding a ``publish_<language>`` stage publishes: ``name``; else the one binding
    on ``registry``; else, of several, the only one whose version file says ``version``."""
    label = kind_of(registry).label
    if name is not None:
        binding = config.binding(name)
        if binding.registry != registry:
            raise UsageError(f"--binding {name} publishes to {kind_of(binding.registry).label}, "
                             f"not {label}")
        return name
    names = [b.name for b in config.bindings if b.registry == registry]
    if len(names) > 1 and version is not None and root is not None:
        holding = [b.name for b in config.bindings if b.name in names
                   and _file_says(root, b, version)]
        if len(holding) == 1:
            return holding[0]
    if len(names) != 1:
        found = ", ".join(names) or "none"
        raise UsageError(f"{len(names)} bindings publish to {label} ({found}): pass --binding NAME "
                         "(or `publish NAME VERSION`)")
    return names[0]


def _file_says(root: Path, binding: config_mod.Binding, version: str) -> bool:
    try:
        rendering = BindingVersion.parse(version).render(binding.registry)
        return formats.read_at(root, binding.primary_file) == rendering
    except (OSError, ReleaseError):
        return False


def make_context(root: Path, config: config_mod.Config, binding_name: str, version_text: str,
                 env: Mapping[str, str], *, dry_run: bool, on_duplicate: OnDuplicate,
                 push_tags: bool, artifacts_dir: Path | None = None,
                 options: Mapping[str, Any] | None = None,
                 http: httpx.Client | None = None) -> PublishContext:
    """Validate the command line against the repository and build the context."""
    binding = config.binding(binding_name)
    kind = kind_of(binding.registry)
    try:
        version = BindingVersion.parse(version_text, source="VERSION argument")
        rendering = version.render(binding.registry)
    except VersionError as exc:
        raise UsageError(str(exc)) from exc
    spec = binding.primary_file
    if not (root / spec.path).is_file():
        raise UsageError(f"{spec.path}: not found in {root}")
    in_files = formats.read_at(root, spec)
    if in_files != rendering:
        raise UsageError(
            f"{binding.name} {version} does not match {spec.path}, which says {in_files}: "
            f"run `nox -s update -- --core {version.core} --{binding.name} {version}` and commit "
            "first (or `nox -s release`)")
    given = given_endpoints(binding.registry, config.registries, binding.endpoints)
    return PublishContext(root=root, config=config, binding=binding, version=version,
                          rendering=rendering, env=env, endpoints=kind.endpoints(env, given),
                          dry_run=dry_run, on_duplicate=on_duplicate, push_tags=push_tags,
                          artifacts_dir=artifacts_dir, options=dict(options or {}),
                          http=http or make_client())


def already_published(ctx: PublishContext, sleep: Sleep = time.sleep) -> bool:
    """Whether the registry lists our rendering exactly; a definite answer only (no answer
    raises RegistryUnavailable).

    The registry's whole version list is read and judged by its own rules: the same version
    spelled differently (``0.1.8`` for our ``0.1.8.0``), or a greater one, is a VersionError.
    Either would make "already published" a lie, and the component tag with it.
    """
    listed = ctx.kind.versions(ctx.http, ctx.endpoints, ctx.binding.package, sleep=sleep)
    hint = (f"Nothing was built, published or tagged. Release {ctx.binding.name} above it: "
            f"`nox -s versions` plans above every version tagged {ctx.binding.tag_prefix}*, so "
            f"tag the commit it was published from (git tag {ctx.binding.tag_prefix}VERSION "
            "COMMIT) and make a new release (`nox -s release`, with --core X.Y.Z if it says so)")
    return ordering.check_listed(ctx.binding.registry, ctx.registry_label, ctx.binding.package,
                                 ctx.rendering, listed, hint)


def publish_binding(ctx: PublishContext) -> str:
    """Run the whole flow; return a one-line outcome (or, for a dry run, the description)."""
    kind, registry = ctx.kind, ctx.registry_label
    register_secrets_from_env(ctx.env, ctx.binding.credential)
    consistency.check(ctx.root, ctx.config)
    credentials.preflight(ctx.config, ctx.binding.name, ctx.env, dry_run=ctx.dry_run)
    kind.check_tools(ctx)
    try:
        published = already_published(ctx)
    except RegistryUnavailable as exc:
        if not ctx.dry_run:
            raise
        log.warning("  [dry-run] cannot tell whether %s is on %s: %s", ctx.label, registry, exc)
        published = False
    if published:
        handle_duplicate(ctx.on_duplicate, ctx.binding.package, ctx.rendering, registry, log)
        if ctx.dry_run:
            return f"[dry-run] {ctx.label} is already on {registry}; nothing to build"
        tag_component(ctx)
        return f"{ctx.label} was already on {registry}; tagged {ctx.tag}"
    log.info("Building %s...", ctx.label)
    build = (Build(artifacts=collect_artifacts(ctx.artifacts_dir)) if ctx.artifacts_dir
             else kind.build(ctx))
    problems = kind.verify(ctx, build)
    if problems:
        raise ReleaseError(f"{registry} would refuse what was built for {ctx.label}; nothing "
                           "was uploaded:\n" + "\n".join(f"  - {p}" for p in problems))
    if ctx.dry_run:
        log.info("  [dry-run] Would publish %s to %s", ctx.label, registry)
        return kind.describe(ctx, build)
    log.info("Publishing %s...", ctx.label)
    try:
        kind.upload(ctx, build)
    except CommandError as exc:
        raise PublishError(
            f"uploading {ctx.label} to {registry} failed; {ctx.tag} was not created. A re-run "
            f"asks {registry} first, so it will not upload twice.\n{exc}") from exc
    try:
        # The poll paces itself: a registry's own retries would only stretch it; and the
        # upload already succeeded, so the tag is made even if the registry is slow to show it.
        wait_until_visible(lambda: already_published(ctx, sleep=lambda seconds: None),
                           BINDING_VISIBLE_TIMEOUT, ctx.label, patient=(ReleaseError,))
    except NotVisible:
        log.warning("  %s accepted %s but does not list it yet; it may take a while to appear",
                    registry, ctx.label)
    tag_component(ctx)
    return f"published {ctx.label} to {registry}; tagged {ctx.tag}"


def collect_artifacts(directory: Path) -> tuple[Path, ...]:
    """Prebuilt artifacts (``--artifacts DIR``): every regular file in ``directory``."""
    if not directory.is_dir():
        raise UsageError(f"--artifacts {directory}: not a directory")
    files = tuple(sorted(p for p in directory.iterdir() if p.is_file()))
    if not files:
        raise UsageError(f"--artifacts {directory}: no files in it")
    return files


def wait_until_visible(is_visible: Callable[[], bool], timeout: float, what: str, *,
                       sleep: Sleep | None = None, clock: Clock = time.monotonic,
                       patient: tuple[type[Exception], ...] = (RegistryUnavailable,)) -> float:
    """Poll ``is_visible`` with exponential backoff until it says yes; return seconds waited.

    The first poll is immediate (cargo usually waited already). An error in ``patient`` (by
    default: a registry that gives no answer) counts as "not yet" until ``timeout``; then
    :class:`NotVisible` says so. Any other error is raised at once.
    """
    pause = sleep or time.sleep
    start = clock()
    delay = FIRST_POLL_DELAY
    last_error = ""
    while True:
        try:
            if is_visible():
                return clock() - start
        except patient as exc:
            last_error = f" (last answer: {exc})"
        remaining = timeout - (clock() - start)
        if remaining <= 0:
            raise NotVisible(
                f"{what} was uploaded but the registry did not show it within {timeout:g} s"
                f"{last_error}. It may still appear: re-run with --on-duplicate=skip, or "
                "raise --index-timeout.")
        pause(min(delay, remaining))
        delay = min(delay * 2, MAX_POLL_DELAY)


def tag_component(ctx: PublishContext) -> None:
    """The binding's component tag on HEAD, once it is published."""
    message = f"{ctx.binding.name} {ctx.version} ({ctx.binding.package} {ctx.rendering})\n"
    log.info("%s", tag_and_push(ctx.root, ctx.tag, message, push=ctx.push_tags,
                                published=f"{ctx.label} IS published"))


def tag_and_push(root: Path, tag: str, message: str, *, push: bool, published: str) -> str:
    """Create (idempotently) the annotated ``tag`` on HEAD, and push it when asked; the line
    to report. A failed push does not hide the publish: the error says what is out."""
    repo = git.open_repo(root)
    commit = git.resolve(repo, "HEAD")
    created = git.create_tag(repo, tag, commit, message)
    line = (f"Tagged {tag} on {commit[:12]}" if created
            else f"Tag {tag} was already on {commit[:12]}")
    if push:
        try:
            git.push(repo, "origin", [f"refs/tags/{tag}"])
        except TagError as exc:
            raise TagError(f"{published}, but pushing {tag} failed: {exc}. "
                           f"Push it by hand: git push origin {tag}") from exc
        line += "; pushed"
    return line
