"""``publish_crates``: the core crates to crates.io (or an alternative cargo registry).

Order comes from the manifests (:func:`release_tasks.workspace.phases`), never from a list.
A run checks, in this order and before any upload: the credential, version drift and
what the registry would refuse (every problem at once). ``--dry-run`` then packages every
crate with one ``cargo package -p A -p B ...``, which verifies each crate against a local
overlay of the others: ``cargo publish --dry-run`` cannot, for dependencies not yet on
the registry. A real run publishes phase by phase (see :mod:`release_tasks.crate_phases`),
asks the registry before each crate, waits until each version is visible, and tags
``core-vX.Y.Z`` once every crate is on the registry: the credential check, the wait and the
tag are the publish flow's own (:mod:`release_tasks.publish`).

Token: cargo reads ``CARGO_REGISTRY_TOKEN`` for crates.io and
``CARGO_REGISTRIES_<NAME>_TOKEN`` for a registry named ``<NAME>``. The configured
credential (``CARGO_REGISTRY_TOKEN`` by default) is copied to the variable cargo reads, in
the child's environment only (which holds no other registry's); it never appears on a
command line.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx

from release_tasks import cmd, consistency, crate_checks, credentials, ordering, workspace
from release_tasks.config import Config
from release_tasks.crate_phases import (
    ON_REGISTRY,
    CratePlan,
    CrateResult,
    Sleep,
    incomplete_report,
    make_plan,
    run_phases,
    summary_table,
)
from release_tasks.duplicates import DEFAULT_ON_DUPLICATE, OnDuplicate, handle_duplicate
from release_tasks.errors import DriftError, PublishError, ReleaseError, UpdateError, UsageError
from release_tasks.log import get_logger
from release_tasks.publish import tag_and_push, wait_until_visible
from release_tasks.registries import Endpoints, given_endpoints, kind_of, make_client
from release_tasks.registries.crates_io import cargo
from release_tasks.registries.crates_io.cargo import (
    CARGO_REGISTRY_VAR,
    cargo_token_var,
    registry_label,
)
from release_tasks.version import CoreVersion

log = get_logger("publish_crates")

DEFAULT_INDEX_TIMEOUT = 600.0
CRATES_IO: Final = cargo.NAME

__all__ = ["CrateOptions", "CratePublisher", "cargo_env", "cargo_token_var", "registry_label",
           "resolve_registry", "run"]


@dataclass(frozen=True, kw_only=True)
class CrateOptions:
    """The command line of ``publish_crates``, validated."""

    dry_run: bool = False
    on_duplicate: OnDuplicate = DEFAULT_ON_DUPLICATE
    registry: str | None = None  # an alternative cargo registry; None: crates.io
    push_tags: bool = False
    index_timeout: float = DEFAULT_INDEX_TIMEOUT
    jobs: int | None = None  # crates published at once; None: the width of the phase
    offline: bool = True  # `cargo package --offline` in the dry run

    def __post_init__(self) -> None:
        if not self.index_timeout > 0:
            raise UsageError(f"--index-timeout must be more than 0 seconds, not {self.index_timeout}")
        if self.jobs is not None and self.jobs < 1:
            raise UsageError(f"--jobs must be 1 or more, not {self.jobs}")
        object.__setattr__(self, "registry", cargo.alternative(self.registry))


def cargo_env(env: Mapping[str, str], config: Config, registry: str | None) -> dict[str, str]:
    """The environment of ``cargo publish``: ours without the bindings' registries'
    credentials, plus the token where cargo looks for it."""
    [req] = credentials.requirements(config, ["core"])
    source = credentials.satisfied_by(req, env)
    kind = kind_of(config.core.registry)
    # cargo reads each registry's token by its own name (a source replacement reads another
    # registry's): those are cargo's to see; no other registry's are.
    own = credentials.without_secrets(env, config,
                                      keep=[*config.core.credential, *kind.secret_variables])
    with kind.credential_env(own, source, Endpoints({"registry": registry} if registry
                                                   else {})) as tool:
        return tool.env


def resolve_registry(options: CrateOptions, env: Mapping[str, str]) -> str | None:
    """``--registry``, else ``RELEASE_TASKS_CARGO_REGISTRY``, else crates.io (None)."""
    return cargo.resolve_registry(options.registry, env)


def check_repository(root: Path, config: Config, registry: str | None) -> tuple[CoreVersion,
                                                                                 workspace.Workspace]:
    """The drift check, then what the registry would refuse; every problem in one error."""
    drift: DriftError | None = None
    version = None
    try:
        version = consistency.check(root, config)
    except DriftError as exc:
        drift = exc
    try:
        ws = workspace.load(root, config.core.workspace)
    except UpdateError:
        if drift is not None:
            raise drift from None
        raise
    crates = [c for c in config.core.crates if ws.crate(c).publish]
    problems = crate_checks.metadata_problems(root, ws, crates, registry or CRATES_IO)
    if problems:
        also = list(drift.problems) if drift else []
        lines = "\n".join(f"  - {p}" for p in [*problems, *also])
        raise PublishError(f"{len(problems) + len(also)} problem(s) would stop the publish; "
                           f"nothing was packaged or published:\n{lines}")
    if drift is not None:
        raise drift
    assert version is not None
    return version, ws


def run(root: Path, config: Config, env: Mapping[str, str], options: CrateOptions,
        endpoints: Endpoints | None = None) -> str:
    """Preflight, then the dry run or the publish; returns the report for stdout.

    ``endpoints`` defaults to what the environment and ``[registries]`` say.
    """
    registry = resolve_registry(options, env)
    plan = preflight(root, config, env, options, registry)
    if not plan.crates:
        return f"no crate of {config.source} is publishable; nothing to do"
    if options.dry_run:
        return dry_run(plan, config, options, env, registry)
    if endpoints is None:
        chosen = {**env, CARGO_REGISTRY_VAR: registry} if registry else {
            k: v for k, v in env.items() if k != CARGO_REGISTRY_VAR}
        given = given_endpoints(config.core.registry, config.registries)
        endpoints = kind_of(config.core.registry).endpoints(chosen, given)
    return publish(root, config, plan, options, registry,
                   CratePublisher(plan=plan, options=options, registry=registry,
                                  endpoints=endpoints, env=cargo_env(env, config, registry)))


def preflight(root: Path, config: Config, env: Mapping[str, str], options: CrateOptions,
              registry: str | None) -> CratePlan:
    """Credential (a warning in a dry run), drift and registry metadata; then the plan."""
    credentials.preflight(config, "core", env, dry_run=options.dry_run)
    version, ws = check_repository(root, config, registry)
    return make_plan(root, config, version, ws)


def publish(root: Path, config: Config, plan: CratePlan, options: CrateOptions,
            registry: str | None, publisher: CratePublisher) -> str:
    """Publish every phase; tag when every crate is on the registry, else PublishError."""
    results = publisher.publish()
    if any(r.outcome not in ON_REGISTRY for r in results):
        what = f"publish of core {plan.version} to {registry_label(registry)}"
        raise PublishError(incomplete_report(results, what))
    tag_line = tag_core(root, config, plan, registry, push=options.push_tags)
    return f"{summary_table(results)}\n{tag_line}"


# --- dry run --------------------------------------------------------------------------------

def dry_run(plan: CratePlan, config: Config, options: CrateOptions, env: Mapping[str, str],
            registry: str | None) -> str:
    """Package and verify every crate of the plan; describe the phases and ``.crate`` files."""
    files = crate_checks.package_all(plan.workspace_dir, plan.crates, str(plan.version),
                                     credentials.without_secrets(env, config),
                                     registry=registry, offline=options.offline)
    return describe(plan, files, options, registry, f"{config.core.tag_prefix}{plan.version}")


def describe(plan: CratePlan, files: Mapping[str, Path], options: CrateOptions,
             registry: str | None, tag: str) -> str:
    """The dry run's report: each phase with its crates, versions and ``.crate`` files."""
    lines = [f"[dry-run] core {plan.version}: {len(plan.crates)} crate(s) in "
             f"{len(plan.phases)} phase(s) to {registry_label(registry)}; all packaged and "
             "verified, nothing uploaded"]
    width = max(len(c) for c in plan.crates)
    for number, phase in enumerate(plan.phases, start=1):
        lines.append(f"Phase {number}:")
        for crate in phase:
            size = files[crate].stat().st_size
            lines.append(f"  {crate:<{width}}  {plan.version}  {files[crate]} ({size} bytes)")
    for crate, reason in plan.left_out:
        lines.append(f"Left out: {crate} ({reason})")
    lines.append(f"A real run asks the registry before each crate (--on-duplicate="
                 f"{options.on_duplicate}) and tags {tag} when all are there.")
    return "\n".join(lines)


