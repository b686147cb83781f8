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
    JobRun,
    WorkflowRunner,
    base_env,
    clean_path,
    evaluate,
    job_order,
    matrix_cells,
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


def test_matrix_cells_as_github_expands_them() -> None:
    include = {"strategy": {"matrix": {"include": [
        {"platform": "linux-x86_64", "runner": "ubuntu-latest"},
        {"platform": "macos-arm64", "runner": "macos-latest"}]}}}
    assert [c["platform"] for c in matrix_cells(include) or []] == ["linux-x86_64",
                                                                      "macos-arm64"]
    product = {"strategy": {"matrix": {
        "os": ["x", "y"], "py": [1, 2], "exclude": [{"os": "x", "py": 2}],
        "include": [{"os": "y", "extra": True}, {"os": "z"}]}}}
    assert matrix_cells(product) == [{"os": "x", "py": 1}, {"os": "y", "py": 1, "extra": True},
                                     {"os": "y", "py": 2, "extra": True}, {"os": "z"}]
    assert matrix_cells({"runs-on": "ubuntu-latest"}) is None


def test_the_cells_of_another_system_are_skipped_and_the_rest_decide(tmp_path: Path) -> None:
    runner = WorkflowRunner.__new__(WorkflowRunner)
    runner.work, runner.name = tmp_path, "repo"
    ran: list[dict[str, Any]] = []

    def job(name: str, job: Any, runs: Any, github: Any, inputs: Any, env: Any, *,
            matrix: dict[str, Any], home: str) -> JobRun:
        ran.append(matrix)
        assert github["workspace"].startswith(str(tmp_path / home))
        return JobRun(name, "failure" if matrix["platform"] == "source" else "success")

    runner._job = job  # type: ignore[method-assign,assignment]
    definition = {"runs-on": "${{ matrix.runner }}"}
    cells = [{"platform": "linux-x86_64", "runner": "ubuntu-latest"},
             {"platform": "macos-arm64", "runner": "macos-latest"},
             {"platform": "windows-x86_64", "runner": "windows-latest"}]
    run = runner._matrix("build", definition, cells, {}, {}, {}, {})
    assert [c["platform"] for c in ran] == ["linux-x86_64"]
    assert run.result == "success"
    assert run.cells == {"linux-x86_64, ubuntu-latest": "success",
                         "macos-arm64, macos-latest": "skipped",
                         "windows-x86_64, windows-latest": "skipped"}
    assert "runs on macos-latest" in run.text
    failing = runner._matrix("build", definition, [*cells, {"platform": "source",
                                                            "runner": "ubuntu-latest"}],
                             {}, {}, {}, {})
    assert failing.result == "failure"
    assert runner._matrix("build", definition, cells[1:], {}, {}, {}, {}).result == "skipped"


def test_artifacts_uploaded_by_cells_meet_in_one_directory(tmp_path: Path) -> None:
    runner = WorkflowRunner.__new__(WorkflowRunner)
    runner.artifacts = tmp_path / "store"
    runner.artifacts.mkdir()
    cell = tmp_path / "cell"
    (cell / "dist").mkdir(parents=True)
    (cell / "dist" / "a-linux.whl").write_text("a")
    upload = "actions/upload-artifact"
    run = JobRun("build", "success")
    assert runner._artifact(upload, {"name": "py-linux", "path": "dist/",
                                     "if-no-files-found": "error"}, cell, run)
    assert not runner._artifact(upload, {"name": "py-linux", "path": "dist/"}, cell, run)
    assert not runner._artifact(upload, {"name": "py-mac", "path": "none/",
                                         "if-no-files-found": "error"}, cell, run)
    (runner.artifacts / "py-source").mkdir()
    (runner.artifacts / "py-source" / "a.tar.gz").write_text("s")
    (runner.artifacts / "other").mkdir()
    publish = tmp_path / "publish"
    publish.mkdir()
    download = "actions/download-artifact"
    assert runner._artifact(download, {"pattern": "py-*", "path": "dist",
                                       "merge-multiple": "true"}, publish, run)
    assert sorted(p.name for p in (publish / "dist").iterdir()) == ["a-linux.whl", "a.tar.gz"]
    assert runner._artifact(download, {"pattern": "py-*", "path": "apart"}, publish, run)
    assert sorted(p.name for p in (publish / "apart").iterdir()) == ["py-linux", "py-source"]
    assert not runner._artifact(download, {"name": "missing", "path": "x"}, publish, run)
