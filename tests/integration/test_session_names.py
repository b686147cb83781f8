"""``nox -l`` in an adopter's monorepo names the bindings it chose: its one-line noxfile
imports the tool, and each ``publish_<registry>`` session says which tag it makes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """\
[bindings.node]
registry = "npm"

[bindings.sdk]
registry = "pypi"
tag-prefix = "sdk-release-"

[bindings.cli-py]
registry = "pypi"
"""


def listed(root: Path) -> dict[str, str]:
    """``nox -l`` of ``root``'s noxfile: each session's line, by name."""
    env = {**{k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "nox", "-l"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line.removeprefix("* ").removeprefix("- ") for line in result.stdout.splitlines()]
    return {line.split(" ", 1)[0]: line for line in lines if " -> " in line}


def test_nox_l_names_the_bindings_the_config_chose(tmp_path: Path) -> None:
    (tmp_path / "noxfile.py").write_text("from release_tasks.sessions import *  # noqa: F403\n")
    (tmp_path / "release.toml").write_text(CONFIG)
    sessions = listed(tmp_path)
    assert sessions["publish_typescript"].endswith("tag node-v...")
    assert sessions["publish_python"].endswith("tag sdk-release-... or cli-py-v... "
                                               "(--binding NAME picks one)")
    assert sessions["publish_ruby"].endswith("tag its binding (release.toml names none on "
                                             "rubygems)")
    assert "typescript-v" not in sessions["publish_typescript"]

    (tmp_path / "release.toml").unlink()  # the built-in layout's own names
    assert listed(tmp_path)["publish_ruby"].endswith("tag ruby-v...")
