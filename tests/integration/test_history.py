"""``history`` on real repositories: releases made by ``release``, component tags made by hand
as CI makes them, and the odd tags a long-lived repository collects."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from release_tasks import release, sandbox
from release_tasks.git.repo import Repo
from release_tasks.history import releases as history
from release_tasks.project import open_project
from tests.support import RunCli

pytestmark = pytest.mark.integration

NOV_02 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOV_09 = datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
NOV_16 = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
FIRST = ("core-v0.1.0", "ruby-v0.1.0.0", "python-v0.1.0.0", "typescript-v0.1.0.0")


def do_release(repo: Repo, now: datetime) -> str:
    """Run the real ``release`` stage; return the release tag it created."""
    summary, _ = release.run_release(open_project(repo.root), dict(os.environ), dry_run=False,
                                     from_ref=None, yes=True, push=False, confirm=None, now=now)
    assert summary is not None
    return summary.release_tag


def publish(repo: Repo, release_tag: str, *tags: str) -> None:
    """What CI does after each successful publish: an annotated tag on the release commit."""
    for tag in tags:
        sandbox.tag(repo, tag, f"{tag} published\n", ref=release_tag)


def commit_of(repo: Repo, ref: str) -> str:
    return repo.out("rev-parse", f"{ref}^{{commit}}")


def tag_date(repo: Repo, tag: str) -> str:
    unix = repo.out("for-each-ref", f"refs/tags/{tag}", "--format=%(creatordate:unix)")
    return datetime.fromtimestamp(int(unix), UTC).isoformat()


@pytest.fixture
def three_releases(example_repo: Repo) -> tuple[Repo, list[str]]:
    """First release (all published), a Ruby fix (published), then a server-only change
    with a Python fix: core 0.1.1 published, python 0.1.1.0 not (yet)."""
    repo = example_repo
    r1 = do_release(repo, NOV_02)
    publish(repo, r1, *FIRST)
    sandbox.touch(repo, "fix(ruby): retry", "workers/ruby/lib/tasker_core.rb")
    r2 = do_release(repo, NOV_09)
    publish(repo, r2, "ruby-v0.1.0.1")
    sandbox.touch(repo, "feat(orchestration): batch", "tasker-orchestration/src/lib.rs")
    sandbox.touch(repo, "fix(python): close", "workers/python/python/tasker_worker/__init__.py")
    r3 = do_release(repo, NOV_16)
    publish(repo, r3, "core-v0.1.1")
    return repo, [r1, r2, r3]


def history_json(run_cli: RunCli, root: Path) -> dict[str, Any]:
    result = run_cli("history", "--repo", str(root), "--format", "json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)  # stdout is the JSON document alone
    return data


def test_releases_newest_first_with_commits_dates_and_plans(
        three_releases: tuple[Repo, list[str]], run_cli: RunCli) -> None:
    repo, (r1, r2, r3) = three_releases
    data = history_json(run_cli, repo.root)

    assert [r["tag"] for r in data["releases"]] == [r3, r2, r1]
    for entry in data["releases"]:
        assert entry["commit"] == commit_of(repo, entry["tag"])
        assert entry["date"] == tag_date(repo, entry["tag"])
        assert entry["has_plan"] is True
        # The release commit is the bump commit; the plan was made from its parent.
        assert entry["source_commit"] == commit_of(repo, f"{entry['tag']}~1")
    by_tag = {r["tag"]: r for r in data["releases"]}
    assert by_tag[r1]["first_release"] is True
    assert by_tag[r1]["summary"] == ("first release: core 0.1.0, ruby 0.1.0.0, python 0.1.0.0, "
                                     "typescript 0.1.0.0")
    assert by_tag[r2]["summary"] == "ruby 0.1.0.0 -> 0.1.0.1"
    assert by_tag[r3]["summary"] == "core 0.1.0 -> 0.1.1, python 0.1.0.0 -> 0.1.1.0"
    assert [(c["component"], c["version"], c["tag"], c["published"])
            for c in by_tag[r3]["components"]] == [
        ("core", "0.1.1", "core-v0.1.1", True),
        ("python", "0.1.1.0", "python-v0.1.1.0", False)]
    assert by_tag[r3]["components"][0]["published_at"] == tag_date(repo, "core-v0.1.1")
    assert all(c["problem"] is None for r in data["releases"] for c in r["components"])


def test_published_versions_per_component(three_releases: tuple[Repo, list[str]],
                                          run_cli: RunCli) -> None:
    repo, (r1, r2, r3) = three_releases
    data = history_json(run_cli, repo.root)
    components = data["components"]
    assert list(components) == ["core", "ruby", "python", "typescript"]
    assert components["core"]["registry"] == "crates-io"
    assert "tasker-shared" in components["core"]["packages"]
    assert components["ruby"]["packages"] == ["tasker-worker-rb"]

    def versions(name: str) -> list[tuple[str, str, str | None]]:
        return [(v["version"], v["tag"], v["release_tag"]) for v in components[name]["versions"]]

    assert versions("core") == [("0.1.1", "core-v0.1.1", r3), ("0.1.0", "core-v0.1.0", r1)]
    assert versions("ruby") == [("0.1.0.1", "ruby-v0.1.0.1", r2),
                                ("0.1.0.0", "ruby-v0.1.0.0", r1)]
    assert versions("python") == [("0.1.0.0", "python-v0.1.0.0", r1)]
    for name in components:
        for v in components[name]["versions"]:
            assert v["commit"] == commit_of(repo, v["release_tag"])
            assert v["date"] == tag_date(repo, v["tag"])


def test_unpublished_planned_versions(three_releases: tuple[Repo, list[str]],
                                      run_cli: RunCli) -> None:
    repo, (_, _, r3) = three_releases
    data = history_json(run_cli, repo.root)
    assert [(u["component"], u["version"], u["tag"], u["release_tag"], u["superseded_by"])
            for u in data["unpublished"]] == [
        ("python", "0.1.1.0", "python-v0.1.1.0", r3, None)]

    # CI publishes it later: nothing is left unpublished.
    publish(repo, r3, "python-v0.1.1.0")
    assert history_json(run_cli, repo.root)["unpublished"] == []


def test_text_output(three_releases: tuple[Repo, list[str]], run_cli: RunCli) -> None:
    repo, (r1, r2, r3) = three_releases
    result = run_cli("history", "--repo", str(repo.root))
    assert result.code == 0, result.err
    text = result.out
    assert text.index(r3) < text.index(r2) < text.index(r1)
    assert f"{r3}  " in text and f"commit {commit_of(repo, r3)[:12]}" in text
    assert "plan: ruby 0.1.0.0 -> 0.1.0.1" in text
    assert "UNPUBLISHED (no tag python-v0.1.1.0)" in text
    assert "Planned but not published:" in text
    assert f"python 0.1.1.0 ({r3}): no tag python-v0.1.1.0" in text
    assert "git fetch --tags" in text
    assert "ruby (rubygems: tasker-worker-rb)" in text
    assert "typescript (npm: @tasker-systems/worker)" in text


def test_a_failed_publish_followed_by_a_later_one_is_superseded(example_repo: Repo,
                                                                 run_cli: RunCli) -> None:
    """ruby 0.1.0.1 never got its tag; a later release published ruby 0.1.0.2."""
    repo = example_repo
    r1 = do_release(repo, NOV_02)
    publish(repo, r1, *FIRST)
    sandbox.touch(repo, "fix(ruby): one", "workers/ruby/lib/tasker_core.rb")
    r2 = do_release(repo, NOV_09)  # ruby 0.1.0.1, never published
    sandbox.touch(repo, "fix(ruby): two", "workers/ruby/lib/tasker_core.rb")
    r3 = do_release(repo, NOV_16)
    data = history_json(run_cli, repo.root)
    planned = {r["tag"]: r["components"] for r in data["releases"]}
    assert [(c["component"], c["version"]) for c in planned[r2]] == [("ruby", "0.1.0.1")]
    (r3_ruby,) = [c for c in planned[r3] if c["component"] == "ruby"]
    publish(repo, r3, r3_ruby["tag"])

    data = history_json(run_cli, repo.root)
    assert [(u["component"], u["version"], u["release_tag"], u["superseded_by"])
            for u in data["unpublished"]] == [("ruby", "0.1.0.1", r2, r3_ruby["version"])]


def test_hand_made_tags(example_repo: Repo, run_cli: RunCli) -> None:
    """A v* release tag without a plan, lightweight and hand-made component tags, a tag of a
    tag, a component tag on the wrong commit, and tags that are neither kind."""
    repo = example_repo
    sandbox.tag(repo, "v0.0.9")                            # lightweight, no plan
    sandbox.tag(repo, "ruby-v0.0.9.0", "hand-made\n")      # annotated, no plan names it
    sandbox.tag(repo, "python-v0.0.9.0")                   # lightweight
    sandbox.tag(repo, "core-vnext", "not a version\n")     # ignored
    sandbox.tag(repo, "nightly", "unrelated\n")            # ignored
    start = commit_of(repo, "HEAD")
    sandbox.touch(repo, "fix(shared): ordering", "tasker-shared/src/lib.rs")
    r1 = do_release(repo, NOV_02)  # core 0.1.1, every binding 0.1.1.0
    publish(repo, r1, "core-v0.1.1", "ruby-v0.1.1.0")
    sandbox.tag(repo, "python-v0.1.1.0", "published from the wrong commit\n", ref=start)
    # A tag of a tag still names its commit.
    sandbox.tag(repo, "typescript-v0.1.1.0", "tag of a tag\n", ref="ruby-v0.1.1.0")

    data = history_json(run_cli, repo.root)
    assert [r["tag"] for r in data["releases"]] == [r1, "v0.0.9"]
    (v009,) = [r for r in data["releases"] if r["tag"] == "v0.0.9"]
    assert v009["has_plan"] is False and v009["components"] == []
    assert v009["commit"] == start
    versions = {name: [(v["version"], v["release_tag"], v["commit"]) for v in c["versions"]]
                for name, c in data["components"].items()}
    release_commit = commit_of(repo, r1)
    assert versions["ruby"] == [("0.1.1.0", r1, release_commit), ("0.0.9.0", "v0.0.9", start)]
    assert versions["python"] == [("0.1.1.0", r1, start), ("0.0.9.0", "v0.0.9", start)]
    assert versions["typescript"] == [("0.1.1.0", r1, release_commit)]
    assert versions["core"] == [("0.1.1", r1, release_commit)]
    (r1_entry,) = [r for r in data["releases"] if r["tag"] == r1]
    problems = {c["component"]: c["problem"] for c in r1_entry["components"]}
    assert problems["python"] == (f"python-v0.1.1.0 is on commit {start[:12]}, not on the "
                                  f"release commit {release_commit[:12]}")
    assert problems["ruby"] is None and problems["typescript"] is None
    assert data["unpublished"] == []

    text = run_cli("history", "--repo", str(repo.root)).out
    assert "(no release plan in this tag)" in text
    assert f"warning: python-v0.1.1.0 is on commit {start[:12]}" in text


def test_a_signed_release_tag_still_yields_its_plan(example_repo: Repo) -> None:
    """git keeps a tag's signature at the end of its message; the plan is read without it."""
    repo = example_repo
    r1 = do_release(repo, NOV_02)
    message = repo.out("for-each-ref", f"refs/tags/{r1}", "--format=%(contents)")
    signature = ("-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n"
                 "-----END PGP SIGNATURE-----\n")
    repo.out("tag", "-d", r1)
    sandbox.tag(repo, r1, message + "\n" + signature, ref="HEAD")
    tags = {t.name: t for t in history.read_tags(repo)}
    assert signature.strip() not in tags[r1].message
    built = history.build(open_project(repo.root))
    assert built.releases[0].plan is not None
    assert built.releases[0].plan.core.next.patch == 0


