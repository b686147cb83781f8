"""``publish_crates``: the core crates to crates.io (or an alternative cargo registry).

Order comes from the manifests (:func:`release_tasks.cargo.workspace.phases`), never from a list.
A run checks, in this order and before any upload: the credential, version drift and
what the registry would refuse, including dependencies that would not resolve on an
alternative registry (every problem at once). ``--dry-run`` then packages every crate with
one ``cargo package -p A -p B ...``, which verifies each crate against a local overlay of the
others: ``cargo publish --dry-run`` cannot, for dependencies not yet on the registry.

A real run packages every crate (unverified: only the ``.crate`` files and their sha256),
reads the registry once per crate (:mod:`release_tasks.publish.crates.files`: what is there, with
which bytes), says what the rate limits will make it wait, then publishes phase by phase
(:mod:`release_tasks.publish.crates.publisher`), paced (:mod:`release_tasks.publish.crates.pacing`) and
stoppable (:mod:`release_tasks.publish.stop`: SIGINT/SIGTERM, ``--max-wait``). It tags
``core-vX.Y.Z`` only after reading every crate back from the registry with the expected
sha256; the wait and the tag are the publish flow's own (:mod:`release_tasks.publish.tags`).

Token: cargo reads ``CARGO_REGISTRY_TOKEN`` for crates.io and
``CARGO_REGISTRIES_<NAME>_TOKEN`` for a registry named ``<NAME>``. The configured
credential (``CARGO_REGISTRY_TOKEN`` by default) is copied to the variable cargo reads, in
the child's environment only (which holds no other registry's); it never appears on a
command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final

from release_tasks.cargo import workspace
from release_tasks.config import credentials
from release_tasks.errors import DriftError, PublishError, UpdateError, UsageError
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.model.version import CoreVersion
from release_tasks.plan import drift as consistency
from release_tasks.publish.bytes import accepted_or_refused
from release_tasks.publish.crates import checks as crate_checks
from release_tasks.publish.crates.files import LocalCrate, hash_files, read_back
from release_tasks.publish.crates.pacing import stamp
from release_tasks.publish.crates.phases import (
    ON_REGISTRY,
    CratePlan,
    CrateResult,
    PublishStopped,
    incomplete_report,
    make_plan,
    summary_table,
)
from release_tasks.publish.crates.publisher import DEFAULT_INDEX_TIMEOUT, CrateOptions, CratePublisher
from release_tasks.publish.stop import Stop, stoppable
from release_tasks.publish.tags import tag_and_push
from release_tasks.registries import Endpoints, given_endpoints, kind_of
from release_tasks.registries.crates_io import cargo, cargo_config
from release_tasks.registries.crates_io.cargo import (
    CARGO_REGISTRY_VAR,
    cargo_token_var,
    registry_label,
)
from release_tasks.registries.crates_io.limits import (
    CRATES_IO_LIMITS,
    RateLimits,
    duration,
    planned_wait,
)

log = get_logger("publish_crates")

CRATES_IO: Final = cargo.NAME


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


def resolve_registry(options: CrateOptions, env: Mapping[str, str],
                     configured: str | None = None) -> str | None:
    """``--registry``, else ``RELEASE_TASKS_CARGO_REGISTRY``, else ``configured`` (``[core]
    cargo-registry``), else crates.io (None)."""
    return cargo.resolve_registry(options.registry, env, configured)


def check_repository(root: Path, config: Config, registry: str | None,
                     env: Mapping[str, str] | None = None) -> tuple[CoreVersion,
                                                                    workspace.Workspace]:
    """The drift check, then what the registry would refuse; every problem in one error."""
    drift: DriftError | None = None
    version = None
    try:
        version = consistency.check(root, config, env=env)
    except DriftError as exc:
        drift = exc
    try:
        ws = workspace.load(root, config.core.workspace)
    except UpdateError:
        if drift is not None:
            raise drift from None
        raise
    crates = [c for c in config.core.crates if ws.crate(c).publish]
    cwd, cargo_vars = root / config.core.workspace, env or {}
    unknown = registry and cargo_config.unknown_registry(registry, cwd, cargo_vars)
    if unknown:
        raise UsageError(f"cargo registry {registry}: {unknown}; nothing was packaged or "
                         "published")
    problems = crate_checks.metadata_problems(root, ws, crates, registry or CRATES_IO)
    unresolved = crate_checks.registry_problems(
        ws, crates, registry,
        registry and cargo_config.registry_index(registry, cwd, cargo_vars),
        registry is not None and cargo_config.crates_io_goes_to(registry, cwd, cargo_vars))
    if problems or unresolved:
        also = list(drift.problems) if drift else []
        lines = "\n".join(f"  - {p}" for p in [*problems, *unresolved, *also])
        fix = f"\n{crate_checks.registry_fix(registry, ws.crate(crates[0]).version)}" \
            if unresolved else ""
        raise PublishError(f"{len(problems) + len(unresolved) + len(also)} problem(s) would "
                           f"stop the publish; nothing was packaged or published:\n{lines}{fix}")
    if drift is not None:
        raise drift
    assert version is not None
    return version, ws


def known_limits(registry: str | None) -> RateLimits | None:
    """The rate limits of ``registry``: crates.io's; none known for the others (a 429 then
    says when to try again)."""
    return CRATES_IO_LIMITS if registry is None else None


def run(root: Path, config: Config, env: Mapping[str, str], options: CrateOptions,
        endpoints: Endpoints | None = None,
        limits: Callable[[str | None], RateLimits | None] = known_limits) -> str:
    """Preflight, then the dry run or the publish; returns the report for stdout.

    ``endpoints`` defaults to what the environment and ``[registries]`` say; ``limits``
    gives the registry's rate limits.
    """
    registry = resolve_registry(options, env, config.core.cargo_registry)
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
    files = crate_checks.package_files(plan.workspace_dir, plan.crates, str(plan.version),
                                       credentials.without_secrets(env, config),
                                       registry=registry, offline=options.offline)
    publisher = CratePublisher(plan=plan, options=options, registry=registry,
                               endpoints=endpoints, env=cargo_env(env, config, registry),
                               local=hash_files(files), limits=limits(registry),
                               stop=Stop.from_env(env))
    return publish(root, config, plan, options, registry, publisher)


def preflight(root: Path, config: Config, env: Mapping[str, str], options: CrateOptions,
              registry: str | None) -> CratePlan:
    """Credential (a warning in a dry run), drift and registry metadata; then the plan."""
    credentials.preflight(config, "core", env, dry_run=options.dry_run)
    version, ws = check_repository(root, config, registry, env)
    return make_plan(root, config, version, ws)


def publish(root: Path, config: Config, plan: CratePlan, options: CrateOptions,
            registry: str | None, publisher: CratePublisher) -> str:
    """Publish every phase; read every crate back; tag. A stop (a signal, ``--max-wait``)
    or an incomplete run is a PublishError whose message is the account."""
    what = f"publish of core {plan.version} to {registry_label(registry)}"
    resume = resume_command(options)
    stop = publisher.stop
    with stoppable(stop, threads=True), publisher.http:
        results = publisher.publish()
        if stop.is_set():
            why = stop.reason + (f"; the next upload is allowed at {stamp(stop.resume_at)}: "
                                 "resume after it" if stop.resume_at else "")
            raise PublishStopped(incomplete_report(publisher.settle(results), what, why=why,
                                                   resume=resume), stop.exit_code)
        if any(r.outcome not in ON_REGISTRY for r in results):
            raise PublishError(incomplete_report(results, what))
        problems = read_back(publisher.http, publisher.endpoints, publisher.expected(),
                             str(plan.version), registry_label(registry))
    tag = f"{config.core.tag_prefix}{plan.version}"
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise PublishError(f"{what}: the read-back found {len(problems)} crate(s) not as "
                           f"uploaded, so {tag} was not created:\n{lines}\nRe-run when the "
                           f"registry shows them: {resume}")
    warnings = [f"  !!! {r.crate}@{r.version}: {r.detail}" for r in results
                if r.crate in publisher.other_bytes]
    if warnings and not options.accept_registry_bytes:
        log.info("%s", summary_table(results))
    notes = accepted_or_refused(
        what, tag, [w.strip().removeprefix("!!! ") for w in warnings],
        accept=options.accept_registry_bytes, rerun=resume,
        yank=f"nox -s yank -- core {plan.version}"
             + (f" --registry {options.registry}" if options.registry else ""))
    tag_line = tag_core(root, config, plan, registry, push=options.push_tags,
                        notes=[f"!!! {note}" for note in notes])
    return "\n".join([summary_table(results), *warnings, tag_line])


def resume_command(options: CrateOptions) -> str:
    """The command that carries on where this run stopped."""
    words = ["nox -s publish_crates -- --on-duplicate=skip"]
    words += [f"--registry {options.registry}"] if options.registry else []
    words += [f"--max-wait {options.max_wait:g}"] if options.max_wait is not None else []
    words += ["--push-tags"] if options.push_tags else []
    words += ["--accept-registry-bytes"] if options.accept_registry_bytes else []
    return " ".join(words)


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
    local: dict[str, LocalCrate] = hash_files(files)
    for number, phase in enumerate(plan.phases, start=1):
        lines.append(f"Phase {number}:")
        for crate in phase:
            size = files[crate].stat().st_size
            lines.append(f"  {crate:<{width}}  {plan.version}  {files[crate]} ({size} bytes, "
                         f"sha256 {local[crate].sha256})")
    for crate, reason in plan.left_out:
        lines.append(f"Left out: {crate} ({reason})")
    lines.append(f"A real run asks the registry before each crate (--on-duplicate="
                 f"{options.on_duplicate}), compares the bytes of what is there, and tags "
                 f"{tag} when the registry lists every crate with these sha256.")
    if registry is None:
        lines.append(worst_case(plan.crates))
    return "\n".join(lines)


def worst_case(crates: Sequence[str]) -> str:
    """What crates.io's limits would make a first publish of every crate wait."""
    wait = planned_wait(["new crate"] * len(crates), CRATES_IO_LIMITS)
    said = f"wait {duration(wait)}" if wait else "not wait"
    return (f"Were all {len(crates)} crates new to crates.io, its rate limit (new crates: "
            f"{CRATES_IO_LIMITS.new_crate.describe()}) would make a real run {said}; a real "
            "run counts what is new and says so before its first upload (--max-wait bounds it).")


def tag_core(root: Path, config: Config, plan: CratePlan, registry: str | None, *,
             push: bool, notes: Sequence[str] = ()) -> str:
    """Tag HEAD ``core-vX.Y.Z`` (idempotent) and push it when asked; one line to report."""
    version = plan.version
    message = (f"core {version} on {registry_label(registry)}\n\n"
               + "".join(f"{crate} {version}\n" for crate in plan.crates)
               + "".join(f"{note.strip()}\n" for note in notes))
    return tag_and_push(root, f"{config.core.tag_prefix}{version}", message, push=push,
                        published="every crate IS published")


__all__ = ["DEFAULT_INDEX_TIMEOUT", "CrateOptions", "CratePublisher", "CrateResult", "PublishStopped",
           "cargo_env", "cargo_token_var", "known_limits", "registry_label", "resolve_registry", "run"]
