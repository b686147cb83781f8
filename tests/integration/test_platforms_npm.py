"""npm's package per platform (napi-rs's convention) against a real verdaccio: packages made
with ``npm pack`` for three platforms (``os``/``cpu``/``libc`` of other machines) and the main
package pinning them in ``optionalDependencies``. With one platform missing nothing is
published; with all, the platform packages go first and the main package last.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from release_tasks import cmd
from release_tasks.errors import IncompleteSet, PublishError
from release_tasks.registries.npm import platforms as npm_platforms
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.publish_helpers import require_words, sandbox_at, tags
from tests.integration.test_platforms_python import declare
from tests.registries.fixtures import unique_name
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

VERSION = "0.1.0.0"
RENDERING = "0.1.0"
DECLARED = ["linux-x86_64", "macos-arm64", "windows-x86_64"]


def pack(directory: Path, manifest: dict[str, Any], out: Path, files: dict[str, str]) -> Path:
    """``npm pack`` of a package directory holding ``manifest`` and ``files``."""
    directory.mkdir(parents=True)
    (directory / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for name, text in files.items():
        (directory / name).write_text(text)
    result = subprocess.run([require_tool("npm"), "pack", "--json", "--pack-destination",
                             str(out)], cwd=directory, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "npm_config_cache":
                                              str(directory.parent / "cache")})
    assert result.returncode == 0, result.stderr
    return out / str(json.loads(result.stdout)[0]["filename"])


def platform_package(tmp: Path, package: str, platform: str, out: Path) -> Path:
    system, cpu, libc = npm_platforms.FIELDS[platform]
    triple = npm_platforms.TAGS[platform]
    manifest: dict[str, Any] = {
        "name": f"{package}-{triple}", "version": RENDERING, "os": [system], "cpu": [cpu],
        "main": f"worker.{triple}.node", "files": [f"worker.{triple}.node"], "license": "MIT"}
    if libc:
        manifest["libc"] = [libc]
    return pack(tmp / triple, manifest, out, {f"worker.{triple}.node": f"library for {triple}\n"})


def main_package(tmp: Path, package: str, out: Path) -> Path:
    pins = {f"{package}-{npm_platforms.TAGS[p]}": RENDERING for p in DECLARED}
    manifest = {"name": package, "version": RENDERING, "main": "index.js", "license": "MIT",
                "files": ["index.js"], "optionalDependencies": pins}
    return pack(tmp / "main", manifest, out, {"index.js": "module.exports = {};\n"})


def on_registry(registry: Verdaccio, home: Path, package: str) -> list[str]:
    result = subprocess.run([require_tool("npm"), "view", package, "versions", "--json"],
                            env={**os.environ, **registry.npm_env(home)}, capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        assert "E404" in result.stderr, result.stderr
        return []
    found = json.loads(result.stdout)
    return found if isinstance(found, list) else [found]


def npm_publishes() -> list[str]:
    return [Path(argv[2]).name for argv in cmd.ARGV_LOG
            if Path(argv[0]).name == "npm" and argv[1:2] == ["publish"]]


def test_platform_packages_first_main_last_or_nothing(run_cli: RunCli, tmp_path: Path,
                                                      verdaccio: Verdaccio) -> None:
    for tool in ("npm", "node"):
        require_tool(tool)
    package = f"@tasker-systems/{unique_name('platforms')}"
    root = sandbox_at(tmp_path, VERSION)
    declare(root, typescript=DECLARED)
    toml = (root / "release.toml").read_text()
    (root / "release.toml").write_text(toml.replace(
        'package = "@tasker-systems/worker"', f'package = "{package}"'))
    subprocess.run(["git", "-C", str(root), "commit", "-qam", "a package of its own"],
                   check=True)
    env = {"RELEASE_TASKS_NPM_REGISTRY": verdaccio.url, "NPM_TOKEN": verdaccio.token}
    dist = tmp_path / "dist"
    dist.mkdir()
    made = [platform_package(tmp_path / "src", package, p, dist) for p in DECLARED]
    main = main_package(tmp_path / "src", package, dist)
    windows = made[2]
    aside = Path(shutil.move(windows, tmp_path / windows.name))

    cmd.ARGV_LOG.clear()
    refused = run_cli("publish", "typescript", VERSION, "--repo", str(root), "--artifacts",
                      str(dist), env=env)
    assert refused.code == IncompleteSet.exit_code, refused.err
    require_words(refused.err, ["windows-x86_64: missing",
                                f"{package}-win32-x64-msvc {RENDERING}", "nothing was uploaded"])
    assert npm_publishes() == [] and tags(root) == []
    home = tmp_path / "view"
    assert all(on_registry(verdaccio, home, name) == []
               for name in [package, *(f"{package}-{npm_platforms.TAGS[p]}" for p in DECLARED)])

    shutil.move(aside, windows)
    cmd.ARGV_LOG.clear()
    result = run_cli("publish", "typescript", VERSION, "--repo", str(root), "--artifacts",
                     str(dist), env=env)
    assert result.code == 0, result.err
    assert npm_publishes() == [*(p.name for p in made), main.name]
    for name in [package, *(f"{package}-{npm_platforms.TAGS[p]}" for p in DECLARED)]:
        assert on_registry(verdaccio, home, name) == [RENDERING], name
    assert tags(root) == [f"typescript-v{VERSION}"]


def test_build_packs_the_host_platform_package(run_cli: RunCli, tmp_path: Path) -> None:
    for tool in ("npm", "bun", "cargo"):
        require_tool(tool)
    root = sandbox_at(tmp_path, VERSION)
    declare(root, typescript=["linux-x86_64", "macos-arm64"])
    out = tmp_path / "out"
    env = {"CARGO_TARGET_DIR": str(tmp_path / "target")}
    built = run_cli("build", "typescript", VERSION, "--platform", "linux-x86_64", "--out",
                    str(out), "--repo", str(root), env=env)
    assert built.code == 0, built.err
    [tarball] = out.iterdir()
    assert tarball.name == f"tasker-systems-worker-linux-x64-gnu-{RENDERING}.tgz"
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/package.json")
        assert member is not None
        manifest = json.loads(member.read())
        names = archive.getnames()
    assert (manifest["name"], manifest["version"]) == (
        "@tasker-systems/worker-linux-x64-gnu", RENDERING)
    assert (manifest["os"], manifest["cpu"], manifest["libc"]) == (["linux"], ["x64"], ["glibc"])
    assert f"package/{manifest['main']}" in names and manifest["main"].endswith(".node")
    # The main package pins every platform package: the repository's package.json does not.
    main = run_cli("build", "typescript", VERSION, "--platform", "main", "--out", str(out),
                   "--repo", str(root), env=env)
    assert main.code == PublishError.exit_code, main.err
    require_words(main.err, ["linux-x86_64: tasker-systems-worker-", "optionalDependencies "
                             "does not list it", f'"@tasker-systems/worker-darwin-arm64": '
                             f'"{RENDERING}"'])
