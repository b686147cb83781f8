"""taplo, the TOML toolkit behind Even Better TOML, reads the ``#:schema`` line ``init``
writes and judges release.toml by the shipped schema: init's file passes, a misspelt key and
a wrong type fail, whether the line names the schema by ``file:`` URL or by a path relative
to the file (a ``.venv`` inside the repository)."""

from __future__ import annotations

import shutil
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


@pytest.mark.parametrize("where", ["outside the repository", "inside the repository"])
def test_taplo_validates_by_the_line_init_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 where: str) -> None:
    if where == "inside the repository":
        installed = tmp_path / ".venv" / "site" / "release_tasks" / "data" / "release.schema.json"
        installed.parent.mkdir(parents=True)
        shutil.copy(config_schema.SCHEMA_FILE, installed)
        monkeypatch.setattr(config_schema, "SCHEMA_FILE", installed)
    target = config_schema.directive_target(tmp_path)
    assert target.startswith(".venv/" if where == "inside the repository" else "file:///")
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
