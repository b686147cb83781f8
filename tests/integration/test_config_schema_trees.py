"""The JSON Schema of release.toml on every real-tree shape (tests/trees), built for real:
each shape's own release.toml, and the one ``init`` proposes for it, are valid both for the
schema and for the reader, and ``init``'s names the shipped schema."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jsonschema
import pytest

from release_tasks import config, config_schema, init
from tests import trees
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
    assert proposed.splitlines()[0] == f"#:schema {config_schema.SCHEMA_FILE.as_uri()}"
    _valid(proposed, f"{name}: init's release.toml")
