"""``publish_ruby`` end to end: real rake/cargo/gem against the local RubyGems registry.

The gem is built from the example monorepo, pushed, installed back from the registry and
loaded; a re-run must not build; a wrong version, a missing key and a registry outage stop
with a clear error and no tag; the API key never shows up anywhere.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from release_tasks import cmd
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from tests.integration.publish_helpers import (
    CREDENTIALS_MISSING,
    DUPLICATE,
    PUBLISH_FAILED,
    REGISTRY_DOWN,
    USAGE,
    assert_no_secret,
    built,
    capture_package_logs,
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

VERSION = "0.1.0.0"
GEM = "tasker-worker-rb"
TAG = f"ruby-v{VERSION}"


@pytest.fixture(scope="module")
def target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cargo target directory for the module: the crates compile once."""
    return tmp_path_factory.mktemp("cargo-target")


@pytest.fixture(autouse=True)
def _tools() -> None:
    for tool in ("ruby", "gem", "bundle", "rake", "cargo"):
        require_tool(tool)


def registry_env(registry: RubyGemsRegistry, target: Path, key: str | None) -> dict[str, str]:
    env = {"RELEASE_TASKS_RUBYGEMS_HOST": registry.url, "CARGO_TARGET_DIR": str(target)}
    if key is not None:
        env["GEM_HOST_API_KEY"] = key
    return env


def install_and_load(registry: RubyGemsRegistry, home: Path) -> str:
    """Install the gem from the registry into a private GEM_HOME and call into its library."""
    env = {"PATH": os.environ["PATH"], **registry.gem_env(home)}
    subprocess.run([require_tool("gem"), "install", GEM, "-v", VERSION, "--clear-sources",
                    "--source", f"{registry.url}/", "--no-document"],
                   env=env, check=True, capture_output=True, text=True, timeout=120,
                   stdin=subprocess.DEVNULL)
    script = 'require "tasker_core"; puts TaskerCore::VERSION; puts TaskerCore.handle("job")'
    return subprocess.run([require_tool("ruby"), "-e", script], env=env, check=True,
                          capture_output=True, text=True, timeout=60).stdout


