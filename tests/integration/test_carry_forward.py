"""Carry-forward: a planned version that was never published, or skipped, is never lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from release_tasks import release, sandbox
from release_tasks.git import repo as git
from release_tasks.git.repo import Repo
from release_tasks.plan.tagplan import read_tag_plan
from release_tasks.project import open_project
from tests.support import RunCli

SHARED = "tasker-shared/src/lib.rs"
PYTHON = "workers/python/python/tasker_worker/__init__.py"
PYPROJECT = "workers/python/pyproject.toml"


def do_release(repo: Repo, *, publish: tuple[str, ...] | None = None,
               skip: tuple[str, ...] = ()) -> str:
    """Release, then tag the components in ``publish`` (all when ``None``) as CI would."""
    count = len(repo.out("tag", "--list", "release-*").split())
    summary, message = release.run_release(
        open_project(repo.root), {}, dry_run=False, from_ref=None, yes=True,
        push=False, confirm=None, skip=skip,
        now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=7 * count))
    assert summary is not None, message
    sandbox.mark_published(repo, summary.release_tag, only=publish)
    return summary.release_tag


def plan(run_cli: RunCli, repo: Repo) -> dict[str, Any]:
    result = run_cli("versions", "--repo", str(repo.root), "--format", "json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def next_release(run_cli: RunCli, repo: Repo) -> dict[str, Any]:
    """The plan ``release`` would make now (at a released HEAD, ``versions`` answers the
    plan of that release instead, for CI)."""
    result = run_cli("release", "--repo", str(repo.root), "--dry-run", "--format", "json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)["summary"]
    assert summary is not None, result.out
    data: dict[str, Any] = summary["plan"]
    return data


def binding(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in data["bindings"] if b["name"] == name)
    return found


def pyproject_version(repo: Repo) -> str:
    for line in (repo.root / PYPROJECT).read_text().splitlines():
        if line.startswith("version = "):
            return line.split('"')[1]
    raise AssertionError("no version in pyproject.toml")


def test_unpublished_binding_is_carried_at_the_same_version(
        run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    do_release(repo)
    sandbox.touch(repo, "fix shared", SHARED)
    second = do_release(repo, publish=("core", "ruby", "typescript"))  # PyPI was down

    data = next_release(run_cli, repo)
    python = binding(data, "python")
    assert (python["current"], python["next"], python["tag"]) == ("0.1.1.0", "0.1.1.0",
                                                                   "python-v0.1.1.0")
    assert python["reasons"] == [f"planned as 0.1.1.0 in {second}, never published"]
    assert data["core"]["changed"] is False
    assert [b["next"] for b in data["bindings"] if b["name"] != "python"] == [None, None]
    text = run_cli("release", "--repo", str(repo.root), "--dry-run").out
    assert f"planned as 0.1.1.0 in {second}, never published" in text

    # The third release changes no version file: its commit holds only the changelog, where
    # python lists what its users have not had yet: everything since python-v0.1.0.0.
    third = do_release(repo)
    assert repo.out("show", "--name-only", "--format=", f"{third}^{{commit}}") == "CHANGELOG.md"
    notes = (repo.root / "CHANGELOG.md").read_text(encoding="utf-8").split("\n## ")[1]
    assert notes.startswith(third) and "### python 0.1.1.0\n" in notes
    assert "changes since python-v0.1.0.0." in notes and "- fix shared (" in notes
    assert "### ruby" not in notes and "### core" not in notes
    assert "- python (tasker-worker-py): 0.1.1.0, carried forward" in repo.out(
        "log", "-1", "--format=%B")
    tagged = read_tag_plan(git.tag_message(repo, third))
    assert tagged is not None
    assert binding(tagged, "python")["next"] == "0.1.1.0"
    assert git.tag_commit(repo, "python-v0.1.1.0") == git.resolve(repo, third)
    # CI at the new tag answers the carry-forward plan it was made with.
    assert binding(plan(run_cli, repo), "python")["next"] == "0.1.1.0"
    # Published now: nothing is pending any more.
    again = run_cli("release", "--repo", str(repo.root), "--dry-run")
    assert again.out.strip() == f"Nothing to release: HEAD is already released ({third})."


def test_unpublished_binding_changed_again_moves_on(run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    do_release(repo)
    sandbox.touch(repo, "fix shared", SHARED)
    second = do_release(repo, publish=("core", "ruby", "typescript"))
    sandbox.touch(repo, "fix python", PYTHON)

    python = binding(plan(run_cli, repo), "python")
    assert python["next"] == "0.1.1.1"
    assert python["reasons"] == ["1 binding file(s) changed",
                                 f"planned as 0.1.1.0 in {second}, never published"]


def test_unpublished_core_is_carried(run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    do_release(repo)
    sandbox.touch(repo, "server change", "tasker-orchestration/src/lib.rs")
    second = do_release(repo, publish=())  # crates.io was down: nothing published

    data = next_release(run_cli, repo)
    assert (data["core"]["current"], data["core"]["next"], data["core"]["changed"]) == (
        "0.1.1", "0.1.1", True)
    assert data["core"]["reasons"] == [f"planned as 0.1.1 in {second}, never published"]
    assert [b["next"] for b in data["bindings"]] == [None, None, None]
    third = do_release(repo)
    env = run_cli("versions", "--repo", str(repo.root), "--format", "env").out.splitlines()
    assert "NEXT_CORE_VERSION=0.1.1" in env and "CURRENT_CORE_VERSION=0.1.1" in env
    assert git.tag_commit(repo, "core-v0.1.1") == git.resolve(repo, third)


def test_skip_leaves_a_binding_out_and_carries_it(run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    do_release(repo)
    sandbox.touch(repo, "fix shared", SHARED)

    dry = run_cli("release", "--repo", str(repo.root), "--dry-run", "--skip", "python")
    assert dry.code == 0, dry.err
    assert "skipped: would be 0.1.1.0; carried forward to the next release" in dry.out
    assert "python-v" not in dry.out

    second = do_release(repo, skip=("python",))
    assert pyproject_version(repo) == "0.1.0.0"  # its files are not touched
    tagged = read_tag_plan(git.tag_message(repo, second))
    assert tagged is not None
    assert (binding(tagged, "python")["next"], binding(tagged, "python")["skipped"]) == (
        None, "0.1.1.0")
    assert ("- python (tasker-worker-py): skipped, would be 0.1.1.0; carried forward"
            in repo.out("log", "-1", "--format=%B"))
    # CI at the release tag sees the same plan: the skip travels in the tag.
    at_tag = plan(run_cli, repo)
    assert binding(at_tag, "python")["skipped"] == "0.1.1.0"
    env = run_cli("versions", "--repo", str(repo.root), "--format", "env").out.splitlines()
    assert "NEXT_PYTHON_VERSION=unchanged" in env

    # The next release brings it back, built on the current core.
    sandbox.touch(repo, "docs", "README.md")
    python = binding(plan(run_cli, repo), "python")
    assert python["next"] == "0.1.1.0"
    assert python["reasons"] == [f"skipped in {second} (would have been 0.1.1.0)"]
    do_release(repo)
    assert pyproject_version(repo) == "0.1.1.0"


@pytest.mark.parametrize("name", ["core", "java"])
def test_skip_takes_binding_names_only(run_cli: RunCli, example_repo: Repo, name: str) -> None:
    result = run_cli("release", "--repo", str(example_repo.root), "--dry-run", "--skip", name)
    assert result.code == 2
    assert f"--skip {name}: not a binding" in result.err


def test_a_carried_version_published_since_its_release_was_made_is_left_to_rest_by_ci(
        run_cli: RunCli, example_repo: Repo) -> None:
    """The maintainer released from a clone that had not fetched the component tags CI had
    pushed: the release carried Python forward as never published, while it was. CI at that
    release tag (which has every tag) plans the rest of the release, Python unchanged."""
    repo = example_repo
    first = do_release(repo, publish=())  # CI's tags are on origin only, for now
    sandbox.touch(repo, "fix(ruby): retry", "workers/ruby/lib/tasker_core.rb")
    second = do_release(repo, publish=())
    tagged = read_tag_plan(git.tag_message(repo, second))
    assert tagged is not None and binding(tagged, "python")["next"] == "0.1.0.0"  # carried
    sandbox.mark_published(repo, first)  # CI's clone: the first release was published

    data = plan(run_cli, repo)

    assert binding(data, "ruby")["next"] == "0.1.0.1"
    assert [binding(data, name)["next"] for name in ("python", "typescript")] == [None, None]
    # A version the repository no longer gives is still refused.
    sandbox.tag(repo, "ruby-v0.1.0.1", "published\n", ref=first)
    result = run_cli("versions", "--repo", str(repo.root), "--format", "json")
    assert result.code != 0 and "no longer gives the versions it planned" in result.err
