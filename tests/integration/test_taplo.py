"""taplo, the TOML toolkit behind Even Better TOML, reads the ``#:schema`` line ``init``
writes and judges release.toml by the shipped schema: init's file passes, a misspelt key and
a wrong type fail, by the repository's own copy of the schema, named by a path relative to
the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from release_tasks.config import schema as config_schema
from release_tasks.init import render as init_render
from tests.registries.tools import require_tool
from tests.unit import init_models

pytestmark = pytest.mark.integration


def taplo() -> str:
    beside = Path(sys.executable).with_name("taplo")  # the test extra installs it there
    return str(beside) if beside.is_file() else require_tool("taplo")


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([taplo(), "check", path.name], cwd=path.parent, capture_output=True,
                          text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)


def written(root: Path, schema: str) -> Path:
    path = root / "release.toml"
    path.write_text(init_render.render(init_models.full(), preflight=[["cargo", "test"]],
                                       core_credential=("T",), credentials={}, schema=schema),
                    encoding="utf-8")
    return path


def test_taplo_validates_by_the_line_init_writes(tmp_path: Path) -> None:
    target = config_schema.directive_target()
    copy = tmp_path / target  # what init writes (and `schema --write-to` refreshes)
    copy.parent.mkdir(parents=True)
    copy.write_text(config_schema.render(), encoding="utf-8")
    path = written(tmp_path, target)
    good = check(path)
    assert good.returncode == 0, good.stderr

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('main-branch = "main"', 'main_branch = "main"'), encoding="utf-8")
    misspelt = check(path)
    path.write_text(text.replace('label = "FFI-facing core"', "label = 5"), encoding="utf-8")
    wrong_type = check(path)

    assert misspelt.returncode != 0 and "'main_branch' was unexpected" in misspelt.stderr
    assert wrong_type.returncode != 0 and '5 is not of type "string"' in wrong_type.stderr
