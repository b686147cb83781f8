"""The release workflow (``.github/workflows/release.yml``, made from the config by
``release_tasks.workflow.generate``), checked three ways, and the workflows of other configs with it.

1. actionlint (built from its Go module, pinned: ``.ci/run`` installs it; it runs offline):
   syntax, expressions, ``needs``, action inputs, and the runner labels GitHub offers today
   (``macos-15-intel``, ``windows-11-arm``). It is shown to report errors
   on a broken copy, so a linter that checks nothing cannot pass for a clean workflow.
2. Its shell steps, run by bash with ``nox`` and ``gh`` replaced by recorders: every
   ``nox -s STAGE -- ARGS`` names a session of the noxfile, and ARGS parse with the real CLI
   parser. The plan job's ``versions`` and ``detect`` run for real on a repository at a
   release tag, so its outputs are what CI would get.
3. Its structure: triggers, concurrency, checkouts, permissions, environments, secrets and
   the ``needs``/``if`` graph.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from release_tasks import cmd, release, sandbox
from release_tasks.config import load as config_mod
from release_tasks.git.repo import Repo
from release_tasks.project import open_project
from release_tasks.workflow import generate as workflow_mod
from release_tasks.workflow import requirement as workflow_requirement
from tests.support import IN_CI, RunCli, assert_parses
from tests.unit.test_workflow_render import CONFIGS

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
ACTIONLINT = "actionlint"
#: actionlint that knows today's runner labels (macos-15-intel, windows-11-arm).
ACTIONLINT_INSTALL = "go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
PUBLISH_JOBS = {"publish-crates": "publish_crates", "publish-ruby": "publish_ruby",
                "publish-python": "publish_python", "publish-typescript": "publish_typescript"}
BINDING_JOBS = {"publish-ruby": "ruby", "publish-python": "python",
                "publish-typescript": "typescript"}
SECRETS = {"publish-crates": {"CARGO_REGISTRY_TOKEN": "CARGO_REGISTRY_TOKEN"},
           "publish-ruby": {"GEM_HOST_API_KEY": "RUBYGEMS_API_KEY"},
           "publish-python": {"MATURIN_PYPI_TOKEN": "PYPI_TOKEN"},
           "publish-typescript": {"NPM_TOKEN": "NPM_TOKEN"}}
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_TERNARY = re.compile(r"^([\w.-]+) == '([^']*)' && '([^']*)' \|\| '([^']*)'$")


def load_workflow(text: str | None = None) -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8") if text is None else text)
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load_workflow()


# --- actionlint ----------------------------------------------------------------------------------

def actionlint(text: str, tmp_path: Path) -> list[dict[str, Any]]:
    """actionlint's findings for workflow ``text`` (its JSON report)."""
    program = shutil.which(ACTIONLINT)
    if program is None:
        message = f"actionlint is not installed: {ACTIONLINT_INSTALL}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    result = cmd.run([program, "-format", "{{json .}}", "-stdin-filename", "release.yml", "-"],
                     cwd=tmp_path, capture=True, check=False, timeout=120, input_text=text)
    assert result.returncode in (0, 1), result.stderr  # 1: findings; else: it could not run
    findings = json.loads(result.stdout)
    assert isinstance(findings, list)
    return findings


def test_actionlint_finds_nothing(tmp_path: Path) -> None:
    findings = actionlint(WORKFLOW.read_text(encoding="utf-8"), tmp_path)
    assert findings == [], "\n".join(f"{f['line']}:{f['column']} {f['message']} [{f['kind']}]"
                                     for f in findings)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_actionlint_finds_nothing_in_the_workflow_of_each_config(name: str,
                                                                 tmp_path: Path) -> None:
    findings = actionlint(workflow_mod.render(CONFIGS[name]()), tmp_path)
    assert findings == [], "\n".join(f"{f['line']}:{f['column']} {f['message']} [{f['kind']}]"
                                     for f in findings)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_publish_command_of_each_config_parses(name: str, tmp_path: Path) -> None:
    config = CONFIGS[name]()
    generated = load_workflow(workflow_mod.render(config))
    plan: dict[str, Any] = {"dry_run": "false", "publish_core": "true", "core_version": "0.1.9"}
    plan |= {f"{b.env_key.lower()}_version": "0.1.9.0" for b in config.bindings}
    context = Context({"needs": {"plan": {"outputs": plan, "result": "success"}},
                       "secrets": {}, "env": generated["env"], "github": {}, "inputs": {},
                       "steps": {}})
    runner = Runner(tmp_path)
    for job_name, job in generated["jobs"].items():
        if not job_name.startswith("publish-"):
            continue
        (step,) = [s for s in job["steps"] if "nox -s publish" in s.get("run", "")]
        runner.run(step, context, github("tag", "release-20261125-1930"))
        (call,) = runner.calls()
        session, args = nox_invocation(call)
        assert_parses(session, args)
        if job_name != "publish-crates":
            assert "0.1.9.0" in args
            assert session != "publish" or args[0] == job_name.removeprefix("publish-")


