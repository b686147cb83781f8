"""The workflow runner's own rules (:mod:`tests.workflow_runner`), on the generated workflow:
a runner that read ``if:`` or ``needs`` wrongly would let the executed-workflow test pass
for the wrong reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from release_tasks.config import load as config_mod
from release_tasks.workflow import generate as workflow_mod
from tests.workflow_runner import (
    WorkflowRunner,
    base_env,
    clean_path,
    evaluate,
    job_order,
    read_pairs,
)


@pytest.fixture(scope="module")
def jobs() -> dict[str, Any]:
    data = yaml.safe_load(workflow_mod.render(config_mod.builtin()))
    found: dict[str, Any] = data["jobs"]
    return found


def test_jobs_run_after_what_they_need(jobs: dict[str, Any]) -> None:
    order = job_order(jobs)
    assert order[:3] == ["plan", "preflight", "publish-crates"] and order[-1] == "summary"
    for index, name in enumerate(order):
        assert all(order.index(n) < index for n in jobs[name].get("needs", []))


@pytest.mark.parametrize(("expression", "value"), [
    ("needs.plan.outputs.dry_run == 'true' && '--dry-run' || ''", "--dry-run"),
    ("needs.plan.outputs.publish_core == 'true' && '--dry-run' || ''", ""),
    ("!(needs.plan.outputs.ruby_version != 'unchanged')", True),
    ("needs.plan.outputs.missing", None),
    ("'it''s'", "it's"),
    ("needs.plan.outputs.DRY_RUN == 'TRUE'", True),  # GitHub ignores case in both
])
def test_expressions(expression: str, value: Any) -> None:
    contexts = {"needs": {"plan": {"outputs": {"dry_run": "true", "publish_core": "false",
                                               "ruby_version": "unchanged"}}}}
    assert evaluate(expression, contexts)[0] == value


def binding_condition(jobs: dict[str, Any], crates: str, ruby: str) -> bool:
    runner = WorkflowRunner.__new__(WorkflowRunner)
    needs = {"plan": {"result": "success", "outputs": {"ruby_version": ruby}},
             "preflight": {"result": "success", "outputs": {}},
             "publish-crates": {"result": crates, "outputs": {}}}
    return runner._condition(jobs["publish-ruby"]["if"], {"needs": needs},
                             ["success", "success", crates])


@pytest.mark.parametrize(("crates", "ruby", "runs"), [
    ("success", "0.1.1.0", True), ("skipped", "0.1.0.1", True), ("failure", "0.1.1.0", False),
    ("success", "unchanged", False), ("skipped", "", False),
])
def test_a_binding_job_runs_after_the_crates_or_without_them(
        jobs: dict[str, Any], crates: str, ruby: str, runs: bool) -> None:
    assert binding_condition(jobs, crates, ruby) is runs


def test_a_job_without_a_status_function_needs_every_need_to_succeed(
        jobs: dict[str, Any]) -> None:
    runner = WorkflowRunner.__new__(WorkflowRunner)
    contexts = {"needs": {"plan": {"outputs": {"publish_core": "true"}}}}
    condition = jobs["publish-crates"]["if"]
    assert runner._condition(condition, contexts, ["success", "success"])
    assert not runner._condition(condition, contexts, ["success", "failure"])
    assert runner._condition(jobs["summary"]["if"], contexts, ["failure", "skipped"])
    assert not runner._condition(None, contexts, ["skipped"])


def test_output_files_as_github_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("a=1\nnotes<<EOF\nline one\nline=two\nEOF\nb=x=y\n", encoding="utf-8")
    assert read_pairs(path) == {"a": "1", "notes": "line one\nline=two", "b": "x=y"}


def test_the_path_of_a_job_has_no_virtual_environment(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    path = f"{venv / 'bin'}:/usr/bin:/root/.pyenv/shims:/bin"
    assert clean_path(path) == "/usr/bin:/bin"


def test_a_job_starts_from_the_machine_not_from_this_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca.pem")
    monkeypatch.setenv("VIRTUAL_ENV", "/work/venv")
    monkeypatch.setenv("PYTHONPATH", "/work/checkout")
    monkeypatch.setenv("GEM_HOST_API_KEY", "a-secret")
    env = base_env({"RELEASE_TASKS_NPM_REGISTRY": "http://127.0.0.1:4873/"})
    assert env["SSL_CERT_FILE"] == "/etc/ssl/certs/ca.pem"
    assert env["RELEASE_TASKS_NPM_REGISTRY"] == "http://127.0.0.1:4873/"
    assert not {"VIRTUAL_ENV", "PYTHONPATH", "GEM_HOST_API_KEY"} & set(env)
