"""``workflow --output`` names a file: a directory, or a path under a file, is a clear usage
error and nothing is written (no traceback)."""

from __future__ import annotations

import pytest

from release_tasks.git.repo import Repo
from tests.support import RunCli
from tests.trees.checks import repo_state

pytestmark = pytest.mark.integration


def test_an_output_that_cannot_be_a_file_is_refused(run_cli: RunCli, example_repo: Repo) -> None:
    root = example_repo.root
    (root / "out").mkdir()
    (root / "plain").write_text("a file\n", encoding="utf-8")
    before = repo_state(root)

    directory = run_cli("workflow", "--repo", str(root), "--output", str(root / "out"))
    under_file = run_cli("workflow", "--repo", str(root), "--output",
                         str(root / "plain" / "release.yml"))
    checked = run_cli("workflow", "--repo", str(root), "--check", "--output", str(root / "out"))

    assert (directory.code, under_file.code, checked.code) == (2, 2, 2)
    assert f"--output {root / 'out'}: a directory; give the workflow file's path" in directory.err
    assert f"{root / 'plain'} is a file, so no directory can hold it" in under_file.err
    for result in (directory, under_file, checked):
        assert "Traceback" not in result.err and "Error:" not in result.err
    assert repo_state(root) == before

    fine = run_cli("workflow", "--repo", str(root), "--output", str(root / "out" / "release.yml"))
    assert fine.code == 0, fine.err
    assert (root / "out" / "release.yml").is_file()
