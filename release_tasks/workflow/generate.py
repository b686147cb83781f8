"""``workflow``: the GitHub Actions release workflow of a repository, made from its config.

One plan job (every binding's next version as an output), the repository's pre-flight
checks, the crates job, one publish job per binding under its own name (its toolchain steps
and secret from its registry kind), and a summary. The jobs' text is in
:mod:`release_tasks.workflow.jobs`; this module decides what the config needs of it.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from release_tasks.config.load import CONFIG_FILE
from release_tasks.model.components import Config
from release_tasks.registries import kind_of
from release_tasks.registries.interface import RegistryKind
from release_tasks.workflow.jobs import (
    BindingJob,
    binding_job,
    crates_job,
    plan_job,
    preflight_job,
    rehearse_job,
    summary_job,
    triggers,
)
from release_tasks.workflow.matrix import ARTIFACTS, build_job, build_job_id, download_steps
from release_tasks.workflow.trust import binding_lane, core_lane

#: Where the workflow lives in the repository.
WORKFLOW_PATH = Path(".github") / "workflows" / "release.yml"


def binding_jobs(config: Config) -> list[BindingJob]:
    """Each binding's job: named after the binding, in config order."""
    jobs = []
    for binding in config.bindings:
        kind = kind_of(binding.registry)
        alone = [b.name for b in config.bindings if b.registry == binding.registry] == [
            binding.name]
        output = f"{binding.env_key.lower()}_version"
        slug = binding.registry.upper().replace("-", "_")  # as `versions --format env` names it
        rendered = (f"{binding.env_key}_{slug}_VERSION" if kind.rendering_form else None)
        environment = f"release-{kind.ci.environment}" + ("" if alone else f"-{binding.name}")
        version = f"${{{{ needs.plan.outputs.{output} }}}}"
        command = (f"nox -s {kind.alias} -- {version}" if alone and kind.alias
                   else f"nox -s publish -- {binding.name} {version}")
        if binding.platforms:  # what its build matrix made, checked by the gate
            command = f"nox -s publish -- {binding.name} {version} --artifacts {ARTIFACTS}"
        jobs.append(BindingJob(binding=binding, kind=kind, job=f"publish-{binding.name}",
                               output=output,
                               rendered_output=rendered.lower() if rendered else None,
                               rendered_key=f"NEXT_{rendered}" if rendered else None,
                               environment=environment, command=command,
                               lane=binding_lane(binding, kind, config.registries)))
    return jobs


def render(config: Config) -> str:
    """The whole workflow for ``config``."""
    jobs = binding_jobs(config)
    kinds = [kind_of(config.core.registry), *(job.kind for job in jobs)]
    env = {"PYTHON_VERSION": "3.12"}
    for kind in kinds:
        env.update(kind.ci.env)
    lanes = [core_lane(config, kinds[0]), *(job.lane for job in jobs)]
    secrets: dict[str, tuple[RegistryKind, list[str]]] = {}
    for kind, lane in zip(kinds, lanes, strict=True):
        names = [var for var, value in lane.env.items() if f"secrets.{lane.secret} " in value]
        if lane.secret and names:
            _, passed = secrets.setdefault(lane.secret, (kind, []))
            passed += [names[0]] if names[0] not in passed else []
    parts: list[Iterator[str]] = [
        header(config, secrets, [f"release-{k.ci.environment}" for k in dict.fromkeys(kinds)]),
        triggers(config, env),
        plan_job(jobs),
        preflight_job(),
        crates_job(config, kind_of(config.core.registry)),
        *(part for job in jobs for part in _binding_parts(job)),
        rehearse_job(list(dict.fromkeys(kinds))),
        summary_job(config, kind_of(config.core.registry), jobs),
    ]
    return "\n".join(line for part in parts for line in part).rstrip() + "\n"


def _binding_parts(job: BindingJob) -> list[Iterator[str]]:
    """A binding's jobs: its publish job; with declared platforms, its build matrix first,
    whose files the publish job gathers."""
    if not job.binding.platforms:
        return [binding_job(job)]
    return [build_job(job), binding_job(job, build_job_id(job), download_steps(job))]