# --- publish ----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class CratePublisher:
    """One publish run: what the worker threads share (all of it read-only)."""

    plan: CratePlan
    options: CrateOptions
    registry: str | None
    endpoints: Endpoints
    env: Mapping[str, str]
    http: httpx.Client = field(default_factory=make_client)
    sleep: Sleep = time.sleep

    @property
    def version(self) -> str:
        return str(self.plan.version)

    def publish(self) -> list[CrateResult]:
        with self.http:
            if self.options.on_duplicate == "fail":
                # Strict mode: refuse before anything is uploaded, not halfway through.
                for crate in self.plan.crates:
                    if self.exists(crate):
                        self.duplicate(crate)
            return run_phases(self.plan.phases, self.plan.deps, self.publish_one,
                              version=self.version, jobs=self.options.jobs)

    def exists(self, crate: str) -> bool:
        # The whole list, judged by semver: the same version with other build metadata, or
        # a greater one, is an error rather than "already published".
        listed = kind_of(CRATES_IO).versions(self.http, self.endpoints, crate)
        return ordering.check_listed(
            CRATES_IO, registry_label(self.registry), crate, self.version, listed,
            "Nothing more was published. Release the core above it: tag the commit it was "
            "published from with its core tag, so that `nox -s versions` plans above it, then "
            "`nox -s release`")

    def duplicate(self, crate: str) -> None:
        handle_duplicate(self.options.on_duplicate, crate, self.version,
                         registry_label(self.registry), log)

    def publish_one(self, crate: str) -> CrateResult:
        start = time.monotonic()

        def say(state: str) -> float:
            elapsed = time.monotonic() - start
            log.info("  %s@%s: %s (%.1fs)", crate, self.version, state, elapsed)
            return elapsed

        say("started")
        try:
            if self.exists(crate):
                self.duplicate(crate)
                return CrateResult(crate=crate, version=self.version,
                                   outcome="already published", seconds=say("already there"))
            say("uploading")
            registry_args = ["--registry", self.registry] if self.registry else []
            cmd.run(["cargo", "publish", "-p", crate, *registry_args],
                    cwd=self.plan.workspace_dir, env=self.env, prefix=f"{crate} ")
            say("waiting for index")
            wait_until_visible(lambda: self.exists(crate), self.options.index_timeout,
                               f"{crate}@{self.version}", sleep=self.sleep)
        except ReleaseError as exc:
            return CrateResult(crate=crate, version=self.version, outcome="failed",
                               seconds=say("FAILED"), detail=str(exc))
        return CrateResult(crate=crate, version=self.version, outcome="published",
                           seconds=say("done"))


def tag_core(root: Path, config: Config, plan: CratePlan, registry: str | None, *,
             push: bool) -> str:
    """Tag HEAD ``core-vX.Y.Z`` (idempotent) and push it when asked; one line to report."""
    version = plan.version
    message = (f"core {version} on {registry_label(registry)}\n\n"
               + "".join(f"{crate} {version}\n" for crate in plan.crates))
    return tag_and_push(root, f"{config.core.tag_prefix}{version}", message, push=push,
                        published="every crate IS published")
