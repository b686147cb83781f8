"""The publish phases: which crates, in which order (:func:`make_plan`, from the
manifests), and running them: parallel within a phase, a barrier between phases, a
failure that stops exactly the crates depending on it, and a stop (a signal, a rate limit
past ``--max-wait``) that starts nothing more; then the account of what is where.

Nothing here knows about cargo or registries: :func:`run_phases` is given the work to do
for one crate, which makes the scheduling rules testable on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from release_tasks.cargo import workspace
from release_tasks.errors import PublishError
from release_tasks.model.components import Config
from release_tasks.model.version import CoreVersion

#: ``not attempted``: a dependency did not make it; ``not started``: the run stopped first;
#: ``interrupted``: in flight when the run stopped (the account asks the registry).
Outcome = Literal["published", "already published", "failed", "not attempted", "not started",
                  "interrupted"]
#: Outcomes that leave the version on the registry.
ON_REGISTRY: frozenset[Outcome] = frozenset({"published", "already published"})

Sleep = Callable[[float], None]


class PublishStopped(PublishError):
    """The run stopped before it was complete (:mod:`release_tasks.publish.stop`); the
    message is its account. A signal gives its own exit code (130, 143); a ``--max-wait``
    stop the publish failure's."""

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


@dataclass(frozen=True, kw_only=True)
class CratePlan:
    """What would be published: the version, the phases and why other crates are left out."""

    version: CoreVersion
    workspace_dir: Path
    phases: tuple[tuple[str, ...], ...]
    deps: Mapping[str, frozenset[str]] = field(default_factory=dict)
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def crates(self) -> tuple[str, ...]:
        return tuple(crate for phase in self.phases for crate in phase)


def make_plan(root: Path, config: Config, version: CoreVersion,
              ws: workspace.Workspace) -> CratePlan:
    """Phases of the configured crates that the manifests let publish."""
    configured = config.core.crates
    wanted = [c for c in configured if ws.crate(c).publish]
    left_out = [(c.name, "publish = false" if not c.publish else "not in the release config")
                for c in ws.members if c.name not in wanted]
    return CratePlan(
        version=version, workspace_dir=root / config.core.workspace,
        phases=tuple(tuple(p) for p in workspace.phases(ws, wanted)),
        deps={c: ws.crate(c).deps & frozenset(wanted) for c in wanted},
        left_out=tuple(left_out))


@dataclass(frozen=True, kw_only=True)
class CrateResult:
    """What happened to one crate, and how long it took (``None``: never started)."""

    crate: str
    version: str
    outcome: Outcome
    seconds: float | None = None
    detail: str = ""


def run_phases(phases: Sequence[Sequence[str]], deps: Mapping[str, frozenset[str]],
               work: Callable[[str], CrateResult], *, version: str,
               jobs: int | None = None,
               stopping: Callable[[], bool] = lambda: False) -> list[CrateResult]:
    """Run ``work`` for each crate, phase by phase; results in phase order.

    Crates of a phase run in parallel (at most ``jobs`` at once; default: all of them) and
    the next phase starts when the whole phase is done. A crate whose dependency failed or
    was not attempted is not attempted either; its phase siblings still run. Once
    ``stopping()`` says so, no later phase starts (``work`` sees the stop for the crates of
    its phase). ``work`` reports failures in its result; an exception from it is a bug and
    propagates.
    """
    results: dict[str, CrateResult] = {}
    for phase in phases:
        ready = []
        for crate in phase:
            if stopping():
                results[crate] = CrateResult(crate=crate, version=version, outcome="not started",
                                             detail="the run stopped before it")
                continue
            stopped = sorted(d for d in deps.get(crate, ()) if d in results
                             and results[d].outcome not in ON_REGISTRY)
            if stopped:
                why = ", ".join(f"{d} {_past(results[d].outcome)}" for d in stopped)
                results[crate] = CrateResult(crate=crate, version=version,
                                             outcome="not attempted", detail=f"depends on {why}")
            else:
                ready.append(crate)
        if ready:
            with ThreadPoolExecutor(max_workers=min(jobs or len(ready), len(ready)),
                                    thread_name_prefix="publish") as pool:
                futures = {crate: pool.submit(work, crate) for crate in ready}
                for crate, future in futures.items():
                    results[crate] = future.result()
    return [results[crate] for phase in phases for crate in phase]


def _past(outcome: Outcome) -> str:
    return {"failed": "failed", "not started": "was not started",
            "interrupted": "was interrupted"}.get(outcome, "was not attempted")


def summary_table(results: Sequence[CrateResult]) -> str:
    """crate, version, outcome, seconds: one aligned row per crate."""
    rows = [("crate", "version", "outcome", "seconds")]
    rows += [(r.crate, r.version, r.outcome, "-" if r.seconds is None else f"{r.seconds:.1f}")
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"  {a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d:>7}".rstrip()
                     for a, b, c, d in rows)


def incomplete_report(results: Sequence[CrateResult], what: str, *, why: str = "",
                      resume: str = "") -> str:
    """The message of a run that did not put every crate on the registry: the account of
    every crate, and the command that resumes (``resume``; else a re-run's flag)."""
    def names(*outcomes: Outcome) -> str:
        return ", ".join(r.crate for r in results if r.outcome in outcomes) or "none"

    lines = [f"{what} is incomplete{f' ({why})' if why else ''}.",
             f"  published:        {names('published')}",
             f"  already there:    {names('already published')}",
             f"  failed:           {names('failed')}",
             f"  not attempted:    {names('not attempted')}"]
    for outcome in ("interrupted", "not started"):
        if any(r.outcome == outcome for r in results):
            lines.append(f"  {outcome + ':':<18}{names(outcome)}")
    lines += ["", summary_table(results), ""]
    for result in results:
        if result.outcome in ("failed", "not attempted", "interrupted"):
            detail = result.detail.replace("\n", "\n      ")
            lines.append(f"  - {result.crate} {result.outcome}: {detail}")
    if resume:
        lines.append("A re-run asks the registry before each crate and publishes exactly what "
                     f"is missing.\nto resume: {resume}")
    else:
        lines.append("Fix the cause, then re-run with --on-duplicate=skip: it publishes exactly "
                     "what is missing.")
    return "\n".join(lines)
