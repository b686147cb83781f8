"""Every release is seen: a release made on a release branch is named, with ``--from``, and
no version at or below it is planned (the core against ``v*`` tags too)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_tasks import release, sandbox
from release_tasks.git.repo import Repo
from release_tasks.project import open_project
from tests.support import RunCli

pytestmark = pytest.mark.integration

SERVER = "tasker-orchestration/src/lib.rs"


def _released(repo: Repo) -> None:
    """The first release of the example, made and published."""
    summary, message = release.run_release(open_project(repo.root), {}, dry_run=False,
                                           from_ref=None, yes=True, push=False, confirm=None,
                                           now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    assert summary is not None, message
    sandbox.mark_published(repo, summary.release_tag)


def test_a_newer_release_on_a_branch_is_named_and_never_undercut(run_cli: RunCli,
                                                                   example_repo: Repo) -> None:
    repo = example_repo
    _released(repo)
    # A release branch, released by hand: v0.3.0 on a commit main never reaches.
    repo.out("checkout", "--quiet", "-b", "release/0.3")
    (repo.root / "VERSION").write_text("0.3.0\n", encoding="utf-8")
    repo.out("commit", "--quiet", "--all", "-m", "release 0.3.0")
    repo.out("tag", "v0.3.0")
    repo.out("checkout", "--quiet", "main")
    sandbox.touch(repo, "server change", SERVER)

    result = run_cli("versions", "--repo", str(repo.root), "--format", "env")
    assert result.code == 4, result.err
    assert "v0.3.0, newer than the base release-20261102-0900, are not reachable" in result.err
    assert "--from v0.3.0" in result.err
    assert ("core 0.1.1 would go backwards: crates.io orders it below 0.3.0 (tag v0.3.0)"
            in result.err)
    assert "nox -s release -- --core 0.3.1" in result.err
    planned = run_cli("versions", "--repo", str(repo.root), "--format", "env", "--core", "0.3.1")
    assert planned.code == 0, planned.err
    assert "NEXT_CORE_VERSION=0.3.1" in planned.out


def test_a_reachable_newest_release_costs_no_warning(run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    _released(repo)
    repo.out("tag", "v0.1.0")
    sandbox.touch(repo, "server change", SERVER)
    result = run_cli("versions", "--repo", str(repo.root), "--format", "env")
    assert result.code == 0, result.err
    assert "not reachable" not in result.err


def test_a_branch_release_is_named_even_below_version(run_cli: RunCli, example_repo: Repo) -> None:
    """tokenizers: main's crates already at 0.23.2-dev.0, v0.23.1 on a release branch, the
    base v0.21.3: the plan goes up, and still names the release it does not compare with."""
    repo = example_repo
    _released(repo)
    repo.out("tag", "v0.1.0")
    repo.out("checkout", "--quiet", "-b", "release/0.1")
    sandbox.touch(repo, "a fix on the branch", SERVER)
    repo.out("tag", "v0.1.5")
    repo.out("checkout", "--quiet", "main")
    bumped = run_cli("update", "--repo", str(repo.root), "--core", "0.2.0-dev.0", "--ruby",
                     "0.2.0-dev.0.0", "--python", "0.2.0-dev.0.0", "--typescript", "0.2.0-dev.0.0")
    assert bumped.code == 0, bumped.err
    repo.out("commit", "--quiet", "--all", "-m", "start 0.2.0")
    result = run_cli("versions", "--repo", str(repo.root), "--format", "env")
    assert result.code == 0, result.err
    assert "v0.1.5, newer than the base release-20261102-0900, are not reachable" in result.err
    assert "--from v0.1.5" in result.err


def test_the_release_of_the_files_version_made_on_a_twin_commit_is_named(
        run_cli: RunCli, example_repo: Repo) -> None:
    """lancedb: main holds ``Bump version: ... -> 0.2.0-beta.1``, while the tag
    v0.2.0-beta.1 is on another commit of the same change; the base is an older component
    tag. The plan still names the release it does not compare with."""
    repo = example_repo
    repo.out("tag", "python-v0.1.0.0")  # the only release main reaches: no core tag on it
    sandbox.touch(repo, "server change", SERVER)
    bumped = run_cli("update", "--repo", str(repo.root), "--core", "0.2.0-beta.1", "--ruby",
                     "0.2.0-beta.1.0", "--python", "0.2.0-beta.1.0", "--typescript",
                     "0.2.0-beta.1.0")
    assert bumped.code == 0, bumped.err
    repo.out("stash", "--quiet")
    repo.out("checkout", "--quiet", "-b", "twin")
    repo.out("stash", "pop", "--quiet")
    repo.out("commit", "--quiet", "--all", "-m", "Bump version: 0.1.0 -> 0.2.0-beta.1")
    repo.out("tag", "v0.2.0-beta.1")
    repo.out("checkout", "--quiet", "main")
    # The same change, another commit (another message: the test's clock is fixed).
    repo.out("cherry-pick", "--no-commit", "twin")
    repo.out("commit", "--quiet", "-m", "Bump version: 0.1.0 -> 0.2.0-beta.1 (main)")
    assert repo.git("merge-base", "--is-ancestor", "v0.2.0-beta.1", "HEAD",
                    check=False).returncode == 1
    result = run_cli("versions", "--repo", str(repo.root), "--format", "env")
    assert "v0.2.0-beta.1, newer than the base python-v0.1.0.0, are not reachable" in result.err
    assert "--from v0.2.0-beta.1" in result.err