def test_every_build_command_of_a_matrix_parses(tmp_path: Path) -> None:
    config = CONFIGS["platforms"]()
    generated = load_workflow(workflow_mod.render(config))
    plan = {f"{b.env_key.lower()}_version": "0.1.9.0" for b in config.bindings}
    runner = Runner(tmp_path)
    built = []
    for job_name, job in generated["jobs"].items():
        if not job_name.startswith("build-"):
            continue
        for cell in job["strategy"]["matrix"]["include"]:
            context = Context({"needs": {"plan": {"outputs": plan, "result": "success"}},
                               "secrets": {}, "env": generated["env"], "github": {},
                               "inputs": {}, "matrix": cell})
            (step,) = [s for s in job["steps"] if "nox -s build" in s.get("run", "")]
            runner.run(step, context, github("tag", "release-20261125-1930"))
            (call,) = runner.calls()
            session, args = nox_invocation(call)
            assert_parses(session, args)
            built.append(args)
    assert built[:4] == [["python", "0.1.9.0", "--platform", p, "--out", "dist"] for p in (
        "linux-x86_64", "macos-arm64", "windows-x86_64", "source")]
    assert built[4:] == [["typescript", "0.1.9.0", "--platform", p, "--out", "dist"] for p in (
        "linux-x86_64", "linux-aarch64-musl", "macos-arm64", "main")]


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    broken = (WORKFLOW.read_text(encoding="utf-8")
              .replace("needs: [plan, preflight]", "needs: [plan, preflight-checks]", 1)
              .replace("needs.plan.outputs.ruby_version }}", "needs.plan.outputs.ruby_versoin }}")
              .replace("fetch-depth: 0", "fetch_depth: 0", 1)
              .replace("cancel-in-progress: false", "cancel-in-progress: maybe"))
    kinds = {f["kind"] for f in actionlint(broken, tmp_path)}
    assert {"job-needs", "expression", "action"} <= kinds, kinds


# --- running the shell steps ---------------------------------------------------------------------

class Context:
    """The values GitHub would substitute for ``${{ ... }}`` in one scenario."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def lookup(self, path: str) -> str:
        """A context value; like GitHub, a missing property is '' (a missing context is not)."""
        root, *rest = path.split(".")
        if root not in self.values:
            raise KeyError(f"no sample context {root!r} for {path!r}")
        node: Any = self.values[root]
        for part in rest:
            if not isinstance(node, Mapping) or part not in node:
                return ""
            node = node[part]
        return "" if node is None else str(node).lower() if isinstance(node, bool) else str(node)

    def evaluate(self, expression: str) -> str:
        """The few expression forms the workflow's run and env values use."""
        ternary = _TERNARY.match(expression)
        if ternary:
            left, right, then, otherwise = ternary.groups()
            return then if self.lookup(left) == right else otherwise
        if re.fullmatch(r"[\w.-]+", expression):
            return self.lookup(expression)
        if "||" in expression:  # the first operand that is not empty, as GitHub's `||`
            return next((value for part in expression.split("||")
                         if (value := self.evaluate(part.strip()))), "")
        raise AssertionError(f"expression too complex to check: {expression!r}")

    def substitute(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.evaluate(m.group(1)), text)


NOX_STUB = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["STUB_CALLS"], "a", encoding="utf-8") as calls:
    calls.write(json.dumps(["nox", *args]) + "\\n")
repo = os.environ.get("STUB_REPO")
if repo and "-s" in args and "--" in args and args[args.index("-s") + 1] in ("versions", "detect"):
    stage = args[args.index("-s") + 1]
    os.execv(sys.executable, [sys.executable, "-m", "release_tasks", stage,
                              *args[args.index("--") + 1:], "--repo", repo])
