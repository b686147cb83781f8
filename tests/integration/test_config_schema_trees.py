"""The JSON Schema of release.toml on the release.toml files the tests build: on every
real-tree shape (tests/trees), built for real, its own and the one ``init`` proposes for it
(which names the shipped schema); and the yank tests' monorepo's. Each is valid both for the
schema and for the reader."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jsonschema
import pytest

from release_tasks.config import load as config
from release_tasks.config import schema as config_schema
from release_tasks.init import infer as init
from tests import trees
from tests.integration.test_yank import write_repo
from tests.registries.tools import require_tool

pytestmark = pytest.mark.integration

VALIDATOR = jsonschema.Draft7Validator(config_schema.schema())


def _valid(text: str, where: str) -> None:
    data = tomllib.loads(text)
    assert [e.message for e in VALIDATOR.iter_errors(data)] == [], where
    config.parse(data, source=where)


@pytest.mark.parametrize("name", list(trees.SHAPES))
def test_the_schema_validates_the_shapes_release_toml_and_inits(tmp_path: Path, name: str) -> None:
    require_tool("cargo")
    fx = trees.build(name, tmp_path / "repo")
    own = fx.root / "release.toml"
    assert own.is_file() == (fx.config is not None)
    if fx.config is not None:
        _valid(own.read_text(encoding="utf-8"), f"{name}: its release.toml")

    proposed = init.propose(fx.root).text
    assert proposed.splitlines()[0] == f"#:schema {config_schema.IN_REPOSITORY}"
    _valid(proposed, f"{name}: init's release.toml")


def test_the_schema_validates_the_yank_tests_release_toml(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "yank")
    _valid((root / "release.toml").read_text(encoding="utf-8"), "tests/integration/test_yank.py")