def header(config: Config, secrets: Mapping[str, tuple[RegistryKind, list[str]]],
           environments: Sequence[str]) -> Iterator[str]:
    names = ", ".join(dict.fromkeys(kind.label for kind, _ in secrets.values()))
    yield f"# Publish a release of {config.project_name}: the Rust crates, then the bindings."
    yield "#"
    yield from _wrapped(
        f"Made from {source_name(config)} by `nox -s workflow` (registries: {names}); `nox -s "
        "workflow -- --check` says whether this file is still what the config makes: edit the "
        "config, not this file. Every stage runs as `nox -s STAGE -- ARGS`.",
        "How a release flows: a maintainer runs `nox -s release`, which commits the version "
        "bump and creates an annotated release tag carrying the plan; pushing the tag starts "
        "this workflow. At a release tag, `versions` and `detect` answer that plan: the "
        "versions the release commit holds, compared with the previous release tag. Nothing is "
        "bumped here.",
        "Re-running is always safe: every publish stage checks the registry first and skips "
        "what is already there (--on-duplicate=skip), and component tags are created "
        "idempotently. After a partial failure, re-run the failed jobs, or dispatch this "
        "workflow at the same tag.")
    yield "#"
    yield "# Secrets (repository or environment secrets):"
    for secret, (kind, variables) in secrets.items():
        passed = f" (passed as {', '.join(variables)})" if variables != [secret] else ""
        yield f"#   {secret:<22}{kind.ci.secret_help}{passed}"
    if not secrets:
        yield "#   none: every component publishes with trusted publishing"
    yield "#"
    yield from _wrapped(
        "Trusted publishing (OIDC), `trusted-publishing = true` for a component in "
        f"{CONFIG_FILE}: register this workflow and the job's environment as the package's "
        "trusted publisher on its registry (`nox -s trust` prints the form and what each "
        "package still needs), and leave its secret unset (on crates.io it only publishes a "
        "new crate's first version). The publish jobs have `id-token: write`; each first runs "
        "`nox -s doctor`, which fails before any build when the job's credential path is not "
        "the config's.",
        "Environments: each publish job runs in its own GitHub environment "
        f"({', '.join(environments)}; a registry with several bindings has one per binding, "
        "release-<registry>-<binding>). Create them under Settings > Environments: they can hold "
        "that job's secret, require a reviewer, and they are what a registry's "
        "trusted-publisher configuration names.")


def _wrapped(*paragraphs: str) -> Iterator[str]:
    """Comment paragraphs, wrapped, a ``#`` line between them."""
    for number, paragraph in enumerate(paragraphs):
        if number:
            yield "#"
        for line in textwrap.wrap(paragraph, 92, break_on_hyphens=False):
            yield f"# {line}"


def source_name(config: Config) -> str:
    """The config as a reader of the workflow knows it (never a path of this machine)."""
    return CONFIG_FILE if config.source.endswith(CONFIG_FILE) else f"the {config.source}"


def write(root: Path, config: Config, *, check: bool, path: Path | None = None) -> tuple[bool, str]:
    """Write the workflow (``check``: only compare); whether the file was current, and what
    to say: where it was written, or how the committed file differs."""
    target = path or root / WORKFLOW_PATH
    text = render(config)
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    shown = target.relative_to(root) if target.is_relative_to(root) else target
    if check:
        if current == text:
            return True, f"{shown} is current for {source_name(config)}"
        diff = "".join(difflib.unified_diff(
            (current or "").splitlines(keepends=True), text.splitlines(keepends=True),
            f"{shown} (committed)", f"{shown} (from {source_name(config)})"))
        return False, (f"{shown} is not what {source_name(config)} makes"
                       + (" (it does not exist)" if current is None else "")
                       + f"; run `nox -s workflow` and commit it.\n{diff}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return current == text, f"wrote {shown} for {source_name(config)}"