"""
GH_STUB = """#!{python}
import json, os, sys
with open(os.environ["STUB_CALLS"], "a", encoding="utf-8") as calls:
    calls.write(json.dumps(["gh", *sys.argv[1:]]) + "\\n")
sys.exit(0 if sys.argv[1:3] != ["release", "view"] or os.environ.get("STUB_RELEASE_EXISTS")
         else 1)
"""


class Runner:
    """Runs workflow steps with bash, as a GitHub-hosted runner would, with stubs on PATH."""

    def __init__(self, tmp: Path, repo: Path | None = None) -> None:
        self.tmp = tmp
        self.repo = repo
        self.calls_file = tmp / "calls.jsonl"
        stubs = tmp / "stubs"
        stubs.mkdir(parents=True)
        for name, text in (("nox", NOX_STUB), ("gh", GH_STUB)):
            stub = stubs / name
            stub.write_text(text.format(python=sys.executable), encoding="utf-8")
            stub.chmod(0o755)
        self.path = f"{stubs}{os.pathsep}{os.environ['PATH']}"

    def run(self, step: Mapping[str, Any], context: Context, github_env: Mapping[str, str],
            extra_env: Mapping[str, str] = {}) -> tuple[dict[str, str], str]:
        """Run one step; return what it wrote to ``$GITHUB_OUTPUT`` and to the summary."""
        output = self.tmp / "output"
        summary = self.tmp / "summary"
        output.write_text("", encoding="utf-8")
        summary.write_text("", encoding="utf-8")
        env = {**os.environ, **github_env, **extra_env, "PATH": self.path,
               "STUB_CALLS": str(self.calls_file), "PYTHONPATH": str(ROOT),
               "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
        if self.repo:
            env["STUB_REPO"] = str(self.repo)
        env.update({k: context.substitute(str(v)) for k, v in step.get("env", {}).items()})
        script = context.substitute(step["run"])
        cwd = self.repo or self.tmp
        cmd.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=cwd,
                env=env, capture=True)
        pairs = (line.partition("=") for line in output.read_text(encoding="utf-8").splitlines())
        return ({k: v for k, sep, v in pairs if sep},
                summary.read_text(encoding="utf-8"))

    def calls(self) -> list[list[str]]:
        if not self.calls_file.exists():
            return []
        lines = self.calls_file.read_text(encoding="utf-8").splitlines()
        self.calls_file.unlink()
        return [json.loads(line) for line in lines]


def nox_invocation(call: list[str]) -> tuple[str, list[str]]:
    """``(session, posargs)`` of a recorded ``nox -s SESSION -- ARGS``."""
    assert call[0] == "nox" and "-s" in call, call
    session = call[call.index("-s") + 1]
    return session, call[call.index("--") + 1:] if "--" in call else []


def github(ref_type: str, ref_name: str) -> dict[str, str]:
    prefix = "refs/tags/" if ref_type == "tag" else "refs/heads/"
    return {"GITHUB_REF_TYPE": ref_type, "GITHUB_REF_NAME": ref_name,
            "GITHUB_REF": prefix + ref_name, "GITHUB_REPOSITORY": "acme/tasker"}


@pytest.fixture(scope="module")
def at_release_tag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Repo, str]]:
    """The example after a first release (published) and a Ruby fix released as 0.1.0.1,
    checked out at that release tag, as CI checks it out."""
    saved = {k: os.environ.get(k) for k in sandbox.GIT_IDENTITY}
    os.environ.update(sandbox.GIT_IDENTITY)
    try:
        repo = sandbox.create(tmp_path_factory.mktemp("workflow") / "tasker-core")
        config = config_mod.load(repo.root)

        def do_release(now: datetime) -> str:
            summary, _ = release.run_release(open_project(repo.root, config), dict(os.environ),
                                             dry_run=False, from_ref=None, yes=True, push=False, confirm=None,
                                             now=now)
            assert summary is not None
            return summary.release_tag

        first = do_release(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
        for tag in ("core-v0.1.0", "ruby-v0.1.0.0", "python-v0.1.0.0", "typescript-v0.1.0.0"):
            sandbox.tag(repo, tag, "published\n", ref=first)
        sandbox.touch(repo, "fix(ruby): retry", "workers/ruby/lib/tasker_core.rb")
        tag = do_release(datetime(2026, 11, 9, 9, 30, tzinfo=UTC))
        repo.out("checkout", "--quiet", "--detach", tag)
        yield repo, tag
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_plan_job(workflow: dict[str, Any], runner: Runner, context: Context,
                 github_env: Mapping[str, str]) -> dict[str, str]:
    """Run the plan job's shell steps in order; return its job outputs."""
    job = workflow["jobs"]["plan"]
    steps: dict[str, Any] = {}
    for step in job["steps"]:
        if "run" not in step or step["run"].startswith("python -m pip install"):
            continue
        outputs, _ = runner.run(step, context, github_env)
        if "id" in step:
            steps[step["id"]] = {"outputs": outputs}
    job_context = Context({**context.values, "steps": steps})
    return {name: job_context.substitute(value) for name, value in job["outputs"].items()}


