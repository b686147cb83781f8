"""Every platform or nothing, on PyPI: a python binding declaring four platforms, built for
the host for real (``build --platform host`` and ``--platform source``), the other wheels
made from the host's with ``wheel tags --platform-tag``, published with ``--artifacts``
against a real pypiserver: the gate refuses an incomplete set before any upload, a complete
one goes up whole, and ``--backfill`` uploads exactly the wheel the index lost.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit

from release_tasks import cmd
from release_tasks.config import load as config_mod
from release_tasks.errors import IncompleteSet, UsageError
from release_tasks.standins.pypi_server import PypiServer
from tests.integration.publish_helpers import git, require_words, sandbox_at, tags
from tests.integration.test_publish_python import index_env
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

VERSION = "0.1.0.0"
TAG = f"python-v{VERSION}"
DECLARED = ["linux-x86_64", "macos-arm64", "windows-x86_64", "source"]


@pytest.fixture
def server(pypi_server: PypiServer) -> PypiServer:
    for tool in ("maturin", "cargo"):
        require_tool(tool)
    pypi_server.reset()
    return pypi_server


def declare(root: Path, **platforms: list[str]) -> None:
    """A release.toml: the built-in layout with ``platforms`` for the named bindings."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    for name, declared in platforms.items():
        data["bindings"][name] = {**data["bindings"][name], "platforms": declared}
    (root / "release.toml").write_text(tomlkit.dumps(data), encoding="utf-8")
    git(root, "add", "release.toml")
    git(root, "commit", "-qm", "declare the platforms")


def retag(wheel: Path, platform_tag: str, out: Path) -> Path:
    """The host's wheel under another platform tag (its WHEEL file and RECORD rewritten)."""
    subprocess.run([sys.executable, "-m", "wheel", "tags", "--platform-tag", platform_tag,
                    str(wheel)], check=True, capture_output=True, cwd=out)
    [made] = [p for p in wheel.parent.glob(f"*{platform_tag}.whl")]
    return made.rename(out / made.name)


def uploads() -> list[str]:
    """The files ``uv publish`` was given, run by run."""
    return [Path(a).name for argv in cmd.ARGV_LOG if Path(argv[0]).name == "uv"
            and argv[1:2] == ["publish"] for a in argv if a.endswith((".whl", ".tar.gz"))]


def held(run_cli: RunCli, root: Path, env: dict[str, str]) -> tuple[list[str], list[str]]:
    """What ``history --registries`` says the published version has, and lacks."""
    result = run_cli("history", "--registries", "--format", "json", "--repo", str(root), env=env)
    assert result.code == 0, result.err
    [version] = json.loads(result.out)["components"]["python"]["versions"]
    return version["platforms"], version["missing_platforms"]


def test_every_platform_or_nothing_then_backfill(run_cli: RunCli, tmp_path: Path,
                                                 server: PypiServer) -> None:
    root = sandbox_at(tmp_path, VERSION)
    declare(root, python=DECLARED)
    env = index_env(server, tmp_path / "target", server.password)
    host = tmp_path / "host"
    built = run_cli("build", "python", VERSION, "--platform", "host", "--out", str(host),
                    "--repo", str(root), env=env)
    assert built.code == 0, built.err
    [wheel] = [Path(line) for line in built.out.split()]
    assert wheel.name.endswith("_x86_64.whl") and "manylinux" in wheel.name
    source = run_cli("build", "python", VERSION, "--platform", "source", "--out", str(host),
                     "--repo", str(root), env=env)
    assert source.code == 0, source.err
    assert Path(source.out.strip()).name == f"tasker_worker_py-{VERSION}.tar.gz"
    other = run_cli("build", "python", VERSION, "--platform", "macos-arm64", "--out",
                    str(host), "--repo", str(root), env=env)
    assert other.code == UsageError.exit_code
    assert "macos-arm64 is built on its own runner" in other.err

    dist = tmp_path / "dist"
    dist.mkdir()
    for path in host.iterdir():
        path.rename(dist / path.name)
    windows = retag(dist / wheel.name, "win_amd64", dist)
    mac = retag(dist / wheel.name, "macosx_11_0_arm64", tmp_path)

    cmd.ARGV_LOG.clear()
    refused = run_cli("publish", "python", VERSION, "--repo", str(root), "--artifacts",
                      str(dist), env=env)
    assert refused.code == IncompleteSet.exit_code, refused.err
    require_words(refused.err, ["not one set per declared platform", "nothing was uploaded",
                                "macos-arm64: missing", "macosx_*_arm64"])
    assert uploads() == [] and server.files() == [] and tags(root) == []

    mac.rename(dist / mac.name)
    cmd.ARGV_LOG.clear()
    result = run_cli("publish", "python", VERSION, "--repo", str(root), "--artifacts",
                     str(dist), env=env)
    assert result.code == 0, result.err
    everything = sorted(p.name for p in dist.iterdir())
    assert server.files() == everything and sorted(uploads()) == everything
    assert tags(root) == [TAG]

    (server.packages_dir / windows.name).unlink()  # the index lost one wheel
    assert held(run_cli, root, env) == (["linux-x86_64", "macos-arm64", "source"],
                                        ["windows-x86_64"])
    text = run_cli("history", "--registries", "--format", "text", "--repo", str(root), env=env)
    assert ("platforms: linux-x86_64, macos-arm64, source; MISSING windows-x86_64"
            in text.out), text.out
    cmd.ARGV_LOG.clear()
    backfilled = run_cli("publish", "python", VERSION, "--repo", str(root), "--artifacts",
                         str(dist), "--backfill", env=env)
    assert backfilled.code == 0, backfilled.err
    assert uploads() == [windows.name]
    assert f"uploaded {windows.name}" in backfilled.out
    assert server.files() == everything and tags(root) == [TAG]
    assert held(run_cli, root, env) == (DECLARED, [])

    # Only the missing platform's file, the rest already on the index: enough for --backfill.
    (server.packages_dir / mac.name).unlink()
    alone = tmp_path / "alone"
    alone.mkdir()
    (dist / mac.name).rename(alone / mac.name)
    cmd.ARGV_LOG.clear()
    again = run_cli("publish", "python", VERSION, "--repo", str(root), "--artifacts",
                    str(alone), "--backfill", env=env)
    assert again.code == 0, again.err
    assert uploads() == [mac.name] and server.files() == everything
