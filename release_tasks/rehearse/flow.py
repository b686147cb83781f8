"""The rehearsal, step by step (see :mod:`release_tasks.rehearse`).

1. The four stand-ins start (:mod:`~release_tasks.rehearse.registries`); if one cannot,
   the rehearsal stops there, having done nothing else.
2. The repository is cloned at HEAD into the rehearsal's directory, on the main branch, with
   a bare repository of its own as ``origin``: what the release pushes goes there.
3. ``release --yes --push`` in the clone: the release commit and its tag, as a maintainer
   makes them. At a HEAD already released (a version carried forward), its tag is used.
4. The workflow's plan job: ``versions --check``, ``versions --format env``,
   ``detect --format env``.
5. The workflow's publish jobs, in its order (a binding with declared platforms first runs
   the cells of its build matrix that build on this machine: its platform, the Linux ones
   its registry cross-builds here, ``source``, npm's main package), with the commands
   :mod:`release_tasks.workflow` writes into it (``publish_crates -- --on-duplicate=skip
   --push-tags``, then each binding's ``nox -s ...`` command with the plan's versions): each
   runs ``python -m release_tasks`` with the session's arguments, in the clone, on the host's
   platform. A binding job runs only when the crates' job succeeded or had nothing to do, as
   in the workflow.
6. Every published package installed and loaded (:mod:`~release_tasks.rehearse.consumers`).

Then the stand-ins stop and the directory goes (``keep`` leaves it, and says where).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import release_tasks
from release_tasks import cmd
from release_tasks.errors import RehearsalError, ReleaseError
from release_tasks.git.tags import matches
from release_tasks.log import get_logger
from release_tasks.model import platforms
from release_tasks.model.components import Config
from release_tasks.registries.interface import RegistryKind
from release_tasks.rehearse import consumers, registries
from release_tasks.rehearse.registries import StandIns
from release_tasks.rehearse.report import Report
from release_tasks.workflow.generate import binding_jobs
from release_tasks.workflow.matrix import ARTIFACTS, matrix_cells

log = get_logger("rehearse")

_EXPR = re.compile(r"\$\{\{\s*needs\.plan\.outputs\.(\w+)\s*\}\}")
#: What the workflow appends to every publish command (without its dry-run expression).
PUBLISH_FLAGS = ("--on-duplicate=skip", "--push-tags")
IDENTITY = ("release-tasks rehearsal", "rehearsal@127.0.0.1")


@dataclass(frozen=True)
class Job:
    """One publish job of the workflow: its id, the stage and arguments it runs, and what a
    user then installs (``None``: a job whose output is not installed)."""

    job: str
    stage: str
    args: tuple[str, ...]
    registry: str
    package: str
    version: str
    #: The cells of the binding's build matrix, first: (platform, ``build`` arguments).
    builds: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The platforms its registry kind cross-builds on this machine.
    cross: frozenset[str] = frozenset()


def job_command(command: str, outputs: Mapping[str, str]) -> tuple[str, list[str]]:
    """``nox -s SESSION -- ARGS`` of the workflow, with the plan's outputs put in:
    ``(session, args)``."""
    words = shlex.split(_EXPR.sub(lambda m: outputs.get(m.group(1), ""), command))
    if words[:2] != ["nox", "-s"] or "--" not in words:
        raise RehearsalError(f"not a workflow publish command: {command!r}")
    return words[2], words[words.index("--") + 1:]


def publish_jobs(config: Config, env_lines: Mapping[str, str]) -> list[Job]:
    """The publish jobs whose condition holds for the plan, in the workflow's order."""
    jobs = []
    if env_lines.get("PUBLISH_CORE") == "true":
        jobs.append(Job("publish-crates", "publish_crates", PUBLISH_FLAGS, config.core.registry,
                        f"{len(config.core.crates)} crates", env_lines["NEXT_CORE_VERSION"]))
    for job in binding_jobs(config):
        version = env_lines.get(f"NEXT_{job.key}_VERSION", "unchanged")
        if version in ("", "unchanged"):
            continue
        outputs = {job.output: version}
        rendered = env_lines.get(job.rendered_key or "", version)
        if job.rendered_output:
            outputs[job.rendered_output] = rendered
        stage, args = job_command(job.command, outputs)
        builds = tuple((platform, (job.binding.name, version, "--platform", platform, "--out",
                                   ARTIFACTS)) for platform, _ in matrix_cells(job))
        jobs.append(Job(job.job, stage, (*args, *PUBLISH_FLAGS), job.binding.registry,
                        job.binding.package, rendered, builds, _cross_here(job.kind)))
    return jobs


def _built_here(platform: str, cross: frozenset[str]) -> bool:
    """Whether a build matrix cell runs on this machine: its own platform, one its kind
    cross-builds here, the source package, npm's main package; the others are built on
    their own runners."""
    try:
        here = platforms.host().name
    except platforms.UnknownPlatform:
        here = None
    return platform in (here, platforms.SOURCE, platforms.MAIN) or platform in cross


def _cross_here(kind: RegistryKind) -> frozenset[str]:
    try:
        return kind.cross_builds(platforms.host().name)
    except platforms.UnknownPlatform:
        return frozenset()


