"""The fixture repositories themselves, judged by cargo and git alone (no release stage).

Each shape is a valid cargo workspace with no external crate, whose lockfiles are exactly
what cargo would write; its members are the ones the fixture declares; its publish phases
are the layers of cargo's own dependency graph; its edits match its files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import trees
from tests.registries.tools import require_tool
from tests.trees import Fixture
from tests.trees.checks import cargo, git, lock_problem, metadata, nested_lock_problem
from tests.trees.oracle import apply, check_oracle, snapshot

pytestmark = pytest.mark.integration


@pytest.fixture(params=list(trees.SHAPES))
def fx(request: pytest.FixtureRequest, tmp_path: Path) -> Fixture:
    require_tool("cargo")
    return trees.build(request.param, tmp_path / "repo")


def _members(data: dict[str, Any]) -> list[dict[str, Any]]:
    ids = set(data["workspace_members"])
    return [p for p in data["packages"] if p["id"] in ids]


def test_every_crate_is_complete_and_depends_only_on_paths(fx: Fixture) -> None:
    roots = [metadata(fx.root, d) for d in fx.cargo_roots]
    members = _members(roots[0])

    assert {p["name"] for p in members} == {*fx.core_crates, *fx.other_members}
    for data in roots:
        for package in _members(data):
            assert package["description"] and package["license"], package["name"]
            assert all(Path(t["src_path"]).is_file() for t in package["targets"])
            assert {k for t in package["targets"] for k in t["kind"]} & {"lib", "cdylib"}
            for dep in package["dependencies"]:
                assert dep.get("path"), f"{package['name']} -> {dep['name']}: not a path"


def test_lockfiles_are_what_cargo_writes(fx: Fixture) -> None:
    problems = {d: lock_problem(fx.root, d) for d in fx.cargo_roots}
    problems |= {d: nested_lock_problem(fx.root, d) for d in fx.nested_locks}
    assert {d: p for d, p in problems.items() if p} == {}
    assert git(fx.root, "status", "--porcelain") == ""


def test_phases_are_the_layers_of_cargos_graph(fx: Fixture) -> None:
    """Normal and build edges, and dev edges that carry a version (cargo keeps those when
    publishing); version-less dev edges are stripped, so a dev cycle does not count."""
    members = {p["name"]: p for p in _members(metadata(fx.root))}
    core = set(fx.core_crates)
    deps = {name: {d["name"] for d in members[name]["dependencies"] if d["name"] in core
                   and (d["kind"] != "dev" or d["req"] != "*")} for name in core}
    layers: list[frozenset[str]] = []
    placed: set[str] = set()
    while placed != core:
        layer = frozenset(c for c in core - placed if deps[c] <= placed)
        assert layer, f"cycle among {sorted(core - placed)}"
        layers.append(layer)
        placed |= layer
    assert tuple(layers) == fx.phases


def test_the_edits_match_the_tree(fx: Fixture) -> None:
    check_oracle(snapshot(fx.root), fx.edits)
    assert not set(fx.must_keep) - set(snapshot(fx.root)), "a kept file does not exist"


def test_a_copy_is_independent_of_its_template(tmp_path: Path) -> None:
    first = trees.build("rooted", tmp_path / "one")
    (first.root / "VERSION").write_text("9.9.9\n")
    second = trees.build("rooted", tmp_path / "two")
    assert (second.root / "VERSION").read_text() == "0.1.8\n"


@pytest.mark.parametrize("name", trees.FIVE_STAGE_SHAPES)
def test_the_released_tree_the_edits_describe_is_one_cargo_accepts(
        tmp_path: Path, name: str) -> None:
    """The fixture's edits, written by the test itself: every lockfile still what cargo
    writes, and every core crate packages and verifies offline at the new version."""
    require_tool("cargo")
    fx = trees.build(name, tmp_path / "repo")
    apply(fx.root, fx.edits)

    problems = {d: lock_problem(fx.root, d) for d in fx.cargo_roots}
    problems |= {d: nested_lock_problem(fx.root, d) for d in fx.nested_locks}
    assert {d: p for d, p in problems.items() if p} == {}
    packaged = cargo(fx.root, ".", "package", "--offline", "--quiet", "--allow-dirty",
                     *(a for c in fx.core_crates for a in ("-p", c)))
    assert packaged.returncode == 0, packaged.stderr
    for crate in fx.core_crates:
        assert (fx.root / "target" / "package" / f"{crate}-{fx.next_core}.crate").is_file()
