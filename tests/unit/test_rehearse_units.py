"""The rehearsal's parts that need no program: the workflow's commands with the plan's
versions put in, the environment that keeps real registries out, and the timed report."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_tasks.config import load as config
from release_tasks.errors import RehearsalError
from release_tasks.rehearse import flow, registries
from release_tasks.rehearse.report import Report

CONFIG = config.builtin()
PLAN = {"PUBLISH_CORE": "true", "NEXT_CORE_VERSION": "0.1.9", "NEXT_RUBY_VERSION": "0.1.9.0",
        "NEXT_PYTHON_VERSION": "unchanged", "NEXT_TYPESCRIPT_VERSION": "0.1.9.0",
        "NEXT_TYPESCRIPT_NPM_VERSION": "0.1.9000"}


def test_the_jobs_whose_condition_holds_in_the_workflows_order_with_its_commands() -> None:
    jobs = flow.publish_jobs(CONFIG, PLAN)
    assert [(j.job, j.stage, j.args, j.version) for j in jobs] == [
        ("publish-crates", "publish_crates", ("--on-duplicate=skip", "--push-tags"), "0.1.9"),
        ("publish-ruby", "publish_ruby", ("0.1.9.0", "--on-duplicate=skip", "--push-tags"),
         "0.1.9.0"),
        ("publish-typescript", "publish_typescript",
         ("0.1.9.0", "--on-duplicate=skip", "--push-tags"), "0.1.9000")]
    assert [j.package for j in jobs] == ["6 crates", "tasker-worker-rb", "@tasker-systems/worker"]
    without_core = flow.publish_jobs(CONFIG, {**PLAN, "PUBLISH_CORE": "false"})
    assert [j.job for j in without_core] == ["publish-ruby", "publish-typescript"]


def test_a_workflow_command_is_read_with_the_plans_outputs() -> None:
    assert flow.job_command("nox -s publish -- client-rb ${{ needs.plan.outputs.client_rb_version }}",
                            {"client_rb_version": "0.1.0.1"}) == ("publish", ["client-rb", "0.1.0.1"])
    with pytest.raises(RehearsalError, match="not a workflow publish command"):
        flow.job_command("make publish", {})


def test_verdaccio_is_found_or_the_error_says_how_to_get_it(tmp_path: Path) -> None:
    node_dir = tmp_path / "bin"
    node_dir.mkdir()
    (node_dir / "node").write_text("")
    (node_dir / "node").chmod(0o755)
    with pytest.raises(RehearsalError, match="nox -s rehearse"):
        registries.verdaccio_entry({"PATH": str(node_dir)})
    entry = tmp_path / "verdaccio.js"
    entry.write_text("")
    assert registries.verdaccio_entry({"PATH": str(node_dir),
                                       registries.VERDACCIO_VARIABLE: str(entry)}) == (
        str(node_dir / "node"), entry)
    with pytest.raises(RehearsalError, match="needs node"):
        registries.verdaccio_entry({"PATH": str(tmp_path / "none")})


def test_the_report_times_every_step_and_says_which_failed() -> None:
    report = Report()
    with report.step("publish-ruby: gem 0.1.9.0") as step:
        step.detail = "pushed"
    with pytest.raises(RehearsalError), report.step("install and load gem 0.1.9.0"):
        raise RehearsalError("gem install failed\nthe rest of its output")
    report.skip("publish-python: x 0.1.9.0", "publish-crates failed")
    assert not report.ok
    assert [(s.status, s.detail) for s in report.steps] == [
        ("ok", "pushed"), ("failed", "gem install failed"), ("skipped", "publish-crates failed")]
    lines = report.text().splitlines()
    assert lines[0].split() == ["step", "time", "result"]
    assert lines[2].endswith("failed  gem install failed")
    assert lines[-1].endswith("rehearsal FAILED")
