"""The publish flow every binding shares, and the small interface each target implements.

Order (it matters): the version argument and the version files agree; no drift; the
credential is there (unless ``--dry-run``); the tools are there; the registry is asked
whether the version is already out, *before* any build, so a re-run never spends minutes
rebuilding what is published (a registry that lists the same version spelled differently, or
a greater one, stops it: versions only go up); then build, check the artifacts in the
registry's own terms, upload, tag. Credentials reach only the upload command: builds run
without them.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from release_tasks import cmd, consistency, credentials, formats, git, ordering
from release_tasks import config as config_mod
from release_tasks.errors import (
    CommandError,
    PublishError,
    RegistryUnavailable,
    ReleaseError,
    TagError,
    ToolMissing,
    UsageError,
    VersionError,
)
from release_tasks.log import get_logger, register_secrets_from_env
from release_tasks.registries import (
    REGISTRY_CLIENTS,
    REGISTRY_LABELS,
    Endpoints,
    endpoints_from_env,
    make_client,
)
from release_tasks.registries.duplicates import OnDuplicate, handle_duplicate
from release_tasks.registries.http import Sleep
from release_tasks.version import BindingVersion, Registry

log = get_logger("publish")

CARGO_HINT = "Install Rust (cargo) with rustup: https://rustup.rs"
#: Where builds put what they make, under the repository root (``target/`` is cargo's,
#: so it is already ignored by git in a Rust workspace).
ARTIFACTS_DIR = Path("target") / "release-artifacts"
# After an upload, how long to wait for the registry to list the version (seconds).
_VISIBLE_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True, kw_only=True)
class PublishContext:
    """Everything a target needs; built once by :func:`make_context`."""

    root: Path
    config: config_mod.Config
    binding: config_mod.Binding
    version: BindingVersion
    rendering: str
    env: Mapping[str, str]
    endpoints: Endpoints
    dry_run: bool
    on_duplicate: OnDuplicate
    push_tags: bool
    artifacts_dir: Path | None = None

    @property
    def directory(self) -> Path:
        return self.root / self.binding.directory

    @property
    def label(self) -> str:
        return f"{self.binding.package}@{self.rendering}"

    @property
    def tag(self) -> str:
        return f"{self.binding.tag_prefix}{self.version}"

    @property
    def registry_label(self) -> str:
        return REGISTRY_LABELS[self.binding.registry]

    @property
    def output_dir(self) -> Path:
        return self.root / ARTIFACTS_DIR / self.binding.name

    def credential(self) -> str | None:
        """The variable holding the credential, ``"trusted publishing"``, or ``None``."""
        [req] = credentials.requirements(self.config, [self.binding.name])
        return credentials.satisfied_by(req, self.env)

    def build_env(self) -> dict[str, str]:
        """The environment for build tools: ours without the credential variables."""
        return {k: v for k, v in self.env.items() if k not in self.binding.credential}


class Target(Protocol):
    """One publish target (a registry's toolchain): build, check, describe, upload."""

    def preflight(self, ctx: PublishContext) -> None:
        """Check the tools exist (say exactly what to install) before anything runs."""

    def build(self, ctx: PublishContext) -> list[Path]:
        """Build the artifacts; return their paths."""

    def check(self, ctx: PublishContext, artifacts: Sequence[Path]) -> list[str]:
        """Every reason the registry would refuse these artifacts (empty when fine)."""

    def describe(self, ctx: PublishContext, artifacts: Sequence[Path]) -> str:
        """What a dry run shows: the artifacts, their metadata and contents."""

    def upload(self, ctx: PublishContext, artifacts: Sequence[Path]) -> None:
        """Upload, with the credential only in the environment or a 0600 temporary file."""


def binding_for(config: config_mod.Config, registry: Registry, name: str | None) -> str:
    """The binding a ``publish_<lang>`` stage publishes: ``name``, or the one on ``registry``."""
    label = REGISTRY_LABELS[registry]
    if name is not None:
        binding = config.binding(name)
        if binding.registry != registry:
            raise UsageError(f"--binding {name} publishes to {REGISTRY_LABELS[binding.registry]}, "
                             f"not {label}")
        return name
    names = [b.name for b in config.bindings if b.registry == registry]
    if len(names) != 1:
        found = ", ".join(names) or "none"
        raise UsageError(f"{len(names)} bindings publish to {label} ({found}): pass --binding NAME")
    return names[0]


def make_context(root: Path, config: config_mod.Config, binding_name: str, version_text: str,
                 env: Mapping[str, str], *, dry_run: bool, on_duplicate: OnDuplicate,
                 push_tags: bool, artifacts_dir: Path | None = None) -> PublishContext:
    """Validate the command line against the repository and build the context."""
    binding = config.binding(binding_name)
    try:
        version = BindingVersion.parse(version_text, source="VERSION argument")
        rendering = version.render(binding.registry)
    except VersionError as exc:
        raise UsageError(str(exc)) from exc
    spec = binding.primary_file
    path = root / spec.path
    if not path.is_file():
        raise UsageError(f"{spec.path}: not found in {root}")
    in_files = formats.read_at(root, spec)
    if in_files != rendering:
        raise UsageError(
            f"{binding.name} {version} does not match {spec.path}, which says {in_files}: "
            f"run `nox -s update -- --core {version.core} --{binding.name} {version}` and commit "
            "first (or `nox -s release`)")
    return PublishContext(root=root, config=config, binding=binding, version=version,
                          rendering=rendering, env=env,
                          endpoints=endpoints_from_env(env, config.registries),
                          dry_run=dry_run, on_duplicate=on_duplicate, push_tags=push_tags,
                          artifacts_dir=artifacts_dir)


def require_tools(ctx: PublishContext, tools: Mapping[str, str]) -> dict[str, str]:
    """Resolve every program (name -> install hint); one ToolMissing listing all missing."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for program, hint in tools.items():
        try:
            found[program] = cmd.which(program, hint, ctx.env)
        except ToolMissing as exc:
            missing.append(str(exc))
    if missing:
        raise ToolMissing(f"{ctx.binding.name}: nothing was built or published; missing tools:\n"
                          + "\n".join(f"  - {m}" for m in missing))
    return found


def fresh_dir(path: Path) -> Path:
    """``path`` emptied (created if needed): stale artifacts must never be uploaded."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def already_published(ctx: PublishContext, sleep: Sleep = time.sleep) -> bool:
    """Whether the registry lists our rendering exactly; a definite answer only (no answer
    raises RegistryUnavailable).

    The registry's whole version list is read and judged by its own rules: the same version
    spelled differently (``0.1.8`` for our ``0.1.8.0``), or a greater one, is a VersionError.
    Either would make "already published" a lie, and the component tag with it.
    """
    client = REGISTRY_CLIENTS[ctx.binding.registry]
    with make_client() as http:
        listed = client.versions(http, ctx.endpoints, ctx.binding.package, sleep=sleep)
    hint = (f"Nothing was built, published or tagged. Release {ctx.binding.name} above it: "
            f"`nox -s versions` plans above every version tagged {ctx.binding.tag_prefix}*, so "
            f"tag the commit it was published from (git tag {ctx.binding.tag_prefix}VERSION "
            "COMMIT) and make a new release (`nox -s release`, with --core X.Y.Z if it says so)")
    return ordering.check_listed(ctx.binding.registry, ctx.registry_label, ctx.binding.package,
                                 ctx.rendering, listed, hint)


def publish_binding(target: Target, ctx: PublishContext) -> str:
    """Run the whole flow; return a one-line outcome (or, for a dry run, the description)."""
    register_secrets_from_env(ctx.env, ctx.binding.credential)
    consistency.check(ctx.root, ctx.config)
    reqs = credentials.requirements(ctx.config, [ctx.binding.name])
    if ctx.dry_run:
        for missing in credentials.missing(reqs, ctx.env):
            log.warning("  [dry-run] a real run would stop here: %s", missing)
    else:
        credentials.check(reqs, ctx.env)
    target.preflight(ctx)
    registry = ctx.registry_label
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
    artifacts = (collect_artifacts(ctx.artifacts_dir) if ctx.artifacts_dir
                 else target.build(ctx))
    problems = target.check(ctx, artifacts)
    if problems:
        raise ReleaseError(f"{registry} would refuse what was built for {ctx.label}; nothing "
                           "was uploaded:\n" + "\n".join(f"  - {p}" for p in problems))
    if ctx.dry_run:
        log.info("  [dry-run] Would publish %s to %s", ctx.label, registry)
        return target.describe(ctx, artifacts)
    log.info("Publishing %s...", ctx.label)
    try:
        target.upload(ctx, artifacts)
    except CommandError as exc:
        raise PublishError(
            f"uploading {ctx.label} to {registry} failed; {ctx.tag} was not created. A re-run "
            f"asks {registry} first, so it will not upload twice.\n{exc}") from exc
    wait_until_visible(ctx)
    tag_component(ctx)
    return f"published {ctx.label} to {registry}; tagged {ctx.tag}"


def wait_until_visible(ctx: PublishContext, delays: Sequence[float] = _VISIBLE_DELAYS) -> bool:
    """Poll until the registry lists the upload; a warning (not an error) if it never does.

    The upload already succeeded, so the tag is created either way; the poll tells a user
    reading the log why an install right after the release may not find it yet.
    """
    for delay in (0.0, *delays):
        time.sleep(delay)
        try:
            # The poll paces itself: a registry's own retries would only stretch it.
            if already_published(ctx, sleep=lambda seconds: None):
                return True
        except ReleaseError as exc:
            log.debug("  visibility check: %s", exc)
    log.warning("  %s accepted %s but does not list it yet; it may take a while to appear",
                ctx.registry_label, ctx.label)
    return False


def collect_artifacts(directory: Path) -> list[Path]:
    """Prebuilt artifacts (``--artifacts DIR``): every regular file in ``directory``."""
    if not directory.is_dir():
        raise UsageError(f"--artifacts {directory}: not a directory")
    files = sorted(p for p in directory.iterdir() if p.is_file())
    if not files:
        raise UsageError(f"--artifacts {directory}: no files in it")
    return files


def tag_component(ctx: PublishContext) -> None:
    """Create (idempotently) and optionally push the component tag on HEAD.

    A failed push does not hide the publish: the error says the package is out.
    """
    repo = git.open_repo(ctx.root)
    commit = git.resolve(repo, "HEAD")
    message = f"{ctx.binding.name} {ctx.version} ({ctx.binding.package} {ctx.rendering})\n"
    if git.create_tag(repo, ctx.tag, commit, message):
        log.info("Tagged %s on %s", ctx.tag, commit[:12])
    else:
        log.info("Tag %s already on %s", ctx.tag, commit[:12])
    if ctx.push_tags:
        try:
            git.push(repo, "origin", [f"refs/tags/{ctx.tag}"])
        except TagError as exc:
            raise TagError(f"{ctx.label} IS published, but pushing {ctx.tag} failed: {exc}. "
                           f"Push it by hand: git push origin {ctx.tag}") from exc
