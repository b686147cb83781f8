"""The five stages on repositories shaped like real monorepos (see tests/trees).

On every shape: ``versions`` plans what the history calls for; ``release --dry-run``
changes nothing and names every file the release changes; ``release --yes`` writes exactly
the fixture's edits (every other file byte for byte as it was), after which ``versions
--check``, cargo and ``publish_crates --dry-run`` all agree; ``update`` writes the same
edits and a second run changes nothing. No stage ever ends in a traceback.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest

from release_tasks.errors import ReleaseError
from tests import trees
from tests.registries.tools import require_tool
from tests.support import CliResult, RunCli, parse_env
from tests.trees import Fixture
from tests.trees.checks import (
    block,
    crate_phases,
    git,
    lock_problem,
    metadata,
    nested_lock_problem,
    repo_state,
    stats,
)
from tests.trees.oracle import differences, release_differences, snapshot

pytestmark = pytest.mark.integration

#: The tokens are unset: a dry run only reports them missing, a release does not need them.
NO_CREDENTIALS = {name: "" for name in ("CARGO_REGISTRY_TOKEN", "GEM_HOST_API_KEY",
                                        "MATURIN_PYPI_TOKEN", "PYPI_TOKEN", "NPM_TOKEN")}


def _error_codes(cls: type[ReleaseError]) -> set[int]:
    return {cls.exit_code}.union(*(_error_codes(sub) for sub in cls.__subclasses__()))


#: Exit codes of the ReleaseError tree: a stage that refuses ends with one of these.
ERROR_CODES = _error_codes(ReleaseError)


def run(run_cli: RunCli, fx: Fixture, stage: str, *args: str) -> CliResult:
    """One stage on the fixture, in-process. An exception out of the CLI (which catches
    only ReleaseError) or a traceback in its output fails the test, naming the stage."""
    env = {**NO_CREDENTIALS, "CARGO_TARGET_DIR": str(fx.root.parent / "target"),
           "RELEASE_TASKS_CARGO_REGISTRY": ""}
    try:
        result = run_cli(stage, "--repo", str(fx.root), *args, env=env)
    except Exception as exc:  # the CLI handles only ReleaseError: anything else is a crash
        pytest.fail(f"{stage} {' '.join(args)} on {fx.name} crashed: {type(exc).__name__}: "
                    f"{exc}\n{traceback.format_exc()}")
    assert "Traceback (most recent call last)" not in result.out + result.err, result.err
    return result


def ok(run_cli: RunCli, fx: Fixture, stage: str, *args: str) -> CliResult:
    result = run(run_cli, fx, stage, *args)
    assert result.code == 0, f"{stage} {' '.join(args)} on {fx.name}: exit {result.code}\n{result.err}"
    return result


def release(run_cli: RunCli, fx: Fixture) -> CliResult:
    """``release --yes`` as the maintainer runs it (with the fixture's plan arguments)."""
    return ok(run_cli, fx, "release", "--yes", *fx.plan_args)


@pytest.fixture(params=trees.FIVE_STAGE_SHAPES)
def fx(request: pytest.FixtureRequest, tmp_path: Path) -> Fixture:
    require_tool("cargo")
    return trees.build(request.param, tmp_path / "repo")


# --- versions -------------------------------------------------------------------------------

def test_versions_plans_what_the_history_calls_for(run_cli: RunCli, fx: Fixture) -> None:
    plan = json.loads(ok(run_cli, fx, "versions", "--format", "json", *fx.plan_args).out)

    core = plan["core"]
    assert (core["current"], core["next"], core["changed"]) == (
        fx.current_core, fx.next_core, fx.core_released)
    assert {b["name"]: b["next"] for b in plan["bindings"]} == dict(fx.bindings)
    assert {b["name"]: b["rendering"] for b in plan["bindings"] if b["next"]} == dict(fx.renderings)
    if fx.base_commit is None:
        assert plan["first_release"] is True
    else:
        assert (plan["first_release"], plan["base_commit"]) == (False, fx.base_commit)


def test_versions_env_says_the_same(run_cli: RunCli, fx: Fixture) -> None:
    env = parse_env(ok(run_cli, fx, "versions", "--format", "env", *fx.plan_args).out)

    assert env["NEXT_CORE_VERSION"] == fx.next_core
    assert env["PUBLISH_CORE"] == ("true" if fx.core_released else "false")
    for name, version in fx.bindings.items():
        assert env[f"NEXT_{name.upper()}_VERSION"] == (version or "unchanged")


def test_versions_check_passes_before_the_release(run_cli: RunCli, fx: Fixture) -> None:
    """Missing pins and versions the release writes anyway are the plan, not drift."""
    before = repo_state(fx.root)

    ok(run_cli, fx, "versions", "--check")

    assert repo_state(fx.root) == before


# --- release --dry-run ----------------------------------------------------------------------

def test_release_dry_run_changes_nothing_and_names_every_file(run_cli: RunCli,
                                                              fx: Fixture) -> None:
    before = repo_state(fx.root)

    text = ok(run_cli, fx, "release", "--dry-run", *fx.plan_args)
    data = ok(run_cli, fx, "release", "--dry-run", "--format", "json", *fx.plan_args)

    assert repo_state(fx.root) == before
    assert set(block(text.out, "Files that will change:")) == fx.released_files
    summary = json.loads(data.out)["summary"]
    assert set(summary["files"]) == fx.released_files
    assert summary["tags"][1:] == list(fx.release_tags)
    if fx.core_released:
        assert [set(phase) for phase in summary["phases"]] == [set(p) for p in fx.phases]


# --- release --yes --------------------------------------------------------------------------

def test_release_writes_exactly_the_plan_and_commits_it(run_cli: RunCli, fx: Fixture) -> None:
    before = snapshot(fx.root)
    tags_before = set(git(fx.root, "tag").split())
    head_before = git(fx.root, "rev-parse", "HEAD").strip()

    release(run_cli, fx)

    assert release_differences(before, snapshot(fx.root), fx.edits) == []
    assert git(fx.root, "status", "--porcelain") == ""
    assert git(fx.root, "rev-parse", "HEAD~1").strip() == head_before
    committed = git(fx.root, "show", "--format=", "--name-only", "HEAD").split()
    assert set(committed) == fx.released_files
    (new_tag,) = set(git(fx.root, "tag").split()) - tags_before
    assert new_tag.startswith("release-")
    assert git(fx.root, "rev-parse", f"{new_tag}^{{commit}}") == git(fx.root, "rev-parse", "HEAD")


def test_after_the_release_every_check_agrees(run_cli: RunCli, fx: Fixture) -> None:
    release(run_cli, fx)

    ok(run_cli, fx, "versions", "--check")
    members = {p["name"] for p in metadata(fx.root)["packages"]}
    assert members == {*fx.core_crates, *fx.other_members}
    problems = {d: lock_problem(fx.root, d) for d in fx.cargo_roots}
    problems |= {d: nested_lock_problem(fx.root, d) for d in fx.nested_locks}
    assert {d: p for d, p in problems.items() if p} == {}


def test_after_the_release_publish_crates_dry_run_packages_every_core_crate(
        run_cli: RunCli, fx: Fixture) -> None:
    release(run_cli, fx)

    out = ok(run_cli, fx, "publish_crates", "--dry-run").out

    phases = crate_phases(out)
    assert [set(p) for p in phases] == [set(p) for p in fx.phases]
    assert {v for p in phases for v in p.values()} == {fx.next_core}
    for member in fx.other_members:
        assert f"Left out: {member} (" in out


def test_ci_at_the_release_tag_sees_the_plan_that_was_tagged(run_cli: RunCli,
                                                              fx: Fixture) -> None:
    """CI runs ``versions`` at the tag without the maintainer's arguments (--bump, --core):
    the tagged plan says what to publish."""
    release(run_cli, fx)

    env = parse_env(ok(run_cli, fx, "versions", "--format", "env").out)

    assert env["NEXT_CORE_VERSION"] == fx.next_core
    assert env["PUBLISH_CORE"] == ("true" if fx.core_released else "false")
    for name, version in fx.bindings.items():
        assert env[f"NEXT_{name.upper()}_VERSION"] == (version or "unchanged")


# --- update ---------------------------------------------------------------------------------

def test_update_writes_the_same_edits_and_a_second_run_changes_nothing(
        run_cli: RunCli, fx: Fixture) -> None:
    before = snapshot(fx.root)

    ok(run_cli, fx, "update", *fx.update_args)
    written, written_stats = snapshot(fx.root), stats(fx.root)
    ok(run_cli, fx, "update", *fx.update_args)
    dry = ok(run_cli, fx, "update", "--dry-run", *fx.update_args)

    assert differences(before, written, fx.edits) == []
    assert (snapshot(fx.root), stats(fx.root)) == (written, written_stats)
    assert dry.out == "# no file would change\n"


def test_update_dry_run_shows_every_file_and_writes_nothing(run_cli: RunCli,
                                                            fx: Fixture) -> None:
    before = repo_state(fx.root)

    out = ok(run_cli, fx, "update", "--dry-run", *fx.update_args).out

    assert repo_state(fx.root) == before
    shown = {line[len("+++ b/"):] for line in out.splitlines() if line.startswith("+++ b/")}
    assert shown == fx.must_change


# --- no traceback, whatever the shape -------------------------------------------------------

@pytest.mark.parametrize("name", list(trees.SHAPES))
def test_no_stage_ends_in_a_traceback(run_cli: RunCli, tmp_path: Path, name: str) -> None:
    """Every stage on every shape, even those that must refuse: an answer or a clear error."""
    require_tool("cargo")
    shape = trees.build(name, tmp_path / "repo")
    stages = [("detect", "--format", "json"), ("versions", "--format", "json"),
              ("versions", "--check"), ("release", "--dry-run"),
              ("update", "--dry-run", *shape.update_args), ("publish_crates", "--dry-run"),
              ("history",), ("edge",), ("release", "--yes", *shape.plan_args),
              ("update", *shape.update_args)]
    codes = {}
    for stage, *args in stages:
        result = run(run_cli, shape, stage, *args)
        codes[" ".join([stage, *args])] = result.code
        if result.code:
            assert result.err.strip(), f"{stage}: exit {result.code} without a word"
    assert set(codes.values()) <= {0} | ERROR_CODES, codes