def test_a_release_left_out_with_skip_shows_it(example_repo: Repo, run_cli: RunCli) -> None:
    repo = example_repo
    summary, _ = release.run_release(open_project(repo.root), dict(os.environ), dry_run=False,
                                     from_ref=None, yes=True, push=False, confirm=None,
                                     now=NOV_02, skip=("python",))
    assert summary is not None
    data = history_json(run_cli, repo.root)
    (entry,) = data["releases"]
    assert entry["skipped"] == [{"component": "python", "version": "0.1.0.0"}]
    assert "python" not in [c["component"] for c in entry["components"]]
    assert [u["component"] for u in data["unpublished"]] == ["core", "ruby", "typescript"]


def test_no_tags_at_all(example_repo: Repo, run_cli: RunCli) -> None:
    result = run_cli("history", "--repo", str(example_repo.root))
    assert result.code == 0
    assert result.out.strip() == f"No release tags and no component tags in {example_repo.root}."
    assert history_json(run_cli, example_repo.root) == {
        "releases": [], "unpublished": [],
        "components": {name: {"registry": registry, "packages": packages, "tag_prefix": prefix,
                              "versions": []}
                       for name, registry, packages, prefix in [
                           ("core", "crates-io", ["tasker-pgmq", "tasker-shared", "tasker-worker",
                                                  "tasker-client", "tasker-orchestration",
                                                  "tasker-cli"], "core-v"),
                           ("ruby", "rubygems", ["tasker-worker-rb"], "ruby-v"),
                           ("python", "pypi", ["tasker-worker-py"], "python-v"),
                           ("typescript", "npm", ["@tasker-systems/worker"], "typescript-v")]}}