def plan_context(inputs: Mapping[str, Any]) -> Context:
    return Context({"inputs": dict(inputs), "env": {}, "github": {"token": "gh-token"}})


@pytest.mark.integration
def test_plan_job_at_a_release_tag(workflow: dict[str, Any], at_release_tag: tuple[Repo, str],
                                   tmp_path: Path) -> None:
    repo, tag = at_release_tag
    runner = Runner(tmp_path, repo.root)
    outputs = run_plan_job(workflow, runner, plan_context({}), github("tag", tag))
    assert outputs == {
        "release_tag": tag, "dry_run": "false", "publish_core": "false",
        "core_version": "0.1.0", "ruby_version": "0.1.0.1", "python_version": "unchanged",
        "typescript_version": "unchanged", "typescript_npm_version": ""}
    calls = [nox_invocation(c) for c in runner.calls()]
    assert calls == [("versions", ["--check"]), ("versions", ["--format", "env"]),
                     ("detect", ["--format", "env"]), ("trust", [])]
    for session, args in calls:
        assert_parses(session, args)


@pytest.mark.integration
def test_plan_job_dispatched_on_a_branch_is_a_dry_run(workflow: dict[str, Any],
                                                      at_release_tag: tuple[Repo, str],
                                                      tmp_path: Path) -> None:
    repo, _ = at_release_tag
    first = repo.out("tag", "--list", "release-*", "--sort=refname").splitlines()[0]
    runner = Runner(tmp_path, repo.root)
    outputs = run_plan_job(workflow, runner, plan_context({"dry_run": False, "from_ref": first}),
                           github("branch", "main"))
    assert outputs["release_tag"] == ""
    assert outputs["dry_run"] == "true"
    calls = [nox_invocation(c) for c in runner.calls()]
    assert ("versions", ["--format", "env", "--from", first]) in calls
    assert ("detect", ["--format", "env", "--from", first]) in calls
    for session, args in calls:
        assert_parses(session, args)


@pytest.mark.parametrize("dry_run", [False, True])
def test_publish_commands_parse(workflow: dict[str, Any], tmp_path: Path, dry_run: bool) -> None:
    plan = {"dry_run": dry_run, "publish_core": "true", "core_version": "0.1.9",
            "ruby_version": "0.1.9.0", "python_version": "0.1.9.0",
            "typescript_version": "0.1.9.0", "typescript_npm_version": "0.1.9000",
            "release_tag": "release-20261125-1930"}
    context = Context({"needs": {"plan": {"outputs": plan, "result": "success"}},
                       "secrets": {name: "secret-value" for names in SECRETS.values()
                                   for name in names.values()},
                       "env": workflow["env"], "github": {"token": "gh-token"}, "inputs": {}})
    runner = Runner(tmp_path)
    for job_name, session in PUBLISH_JOBS.items():
        job = workflow["jobs"][job_name]
        (step,) = [s for s in job["steps"] if "nox -s publish" in s.get("run", "")]
        runner.run(step, context, github("tag", "release-20261125-1930"))
        (call,) = runner.calls()
        name, args = nox_invocation(call)
        assert name == session
        assert_parses(name, args)
        assert ("--dry-run" in args) is dry_run
        assert "--on-duplicate=skip" in args and "--push-tags" in args
        if job_name in BINDING_JOBS:
            assert args[0] == "0.1.9.0"


