"""A core crate in a directory below the top level (tokenizers' shape): no Cargo.toml at the
top, ``Cargo.lock`` ignored by git, a maturin binding beside it with a Cargo.toml of its own.

``init`` names the candidate directories, then with ``--workspace`` proposes a config whose
preflight runs cargo in that directory and without ``--locked``; group paths do not repeat;
``preflight`` passes and ``release --dry-run`` plans.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from release_tasks import sandbox
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

FILES = {
    ".gitignore": "target\n**/Cargo.lock\n",
    "VERSION": "0.22.5\n",
    "tok/Cargo.toml": ('[package]\nname = "tok"\nversion = "0.22.5"\nedition = "2021"\n'
                       'description = "d"\nlicense = "MIT"\n\n[dependencies]\n'),
    "tok/src/lib.rs": "pub fn answer() -> u32 {\n    42\n}\n",
    "bindings/python/pyproject.toml": (
        '[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n\n'
        '[project]\nname = "tok-py"\nversion = "0.22.5"\n'),
    "bindings/python/Cargo.toml": (
        '[package]\nname = "tok-py"\nversion = "0.22.5"\nedition = "2021"\npublish = false\n\n'
        '[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\ntok = { path = "../../tok" }\n'),
    "bindings/python/src/lib.rs": "pub fn answer() -> u32 {\n    tok::answer()\n}\n",
}


def _repo(root: Path) -> Path:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    for args in (["init", "--quiet", "--initial-branch=main"], ["add", "--all"],
                 ["commit", "--quiet", "-m", "import"]):
        subprocess.run(["git", "-C", str(root), *args], check=True,
                       env={**sandbox.GIT_IDENTITY, "PATH": "/usr/bin:/bin"})
    return root


def test_init_preflight_and_plan_with_the_workspace_below(run_cli: RunCli, tmp_path: Path) -> None:
    require_tool("cargo")
    root = _repo(tmp_path / "repo")
    env = {"CARGO_TARGET_DIR": str(tmp_path / "target")}

    first = run_cli("init", "--repo", str(root), "--print", env=env)
    assert first.code == 2, first.err
    assert "candidates, the top-most Cargo.toml files: tok, bindings/python" in first.err

    made = run_cli("init", "--repo", str(root), "--workspace", "tok", env=env)
    assert made.code == 0, made.err
    text = (root / "release.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)
    assert config["core"]["workspace"] == "tok"
    assert all("--locked" not in command for command in config["project"]["preflight"])
    assert "cargo runs in the workspace directory tok" in text.replace("\n# ", " ")
    assert "No Cargo.lock is tracked" in text.replace("\n# ", " ")
    for group in config["core"]["groups"].values():
        paths = group["paths"]
        assert len(paths) == len(set(paths))
        assert not [p for p in paths for q in paths if p != q and p.startswith(q + "/")], paths
    assert "Cargo.lock" not in "".join(line for line in text.splitlines()
                                       if line.startswith("# FFI-facing core"))
    subprocess.run(["git", "-C", str(root), "add", "--all"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "--quiet", "-m", "release.toml"],
                   check=True, env={**sandbox.GIT_IDENTITY, "PATH": "/usr/bin:/bin"})

    checks = run_cli("preflight", "--repo", str(root), env=env)
    assert checks.code == 0, checks.err
    assert "All 3 pre-flight check(s) passed." in checks.out + checks.err
    plan = run_cli("release", "--repo", str(root), "--dry-run", env=env)
    assert plan.code == 0, plan.err
    assert "core 0.22.5" in plan.out