def test_a_shallow_clone_warns(three_releases: tuple[Repo, list[str]], tmp_path: Path,
                               run_cli: RunCli) -> None:
    repo, _ = three_releases
    clone = tmp_path / "shallow"
    sandbox_git = Repo(tmp_path)
    sandbox_git.out("clone", "--quiet", "--depth", "1", repo.root.as_uri(), str(clone))
    result = run_cli("history", "--repo", str(clone))
    assert result.code == 0
    assert "shallow clone" in result.err
    assert "shallow" not in result.out


def test_not_a_repository(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("history", "--repo", str(tmp_path))
    assert result.code == 5  # GitError
    assert "not inside a git repository" in result.err
    assert result.out == ""


def test_a_carried_forward_version_is_listed_once(example_repo: Repo, run_cli: RunCli) -> None:
    """ruby 0.1.0.1 is not published after r2; r3 plans it again, and CI tags r3's commit."""
    repo = example_repo
    r1 = do_release(repo, NOV_02)
    publish(repo, r1, *FIRST)
    sandbox.touch(repo, "fix(ruby): retry", "workers/ruby/lib/tasker_core.rb")
    r2 = do_release(repo, NOV_09)
    sandbox.touch(repo, "fix(python): close", "workers/python/python/tasker_worker/__init__.py")
    r3 = do_release(repo, NOV_16)
    data = history_json(run_cli, repo.root)
    planned = {r["tag"]: {c["component"]: c for c in r["components"]} for r in data["releases"]}
    assert planned[r3]["ruby"]["version"] == planned[r2]["ruby"]["version"] == "0.1.0.1"
    assert planned[r2]["ruby"]["carried_to"] == r3
    assert planned[r3]["ruby"]["carried_to"] is None
    # Only the release that still has it lists it as unpublished.
    assert [(u["component"], u["version"], u["release_tag"]) for u in data["unpublished"]] == [
        ("ruby", "0.1.0.1", r3), ("python", "0.1.0.1", r3)]

    publish(repo, r3, "ruby-v0.1.0.1", "python-v0.1.0.1")
    data = history_json(run_cli, repo.root)
    planned = {r["tag"]: {c["component"]: c for c in r["components"]} for r in data["releases"]}
    assert planned[r2]["ruby"]["published"] is True
    assert planned[r2]["ruby"]["problem"] is None  # on r3's commit, as carried forward
    assert data["unpublished"] == []
    (ruby,) = data["components"]["ruby"]["versions"][:1]
    assert (ruby["version"], ruby["release_tag"]) == ("0.1.0.1", r3)
    text = run_cli("history", "--repo", str(repo.root)).out
    assert f"(from {r3})" in text


def test_a_summary_line_shows_one_rendering(example_repo: Repo, run_cli: RunCli) -> None:
    """npm's package.json holds 0.1.0 (0.1.0.0): the line says 0.1.0.0 -> 0.1.0.1, the
    rendering of the version after it, not npm's spelling of the one before."""
    repo = example_repo
    publish(repo, do_release(repo, NOV_02), *FIRST)
    sandbox.touch(repo, "fix(typescript): retry", "workers/typescript/src/index.ts")
    second = do_release(repo, NOV_09)
    by_tag = {r["tag"]: r for r in history_json(run_cli, repo.root)["releases"]}
    assert by_tag[second]["summary"] == "typescript 0.1.0.0 -> 0.1.0.1"
    message = repo.out("log", "-1", "--format=%B", second)
    assert "- typescript (@tasker-systems/worker): 0.1.0.0 -> 0.1.0.1 [npm: 0.1.1]" in message
