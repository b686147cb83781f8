"""What cargo and the registry would refuse, read from cargo's own model of real workspaces,
and the publish plan built from it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from release_tasks.cargo import workspace
from release_tasks.config import load as config_mod
from release_tasks.model.version import CoreVersion
from release_tasks.publish.crates import checks as crate_checks
from release_tasks.publish.crates.phases import make_plan
from release_tasks.sandbox import EXAMPLE

pytestmark = pytest.mark.integration

PHASES = [["tasker-pgmq"], ["tasker-shared"], ["tasker-client", "tasker-orchestration"],
          ["tasker-worker", "tasker-cli"]]
V010 = CoreVersion(0, 1, 0)


def _config(groups: Mapping[str, Any] | None = None) -> config_mod.Config:
    data = dict(config_mod.DEFAULT_CONFIG)
    if groups is not None:
        data["core"] = {**data["core"], "groups": groups}
    return config_mod.parse(data)


def test_the_example_publishes_in_the_documents_four_phases() -> None:
    ws = workspace.load(EXAMPLE)
    plan = make_plan(EXAMPLE, _config(), V010, ws)

    assert [list(p) for p in plan.phases] == PHASES
    assert plan.deps["tasker-worker"] == {"tasker-pgmq", "tasker-client", "tasker-shared"}
    assert dict(plan.left_out) == {name: "publish = false" for name in (
        "tasker-core", "tasker-worker-rust", "tasker-worker-rb", "tasker-worker-py",
        "tasker-worker-ts")}


def test_crates_outside_the_config_are_left_out_and_their_dependants_flagged() -> None:
    ffi = {"ffi": {"crates": ["tasker-pgmq", "tasker-shared", "tasker-worker"],
                   "paths": ["tasker-pgmq"]}}
    ws = workspace.load(EXAMPLE)
    plan = make_plan(EXAMPLE, _config(ffi), V010, ws)

    assert [list(p) for p in plan.phases] == [["tasker-pgmq"], ["tasker-shared"],
                                              ["tasker-worker"]]
    assert ("tasker-client", "not in the release config") in plan.left_out
    problems = crate_checks.metadata_problems(EXAMPLE, ws, plan.crates)
    assert problems == ["tasker-worker (tasker-worker/Cargo.toml): [dependencies] tasker-client: "
                        "depends on tasker-client, which is not published (not in the release "
                        "config)"]


# --- registry metadata --------------------------------------------------------------------------

def _workspace(root: Path, root_extra: str, crates: Mapping[str, str]) -> workspace.Workspace:
    members = ", ".join(f'"{name}"' for name in crates)
    (root / "Cargo.toml").write_text(f"[workspace]\nmembers = [{members}]\n{root_extra}")
    for name, body in crates.items():
        (root / name).mkdir(parents=True)
        (root / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\n{body}')
        (root / name / "src").mkdir()
        (root / name / "src" / "lib.rs").write_text("")
    return workspace.load(root)


GOOD = 'description = "d"\nlicense = "MIT"\n'


def test_a_publishable_workspace_has_no_problems(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, (
        '[workspace.package]\nlicense = "MIT"\n'
        '[workspace.dependencies]\na = { path = "a", version = "=0.1.0" }\n'), {
        "a": 'description = "d"\nlicense-file = "LICENSE"\n',
        "b": ('description = "d"\nlicense = { workspace = true }\n[dependencies]\n'
              'a = { workspace = true }\nserde = "1"\n'
              '[dev-dependencies]\nhelper = { path = "../helper" }\n'
              "[target.'cfg(unix)'.build-dependencies]\n"
              'a = { path = "../a", version = "=0.1.0" }\n'),
        "helper": 'publish = false\n'})

    assert crate_checks.metadata_problems(tmp_path, ws, ["a", "b"]) == []


def test_every_metadata_problem_of_every_crate_is_reported(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, '[workspace.dependencies]\nw = { path = "w" }\n', {
        "w": GOOD,
        "a": "[dependencies]\nrand = \"*\"\nw = { workspace = true }\n",
        "b": (GOOD + 'publish = ["private"]\n[build-dependencies]\n'
              'gen = { git = "https://example.invalid/gen" }\n'
              '[dev-dependencies]\nmock = { version = "*" }\n'
              "[target.'cfg(windows)'.dependencies]\nhidden = { path = \"../hidden\", "
              'version = "0.1.0" }\n'),
        "hidden": GOOD + "publish = false\n"})

    problems = crate_checks.metadata_problems(tmp_path, ws, ["w", "a", "b"])

    assert problems == [
        "a (a/Cargo.toml): no `description`: the registry requires one",
        "a (a/Cargo.toml): no `license` or `license-file`: the registry requires one",
        "a (a/Cargo.toml): [dependencies] rand: wildcard (`*`) version requirement: crates.io "
        "refuses these; require a version",
        "a (a/Cargo.toml): [dependencies] w: path dependency without a version: the published "
        'crate could not resolve it; add version = "=X.Y.Z" (`nox -s update` writes the pins)',
        "b (b/Cargo.toml): `package.publish` lists private, not crates-io: cargo refuses to "
        "publish there",
        "b (b/Cargo.toml): [build-dependencies] gen: git dependency without a version: the "
        'published crate could not resolve it; add version = "=X.Y.Z" (`nox -s update` '
        "writes the pins)",
        "b (b/Cargo.toml): [dev-dependencies] mock: wildcard (`*`) version requirement: "
        "crates.io refuses these; require a version",
        "b (b/Cargo.toml): [target.cfg(windows).dependencies] hidden: depends on hidden, which "
        "is not published (publish = false)",
    ]


def test_the_publish_list_names_the_alternative_registry(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "", {"a": GOOD + 'publish = ["private"]\n'})

    assert crate_checks.metadata_problems(tmp_path, ws, ["a"], "private") == []
