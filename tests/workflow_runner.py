"""Run a GitHub Actions workflow on this machine, the way a GitHub-hosted runner runs it.

For the executed-workflow test (:mod:`tests.integration.test_executed_workflow`): the
workflow file is read from the pushed ref of the repository ``origin``, and its jobs run in
``needs`` order. Each job whose ``if:`` holds (``success()`` when it has none; ``always()``,
``cancelled()``, ``failure()``, ``&&``, ``||``, ``!``, ``==``, ``!=`` and parentheses as
GitHub reads them) gets:

* a runner of its own, so jobs that need nothing of each other run at once (as on GitHub),
  and a fresh workspace there (``WORK/JOB/_work/NAME/NAME``, the path a runner gives it);
  ``actions/checkout`` clones ``origin`` there with every tag and checks the ref out;
* a fresh virtual environment with pip and nothing else, first on ``PATH``, standing for
  the runner's Python: what the job's steps install is all it has. Interpreters and tools
  of other virtual environments (this test's own) are taken off ``PATH``; npm's global
  prefix is the job's own (``npm install --global`` never touches this machine's npm);
* each ``run:`` step under ``bash -e`` (GitHub's default shell; ``continue-on-error``
  honoured), in the workspace, with the
  workflow's, the job's and the step's ``env:``, ``${{ ... }}`` evaluated over ``github``,
  ``inputs``, ``env``, ``secrets``, ``needs``, ``steps``, ``matrix`` and ``runner``, and
  ``GITHUB_OUTPUT``, ``GITHUB_ENV``, ``GITHUB_PATH`` and ``GITHUB_STEP_SUMMARY`` honoured;
* a job with a ``strategy.matrix`` (``include`` entries, or the product of its keys) run
  once per cell, each with its ``matrix`` context, its ``runs-on`` and a workspace of its
  own; a cell whose runner is not this machine (``macos-latest``, ``windows-latest``,
  ``ubuntu-24.04-arm`` on an x86_64 Linux) is skipped with a note, as :attr:`JobRun.cells`
  records. The job succeeds when every cell that ran succeeded;
* ``uses:`` steps mapped to what they do here: ``actions/checkout`` clones;
  ``actions/upload-artifact`` and ``actions/download-artifact`` keep a run's artifacts in
  ``WORK/_artifacts/N`` (``name``/``pattern``, ``path``, ``merge-multiple``,
  ``if-no-files-found``); what cells on other runners would have uploaded can be handed to
  :meth:`WorkflowRunner.run` as ``uploaded``;
  ``actions/setup-python``, ``actions/setup-node``, ``ruby/setup-ruby``,
  ``oven-sh/setup-bun``, ``dtolnay/rust-toolchain`` and ``actions/cache`` are no-ops with a
  note (the machine has the toolchains; there is no cache between jobs but uv's and cargo's
  own); any other action is skipped with a note.

Trusted publishing (:meth:`WorkflowRunner.offer_id_tokens`): a job whose ``permissions``
grant ``id-token: write`` (and no other) gets ``ACTIONS_ID_TOKEN_REQUEST_URL``/``_TOKEN`` of
an OIDC token service stand-in, whose tokens name the runner's repository, the workflow at
the run's ref and the job's ``environment``. ``rust-lang/crates-io-auth-action`` and
``rubygems/configure-rubygems-credentials`` make the requests the actions make, to the
stand-ins of their public hosts, and leave what the actions leave (the ``token`` output;
``GEM_HOST_API_KEY`` and its siblings through ``GITHUB_ENV``, and a gem credentials file,
under the job's ``RUNNER_TEMP`` here: a job has no home directory of its own).

``actions/checkout`` honours ``ref`` and ``fetch-depth``. GitHub's API is what the runner's
``GITHUB_API_URL`` names (the caller passes a stand-in's) with ``github.token``; ``gh`` is a
recorder on ``PATH``. What a job prints, the notes included, is kept in its :class:`JobRun`
and written to ``WORK/_logs/REF/JOB.log``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from release_tasks.standins.oidc import Identity, OidcIssuer
from tests.registries import oidc_clients

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
#: Actions whose work the machine has already done (the toolchains are installed).
NO_OPS = {"actions/setup-python": "Python: the job's fresh virtual environment",
          "actions/setup-node": "node and npm from the machine",
          "ruby/setup-ruby": "ruby, bundler and rake from the machine",
          "oven-sh/setup-bun": "bun from the machine",
          "dtolnay/rust-toolchain": "cargo from the machine",
          "actions/cache": "no cache between jobs but uv's and cargo's own"}
#: The ``runs-on`` labels this machine stands for (an x86_64 Linux, like GitHub's
#: ``ubuntu-latest``); any other runner's cells are skipped.
THIS_MACHINE = frozenset({"ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04"})
ARTIFACT_ACTIONS = ("actions/upload-artifact", "actions/download-artifact")
#: Actions of trusted publishing, done here as they do it (see the module docstring).
TRUST_ACTIONS = ("rust-lang/crates-io-auth-action", "rubygems/configure-rubygems-credentials")
#: What a job granted ``id-token: write`` has, and no other job.
ID_TOKEN_VARIABLES = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
STEP_TIMEOUT = 900
#: Jobs at once (GitHub starts every job whose needs are done; this machine is smaller).
PARALLEL_JOBS = 3
GH_STUB = """#!/bin/sh
# gh: recorded, not sent to GitHub. `gh release view` says there is no release yet.
printf '%s\\n' "gh $*" >> "$RUNNER_GH_CALLS"
[ "$1 $2" = "release view" ] && exit 1
exit 0
"""


# --- expressions -------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>&&|\|\||==|!=|"
                    r"<=|>=|[()!<>,])|(?P<name>[A-Za-z_][\w.*-]*))")


def _tokens(text: str) -> list[tuple[str, str]]:
    found, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"cannot read the expression at {text[pos:]!r} in {text!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return found


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class Expression:
    """One ``${{ }}`` expression over ``contexts`` (GitHub's semantics for what it uses)."""

    def __init__(self, text: str, contexts: Mapping[str, Any],
                 functions: Mapping[str, Any]) -> None:
        self.tokens, self.pos = _tokens(text), 0
        self.contexts, self.functions, self.text = contexts, functions, text
        self.called: set[str] = set()

    def value(self) -> Any:
        result = self._or()
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos][1]!r} in {self.text!r}")
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._compare()
        while self._peek() == "&&":
            self._take()
            right = self._compare()
            left = right if truthy(left) else left
        return left

    def _compare(self) -> Any:
        left = self._unary()
        while self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._unary()
            same = as_text(left).lower() == as_text(right).lower()
            left = same if op == "==" else not same
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            inner = self._or()
            assert self._take()[1] == ")", self.text
            return inner
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind != "name":
            raise ValueError(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take()
            self.called.add(text)
            return self.functions[text](*args)
        root, *rest = text.split(".")
        if root not in self.contexts:
            raise ValueError(f"no context {root!r} for {text!r}")
        node: Any = self.contexts[root]
        for part in rest:  # property names ignore case, as in GitHub's contexts
            if not isinstance(node, Mapping):
                return None
            node = next((v for k, v in node.items() if str(k).lower() == part.lower()), None)
        return node


def evaluate(text: str, contexts: Mapping[str, Any],
             functions: Mapping[str, Any] | None = None) -> tuple[Any, set[str]]:
    """The value of expression ``text``, and the functions it called."""
    expr = Expression(text, contexts, functions or {})
    return expr.value(), expr.called


def substitute(text: str, contexts: Mapping[str, Any]) -> str:
    """``text`` with every ``${{ ... }}`` replaced by its value."""
    return _EXPR.sub(lambda m: as_text(evaluate(m.group(1), contexts)[0]), text)


# --- runs --------------------------------------------------------------------------------------

@dataclass
class JobRun:
    """What one job did: ``success``, ``failure`` or ``skipped``, its outputs and its log."""

    name: str
    result: str
    outputs: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: A matrix job's cells, by their values (``platform=linux-x86_64``), and each one's
    #: result (``skipped`` for a runner that is not this machine).
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.log)


