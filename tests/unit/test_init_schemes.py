"""``init`` guessing each binding's versioning scheme from its version and the tags, saying
why, and writing a config that reads back."""

from __future__ import annotations

import tomllib

from release_tasks.config import load as config
from release_tasks.init import infer
from release_tasks.model.components import VersionFile
from tests.unit.init_models import (
    GEM,
    LIBS,
    NPM,
    WHEEL,
    crate,
    dep,
    manifest,
    members,
    natives,
    propose,
    render,
    sources,
)

PY_AT = WHEEL["python/pyproject.toml"]
NODE_AT = NPM["node/package.json"]


def _files(python: str, node: str) -> dict[str, str]:
    return {**LIBS, **GEM, **WHEEL, **NPM,
            "python/pyproject.toml": PY_AT.replace('version = "0.1.8.0"', f'version = "{python}"'),
            "node/package.json": NODE_AT.replace('"0.1.8000"', f'"{node}"')}


def _schemes(python: str, node: str, tags: tuple[str, ...] = (),
             gem: str | None = None) -> dict[str, tuple[str, str]]:
    files = _files(python, node)
    if gem is not None:
        files["ruby/lib/demo/version.rb"] = files["ruby/lib/demo/version.rb"].replace(
            "0.1.8.0", gem)
    p = propose([*members(), *natives()], files, tags)
    parsed = config.parse(tomllib.loads(render(p)))
    assert {b.name: b.versioning for b in parsed.bindings} == {
        b.name: b.versioning for b in p.bindings}
    return {b.name: (b.versioning, b.versioning_why) for b in p.bindings}


def test_two_tier_versions_are_two_tier() -> None:
    found = _schemes("0.1.8.1", "0.1.8002")
    assert {n: s for n, (s, _) in found.items()} == {"ruby": "two-tier", "python": "two-tier",
                                                      "node": "two-tier"}
    assert "two-tier 0.1.8.2 on core 0.1.8" in found["node"][1]


def test_own_versions_on_another_minor_are_independent() -> None:
    """opendal's shape: nodejs 0.49.7 with core 0.58.2 (here 0.1.8)."""
    found = _schemes("0.3.2", "0.49.7")
    assert found["node"] == ("independent", "its version 0.49.7 is its own, not on the core's 0.1.8")
    assert found["python"][0] == "independent"
    assert found["ruby"][0] == "two-tier"


def test_the_cores_version_with_releases_that_show_it_is_lockstep() -> None:
    """lancedb's shape: every binding at the core's version, released with v* tags."""
    found = _schemes("0.1.8", "0.1.8", tags=("v0.1.7", "v0.1.8", "python-v0.1.7", "python-v0.1.8"),
                     gem="0.1.8")
    assert {n: s for n, (s, _) in found.items()} == {"ruby": "lockstep", "python": "lockstep",
                                                      "node": "lockstep"}
    assert "its tags follow the core's (2 at core versions)" in found["python"][1]
    assert "release tag v0.1.8" in found["node"][1]


def test_lockstep_is_not_guessed_when_another_binding_is_two_tier() -> None:
    found = _schemes("0.1.8", "0.1.8", tags=("v0.1.8", "python-v0.1.8"))
    assert found["python"][0] == "two-tier"
    assert "not every binding carries the core's version" in found["python"][1]


def test_a_version_near_the_cores_is_an_earlier_schemes() -> None:
    found = _schemes("0.1.8.0", "0.1.10", tags=("v0.1.8", "node-v0.1.10"))
    assert found["node"][0] == "two-tier"
    assert "near the core's 0.1.8" in found["node"][1]


def test_a_binding_with_nothing_to_go_by_does_not_stop_lockstep() -> None:
    """lancedb: the wheel's version is dynamic (written commented out), the npm package at
    the core's version with v* release tags: lockstep."""
    files = _files("0.1.8", "0.1.8")
    files["python/pyproject.toml"] = files["python/pyproject.toml"].replace(
        'version = "0.1.8"', 'dynamic = ["version"]')
    files["ruby/lib/demo/version.rb"] = files["ruby/lib/demo/version.rb"].replace("0.1.8.0", "0.1.8")
    p = propose([*members(), *natives()], files, ("v0.1.7", "v0.1.8"))
    found = {b.name: b.versioning for b in p.bindings}
    assert found == {"ruby": "lockstep", "python": "two-tier", "node": "lockstep"}


def test_a_dynamic_maturin_version_is_the_crates_in_a_three_part_scheme() -> None:
    """lancedb's wheel: dynamic = ["version"], maturin takes python/Cargo.toml's version."""
    def wheel(version: str) -> tuple[str, str]:
        files = {**LIBS, **WHEEL,
                 "python/pyproject.toml": PY_AT.replace('version = "0.1.8.0"',
                                                        'dynamic = ["version"]'),
                 "python/native/Cargo.toml": manifest("demo-py", version=version, cdylib=True)}
        native = crate("demo-py", "python/native/Cargo.toml", dep("worker"), version=version,
                       publish=False)
        (python,) = propose([*members(), native], files).bindings
        assert python.disabled is None
        assert python.version_files == (VersionFile(path="python/native/Cargo.toml",
                                                    format="cargo", value="binding"),)
        return python.versioning, python.versioning_why

    assert wheel("0.1.8")[0] == "lockstep"
    assert wheel("0.3.1") == ("independent", "maturin takes its crate's version 0.3.1, its own: "
                                             "only a three-part scheme fits a Cargo.toml")


def test_a_prerelease_core_is_said_with_its_next_steps() -> None:
    crates = [crate(c.name, c.manifest, *c.dependencies, version="0.38.0-beta.4")
              for c in members()]
    files = {**LIBS, "VERSION": "0.38.0-beta.4\n"}
    p = infer.infer(sources(crates, files), project="d", repository_url=None, main_branch="main")
    assert p.core_version == "0.38.0-beta.4"
    assert ("the core is a prerelease, 0.38.0-beta.4: `nox -s release -- --pre beta` releases "
            "the next one (0.38.0-beta.5), `nox -s release` its final 0.38.0") in p.notes