def summary_context(results: Mapping[str, str], plan: Mapping[str, Any]) -> Context:
    needs: dict[str, Any] = {"plan": {"outputs": plan, "result": "success"},
                             "preflight": {"result": "success"}}
    needs.update({job: {"result": result} for job, result in results.items()})
    return Context({"needs": needs, "github": {"token": "gh-token", "repository": "acme/tasker"}})


def test_summary_table_and_idempotent_github_release(workflow: dict[str, Any],
                                                     tmp_path: Path) -> None:
    plan = {"release_tag": "release-20261125-1930", "dry_run": "false", "publish_core": "true",
            "core_version": "0.1.9", "ruby_version": "0.1.9.0", "python_version": "unchanged",
            "typescript_version": "0.1.9.0", "typescript_npm_version": "0.1.9000"}
    results = {"publish-crates": "success", "publish-ruby": "failure",
               "publish-python": "skipped", "publish-typescript": "success"}
    context = summary_context(results, plan)
    steps = workflow["jobs"]["summary"]["steps"]
    table_step = steps[0]
    [release_step] = [s for s in steps if s.get("name") == "GitHub Release"]
    # The Release needs the tag's changelog: the tag checked out, with every tag.
    [checkout] = [s for s in steps if s.get("uses") == "actions/checkout@v4"]
    assert checkout["with"] == {"ref": "${{ needs.plan.outputs.release_tag }}", "fetch-depth": 0}
    skip = "needs.plan.outputs.release_tag != '' && needs.plan.outputs.dry_run != 'true'"
    assert all(s["if"] == skip for s in steps[1:])
    runner = Runner(tmp_path)
    env = github("tag", "release-20261125-1930")
    _, summary = runner.run(table_step, context, env)
    assert "## Release release-20261125-1930" in summary
    assert "| core crates (crates.io) | 0.1.9 | success |" in summary
    assert "| ruby (RubyGems) | 0.1.9.0 | failure |" in summary
    assert "| python (PyPI) | unchanged | - |" in summary
    assert "| typescript (npm) | 0.1.9.0 (npm 0.1.9000) | success |" in summary
    assert "Dry run" not in summary
    assert release_step["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    # Each job's result reaches release_page under the names it reads (test_release_page
    # runs it against a stand-in of GitHub's releases endpoints).
    assert {k: context.substitute(v) for k, v in release_step["env"].items()
            if k.startswith(("RESULT_", "CORE_RESULT"))} == {
        "CORE_RESULT": "success", "RESULT_RUBY": "failure", "RESULT_PYTHON": "skipped",
        "RESULT_TYPESCRIPT": "success"}

    runner.run(release_step, context, env)
    calls = runner.calls()
    assert calls == [["nox", "-s", "release_page", "--", "--tag", "release-20261125-1930"]]
    assert_parses("release_page", ["--tag", "release-20261125-1930"])


def test_summary_tells_complete_partial_and_planned_apart(workflow: dict[str, Any],
                                                         tmp_path: Path) -> None:
    plan = {"release_tag": "release-20261125-1930", "dry_run": "false", "publish_core": "true",
            "core_version": "0.1.9", "ruby_version": "0.1.9.0", "python_version": "0.1.9.0",
            "typescript_version": "0.1.9.0", "typescript_npm_version": "0.1.9000"}
    context = summary_context({"publish-crates": "success", "publish-ruby": "failure",
                               "publish-python": "failure", "publish-typescript": "success"},
                              plan)
    outputs = {"publish-ruby": {"state": "planned", "files": "0/1"},
               "publish-python": {"state": "partial", "files": "1/2"},
               "publish-typescript": {"state": "complete", "files": "1/1"}}
    for job, values in outputs.items():
        context.values["needs"][job]["outputs"] = values
    table_step = workflow["jobs"]["summary"]["steps"][0]
    _, summary = Runner(tmp_path).run(table_step, context, github("tag", "release-20261125-1930"))
    assert "| component | version | publish | on the registry |" in summary
    assert "| core crates (crates.io) | 0.1.9 | success | - |" in summary
    assert "| ruby (RubyGems) | 0.1.9.0 | failure | planned (0/1 files) |" in summary
    assert "| python (PyPI) | 0.1.9.0 | failure | partial (1/2 files) |" in summary
    assert "| typescript (npm) | 0.1.9.0 (npm 0.1.9000) | success | complete (1/1 files) |" in (
        summary)
    for job in outputs:  # what the job's Publish step writes to $GITHUB_OUTPUT
        assert workflow["jobs"][job]["outputs"]["state"] == "${{ steps.publish.outputs.state }}"
        assert any(step.get("id") == "publish" for step in workflow["jobs"][job]["steps"])


def test_summary_of_a_dry_run(workflow: dict[str, Any], tmp_path: Path) -> None:
    plan = {"release_tag": "", "dry_run": "true", "publish_core": "false", "core_version": "0.1.8",
            "ruby_version": "unchanged", "python_version": "0.1.8.1",
            "typescript_version": "unchanged", "typescript_npm_version": ""}
    context = summary_context({"publish-crates": "skipped", "publish-ruby": "skipped",
                               "publish-python": "success", "publish-typescript": "skipped"},
                              plan)
    steps = workflow["jobs"]["summary"]["steps"]
    table_step = steps[0]
    [release_step] = [s for s in steps if s.get("name") == "GitHub Release"]
    _, summary = Runner(tmp_path).run(table_step, context, github("branch", "main"))
    assert "Dry run: nothing was published" in summary
    assert "| core crates (crates.io) | unchanged | - |" in summary
    assert "| python (PyPI) | 0.1.8.1 | success |" in summary
    assert "dry_run != 'true'" in release_step["if"] and "release_tag != ''" in release_step["if"]


def test_every_shell_step_is_valid_bash(workflow: dict[str, Any]) -> None:
    context = Context({"needs": {"plan": {"outputs": {"dry_run": "true"}}}})
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "run" in step:
                script = _EXPR.sub("sample", step["run"])
                result = cmd.run(["bash", "-n", "-c", script], capture=True, check=False)
                assert result.returncode == 0, f"{name}: {result.stderr}"
    assert context.evaluate("needs.plan.outputs.dry_run == 'true' && '--dry-run' || ''") == (
        "--dry-run")


# --- structure -----------------------------------------------------------------------------------

def test_triggers(workflow: dict[str, Any]) -> None:
    on = workflow["on"]
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"] == {"tags": ["release-*", "v*"]}
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["dry_run"]["type"] == "boolean" and inputs["dry_run"]["default"] is False
    assert inputs["from_ref"]["type"] == "string" and inputs["from_ref"]["required"] is False


def test_one_release_at_a_time_never_cancelled(workflow: dict[str, Any]) -> None:
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["concurrency"]["group"]
    assert all("concurrency" not in job for job in workflow["jobs"].values())


def test_every_checkout_has_full_history(workflow: dict[str, Any]) -> None:
    checkouts = [(name, step) for name, job in workflow["jobs"].items()
                 for step in job["steps"] if str(step.get("uses", "")).startswith("actions/checkout")]
    assert {name for name, _ in checkouts} == {"plan", "preflight", *PUBLISH_JOBS, "summary",
                                               "rehearse"}
    for name, step in checkouts:
        assert step["uses"] == "actions/checkout@v4"
        assert step["with"]["fetch-depth"] == 0, name


def test_plan_job(workflow: dict[str, Any]) -> None:
    plan = workflow["jobs"]["plan"]
    assert "needs" not in plan
    runs = [s.get("run", "") for s in plan["steps"]]
    assert "python -m pip install -r .github/release-tasks.txt" in runs
    assert any(r.startswith("nox -s versions -- --format env") and r.endswith('>> "$GITHUB_OUTPUT"')
               for r in runs)
    assert any(r.startswith("nox -s detect -- --format env") and r.endswith('>> "$GITHUB_OUTPUT"')
               for r in runs)
    assert any(str(s.get("uses", "")).startswith("actions/setup-python@") for s in plan["steps"])
    assert set(plan["outputs"]) >= {"publish_core", "ruby_version", "python_version",
                                    "typescript_version", "dry_run", "release_tag"}


def test_preflight_runs_the_checks_of_the_config(workflow: dict[str, Any]) -> None:
    runs = [s.get("run", "") for s in workflow["jobs"]["preflight"]["steps"]]
    assert "nox -s preflight" in runs
    assert_parses("preflight", [])
    checks = config_mod.builtin().preflight
    assert ("cargo", "fmt", "--all", "--check") in checks
    assert any(c[:2] == ("cargo", "clippy") and c[-2:] == ("-D", "warnings") for c in checks)
    assert any(c[:2] == ("cargo", "test") for c in checks)


def test_permissions(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name in PUBLISH_JOBS:
        # The crates job also attests its .crate files (crates.io keeps no provenance).
        more = {"attestations": "write"} if name == "publish-crates" else {}
        assert workflow["jobs"][name]["permissions"] == {"contents": "write", "id-token": "write",
                                                         **more}
    assert workflow["jobs"]["summary"]["permissions"] == {"contents": "write"}
    assert "permissions" not in workflow["jobs"]["plan"]
    assert "permissions" not in workflow["jobs"]["preflight"]


def test_environments_and_secrets(workflow: dict[str, Any]) -> None:
    environments = {name: workflow["jobs"][name]["environment"] for name in PUBLISH_JOBS}
    assert environments == {"publish-crates": "release-crates", "publish-ruby": "release-rubygems",
                            "publish-python": "release-pypi", "publish-typescript": "release-npm"}
    for name, mapping in SECRETS.items():
        (step,) = [s for s in workflow["jobs"][name]["steps"] if "nox -s publish" in s.get("run", "")]
        assert step["env"] == {var: f"${{{{ secrets.{secret} }}}}" for var, secret in mapping.items()}
    text = WORKFLOW.read_text(encoding="utf-8")
    # Each secret twice, in its job's doctor and upload steps; nowhere else.
    assert len(re.findall(r"secrets\.", text)) == 8


def test_publish_crates_needs_plan_and_preflight(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["publish-crates"]
    assert job["needs"] == ["plan", "preflight"]
    assert job["if"] == "needs.plan.outputs.publish_core == 'true'"


@pytest.mark.parametrize("job_name", sorted(BINDING_JOBS))
def test_binding_jobs_wait_for_crates_but_not_for_each_other(workflow: dict[str, Any],
                                                             job_name: str) -> None:
    job = workflow["jobs"][job_name]
    binding = BINDING_JOBS[job_name]
    assert job["needs"] == ["plan", "preflight", "publish-crates"]
    condition = " ".join(job["if"].split())
    for clause in ("always()", "!cancelled()", "needs.plan.result == 'success'",
                   "needs.preflight.result == 'success'",
                   "(needs.publish-crates.result == 'success' || "
                   "needs.publish-crates.result == 'skipped')",
                   f"needs.plan.outputs.{binding}_version != 'unchanged'"):
        assert clause in condition, clause
    assert "failure()" not in condition


def test_binding_jobs_set_up_their_toolchains(workflow: dict[str, Any]) -> None:
    def uses(job: str) -> set[str]:
        return {str(s["uses"]).split("@")[0] for s in workflow["jobs"][job]["steps"] if "uses" in s}

    assert "ruby/setup-ruby" in uses("publish-ruby")
    assert {"dtolnay/rust-toolchain", "actions/setup-python"} <= uses("publish-python")
    assert {"dtolnay/rust-toolchain", "actions/setup-node", "oven-sh/setup-bun"} <= uses(
        "publish-typescript")
    for job in PUBLISH_JOBS:
        assert "actions/setup-python" in uses(job)
        runs = [s.get("run", "") for s in workflow["jobs"][job]["steps"]]
        assert "python -m pip install -r .github/release-tasks.txt" in runs
        assert any("git config user.email" in r for r in runs), job  # annotated tags need it


def test_every_job_that_runs_nox_caches_uv_and_its_environments(
        workflow: dict[str, Any]) -> None:
    """uv's downloads and the job's .nox, keyed on the job, the Python and what the
    environments are made from; a job's cache is never another job's."""
    keys = {}
    for name, job in workflow["jobs"].items():
        steps = job.get("steps", [])
        if not any("nox -s" in str(s.get("run", "")) for s in steps):
            continue
        caches = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
        assert len(caches) == 1, name
        cache = caches[0]["with"]
        assert set(cache["path"].split()) == {"~/.cache/uv", ".nox"}, name
        assert "noxfile.py" in cache["key"] and "pyproject.toml" in cache["key"], name
        assert "'.github/release-tasks.txt'" in cache["key"], name  # the tool's pin
        assert "env.PYTHON_VERSION" in cache["key"] and "runner.os" in cache["key"], name
        assert cache["restore-keys"] and cache["key"].startswith(cache["restore-keys"]), name
        setup = [i for i, s in enumerate(steps) if "setup-python" in str(s.get("uses", ""))]
        first_nox = next(i for i, s in enumerate(steps) if "nox -s" in str(s.get("run", "")))
        assert setup and setup[0] < steps.index(caches[0]) < first_nox, name
        keys[name] = cache["key"]
    assert {"plan", "preflight", *PUBLISH_JOBS} <= set(keys)
    assert len(set(keys.values())) == len(keys), keys


def test_summary_job_runs_always_after_everything(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["summary"]
    assert job["if"] == "always()"
    assert set(job["needs"]) == {"plan", "preflight", *PUBLISH_JOBS}


@pytest.mark.integration
def test_the_stage_writes_the_workflow_and_check_says_when_it_is_stale(
        tmp_path: Path, run_cli: RunCli) -> None:
    repo = sandbox.create(tmp_path / "tasker-core")
    check = ("workflow", "--check", "--repo", str(repo.root))
    result = run_cli(*check)
    assert result.code == 1 and "does not exist" in result.err
    result = run_cli("workflow", "--repo", str(repo.root / "workers"))
    assert result.code == 0 and "wrote .github/workflows/release.yml" in result.out
    written = repo.root / ".github" / "workflows" / "release.yml"
    assert written.read_text(encoding="utf-8") == WORKFLOW.read_text(encoding="utf-8")
    assert run_cli(*check).code == 0
    written.write_text(written.read_text(encoding="utf-8").replace("timeout-minutes: 60",
                                                                   "timeout-minutes: 5"))
    result = run_cli(*check)
    assert result.code == 1
    assert "-    timeout-minutes: 5" in result.err and "nox -s workflow" in result.err


@pytest.mark.integration
def test_the_stage_writes_the_tool_requirement_and_check_says_when_the_pin_is_another(
        tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The jobs install the tool from .github/release-tasks.txt: the stage writes it at this
    version, keeps the maintainer's own lines, and --check fails on a pin of another version
    (or on another RELEASE_TASKS_SPEC), saying which and what to do."""
    import release_tasks

    monkeypatch.delenv(workflow_requirement.SPEC_VARIABLE, raising=False)
    repo = sandbox.create(tmp_path / "tasker-core")
    requirement = repo.root / workflow_requirement.REQUIREMENT_PATH
    check = ("workflow", "--check", "--repo", str(repo.root))
    assert run_cli("workflow", "--repo", str(repo.root)).code == 0
    lines = requirement.read_text(encoding="utf-8").splitlines()
    assert f"release-tasks=={release_tasks.__version__}" in lines and "nox[uv]" in lines
    assert run_cli(*check).code == 0
    # The maintainer's own lines, below the marker, survive a rewrite.
    requirement.write_text(requirement.read_text(encoding="utf-8") + "cffi==1.17.1\n",
                           encoding="utf-8")
    assert run_cli(*check).code == 0
    pinned = requirement.read_text(encoding="utf-8").replace(
        f"release-tasks=={release_tasks.__version__}", "release-tasks==0.0.1")
    requirement.write_text(pinned, encoding="utf-8")
    result = run_cli(*check)
    assert result.code == 1
    assert (f".github/release-tasks.txt pins release-tasks 0.0.1, but this is release-tasks "
            f"{release_tasks.__version__}") in result.err
    assert "release.yml" not in result.err  # the workflow itself is current
    assert run_cli("workflow", "--repo", str(repo.root)).code == 0
    text = requirement.read_text(encoding="utf-8")
    assert "release-tasks==0.0.1" not in text and text.endswith("cffi==1.17.1\n")
    assert run_cli(*check).code == 0
    # RELEASE_TASKS_SPEC names the requirement instead.
    spec = {workflow_requirement.SPEC_VARIABLE: "release-tasks==9.9.9"}
    result = run_cli(*check, env=spec)
    assert result.code == 1 and "'release-tasks==9.9.9'" in result.err
    assert run_cli("workflow", "--repo", str(repo.root), env=spec).code == 0
    assert "\nrelease-tasks==9.9.9\n" in requirement.read_text(encoding="utf-8")
    requirement.unlink()
    result = run_cli(*check)
    assert result.code == 1 and ".github/release-tasks.txt does not exist" in result.err