@dataclass
class Run:
    """One run of the workflow."""

    jobs: dict[str, JobRun]
    gh_calls: list[str]

    def results(self) -> dict[str, str]:
        return {name: job.result for name, job in self.jobs.items()}

    def ran(self) -> list[str]:
        return [name for name, job in self.jobs.items() if job.result != "skipped"]

    def timing(self) -> str:
        """Each job's duration, on one line."""
        return ", ".join(f"{name} {job.seconds:.1f} s" for name, job in self.jobs.items())

    def report(self) -> str:
        """Every job's result, and the log of each that failed, for an assertion's message."""
        return "\n\n".join(f"=== {name}: {job.result}" + (f"\n{job.text}" if job.result ==
                                                           "failure" else "")
                           for name, job in self.jobs.items())


def job_order(jobs: Mapping[str, Any]) -> list[str]:
    """The jobs in ``needs`` order (a job after everything it needs), else file order."""
    order: list[str] = []
    pending = list(jobs)
    while pending:
        ready = [j for j in pending if all(n in order for n in needs_of(jobs[j]))]
        assert ready, f"a needs cycle among {pending}"
        order.append(ready[0])
        pending.remove(ready[0])
    return order


def needs_of(job: Mapping[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def matrix_cells(job: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The cells of a job's ``strategy.matrix`` (None: the job has none): the product of its
    keys, then each ``include`` entry added to every cell it agrees with or as a cell of its
    own, less what ``exclude`` names."""
    matrix = (job.get("strategy") or {}).get("matrix")
    if not matrix:
        return None
    keys = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    cells: list[dict[str, Any]] = [{}]
    for key, values in keys.items():
        cells = [{**cell, key: value} for cell in cells for value in values]
    if not keys:
        cells = []
    for entry in matrix.get("exclude") or []:
        cells = [c for c in cells if any(c.get(k) != v for k, v in entry.items())]
    for entry in matrix.get("include") or []:
        matching = [c for c in cells if all(c.get(k, v) == v for k, v in entry.items()
                                            if k in keys)]
        if keys and matching:
            for cell in matching:
                cell.update(entry)
        else:
            cells.append(dict(entry))
    return cells


def cell_label(cell: Mapping[str, Any]) -> str:
    """A cell by its values, as GitHub names it (``linux-x86_64, ubuntu-latest``)."""
    return ", ".join(as_text(v) for v in cell.values())


def clean_path(path: str) -> str:
    """``PATH`` without the directories of virtual environments (this test's own, pyenv's
    shims): a job's Python is its own environment and nothing else."""
    kept = []
    for entry in path.split(os.pathsep):
        where = Path(entry)
        if not entry or (where.parent / "pyvenv.cfg").is_file() or "shims" in where.parts:
            continue
        kept.append(entry)
    return os.pathsep.join(dict.fromkeys(kept))


class WorkflowRunner:
    """Runs the workflow ``workflow`` (a path in the repository) of ``origin``."""

    #: Trusted publishing, once :meth:`offer_id_tokens` is called: the OIDC token service,
    #: and the stand-in of each public host the trusted-publishing actions call.
    oidc: OidcIssuer | None = None
    public_hosts: Mapping[str, str] = MappingProxyType({})

    def __init__(self, *, origin: Path, work: Path, env: Mapping[str, str],
                 secrets: Mapping[str, str], python: str, repository: str,
                 token: str = "github-token-for-tests",
                 workflow: str = ".github/workflows/release.yml") -> None:
        self.origin, self.work, self.secrets = origin, work, dict(secrets)
        self.base_env = dict(env)
        self.python, self.repository, self.workflow = python, repository, workflow
        self.token = token
        # Found here, once: sysconfig, which uv's finder reads, is not safe to first read
        # from several threads at once.
        self.uv = find_uv()
        self.name = repository.rsplit("/", 1)[-1]
        stubs = work / "_tools"
        stubs.mkdir(parents=True, exist_ok=True)
        (stubs / "gh").write_text(GH_STUB, encoding="utf-8")
        (stubs / "gh").chmod(0o755)
        self.gh_calls = work / "_tools" / "gh-calls.txt"
        self.base_path = os.pathsep.join([str(stubs), clean_path(self.base_env.get("PATH", ""))])
        self.runs = 0
        self.artifacts = work / "_artifacts" / "0"

    def run(self, ref: str, *, inputs: Mapping[str, Any] | None = None,
            uploaded: Mapping[str, Sequence[Path]] | None = None) -> Run:
        """The workflow at tag ``ref`` (a push of the tag), job after job. ``uploaded``: the
        artifacts, by name, that cells on runners this machine is not would upload."""
        self.runs += 1
        self.artifacts = self.work / "_artifacts" / str(self.runs)
        shutil.rmtree(self.artifacts, ignore_errors=True)
        self.artifacts.mkdir(parents=True)
        for name, paths in (uploaded or {}).items():
            (self.artifacts / name).mkdir()
            for path in paths:
                shutil.copy2(path, self.artifacts / name / Path(path).name)
        text = subprocess.run(["git", "-C", str(self.origin), "show", f"{ref}:{self.workflow}"],
                              check=True, capture_output=True, text=True).stdout
        data = yaml.safe_load(text)
        sha = subprocess.run(["git", "-C", str(self.origin), "rev-parse", f"{ref}^{{commit}}"],
                             check=True, capture_output=True, text=True).stdout.strip()
        github = {"ref": f"refs/tags/{ref}", "ref_name": ref, "ref_type": "tag", "sha": sha,
                  "event_name": "push", "repository": self.repository,
                  "token": self.token}
        workflow_env = {k: as_text(v) for k, v in (data.get("env") or {}).items()}
        self.gh_calls.unlink(missing_ok=True)
        jobs: Mapping[str, Any] = data["jobs"]
        runs: dict[str, JobRun] = {}
        running: dict[Future[JobRun], str] = {}
        pending = job_order(jobs)
        with ThreadPoolExecutor(PARALLEL_JOBS) as pool:
            while pending or running:
                for name in [n for n in pending if all(d in runs for d in needs_of(jobs[n]))]:
                    pending.remove(name)
                    running[pool.submit(self._timed, name, jobs[name], dict(runs), github,
                                        dict(inputs or {}), workflow_env)] = name
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    runs[running.pop(future)] = future.result()
        calls = (self.gh_calls.read_text(encoding="utf-8").splitlines()
                 if self.gh_calls.is_file() else [])
        return Run({name: runs[name] for name in job_order(jobs)}, calls)

    def workspace(self, job: str) -> Path:
        """Where the job's runner checks the repository out."""
        return self.work / job / "_work" / self.name / self.name

    def _timed(self, name: str, job: Mapping[str, Any], runs: Mapping[str, JobRun],
               github: Mapping[str, Any], inputs: dict[str, Any],
               workflow_env: Mapping[str, str]) -> JobRun:
        start = time.monotonic()
        cells = matrix_cells(job)
        if cells is None:
            run = self._job(name, job, runs, {**github, "workspace": str(self.workspace(name))},
                            inputs, workflow_env)
        else:
            run = self._matrix(name, job, cells, runs, github, inputs, workflow_env)
        run.seconds = time.monotonic() - start
        logs = self.work / "_logs" / github["ref_name"]
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"{name}.log").write_text(f"{run.result}\n{run.text}\n", encoding="utf-8")
        return run

    def _matrix(self, name: str, job: Mapping[str, Any], cells: Sequence[Mapping[str, Any]],
                runs: Mapping[str, JobRun], github: Mapping[str, Any], inputs: dict[str, Any],
                workflow_env: Mapping[str, str]) -> JobRun:
        """Each cell of a matrix job, one after the other, on its own runner's workspace."""
        run = JobRun(name, "skipped")
        for number, cell in enumerate(cells, 1):
            label = cell_label(cell)
            runner = substitute(as_text(job.get("runs-on", "")), {"matrix": cell,
                                                                 "github": github})
            if runner not in THIS_MACHINE:
                run.cells[label] = "skipped"
                run.log.append(f"=== cell ({label}): skipped, runs on {runner} (this machine "
                               "is an x86_64 Linux runner)")
                continue
            workspace = self.work / f"{name}-{number}" / "_work" / self.name / self.name
            done = self._job(name, job, runs, {**github, "workspace": str(workspace)}, inputs,
                             workflow_env, matrix=cell, home=f"{name}-{number}")
            run.cells[label] = done.result
            run.log.append(f"=== cell ({label}) on {runner}: {done.result}")
            run.log.extend(done.log)
        ran = [result for result in run.cells.values() if result != "skipped"]
        run.result = ("skipped" if not ran else "failure" if "failure" in ran else "success")
        return run

    # -- one job ----------------------------------------------------------------------------

    def _job(self, name: str, job: Mapping[str, Any], runs: Mapping[str, JobRun],
             github: Mapping[str, Any], inputs: dict[str, Any],
             workflow_env: Mapping[str, str], *, matrix: Mapping[str, Any] | None = None,
             home: str | None = None) -> JobRun:
        needs = needs_of(job)
        results = [runs[n].result for n in needs]
        needs_ctx = {n: {"result": runs[n].result, "outputs": runs[n].outputs} for n in needs}
        contexts: dict[str, Any] = {"github": github, "inputs": inputs, "needs": needs_ctx,
                                    "secrets": self.secrets, "env": dict(workflow_env),
                                    "matrix": dict(matrix or {}),
                                    "runner": {"os": "Linux", "arch": "X64"},
                                    "vars": {}}
        if not self._condition(job.get("if"), contexts, results):
            return JobRun(name, "skipped", log=[f"(skipped: if: {job.get('if')!r})"])
        run = JobRun(name, "success")
        if "environment" in job:
            run.log.append(f"note: environment {job['environment']!r}: its secrets are the "
                           "runner's secrets here")
        temp, workspace = self.work / (home or name) / "_temp", Path(github["workspace"])
        shutil.rmtree(temp, ignore_errors=True)
        shutil.rmtree(workspace, ignore_errors=True)
        temp.mkdir(parents=True)
        workspace.mkdir(parents=True)
        venv = temp / "python"
        self._make_venv(venv)
        env_file, path_file = temp / "env", temp / "path"
        env_file.touch()
        path_file.touch()
        self._seat(github, job, temp, contexts)  # trusted publishing: the job's OIDC identity
        job_env = {**workflow_env, **{k: substitute(as_text(v), contexts)
                                      for k, v in (job.get("env") or {}).items()}}
        contexts["env"] = job_env
        steps: dict[str, Any] = {}
        contexts["steps"] = steps
        timeout = min(STEP_TIMEOUT, 60 * int(job.get("timeout-minutes", 15)))
        failed = False
        for number, step in enumerate(job.get("steps", []), 1):
            label = step.get("name") or step.get("uses") or str(step.get("run", "")).split("\n")[0]
            condition = step.get("if")
            if failed and not (condition and re.search(r"always\(\)|failure\(\)", condition)):
                run.log.append(f"--- step {number} ({label}): skipped, an earlier step failed")
                continue
            if condition is not None and not self._condition(condition, contexts, [],
                                                             failed=failed):
                run.log.append(f"--- step {number} ({label}): skipped (if: {condition})")
                continue
            run.log.append(f"--- step {number}: {label}")
            if "uses" in step:
                if self._uses(step, github, run, workspace, contexts) is False:
                    run.log.append(f"--- step {number} failed")
                    failed = True
                    run.result = "failure"
                continue
            outputs = temp / f"output-{number}"
            outputs.touch()
            env = self._step_env(job_env, env_file, path_file, venv, github, temp, outputs)
            env["GITHUB_WORKSPACE"] = str(workspace)
            env.update({k: substitute(as_text(v), contexts)
                        for k, v in (step.get("env") or {}).items()})
            script = substitute(str(step["run"]), contexts)
            start = time.monotonic()
            code, out = self._bash(script, env, timeout, workspace)
            run.log.append(out.rstrip())
            run.log.append(f"--- step {number}: {time.monotonic() - start:.1f} s")
            if "id" in step:
                steps[step["id"]] = {"outputs": read_pairs(outputs), "outcome":
                                     "success" if code == 0 else "failure"}
            if code != 0:
                run.log.append(f"--- step {number} failed with exit code {code}")
                if truthy(substitute(as_text(step.get("continue-on-error", False)), contexts)
                          not in ("", "false")):
                    run.log.append(f"--- step {number}: continue-on-error, the job goes on")
                    continue
                failed = True
                run.result = "failure"
        for key, value in (job.get("outputs") or {}).items():
            run.outputs[key] = substitute(as_text(value), contexts)
        return run

    def _condition(self, condition: Any, contexts: Mapping[str, Any], results: Sequence[str],
                   *, failed: bool = False) -> bool:
        """An ``if:``; with no status function in it, ``success() && (...)``."""
        def success() -> bool:
            return all(r == "success" for r in results) and not failed

        def failure() -> bool:
            return any(r == "failure" for r in results) or failed

        functions = {"success": success, "failure": failure, "always": lambda: True,
                     "cancelled": lambda: False}
        if condition is None:
            return success()
        text = str(condition).strip()
        text = _EXPR.fullmatch(text).group(1) if _EXPR.fullmatch(text) else text  # type: ignore[union-attr]
        value, called = evaluate(text, contexts, functions)
        if not called & set(functions):
            return success() and truthy(value)
        return truthy(value)

    def _make_venv(self, venv: Path) -> None:
        """A virtual environment with pip and nothing else (setup-python's Python)."""
        if self.uv is not None:
            subprocess.run([self.uv, "venv", "--quiet", "--seed", "--python", self.python,
                            str(venv)], check=True, capture_output=True)
        else:
            subprocess.run([self.python, "-m", "venv", str(venv)], check=True,
                           capture_output=True)

    def _uses(self, step: Mapping[str, Any], github: Mapping[str, Any], run: JobRun,
              workspace: Path, contexts: Mapping[str, Any]) -> bool | None:
        """What the action does here; False when it failed."""
        action = str(step["uses"]).split("@")[0]
        if action in TRUST_ACTIONS:
            return self._trust_action(action, step, github, run, contexts)
        if action in ARTIFACT_ACTIONS:
            inputs = {k: substitute(as_text(v), contexts)
                      for k, v in (step.get("with") or {}).items()}
            return self._artifact(action, inputs, workspace, run)
        if action == "actions/checkout":
            inputs = {k: substitute(as_text(v), contexts)
                      for k, v in (step.get("with") or {}).items() if k in ("ref", "fetch-depth")}
            depth = inputs.get("fetch-depth", "1")
            ref = inputs.get("ref") or github["sha"]
            shutil.rmtree(workspace, ignore_errors=True)
            argv = ["git", "clone", "--quiet", "--no-checkout"]
            if str(depth) != "0":
                argv += ["--depth", str(depth)]  # (the generated workflow always says 0)
            subprocess.run([*argv, self.origin.as_uri(), str(workspace)], check=True,
                           capture_output=True)
            subprocess.run(["git", "-C", str(workspace), "checkout", "--quiet", "--detach",
                            ref], check=True, capture_output=True)
            shown = inputs.get("ref") or github["ref_name"]
            run.log.append(f"note: {action}: cloned {self.origin.name} at {shown} "
                           f"(fetch-depth {depth})")
        elif action in NO_OPS:
            run.log.append(f"note: {action}: no-op ({NO_OPS[action]})")
        else:
            run.log.append(f"note: {action}: skipped (no local equivalent)")
        return None

    def _artifact(self, action: str, inputs: Mapping[str, str], workspace: Path,
                  run: JobRun) -> bool:
        """``upload-artifact``: the files under ``path`` kept as ``name``;
        ``download-artifact``: ``name`` (or every one ``pattern`` matches) into ``path``,
        each in a folder of its name unless ``merge-multiple``."""
        if action == "actions/upload-artifact":
            name, found = inputs["name"], []
            for line in inputs.get("path", "").splitlines():
                where = workspace / line.strip()
                if where.is_dir():
                    found += [(p, p.relative_to(where)) for p in sorted(where.rglob("*"))
                              if p.is_file()]
                else:
                    found += [(p, Path(p.name)) for p in sorted(where.parent.glob(where.name))
                              if p.is_file()]
            if not found:
                run.log.append(f"note: {action}: no files at {inputs.get('path')!r}")
                return inputs.get("if-no-files-found", "warn") != "error"
            if (self.artifacts / name).exists():
                run.log.append(f"note: {action}: an artifact {name!r} exists already")
                return False
            for path, rel in found:
                (self.artifacts / name / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, self.artifacts / name / rel)
            run.log.append(f"note: {action}: {name} ({len(found)} files)")
            return True
        if "name" in inputs:
            names = [inputs["name"]] if (self.artifacts / inputs["name"]).is_dir() else []
            if not names:
                run.log.append(f"note: {action}: no artifact {inputs['name']!r}")
                return False
        else:
            names = sorted(p.name for p in self.artifacts.glob(inputs.get("pattern", "*")))
        into = workspace / inputs.get("path", ".")
        merge = truthy(inputs.get("merge-multiple", "false") not in ("", "false"))
        for name in names:
            target = into if merge or "name" in inputs else into / name
            shutil.copytree(self.artifacts / name, target, dirs_exist_ok=True)
        run.log.append(f"note: {action}: {', '.join(names) or 'no artifact'} into "
                       f"{inputs.get('path', '.')}")
        return True

    def _step_env(self, job_env: Mapping[str, str], env_file: Path, path_file: Path,
                  venv: Path, github: Mapping[str, Any], temp: Path,
                  outputs: Path) -> dict[str, str]:
        added_path = [line for line in path_file.read_text(encoding="utf-8").splitlines() if line]
        env = {**self.base_env, **job_env, **read_pairs(env_file)}
        # `npm install --global` (a job's npm upgrade) goes to the job's own prefix, as on a
        # fresh runner: never into this machine's npm, which other tests use.
        npm_global = temp / "npm-global"
        env.update({
            "NPM_CONFIG_PREFIX": str(npm_global),
            "PATH": os.pathsep.join([*reversed(added_path), str(venv / "bin"),
                                     str(npm_global / "bin"), self.base_path]),
            "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(temp), "RUNNER_GH_CALLS": str(self.gh_calls),
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_REF": github["ref"], "GITHUB_REF_NAME": github["ref_name"],
            "GITHUB_REF_TYPE": github["ref_type"], "GITHUB_SHA": github["sha"],
            "GITHUB_EVENT_NAME": github["event_name"], "GITHUB_OUTPUT": str(outputs),
            "GITHUB_ENV": str(env_file), "GITHUB_PATH": str(path_file),
            "GITHUB_STEP_SUMMARY": str(temp / "summary.md"),
        })
        for name in ID_TOKEN_VARIABLES:  # never from this machine: only from the job's grant
            env.pop(name, None)
        env.update(self._id_token_env(github))
        return env

    # -- trusted publishing -----------------------------------------------------------------

    def offer_id_tokens(self, issuer: OidcIssuer, public_hosts: Mapping[str, str]) -> None:
        """Jobs granted ``id-token: write`` get tokens of ``issuer``; the trusted-publishing
        actions call ``public_hosts[URL]`` where they would call ``URL`` (e.g.
        ``https://crates.io``)."""
        self.oidc, self.public_hosts = issuer, dict(public_hosts)
        self._identities: dict[str, dict[str, str]] = {}
        self._temps: dict[str, Path] = {}
        self._granted: dict[str, str | None] = {}

    def identity(self, ref: str, environment: str | None) -> Identity:
        """Who a job of this runner is, in its ID tokens: the repository, the workflow at
        ``ref`` (a tag), the job's environment."""
        return Identity(repository=self.repository, workflow=Path(self.workflow).name,
                        environment=environment, ref=f"refs/tags/{ref}")

    def _seat(self, github: Mapping[str, Any], job: Mapping[str, Any], temp: Path,
              contexts: Mapping[str, Any]) -> None:
        """The job's OIDC identity, when its ``permissions`` grant ``id-token: write``
        (``write-all`` does too); the workflow's own ``permissions`` are not read (the
        generated workflow grants it per job)."""
        if self.oidc is None:
            return
        key = str(github["workspace"])
        self._temps[key] = temp
        self._identities.pop(key, None)
        self._granted.pop(key, None)
        permissions = job.get("permissions")
        granted = permissions == "write-all" or (
            isinstance(permissions, Mapping) and permissions.get("id-token") == "write")
        if not granted:
            return
        environment = job.get("environment")
        if isinstance(environment, Mapping):
            environment = environment.get("name")
        named = substitute(as_text(environment), contexts) if environment else None
        self._identities[key] = self.oidc.job_env(self.identity(github["ref_name"], named))
        self._granted[key] = named

    def id_token_jobs(self) -> dict[str, str | None]:
        """The jobs (of the last run) given an OIDC identity, each with its environment."""
        if self.oidc is None:
            return {}
        return {Path(key).relative_to(self.work).parts[0]: environment
                for key, environment in self._granted.items()}

    def _id_token_env(self, github: Mapping[str, Any]) -> dict[str, str]:
        if self.oidc is None:
            return {}
        return dict(self._identities.get(str(github["workspace"]), {}))

    def _trust_action(self, action: str, step: Mapping[str, Any], github: Mapping[str, Any],
                      run: JobRun, contexts: Mapping[str, Any]) -> bool:
        """``rust-lang/crates-io-auth-action`` or ``rubygems/configure-rubygems-credentials``:
        the requests each makes (:mod:`tests.registries.oidc_clients`), to the stand-in of its
        host, and what it leaves to the next steps."""
        inputs = {k: substitute(as_text(v), contexts) for k, v in (step.get("with") or {}).items()}
        env = self._id_token_env(github)
        outputs: dict[str, str] = {}
        try:
            if not env:
                raise oidc_clients.ExchangeRefused(
                    "no ACTIONS_ID_TOKEN_REQUEST_URL: the job needs `permissions: id-token: "
                    "write`")
            if action == "rust-lang/crates-io-auth-action":
                url = (inputs.get("url") or "https://crates.io").rstrip("/")
                audience = re.sub(r"^https?://", "", url)
                token = oidc_clients.crates_io_auth_action(env, self._host(url), audience)
                outputs["token"] = token
                run.log.append(f"note: {action}: a token from {url} (here {self._host(url)}) "
                               f"for audience {audience}; its post step (revoking the token) "
                               "is not run here")
            else:
                server = inputs.get("gem-server") or "https://rubygems.org"
                audience = inputs.get("audience") or "rubygems.org"
                key = oidc_clients.configure_rubygems_credentials(env, self._host(server),
                                                                  audience)
                self._rubygems_credentials(github, server, key)
                run.log.append(f"note: {action}: an API key from {server} (here "
                               f"{self._host(server)}) for audience {audience}, in "
                               "GEM_HOST_API_KEY, RUBYGEMS_API_KEY and BUNDLE_GEM__PUSH_KEY")
            outcome = "success"
        except (oidc_clients.ExchangeRefused, OSError, KeyError, ValueError) as exc:
            run.log.append(f"error: {action}: {exc}")
            outcome = "failure"
        if "id" in step:
            contexts["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome}
        if outcome == "success":
            return True
        if truthy(substitute(as_text(step.get("continue-on-error", False)), contexts)
                  not in ("", "false")):
            run.log.append(f"note: {action}: continue-on-error, the job goes on")
            return True
        return False

    def _host(self, url: str) -> str:
        return self.public_hosts.get(url.rstrip("/"), url)

    def _rubygems_credentials(self, github: Mapping[str, Any], server: str, key: str) -> None:
        """What the action does with the key: three variables for the next steps, and the
        key in a gem credentials file (under the job's RUNNER_TEMP: not this machine's)."""
        temp = self._temps[str(github["workspace"])]
        with (temp / "env").open("a", encoding="utf-8") as exported:
            for name in ("RUBYGEMS_API_KEY", "BUNDLE_GEM__PUSH_KEY", "GEM_HOST_API_KEY"):
                exported.write(f"{name}={key}\n")
        credentials = temp / "home" / ".gem" / "credentials"
        credentials.parent.mkdir(parents=True, exist_ok=True)
        entry = ":rubygems_api_key" if server == "https://rubygems.org" else server
        credentials.write_text(f"---\n{entry}: {key}\n", encoding="utf-8")
        credentials.chmod(0o600)

    def _bash(self, script: str, env: Mapping[str, str], timeout: int,
              workspace: Path) -> tuple[int, str]:
        try:
            done = subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  timeout=timeout, errors="replace")
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout if isinstance(exc.stdout, str) else ""
            return 124, f"{out}\n(timed out after {timeout} s)"
        return done.returncode, done.stdout


def find_uv() -> str | None:
    """uv of this test's Python (the ``uv`` package), else from PATH."""
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    return find_uv_bin()


def read_pairs(path: Path) -> dict[str, str]:
    """``NAME=value`` lines and ``NAME<<DELIMITER`` blocks, as GitHub reads its files."""
    pairs: dict[str, str] = {}
    lines: Iterator[str] = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            pairs[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


#: What a runner's network needs from this machine (a proxy, its certificates).
_NETWORK = re.compile(r"(?i)^(?:https?_proxy|no_proxy|all_proxy|ssl_cert_(?:file|dir)"
                      r"|node_extra_ca_certs|\w*_ca_bundle)$")


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    """What a runner's process starts with: this machine's PATH (no virtual environment on
    it), HOME, locale and network settings; no variable of this test's process else; then
    ``extra``."""
    kept = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "RUSTUP_HOME",
                     "RUSTUP_TOOLCHAIN") or _NETWORK.match(k)}
    kept["PATH"] = clean_path(kept.get("PATH", ""))
    return {**kept, **extra}


def base_python() -> str:
    """The interpreter behind this test's Python (its virtual environment's base)."""
    return getattr(sys, "_base_executable", sys.executable)