class Rehearsal:
    """One rehearsal of the release of ``root`` (see the module docstring)."""

    def __init__(self, root: Path, config: Config, env: Mapping[str, str], work: Path) -> None:
        self.root, self.config, self.work = root, config, work
        self.base_env = env
        self.clone = work / "repo"
        self.report = Report()
        self.env: dict[str, str] = {}

    def stage(self, *args: str) -> str:
        """``python -m release_tasks ARGS`` in the clone, as the workflow's sessions run it;
        its stdout."""
        return cmd.run([sys.executable, "-m", "release_tasks", *args], cwd=self.clone,
                       env=self.env, capture=True, prefix="rehearse").stdout

    def git(self, *args: str) -> str:
        return cmd.run(["git", "-C", str(self.clone), *args], env=self.env, capture=True,
                       echo=False).stdout.strip()

    def run(self) -> Report:
        report = self.report
        with ExitStack() as stack:
            with report.step("start the four stand-ins") as step:
                standins = stack.enter_context(
                    registries.running(self.work, self.config, self.base_env))
                self.env = self.environment(standins)
                step.detail = ", ".join(f"{k} {v}" for k, v in standins.urls().items())
            try:
                self.rehearse(standins)
            except ReleaseError as exc:
                log.error("rehearsal stopped: %s", exc)
        return report

    def environment(self, standins: StandIns) -> dict[str, str]:
        env = registries.environment(self.base_env, standins, self.config, self.work)
        # The same release_tasks as this run, whatever the clone's directory holds.
        package_root = str(Path(release_tasks.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH"))
                                            if p)
        name, email = IDENTITY
        env.update({"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                    "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email})
        return env

    def rehearse(self, standins: StandIns) -> None:
        report = self.report
        with report.step("clone at HEAD") as step:
            step.detail = self.make_clone()
        with report.step("release --yes --push") as step:
            tag = self.release()
            step.detail = tag or "nothing to release"
        if not tag:
            return
        with report.step("plan: versions --check, versions/detect --format env"):
            self.stage("versions", "--check")
            outputs = _env_lines(self.stage("versions", "--format", "env"))
            self.stage("detect", "--format", "env")
        done: list[Job] = []
        crates_failed = False
        for job in publish_jobs(self.config, outputs):
            name = f"{job.job}: {job.package} {job.version}"
            if job.job != "publish-crates" and crates_failed:
                report.skip(name, "publish-crates failed")
                continue
            try:
                self.build_cells(job)
                with report.step(name):
                    self.stage(job.stage, *job.args)
                done.append(job)
            except ReleaseError:
                crates_failed = crates_failed or job.job == "publish-crates"
        for job in done:
            installer = self.installer(job, standins)
            try:
                with report.step(f"install and load {job.package} {job.version}") as step:
                    step.detail = installer()
            except ReleaseError:
                continue

    def build_cells(self, job: Job) -> None:
        """The cells of the job's build matrix that run on this machine, into the directory
        its publish command names; the others are reported skipped (the publish's gate then
        says what is missing)."""
        # Each job of the workflow has a checkout of its own: no other binding's files here.
        shutil.rmtree(self.clone / ARTIFACTS, ignore_errors=True)
        for platform, args in job.builds:
            name = f"build-{args[0]} ({platform})"
            if not _built_here(platform, job.cross):
                self.report.skip(name, "built on its own runner in CI")
                continue
            with self.report.step(name):
                self.stage("build", *args)

    def make_clone(self) -> str:
        def source(*args: str) -> str:
            return cmd.run(["git", "-C", str(self.root), *args], env=self.env, capture=True,
                           echo=False).stdout.strip()

        head = source("rev-parse", "HEAD")
        cmd.run(["git", "clone", "--quiet", "--no-checkout", str(self.root), str(self.clone)],
                env=self.env, capture=True)
        branch = self.config.main_branch
        self.git("checkout", "--quiet", "-B", branch, head)
        origin = self.work / "origin.git"
        cmd.run(["git", "init", "--quiet", "--bare", str(origin)], env=self.env, capture=True)
        self.git("remote", "set-url", "origin", str(origin))
        self.git("push", "--quiet", "origin", branch)
        dirty = source("status", "--porcelain", "--untracked-files=no")
        note = "; uncommitted changes in the work tree are not part of it" if dirty else ""
        return f"{head[:12]} as {branch}{note}"

    def release(self) -> str | None:
        """The release tag the workflow would run at, or ``None`` when there is nothing to
        release."""
        out = self.stage("release", "--yes", "--push")
        tags = [t for t in self.git("tag", "--points-at", "HEAD").split()
                if matches(t, self.config.release_tag_patterns)]
        if not tags:
            log.info("%s", out.strip())
            return None
        return sorted(tags)[-1]

    def installer(self, job: Job, standins: StandIns) -> Callable[[], str]:
        """How a user installs and loads what ``job`` published, by its registry kind."""
        work, env, version, package = self.work, self.env, job.version, job.package
        crates = self.config.core.crates
        installs: dict[str, Callable[[], str]] = {
            "crates-io": lambda: consumers.crates(work, standins.cargo_name, crates, version,
                                                  env),
            "pypi": lambda: consumers.pypi(work, standins.pypi.url, package, version, env),
            "rubygems": lambda: consumers.rubygems(work, standins.gems.url, package, version,
                                                   env),
            "npm": lambda: consumers.npm(work, standins.npm.url, package, version, env),
        }
        found = installs.get(job.registry)
        if found is None:
            raise RehearsalError(f"no consumer for the {job.registry} registry kind")
        return found


def _env_lines(out: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in out.splitlines()
                if re.fullmatch(r"[A-Z0-9_]+=\S*", line))


def rehearse(root: Path, config: Config, env: Mapping[str, str], *, keep: bool = False,
             parent: Path | None = None) -> tuple[Report, Path | None]:
    """Rehearse the release of ``root``; the report, and the directory when ``keep``."""
    work = Path(tempfile.mkdtemp(prefix="release-tasks-rehearsal-", dir=parent))
    try:
        report = Rehearsal(root, config, env, work).run()
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return report, work if keep else None
