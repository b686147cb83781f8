"""Shared fixtures: git identity for sandboxes, example sandboxes, in-process CLI runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_tasks import cli, sandbox
from release_tasks.git.repo import Repo
from tests.support import CliResult, RunCli

pytest_plugins = ["tests.registries.fixtures"]


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits made by the tool under test work on machines without git config."""
    for key, value in sandbox.GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def example_repo(tmp_path: Path) -> Iterator[Repo]:
    """A fresh git repository holding the example monorepo, one commit, no tags."""
    yield sandbox.create(tmp_path / "tasker-core")


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run ``python -m release_tasks`` in-process; returns exit code, stdout and stderr."""
    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        capsys.readouterr()
        code = cli.main(list(args), env={**os.environ, **(env or {})})
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)
    return run
