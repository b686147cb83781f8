"""``publish_typescript`` end to end: real cargo, bun and npm against a real verdaccio.

``package.json`` carries the npm rendering X.Y.(Z*1000+P); the packed tarball is checked
and published, installed back with npm and imported with node. A re-run must not build;
a wrong version, a missing token and a registry outage (a closed port; a proxy failing the
publish) stop with a clear error and no tag; the token reaches npm only through a temporary
userconfig that refers to ``${NPM_TOKEN}``, and shows up nowhere.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from release_tasks import cmd
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.publish_helpers import (
    CREDENTIALS_MISSING,
    PUBLISH_FAILED,
    REGISTRY_DOWN,
    USAGE,
    FaultProxy,
    assert_no_secret,
    built,
    capture_package_logs,
    closed_port_url,
    fast_retries,
    git,
    publish,
    require_words,
    sandbox_at,
    tags,
)
from tests.registries.tools import require_tool
from tests.support import RunCli, programs_started

pytestmark = pytest.mark.integration

PACKAGE = "@tasker-systems/worker"
# verdaccio lives for the whole session: each test publishes its own version.
DRY, PUBLISHED, FAILED, SECRET = "0.1.0.1", "0.1.0.2", "0.1.0.3", "0.1.0.4"


@pytest.fixture(scope="module")
def target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cargo-target")


@pytest.fixture
def registry(verdaccio: Verdaccio) -> Verdaccio:
    for tool in ("bun", "npm", "node", "cargo"):
        require_tool(tool)
    return verdaccio


def npm_rendering(version: str) -> str:
    major, minor, patch, level = (int(p) for p in version.split("."))
    return f"{major}.{minor}.{patch * 1000 + level}"


def registry_env(registry_url: str, target: Path, token: str | None) -> dict[str, str]:
    env = {"RELEASE_TASKS_NPM_REGISTRY": registry_url, "CARGO_TARGET_DIR": str(target)}
    if token is not None:
        env["NPM_TOKEN"] = token
    return env


def published_versions(registry: Verdaccio, home: Path) -> list[str]:
    result = subprocess.run([require_tool("npm"), "view", PACKAGE, "versions", "--json"],
                            env={**os.environ, **registry.npm_env(home)}, capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        assert "E404" in result.stderr, result.stderr
        return []
    found = json.loads(result.stdout)
    return found if isinstance(found, list) else [found]


def install_and_import(registry: Verdaccio, tmp_path: Path, version: str) -> list[str]:
    project = tmp_path / "consumer"
    project.mkdir()
    (project / "package.json").write_text('{"name": "consumer", "version": "1.0.0", "private": true}\n')
    env = {**os.environ, **registry.npm_env(tmp_path / "npm-home")}
    subprocess.run([require_tool("npm"), "install", f"{PACKAGE}@{version}"], cwd=project,
                   env=env, check=True, capture_output=True, timeout=120)
    script = (f"import('{PACKAGE}').then(m => {{ console.log(m.VERSION); "
              "console.log(m.nativeLibraryName('linux')) })")
    return subprocess.run([require_tool("node"), "-e", script], cwd=project, env=env, check=True,
                          capture_output=True, text=True, timeout=60).stdout.splitlines()


def test_dry_run_packs_and_lists_the_package(run_cli: RunCli, tmp_path: Path,
                                             registry: Verdaccio, target_dir: Path) -> None:
    root = sandbox_at(tmp_path, DRY)
    result = publish(run_cli, "typescript", DRY, root, registry_env(registry.url, target_dir, None),
                     "--dry-run")
    assert result.code == 0, result.err
    require_words(result.out, [f"tasker-systems-worker-{npm_rendering(DRY)}.tgz",
                               f"name:     {PACKAGE}", f"version:  {npm_rendering(DRY)} (binding {DRY})",
                               "dist/index.js", "dist/index.d.ts", "package.json"])
    assert built("typescript") == [("cargo", "build"), ("bun", "install"), ("bun", "run", "build"),
                                   ("npm", "pack")]
    assert any(a[:2] == ["bun", "install"] and "--frozen-lockfile" in a for a in cmd.ARGV_LOG)
    assert any(a[:2] == ["npm", "pack"] and "--dry-run" in a and "--json" in a
               for a in cmd.ARGV_LOG)
    assert not any(a[:2] == ["npm", "publish"] for a in cmd.ARGV_LOG)
    assert npm_rendering(DRY) not in published_versions(registry, tmp_path / "view")
    assert tags(root) == []


def test_publish_install_and_rerun(run_cli: RunCli, tmp_path: Path, registry: Verdaccio,
                                   target_dir: Path) -> None:
    root = sandbox_at(tmp_path, PUBLISHED)
    env = registry_env(registry.url, target_dir, registry.token)
    result = publish(run_cli, "typescript", PUBLISHED, root, env)
    assert result.code == 0, result.err
    rendering = npm_rendering(PUBLISHED)
    assert f"published {PACKAGE}@{rendering} to npm; tagged typescript-v{PUBLISHED}" in result.out
    assert rendering in published_versions(registry, tmp_path / "view")
    assert git(root, "cat-file", "-t", f"typescript-v{PUBLISHED}") == "tag"
    assert git(root, "status", "--porcelain") == ""  # build outputs are all ignored
    [publish_argv] = [a for a in cmd.ARGV_LOG if a[:2] == ["npm", "publish"]]
    assert publish_argv[2].endswith(f"tasker-systems-worker-{rendering}.tgz")
    assert ["--access", "public", "--registry", registry.url] == publish_argv[3:7]

    assert install_and_import(registry, tmp_path, rendering) == [rendering,
                                                                 "libtasker_worker_ts.so"]

    again = publish(run_cli, "typescript", PUBLISHED, root, env)
    assert again.code == 0, again.err
    assert f"{PACKAGE}@{rendering} already exists on npm, skipping" in again.err
    assert built("typescript") == [] and tags(root) == [f"typescript-v{PUBLISHED}"]


def test_version_not_in_files_is_refused(run_cli: RunCli, tmp_path: Path, registry: Verdaccio,
                                         target_dir: Path) -> None:
    root = sandbox_at(tmp_path, DRY)
    result = publish(run_cli, "typescript", "0.1.0.9", root,
                     registry_env(registry.url, target_dir, registry.token))
    assert result.code == USAGE
    require_words(result.err, ["0.1.0.9", "package.json", npm_rendering(DRY), "nox -s update"])
    assert programs_started() == [] and tags(root) == []


def test_missing_token_stops_before_the_build(run_cli: RunCli, tmp_path: Path,
                                              registry: Verdaccio, target_dir: Path) -> None:
    root = sandbox_at(tmp_path, DRY)
    result = publish(run_cli, "typescript", DRY, root, registry_env(registry.url, target_dir, None))
    assert result.code == CREDENTIALS_MISSING
    assert "NPM_TOKEN" in result.err
    assert built("typescript") == [] and tags(root) == []


def test_registry_down_builds_nothing(run_cli: RunCli, tmp_path: Path, registry: Verdaccio,
                                      target_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_retries(monkeypatch)
    root = sandbox_at(tmp_path, DRY)
    result = publish(run_cli, "typescript", DRY, root,
                     registry_env(closed_port_url(), target_dir, registry.token))
    assert result.code == REGISTRY_DOWN
    require_words(result.err, ["npm gave no definite answer", "connection failed"])
    assert built("typescript") == [] and tags(root) == []


def test_failed_publish_leaves_no_tag(run_cli: RunCli, tmp_path: Path, registry: Verdaccio,
                                      target_dir: Path) -> None:
    root = sandbox_at(tmp_path, FAILED)
    with FaultProxy(registry.url) as proxy:
        proxy.faults.fail_next(100, 503, on=["upload"])
        env = {**registry_env(f"{proxy.url}/", target_dir, registry.token),
               "npm_config_fetch_retries": "0"}
        result = publish(run_cli, "typescript", FAILED, root, env)
    assert result.code == PUBLISH_FAILED
    require_words(result.err, [f"uploading {PACKAGE}@{npm_rendering(FAILED)} to npm failed",
                               f"typescript-v{FAILED} was not created", "npm publish", "503"])
    assert npm_rendering(FAILED) not in published_versions(registry, tmp_path / "view")
    assert tags(root) == []


def test_token_never_shows_and_its_userconfig_is_temporary(
        run_cli: RunCli, tmp_path: Path, registry: Verdaccio, target_dir: Path,
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, str] = {}
    real_run = cmd.run

    def spy(argv: list[str], **kwargs: object) -> cmd.Result:
        env = kwargs.get("env")
        if argv[:2] == ["npm", "publish"] and isinstance(env, dict):
            userconfig = Path(env["npm_config_userconfig"])
            seen.update(path=str(userconfig), text=userconfig.read_text(),
                        mode=oct(userconfig.stat().st_mode & 0o777))
        return real_run(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("release_tasks.registries.npm.package.cmd.run", spy)
    root = sandbox_at(tmp_path, SECRET)
    with capture_package_logs(caplog):
        result = publish(run_cli, "typescript", SECRET, root,
                         registry_env(registry.url, target_dir, registry.token))
    assert result.code == 0, result.err
    assert "npm publish" in caplog.text
    assert_no_secret(registry.token, result, caplog)
    assert seen["mode"] == "0o600"
    assert "${NPM_TOKEN}" in seen["text"] and registry.token not in seen["text"]
    assert not Path(seen["path"]).exists()
