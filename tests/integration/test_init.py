"""``init`` on every real-tree shape (tests/trees), with real git and cargo.

Each shape's own ``release.toml`` is removed (committed, as a maintainer adopting the tool
would start), then ``init`` writes one from the tree, and ``release --dry-run`` uses it as it
stands: on every shape that releases, the plan is the one the fixture expects (versions,
renderings, files, tags, phases), and a real release writes exactly the fixture's edits; a
shape that must refuse refuses as with its own config. ``init`` never overwrites a
``release.toml``, and ``--print`` writes nothing.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests import trees
from tests.integration.test_real_trees import NO_CREDENTIALS
from tests.registries.tools import require_tool
from tests.support import CliResult, RunCli
from tests.trees import Fixture
from tests.trees.checks import git, repo_state
from tests.trees.oracle import release_differences, snapshot

pytestmark = pytest.mark.integration

USAGE = 2


def cli(run_cli: RunCli, root: Path, stage: str, *args: str) -> CliResult:
    env = {**NO_CREDENTIALS, "CARGO_TARGET_DIR": str(root.parent / "target"),
           "RELEASE_TASKS_CARGO_REGISTRY": ""}
    result = run_cli(stage, "--repo", str(root), *args, env=env)
    assert "Traceback (most recent call last)" not in result.out + result.err, result.err
    return result


def adopting(name: str, tmp_path: Path) -> Fixture:
    """Shape ``name`` as it was before its release.toml: that file removed and committed."""
    require_tool("cargo")
    fx = trees.build(name, tmp_path / "repo")
    if (fx.root / "release.toml").exists():
        git(fx.root, "rm", "--quiet", "release.toml")
        git(fx.root, "commit", "--quiet", "-m", "Start over without release.toml")
    return fx


def init_ok(run_cli: RunCli, fx: Fixture, *args: str) -> CliResult:
    """``init``; what it changed in a tracked file (``.nox/`` in .gitignore) is committed, as
    the maintainer does before ``release`` (which refuses modified tracked files)."""
    result = cli(run_cli, fx.root, "init", *args)
    assert result.code == 0, result.err
    if git(fx.root, "status", "--porcelain", "--", ".gitignore").startswith(" M"):
        git(fx.root, "commit", "--quiet", "-m", "Ignore .nox/", "--", ".gitignore")
    return result


@pytest.mark.parametrize("name", trees.FIVE_STAGE_SHAPES)
def test_init_then_release_dry_run_plans_what_the_fixture_expects(
        run_cli: RunCli, tmp_path: Path, name: str) -> None:
    fx = adopting(name, tmp_path)

    written = init_ok(run_cli, fx)
    before = repo_state(fx.root)
    versions = cli(run_cli, fx.root, "versions", "--format", "json", *fx.plan_args)
    dry = cli(run_cli, fx.root, "release", "--dry-run", "--format", "json", *fx.plan_args)

    assert "init: wrote" in written.err and written.out == ""
    assert (versions.code, dry.code) == (0, 0), versions.err + dry.err
    assert repo_state(fx.root) == before
    plan, summary = json.loads(versions.out), json.loads(dry.out)["summary"]
    core = plan["core"]
    assert (core["current"], core["next"], core["changed"]) == (
        fx.current_core, fx.next_core, fx.core_released)
    assert {b["name"]: b["next"] for b in plan["bindings"]} == dict(fx.bindings)
    assert {b["name"]: b["rendering"] for b in plan["bindings"] if b["next"]} == dict(fx.renderings)
    assert set(summary["files"]) == fx.released_files
    assert summary["tags"][1:] == list(fx.release_tags)
    if fx.core_released:
        assert [set(p) for p in summary["phases"]] == [set(p) for p in fx.phases]


@pytest.mark.parametrize("name", ["rooted", "virtual", "starting-state"])
def test_init_committed_then_release_writes_exactly_the_fixture_edits(
        run_cli: RunCli, tmp_path: Path, name: str) -> None:
    fx = adopting(name, tmp_path)
    written = init_ok(run_cli, fx)
    # The requirement the release workflow's jobs install the tool from, at this version.
    assert "init: wrote .github/release-tasks.txt (release-tasks==" in written.err
    assert "release-tasks==" in (fx.root / ".github" / "release-tasks.txt").read_text("utf-8")
    git(fx.root, "add", "--all")  # release.toml, the schema it names, .gitignore, the tool's pin
    git(fx.root, "commit", "--quiet", "-m", "Release with release-tasks")
    before = snapshot(fx.root)

    result = cli(run_cli, fx.root, "release", "--yes", *fx.plan_args)

    assert result.code == 0, result.err
    assert release_differences(before, snapshot(fx.root), fx.edits) == []
    assert git(fx.root, "status", "--porcelain") == ""


@pytest.mark.parametrize("name", ["adopted-ruby", "adopted-ffi", "renamed-stale-lockfiles"])
def test_a_plan_that_must_stop_stops_as_with_the_fixtures_own_config(
        run_cli: RunCli, tmp_path: Path, name: str) -> None:
    fx = adopting(name, tmp_path)
    assert fx.blocked is not None, f"{name} is expected to refuse without arguments"

    written = init_ok(run_cli, fx)
    result = cli(run_cli, fx.root, "release", "--dry-run", *fx.blocked.args)

    assert result.code == fx.blocked.code, result.err
    assert all(word in result.err for word in fx.blocked.names), result.err
    assert not fx.blocked.any_of or any(w in result.err for w in fx.blocked.any_of), result.err
    if name == "renamed-stale-lockfiles":  # init said so first
        assert "note: bindings/typescript/package-lock.json: name is '@orbit/worker'" in written.err


def test_a_dynamic_python_version_is_left_commented_out_and_the_rest_releases(
        run_cli: RunCli, tmp_path: Path) -> None:
    fx = adopting("virtual-dynamic-python", tmp_path)

    written = init_ok(run_cli, fx)
    dry = cli(run_cli, fx.root, "release", "--dry-run")

    text = (fx.root / "release.toml").read_text(encoding="utf-8")
    assert "# [bindings.python]" in text
    assert [*tomllib.loads(text)["bindings"]] == ["ruby", "typescript"]
    assert 'not active: bindings/python/pyproject.toml has dynamic = ["version"]' in written.err
    # Only the Python binding changed, and it is not configured yet: nothing to release.
    assert dry.code == 0, dry.err
    assert "Nothing to release: no component changed since v0.1.8." in dry.out


def test_init_refuses_to_overwrite_and_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    require_tool("cargo")
    fx = trees.build("rooted", tmp_path / "repo")
    before = repo_state(fx.root)

    result = cli(run_cli, fx.root, "init")

    assert result.code == USAGE
    assert f"{fx.root / 'release.toml'} already exists; init never overwrites it" in result.err
    assert "release-tasks init --print" in result.err
    assert repo_state(fx.root) == before


def test_print_writes_nothing_and_shows_what_init_writes(run_cli: RunCli, tmp_path: Path) -> None:
    fx = adopting("virtual", tmp_path)
    before = repo_state(fx.root)

    shown = init_ok(run_cli, fx, "--print")
    assert repo_state(fx.root) == before
    also = init_ok(run_cli, fx, "--dry-run")
    assert repo_state(fx.root) == before
    init_ok(run_cli, fx)

    assert shown.out == also.out == (fx.root / "release.toml").read_text(encoding="utf-8")
    assert "init: core group ffi: nimbus-proto, nimbus-core, nimbus-runtime" in shown.err
    assert "init: left out of the core: nimbus-macros: at its own version 0.1.6" in shown.err


def test_from_a_subdirectory_it_writes_at_the_top_level(run_cli: RunCli, tmp_path: Path) -> None:
    fx = adopting("rooted", tmp_path)

    result = cli(run_cli, fx.root / "bindings" / "ruby", "init")

    assert result.code == 0, result.err
    assert (fx.root / "release.toml").is_file()
    assert not (fx.root / "bindings" / "ruby" / "release.toml").exists()


def test_a_missing_version_file_is_written_from_the_crates(run_cli: RunCli, tmp_path: Path) -> None:
    fx = adopting("rooted", tmp_path)
    git(fx.root, "rm", "--quiet", "VERSION")
    git(fx.root, "commit", "--quiet", "-m", "No VERSION yet")

    result = init_ok(run_cli, fx)

    assert (fx.root / "VERSION").read_text(encoding="utf-8") == "0.1.8\n"
    assert "does not exist: init writes it" in result.err
    assert f"init: wrote {fx.root / 'VERSION'}" in result.err


def test_a_fresh_init_commits_nothing_of_this_machine(run_cli: RunCli, tmp_path: Path) -> None:
    fx = adopting("rooted", tmp_path)

    result = init_ok(run_cli, fx)

    text = (fx.root / "release.toml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "#:schema .github/release-tasks.schema.json"
    schema = fx.root / ".github" / "release-tasks.schema.json"
    assert json.loads(schema.read_text(encoding="utf-8"))["title"] == "release.toml"
    # Nothing written names a path of this machine: not the tool's, not the checkout's.
    for path in (fx.root / "release.toml", schema, fx.root / ".gitignore"):
        written = path.read_text(encoding="utf-8")
        assert str(tmp_path) not in written and "site-packages" not in written, path
        assert "file://" not in written, path
    # nox's environments are ignored: `git add --all` after a stage takes no venv.
    (fx.root / ".nox" / "x").mkdir(parents=True)
    (fx.root / ".nox" / "x" / "bin").write_text("a venv\n", encoding="utf-8")
    assert ".nox" not in git(fx.root, "status", "--porcelain", "--untracked-files=all")
    assert (fx.root / ".gitignore").read_text(encoding="utf-8").splitlines().count(".nox/") == 1
    # The maturin binding builds wheels that differ from checkout to checkout: offered the fix.
    assert "init: bindings/python/pyproject.toml: maturin embeds an SBOM" in result.err
    assert "[tool.maturin.sbom]\n      rust = false" in result.err
    # The next steps go all the way, the workflow included.
    steps = result.err[result.err.index("init: next steps:"):]
    assert "`nox -s workflow` writes .github/workflows/release.yml" in steps
    assert "`nox -s release -- --dry-run`" in steps and "`nox -s release -- --push`" in steps

    # The maintainer's dry run shows the SBOM warning the CI publish would give.
    git(fx.root, "add", "--all")
    git(fx.root, "commit", "--quiet", "-m", "Release with release-tasks")
    dry = cli(run_cli, fx.root, "release", "--dry-run", *fx.plan_args)
    assert dry.code == 0, dry.err
    assert "maturin embeds an SBOM" in dry.err


def test_gitignore_already_ignoring_nox_is_left_alone(run_cli: RunCli, tmp_path: Path) -> None:
    fx = adopting("virtual", tmp_path)
    (fx.root / ".gitignore").write_text("/target\n.nox\n", encoding="utf-8")
    git(fx.root, "add", ".gitignore")
    git(fx.root, "commit", "--quiet", "-m", "ignore nox")

    init_ok(run_cli, fx)

    assert (fx.root / ".gitignore").read_text(encoding="utf-8") == "/target\n.nox\n"


def test_the_core_releases_tagged_another_way_are_found_as_releases(
        run_cli: RunCli, tmp_path: Path) -> None:
    """polars tags its crates' releases ``rs-X.Y.Z``: init keeps that prefix, so the next
    plan compares with the last of them instead of planning a first release."""
    fx = adopting("rooted", tmp_path)
    for tag in git(fx.root, "tag", "--list", "v*", "core-v*").split():
        version = tag.removeprefix("core-").removeprefix("v")
        if not git(fx.root, "tag", "--list", f"rs-{version}"):
            git(fx.root, "tag", f"rs-{version}", f"{tag}^{{commit}}")
        git(fx.root, "tag", "--delete", tag)
    assert git(fx.root, "tag", "--list", "rs-*"), "the fixture has core releases"

    result = init_ok(run_cli, fx)

    assert f"init: core tags rs-X.Y.Z (the tag rs-{fx.current_core}" in result.err
    config = tomllib.loads((fx.root / "release.toml").read_text(encoding="utf-8"))
    assert config["core"]["tag-prefix"] == "rs-"
    assert "rs-*" in config["project"]["release-tag-patterns"]
    versions = cli(run_cli, fx.root, "versions", "--format", "json", *fx.plan_args)
    assert versions.code == 0, versions.err
    plan = json.loads(versions.out)
    assert plan["first_release"] is False and plan["base_ref"].startswith("rs-"), plan
    assert plan["core"]["current"] == fx.current_core
