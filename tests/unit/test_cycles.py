"""Dependency cycles among published crates: every one at once, with the manifests, the
dev-dependency edges named, and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_tasks.cargo import workspace
from release_tasks.cargo.workspace import Workspace
from release_tasks.errors import ConfigError
from tests.unit.init_models import crate, dep


def _ws() -> Workspace:
    crates = [
        crate("core", "crates/core/Cargo.toml", dep("macros", "dev", "0.1.8")),
        crate("macros", "crates/macros/Cargo.toml", dep("core")),
        crate("svc", "crates/svc/Cargo.toml", dep("layer")),
        crate("layer", "crates/layer/Cargo.toml", dep("svc", "dev", "=0.1.8")),
        crate("tests", "crates/tests/Cargo.toml", dep("core", "dev", "*")),  # stripped: no cycle
        crate("leaf", "crates/leaf/Cargo.toml"),
    ]
    return Workspace(root_manifest="Cargo.toml", members=tuple(crates), target_directory=Path("t"))


def test_every_cycle_is_named_at_once_with_its_manifests_and_the_fix() -> None:
    ws = _ws()
    with pytest.raises(ConfigError) as caught:
        workspace.phases(ws, [c.name for c in ws.members])
    problems = caught.value.problems
    assert problems[0] == (
        "dependency cycle among published crates: core -> macros -> core: core "
        "(crates/core/Cargo.toml) dev-depends on macros with version '0.1.8' "
        "([dev-dependencies]); macros (crates/macros/Cargo.toml) depends on core")
    # Each cycle starts with the dev-dependency to drop.
    assert problems[1].startswith("dependency cycle among published crates: layer -> svc -> layer")
    assert "layer (crates/layer/Cargo.toml) dev-depends on svc with version '=0.1.8'" in problems[1]
    assert problems[2] == workspace.CYCLE_FIX and "drop the `version`" in problems[2]
    assert len(problems) == 3


def test_without_the_dev_versions_the_phases_are_cargos_layers() -> None:
    ws = _ws()
    names = ["core", "macros", "leaf"]
    fixed = Workspace(root_manifest="Cargo.toml", target_directory=Path("t"), members=(
        crate("core", "crates/core/Cargo.toml", dep("macros", "dev", "*")),
        *(c for c in ws.members if c.name != "core")))
    assert workspace.phases(fixed, names) == [["core", "leaf"], ["macros"]]


def test_cycles_finds_each_strongly_connected_group() -> None:
    graph = {"a": {"b"}, "b": {"a", "c"}, "c": set(), "d": {"e"}, "e": {"f"}, "f": {"d"},
             "g": {"g"}}
    assert workspace.cycles(graph) == [["a", "b", "a"], ["d", "e", "f", "d"], ["g", "g"]]


def test_every_dev_edge_of_one_tangle_is_named() -> None:
    """opendal: the facade depends on each service, and two services' tests dev-depend on
    the facade with a version: one strongly connected group, two edges to drop."""
    ws = Workspace(root_manifest="core/Cargo.toml", target_directory=Path("t"), members=(
        crate("opendal", "core/Cargo.toml", dep("foyer"), dep("goosefs"), dep("s3")),
        crate("foyer", "core/services/foyer/Cargo.toml", dep("opendal", "dev", "^0.58.2")),
        crate("goosefs", "core/services/goosefs/Cargo.toml", dep("opendal", "dev", "^0.58.2")),
        crate("s3", "core/services/s3/Cargo.toml", dep("opendal", "dev", "*"))))
    with pytest.raises(ConfigError) as caught:
        workspace.phases(ws, ["opendal", "foyer", "goosefs", "s3"])
    cycles = [p.split(": ")[1] for p in caught.value.problems[:-1]]
    assert cycles == ["foyer -> opendal -> foyer", "goosefs -> opendal -> goosefs"]
