"""The embedded example is a real Tasker-shaped monorepo: it builds offline, and its
internal dependencies are exactly the design document's table."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from release_tasks.cargo import workspace
from release_tasks.config import load as config
from release_tasks.git.repo import Repo
from tests.registries.tools import require_tool

pytestmark = pytest.mark.integration

# The design document's "Rust crates in monorepo" table.
DOCUMENT_DEPS = {
    "tasker-pgmq": set(),
    "tasker-shared": {"tasker-pgmq"},
    "tasker-client": {"tasker-shared"},
    "tasker-orchestration": {"tasker-pgmq", "tasker-shared"},
    "tasker-worker": {"tasker-pgmq", "tasker-client", "tasker-shared"},
    "tasker-cli": {"tasker-client", "tasker-shared"},
}


def test_internal_dependencies_and_phases_are_the_documents(example_repo: Repo) -> None:
    ws = workspace.load(example_repo.root)
    normal = {c.name: set(c.deps) for c in ws.members if c.name in DOCUMENT_DEPS}
    # tasker-orchestration's dev-dependency on tasker-pgmq carries a version: it counts too,
    # and the document lists pgmq among its dependencies anyway.
    assert normal == DOCUMENT_DEPS
    publishable = {c.name for c in ws.members if c.publish}
    assert publishable == set(DOCUMENT_DEPS)
    cfg = config.load(example_repo.root)
    assert workspace.phases(ws, cfg.core.crates) == [
        ["tasker-pgmq"], ["tasker-shared"], ["tasker-client", "tasker-orchestration"],
        ["tasker-worker", "tasker-cli"]]
    assert (example_repo.root / "VERSION").read_text() == "0.1.0\n"


def test_workspace_builds_offline(example_repo: Repo, tmp_path: Path) -> None:
    cargo = require_tool("cargo")
    env = {**os.environ, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    result = subprocess.run([cargo, "build", "--workspace", "--offline", "--locked"],
                            cwd=example_repo.root, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "target" / "debug" / "libtasker_worker_ts.so").is_file()
