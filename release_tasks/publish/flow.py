"""The one publish flow: a binding to its registry, file by file, and the steps the crates
share with it.

Order (it matters): the work tree is clean (else ``--allow-dirty``); the version argument and
the version files agree; no drift; the credential is there (unless ``--dry-run``); the tools
are there; the registry is asked what it has of the version, *before* any build (a registry
that lists the same version spelled differently, or a greater one, stops it: versions only go
up). Then the version's expected files (:meth:`RegistryKind.expected_files`) are compared with
the files it lists: only the build steps of missing files run, with ``SOURCE_DATE_EPOCH`` and
without any credential (files an earlier run of this commit built are taken as they are);
a file already there is compared with the one built here, and ``--on-duplicate`` decides for
each; the missing files are uploaded one by one, each with only its own credential; the
registry is read back until it lists every expected file, and only then is the component
tagged. On SIGINT/SIGTERM no new upload starts and the run ends with its account
(:mod:`release_tasks.publish.stop`). The registry kind (:mod:`release_tasks.registries`) does
everything that differs between registries.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from release_tasks.apply import formats
from release_tasks.apply.binding_sites import file_spelling
from release_tasks.config import credentials
from release_tasks.config import load as config_mod
from release_tasks.errors import ReleaseError, UsageError, VersionError
from release_tasks.git import repo as git
from release_tasks.log import get_logger, register_secrets_from_env
from release_tasks.model.duplicates import OnDuplicate
from release_tasks.model.version import Registry
from release_tasks.plan import drift as consistency
from release_tasks.publish.builds import head_of, require_clean_tree
from release_tasks.publish.run import BindingRun, resume_command
from release_tasks.publish.tags import NotVisible, tag_and_push, wait_until_visible
from release_tasks.registries import given_endpoints, kind_of, make_client, ordering
from release_tasks.registries.http import Sleep
from release_tasks.registries.interface import PublishContext

log = get_logger("publish")

__all__ = ["NotVisible", "PublishContext", "already_published", "binding_for", "make_context",
           "publish_binding", "require_clean_tree", "resume_command", "tag_and_push",
           "wait_until_visible"]


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
        spelled = file_spelling(binding.primary_file, binding.parse_version(version),
                                binding.registry)
        return formats.read_at(root, binding.primary_file) == spelled
    except (OSError, ReleaseError):
        return False


def make_context(root: Path, config: config_mod.Config, binding_name: str, version_text: str,
                 env: Mapping[str, str], *, dry_run: bool, on_duplicate: OnDuplicate,
                 push_tags: bool, artifacts_dir: Path | None = None,
                 options: Mapping[str, Any] | None = None,
                 http: httpx.Client | None = None, allow_dirty: bool = False,
                 backfill: bool = False, accept_registry_bytes: bool = False) -> PublishContext:
    """Validate the command line against the repository and build the context."""
    binding = config.binding(binding_name)
    kind = kind_of(binding.registry)
    if backfill:
        on_duplicate = _backfill_checked(binding, kind.label, kind.adds_files, artifacts_dir,
                                         on_duplicate)
    try:
        version = binding.parse_version(version_text, source="VERSION argument")
        rendering = ordering.render(version, binding.registry)
    except VersionError as exc:
        raise UsageError(str(exc)) from exc
    spec = binding.primary_file
    if not (root / spec.path).is_file():
        raise UsageError(f"{spec.path}: not found in {root}")
    in_files = formats.read_at(root, spec)
    if in_files != file_spelling(spec, version, binding.registry):
        how = (f"run `nox -s update -- --core {version.core} --{binding.name} {version}` and "
               "commit first (or `nox -s release`)" if binding.versioning == "two-tier"
               else "release it first (`nox -s release`)")
        raise UsageError(f"{binding.name} {version} does not match {spec.path}, which says "
                         f"{in_files}: {how}")
    given = given_endpoints(binding.registry, config.registries, binding.endpoints)
    return PublishContext(root=root, config=config, binding=binding, version=version,
                          rendering=rendering, env=env, endpoints=kind.endpoints(env, given),
                          dry_run=dry_run, on_duplicate=on_duplicate, push_tags=push_tags,
                          artifacts_dir=artifacts_dir, options=dict(options or {}),
                          http=http or make_client(), allow_dirty=allow_dirty, kind=kind,
                          secret_names=tuple(credentials.secret_names(config)),
                          backfill=backfill, accept_registry_bytes=accept_registry_bytes)


def _backfill_checked(binding: config_mod.Binding, label: str, adds_files: bool,
                      artifacts_dir: Path | None, on_duplicate: OnDuplicate) -> OnDuplicate:
    """``--backfill`` completes a published version from a matrix's artifacts: it needs a
    registry that takes new files on a version, declared platforms and ``--artifacts``; the
    files already there are expected (``skip``), so ``--on-duplicate=fail`` contradicts it."""
    if not adds_files:
        raise UsageError(f"--backfill: a version on {label} never takes new files; "
                         f"{binding.name} is published whole or not at all")
    if not binding.platforms:
        raise UsageError(f"--backfill: {binding.name} declares no platforms in release.toml "
                         "(`platforms = [...]`), so there is no set to complete")
    if artifacts_dir is None:
        raise UsageError("--backfill needs --artifacts DIR: the files of the missing platforms")
    if on_duplicate == "fail":
        raise UsageError("--backfill expects files already on the registry; "
                         "--on-duplicate=fail contradicts it")
    return "skip"


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
    """Run the whole flow; return what it did, file by file (for a dry run, the
    description). In GitHub Actions (``GITHUB_OUTPUT`` set) the step's outputs say whether the
    version is now complete, partial or still planned on the registry."""
    register_secrets_from_env(ctx.env, ctx.binding.credential)
    require_clean_tree(ctx.root, allow_dirty=ctx.allow_dirty, dry_run=ctx.dry_run)
    consistency.check(ctx.root, ctx.config, env=ctx.env)
    credentials.preflight(ctx.config, ctx.binding.name, ctx.env, dry_run=ctx.dry_run)
    ctx.kind.check_tools(ctx)
    head = head_of(ctx.root)
    run = BindingRun(dataclasses.replace(ctx, commit=head.commit, source_date_epoch=head.time),
                     listed=already_published, tag=tag_component, tagged=component_tagged)
    try:
        return run.publish()
    finally:
        run.report_state()


def component_tagged(ctx: PublishContext) -> bool:
    """Whether the binding's component tag is on HEAD already (made by an earlier run)."""
    repo = git.open_repo(ctx.root)
    return git.tag_commit(repo, ctx.tag) == (ctx.commit or git.resolve(repo, "HEAD"))


def tag_component(ctx: PublishContext, files: Mapping[str, str] | None = None,
                  notes: Sequence[str] = ()) -> None:
    """The binding's component tag on HEAD, once every file of it is on the registry; its
    message lists the files, with their SHA-256 where known, and what was accepted with
    ``--accept-registry-bytes``."""
    message = f"{ctx.binding.name} {ctx.version} ({ctx.binding.package} {ctx.rendering})\n"
    if files:
        message += f"\nfiles on {ctx.registry_label}:\n" + "".join(
            f"  {name}{f'  sha256:{sha}' if sha else ''}\n" for name, sha in files.items())
    if notes:
        message += "\n" + "".join(f"{note}\n" for note in notes)
    log.info("%s", tag_and_push(ctx.root, ctx.tag, message, push=ctx.push_tags,
                                published=f"{ctx.label} IS published"))
