"""Histories and bindings of real trees that the plan must respect, or refuse clearly.

Versions only go up in each registry's own order: on a tree that published three-part
versions before adopting the tool, a plan that would go backwards stops with exit 4,
naming the blocking tag and the way out; the way out then releases above every published
version. A lockfile that still names a renamed package is drift (exit 6). A maturin
binding that leaves its version to maturin (``dynamic``) is a clear error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import trees
from tests.integration.test_real_trees import ERROR_CODES, ok, run
from tests.registries.tools import require_tool
from tests.support import RunCli
from tests.trees import Fixture
from tests.trees.checks import git, registry_greater, repo_state, tagged_versions

pytestmark = pytest.mark.integration

REGISTRIES = {"ruby": "rubygems", "python": "pypi", "typescript": "npm"}


def shape(name: str, tmp_path: Path) -> Fixture:
    require_tool("cargo")
    return trees.build(name, tmp_path / "repo")


# --- versions that would go backwards ---------------------------------------------------------

@pytest.mark.parametrize("name", ["adopted-ruby", "adopted-ffi"])
def test_a_version_at_or_below_a_published_one_stops_the_plan(
        run_cli: RunCli, tmp_path: Path, name: str) -> None:
    """Gem 0.1.10 published on core 0.1.8: 0.1.8.0 and 0.1.9.0 < 0.1.10 on RubyGems, so the
    two-tier rule on the current core has nothing to offer."""
    fx = shape(name, tmp_path)
    assert fx.blocked is not None
    before = repo_state(fx.root)

    for stage in (("versions", "--format", "env"), ("versions", "--format", "json"),
                  ("release", "--dry-run")):
        result = run(run_cli, fx, *stage, *fx.blocked.args)
        assert result.code == fx.blocked.code, f"{stage}: {result.code}\n{result.err}"
        assert result.out == "", f"{stage} printed a plan it refused: {result.out}"
        for word in fx.blocked.names:
            assert word in result.err, f"{stage}: {word!r} not in {result.err}"
        assert any(way in result.err for way in fx.blocked.any_of), result.err
    assert repo_state(fx.root) == before


@pytest.mark.parametrize("name", trees.FIVE_STAGE_SHAPES)
def test_every_next_version_is_above_everything_tagged_and_written(
        run_cli: RunCli, tmp_path: Path, name: str) -> None:
    """In the registry's own order, above every tag of the component in any scheme and
    above its version file (a first release may release what the file says)."""
    fx = shape(name, tmp_path)
    plan = json.loads(ok(run_cli, fx, "versions", "--format", "json", *fx.plan_args).out)

    below = []
    core = plan["core"]
    if core["changed"]:
        below += [f"core {core['next']} <= tag core-v{t}" for t in
                  tagged_versions(fx.root, "core-v") if not registry_greater(
                      "crates-io", core["next"], t)]
    for b in plan["bindings"]:
        if not b["next"]:
            continue
        registry = REGISTRIES[b["name"]]
        below += [f"{b['name']} {b['rendering']} <= tag {b['name']}-v{t}" for t in
                  tagged_versions(fx.root, f"{b['name']}-v")
                  if not registry_greater(registry, b["rendering"], t)]
        if not plan["first_release"] and b["current"] and not registry_greater(
                registry, b["rendering"], b["current"]):
            below.append(f"{b['name']} {b['rendering']} <= its file's {b['current']}")
    assert below == []


def test_the_way_out_is_recorded_in_the_tag(run_cli: RunCli, tmp_path: Path) -> None:
    """``--bump minor`` leaves alpha; the tag's plan records it, so CI at the tag publishes
    0.2.0 and gem 0.2.0.0 without being told."""
    fx = shape("adopted-ruby", tmp_path)
    assert fx.plan_args == ("--bump", "minor")

    ok(run_cli, fx, "release", "--yes", "--bump", "minor")
    plan = json.loads(ok(run_cli, fx, "versions", "--format", "json").out)

    assert (plan["core"]["next"], plan["core"]["changed"]) == ("0.2.0", True)
    assert {b["name"]: b["next"] for b in plan["bindings"]} == {
        "ruby": "0.2.0.0", "python": None, "typescript": None}


@pytest.mark.parametrize(("core", "named"), [("0.1.8", ("0.1.8",)), ("0.1.7", ("0.1.7", "0.1.8")),
                                            ("0.1.9", ("0.1.10",))])
def test_a_chosen_core_cannot_go_back_either(run_cli: RunCli, tmp_path: Path, core: str,
                                             named: tuple[str, ...]) -> None:
    """``--core`` at or below the released core, or one that leaves the changed gem below
    its published 0.1.10, is refused as clearly as a computed version."""
    fx = shape("adopted-ruby", tmp_path)
    before = repo_state(fx.root)

    for stage in (("versions", "--format", "json"), ("release", "--dry-run")):
        result = run(run_cli, fx, *stage, "--core", core)
        assert result.code == 4, f"{stage} --core {core}: exit {result.code}\n{result.err}"
        assert all(word in result.err for word in named), result.err
    assert repo_state(fx.root) == before


# --- the base of detection ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["missing-tag", "by-hand"])
def test_the_base_is_the_last_release_whatever_marks_it(
        run_cli: RunCli, tmp_path: Path, name: str) -> None:
    """Component tags alone (CI failed before ``v0.1.7``), or a hand-made annotated tag
    without a plan: either marks the release that detection compares with."""
    fx = shape(name, tmp_path)
    assert fx.base_commit is not None

    data = json.loads(ok(run_cli, fx, "detect", "--format", "json").out)

    assert data["base_commit"] == fx.base_commit
    assert data["CHANGES_BASE_REF"] in git(fx.root, "tag", "--points-at", fx.base_commit).split()


# --- bindings whose files cannot be released as they are ------------------------------------

def test_a_lockfile_naming_the_old_package_is_drift(run_cli: RunCli, tmp_path: Path) -> None:
    fx = shape("renamed-stale-lockfiles", tmp_path)
    assert fx.blocked is not None
    before = repo_state(fx.root)

    for stage in (("versions", "--check"), ("release", "--dry-run")):
        result = run(run_cli, fx, *stage)
        assert result.code == fx.blocked.code, f"{stage}: {result.code}\n{result.err}"
        for word in fx.blocked.names:
            assert word in result.err, f"{stage}: {word!r} not in {result.err}"
        assert "@orbit/orbit" in result.err, result.err
    assert repo_state(fx.root) == before


def test_a_dynamic_python_version_is_a_clear_error(run_cli: RunCli, tmp_path: Path) -> None:
    """maturin takes a dynamic version from the crate, three parts only: the binding's
    X.Y.Z.P cannot be written there. Every stage says so, and changes nothing."""
    fx = shape("virtual-dynamic-python", tmp_path)
    before = repo_state(fx.root)

    for stage in (("versions", "--format", "json"), ("versions", "--check"),
                  ("release", "--dry-run"), ("update", "--core", "0.1.8", "--python", "0.1.8.0")):
        result = run(run_cli, fx, *stage)
        assert result.code in ERROR_CODES, f"{stage}: exit {result.code}\n{result.out}"
        assert "bindings/python/pyproject.toml" in result.err, result.err
        assert "dynamic" in result.err, result.err
    assert repo_state(fx.root) == before