def test_dry_run_builds_the_gem_and_shows_its_spec(
        run_cli: RunCli, tmp_path: Path, rubygems_registry: RubyGemsRegistry,
        target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    result = publish(run_cli, "ruby", VERSION, root,
                     registry_env(rubygems_registry, target_dir, None), "--dry-run")
    assert result.code == 0, result.err
    require_words(result.out, [f"{GEM}-{VERSION}.gem", "name:      tasker-worker-rb",
                               f"version:   {VERSION}", "lib/tasker_core/libtasker_worker_rb.so",
                               "lib/tasker_core/version.rb", "rust_core_version = 0.1.0"])
    assert "a real run would stop here: GEM_HOST_API_KEY" in result.err
    assert built("ruby") == [("rake", "compile"), ("gem", "build")]
    assert not any(argv[:2] == ["gem", "push"] for argv in cmd.ARGV_LOG)
    assert rubygems_registry.gems(GEM) == []
    assert tags(root) == []


def test_publish_install_rerun_and_push_tags(
        run_cli: RunCli, tmp_path: Path, rubygems_registry: RubyGemsRegistry,
        target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--bare", "--quiet", str(origin)], check=True)
    git(root, "remote", "add", "origin", str(origin))
    env = registry_env(rubygems_registry, target_dir, rubygems_registry.api_key)

    result = publish(run_cli, "ruby", VERSION, root, env, "--push-tags")
    assert result.code == 0, result.err
    assert f"published {GEM}@{VERSION} to RubyGems; tagged {TAG}" in result.out
    assert [g.spec.version for g in rubygems_registry.gems(GEM)] == [VERSION]
    assert git(root, "cat-file", "-t", TAG) == "tag"  # annotated
    assert git(root, "status", "--porcelain") == ""  # build outputs are all ignored
    assert git(root, "rev-parse", f"{TAG}^{{commit}}") == git(root, "rev-parse", "HEAD")
    assert git(origin, "tag", "--list") == TAG

    version, handled = install_and_load(rubygems_registry, tmp_path / "gem-home").splitlines()
    assert version == VERSION
    assert "job" in handled and "ruby" in handled  # answered by the native library

    again = publish(run_cli, "ruby", VERSION, root, env)
    assert again.code == 0, again.err
    assert "already exists on RubyGems, skipping" in again.err
    assert built("ruby") == []
    assert tags(root) == [TAG]

    strict = publish(run_cli, "ruby", VERSION, root, env, "--on-duplicate=fail")
    assert strict.code == DUPLICATE
    assert built("ruby") == []


def test_version_not_in_files_is_refused(run_cli: RunCli, tmp_path: Path,
                                         rubygems_registry: RubyGemsRegistry,
                                         target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    env = registry_env(rubygems_registry, target_dir, rubygems_registry.api_key)
    result = publish(run_cli, "ruby", "0.1.0.3", root, env)
    assert result.code == USAGE
    require_words(result.err, ["0.1.0.3", VERSION, "nox -s update"])
    assert programs_started() == [] and tags(root) == []


def test_missing_api_key_stops_before_the_build(run_cli: RunCli, tmp_path: Path,
                                                rubygems_registry: RubyGemsRegistry,
                                                target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    result = publish(run_cli, "ruby", VERSION, root,
                     registry_env(rubygems_registry, target_dir, None))
    assert result.code == CREDENTIALS_MISSING
    assert "GEM_HOST_API_KEY" in result.err
    assert built("ruby") == [] and tags(root) == []


def test_registry_outage_at_the_check_builds_nothing(
        run_cli: RunCli, tmp_path: Path, rubygems_registry: RubyGemsRegistry,
        target_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_retries(monkeypatch)
    root = sandbox_at(tmp_path, VERSION)
    rubygems_registry.faults.fail_next(100, 503, on=["api"])
    result = publish(run_cli, "ruby", VERSION, root,
                     registry_env(rubygems_registry, target_dir, rubygems_registry.api_key))
    assert result.code == REGISTRY_DOWN
    require_words(result.err, ["RubyGems gave no definite answer", "HTTP 503", "re-run"])
    assert built("ruby") == [] and tags(root) == []


def test_registry_outage_at_the_push_leaves_no_tag(
        run_cli: RunCli, tmp_path: Path, rubygems_registry: RubyGemsRegistry,
        target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    rubygems_registry.faults.fail_next(1, 503, on=["upload"])
    result = publish(run_cli, "ruby", VERSION, root,
                     registry_env(rubygems_registry, target_dir, rubygems_registry.api_key))
    assert result.code == PUBLISH_FAILED
    require_words(result.err, ["uploading tasker-worker-rb@0.1.0.0 to RubyGems failed",
                               f"{TAG} was not created", "gem push", "injected fault: HTTP 503"])
    assert rubygems_registry.gems(GEM) == [] and tags(root) == []


def test_api_key_never_shows(run_cli: RunCli, tmp_path: Path, target_dir: Path,
                             caplog: pytest.LogCaptureFixture) -> None:
    sentinel = "rubygems-SENTINEL-7f3a9c1e5b"
    root = sandbox_at(tmp_path, VERSION)
    with RubyGemsRegistry(api_key=sentinel) as registry, capture_package_logs(caplog):
        result = publish(run_cli, "ruby", VERSION, root, registry_env(registry, target_dir,
                                                                     sentinel))
        assert result.code == 0, result.err
        assert "gem push --host" in caplog.text  # the records were seen
        assert_no_secret(sentinel, result, caplog)
    # A refused key: the error path (the registry's answer, the command's tail) is clean too.
    other = sandbox_at(tmp_path / "refused", VERSION)
    with RubyGemsRegistry(api_key="another-key") as registry, capture_package_logs(caplog):
        refused = publish(run_cli, "ruby", VERSION, other, registry_env(registry, target_dir,
                                                                       sentinel))
        assert refused.code == PUBLISH_FAILED
        assert "Access Denied" in refused.err
        assert_no_secret(sentinel, refused, caplog)
