"""``yank``: withdraw a released version from its registry, or with ``--undo`` restore it.

Each registry withdraws a version its own way (its kind in :mod:`release_tasks.registries`
plans the commands), and each keeps the files, so installs pinned to the exact version keep
working: ``cargo yank`` of *every* crate of the core (they version together), ``gem yank``
of every platform build, ``npm deprecate`` (``unpublish`` is refused after 72 hours and the
version can never be reused), and for PyPI, which has no yank API, the steps on its web UI.

The stage builds a :class:`YankPlan` first; ``--dry-run`` prints it and runs nothing.
Credentials are checked before any command and reach each tool as its publish does: in the
child's environment, or a temporary userconfig that only refers to the variable. Trusted
publishing does not count: it covers uploads only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from release_tasks import cmd
from release_tasks.config import credentials
from release_tasks.errors import PublishError, ReleaseError, UsageError, VersionError
from release_tasks.log import get_logger
from release_tasks.model.components import Binding, Config
from release_tasks.model.version import CoreVersion
from release_tasks.registries import Endpoints, given_endpoints, kind_of, make_client, ordering
from release_tasks.registries.common import ask_first
from release_tasks.registries.interface import Command, WithdrawContext, YankPlan, YankRequest

log = get_logger("yank")

__all__ = ["Command", "YankPlan", "YankRequest", "apply", "ask_first", "make_plan", "run"]

_DONE = {"yank": "yanked", "un-yank": "un-yanked", "deprecate": "deprecated",
         "un-deprecate": "un-deprecated"}


def run(root: Path, config: Config, env: Mapping[str, str], request: YankRequest) -> str:
    """Validate, check credentials, plan; then print the plan (dry run) or carry it out."""
    plan = make_plan(root, config, env, request)
    if request.dry_run or plan.manual:
        return plan.text()
    return apply(plan, config, env, request)


def make_plan(root: Path, config: Config, env: Mapping[str, str], request: YankRequest) -> YankPlan:
    """Arguments first (usage errors), then credentials, then what the registry has."""
    binding = None
    if request.component == "core":
        registry = config.core.registry
        version = _core_version(request.version)
    else:
        binding = _binding(config, request)
        registry = binding.registry
        version = _binding_version(binding, request.version)
    kind = kind_of(registry)
    kind.check_withdrawal(binding, version, request.undo, request.message)
    plan = YankPlan(component=request.component, version=version, registry=registry,
                    where=kind.label, verb="yank")
    if kind.withdraws_by_api:
        plan = _with_credential(config, env, request, plan)
    given = given_endpoints(registry, config.registries, binding.endpoints if binding else None)
    with make_client() as http:
        return kind.withdrawal(WithdrawContext(root=root, config=config, binding=binding,
                                               version=version, request=request, env=env,
                                               given=given, http=http), plan)


def _core_version(text: str) -> str:
    try:
        return str(CoreVersion.parse(text, source="VERSION"))
    except VersionError as exc:
        raise UsageError(f"{exc} (core versions have three parts)") from exc


def _binding(config: Config, request: YankRequest) -> Binding:
    known = ["core", *(b.name for b in config.bindings)]
    if request.component not in known:
        raise UsageError(f"COMPONENT {request.component!r} is neither core nor a binding of "
                         f"{config.source} (known: {', '.join(known)})")
    if request.registry is not None:
        raise UsageError(f"--registry {request.registry}: a cargo registry, for `yank core` only")
    return config.binding(request.component)


def _binding_version(binding: Binding, text: str) -> str:
    try:
        version = binding.parse_version(text, source="VERSION")
        ordering.render(version, binding.registry)
    except VersionError as exc:
        parts = "four parts" if binding.versioning == "two-tier" else "three parts"
        raise UsageError(f"{exc} ({binding.name} versions have {parts})") from exc
    return str(version)


def _with_credential(config: Config, env: Mapping[str, str], request: YankRequest,
                     plan: YankPlan) -> YankPlan:
    """Check the credential (a dry run only notes it): trusted publishing cannot yank."""
    missing = credentials.preflight(config, request.component, env, dry_run=request.dry_run,
                                    trusted_publishing=False)
    [req] = credentials.requirements(config, [request.component])
    source = next((name for name in req.names if env.get(name)), None)
    return dataclasses.replace(plan, missing=tuple(missing),
                               credential=source or (req.names[0] if req.names else None))


# --- carrying out the plan ------------------------------------------------------------------

def apply(plan: YankPlan, config: Config, env: Mapping[str, str], request: YankRequest) -> str:
    """Run every command of ``plan``, past failures; a PublishError lists what failed."""
    kind = kind_of(plan.registry)
    own = credentials.without_secrets(env, config, keep=[plan.credential] if plan.credential
                                      else [])
    with kind.credential_env(own, plan.credential, plan.endpoints or Endpoints()) as tool:
        outcomes = _run_all(plan, plan.cwd or tool.cwd, tool.env)
    table = _table(plan, outcomes)
    failed = [(c, detail) for c, detail in outcomes if detail]
    title = f"{plan.verb} of {plan.component} {plan.version} on {plan.where}"
    if failed:
        details = "\n".join(f"  - {c.subject}: {d}".replace("\n", "\n      ") for c, d in failed)
        raise PublishError(
            f"{title} is incomplete: {len(failed)} of {len(outcomes)} failed.\n{table}\n{details}\n"
            f"Fix the cause and run the same command again: repeating a {plan.verb} that "
            "already happened is harmless.")
    return f"{title}: done\n{table}{_afterwards(plan, request)}"


def _run_all(plan: YankPlan, cwd: Path | None,
             env: Mapping[str, str]) -> list[tuple[Command, str]]:
    """Each command's outcome: ``""`` when it succeeded, else why it failed."""
    outcomes = []
    for command in plan.commands:
        try:
            cmd.run(command.argv, cwd=cwd, env=env, prefix=f"{command.subject} ")
        except ReleaseError as exc:
            log.error("  %s: %s FAILED", command.subject, plan.verb)
            outcomes.append((command, str(exc)))
        else:
            log.info("  %s: %s", command.subject, _DONE[plan.verb])
            outcomes.append((command, ""))
    return outcomes


def _table(plan: YankPlan, outcomes: list[tuple[Command, str]]) -> str:
    width = max([len(c.subject) for c, _ in outcomes] + [len(plan.component)])
    return "\n".join(f"  {c.subject:<{width}}  {'FAILED' if d else _DONE[plan.verb]}"
                     for c, d in outcomes)


def _afterwards(plan: YankPlan, request: YankRequest) -> str:
    if request.undo or not kind_of(plan.registry).can_undo_withdrawal:
        return ""
    extra = "".join(f" {arg}" for arg in plan.undo_args)
    return (f"\nUndo with: python -m release_tasks yank {plan.component} {plan.version} "
            f"--undo{extra}")
