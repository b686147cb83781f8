"""``release_page`` on a real release of the example, against a local stand-in of GitHub's
releases endpoints: one Release per release tag, created once, unchanged by a re-run, and
completed by the run after a failed job succeeded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from release_tasks import sandbox
from release_tasks.git.repo import Repo
from tests.registries.github_releases import GitHubReleases
from tests.support import RunCli

pytestmark = pytest.mark.integration


@pytest.fixture
def github() -> Iterator[GitHubReleases]:
    with GitHubReleases() as server:
        yield server


def test_one_release_per_tag_idempotent_and_completed_later(
        example_repo: Repo, run_cli: RunCli, github: GitHubReleases) -> None:
    repo = example_repo
    assert run_cli("release", "--yes", "--repo", str(repo.root)).code == 0
    tag = repo.out("tag", "--list", "release-*")
    # CI: the crates, the gem and the npm package went out; PyPI failed.
    sandbox.mark_published(repo, tag, only=("core", "ruby", "typescript"))
    env = {"GITHUB_REPOSITORY": "tasker-systems/tasker-core", "GITHUB_TOKEN": github.token,
           "GITHUB_API_URL": github.url, "CORE_RESULT": "success", "CORE_STATE": "complete",
           "RESULT_RUBY": "success", "STATE_RUBY": "complete", "RESULT_PYTHON": "failure",
           "STATE_PYTHON": "planned", "RESULT_TYPESCRIPT": "success",
           "STATE_TYPESCRIPT": "complete"}

    def page(**more: str) -> str:
        result = run_cli("release_page", "--repo", str(repo.root), env={**env, **more})
        assert result.code == 0, result.err
        return result.out.strip()

    assert page() == f"GitHub Release {tag}: created"
    assert page() == f"GitHub Release {tag}: unchanged"
    assert github.writes() == [("POST", "/repos/tasker-systems/tasker-core/releases")]
    [release] = github.releases.values()
    body = release["body"]
    assert release["tag_name"] == release["name"] == tag
    assert "**Not published (yet):** `tasker-worker-py` 0.1.0.0." in body
    assert "https://rubygems.org/gems/tasker-worker-rb/versions/0.1.0.0" in body
    assert "https://www.npmjs.com/package/@tasker-systems/worker/v/0.1.0" in body
    assert "## Changes\n\n### core 0.1.0" in body and "- Import tasker-core (" in body
    assert "Depending on this tag from git" in body and f"tag = \"{tag}\"" in body
    # The PyPI job re-run and succeeded: the same page, completed.
    sandbox.mark_published(repo, tag, only=("python",))
    assert page(RESULT_PYTHON="success", STATE_PYTHON="complete") == \
        f"GitHub Release {tag}: updated"
    assert page(RESULT_PYTHON="success", STATE_PYTHON="complete") == \
        f"GitHub Release {tag}: unchanged"
    assert len(github.releases) == 1
    assert "Not published" not in github.releases[1]["body"]
    assert [m for m, _ in github.writes()] == ["POST", "PATCH"]
    dry = run_cli("release_page", "--dry-run", "--tag", tag, "--repo", str(repo.root), env=env)
    assert dry.code == 0 and dry.out.startswith(f"Release `{tag}`.")
    refused = run_cli("release_page", "--repo", str(repo.root),
                      env={**env, "GITHUB_TOKEN": "wrong"})
    assert refused.code == 15 and "Bad credentials" in refused.err
