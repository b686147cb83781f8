"""Publish stages against the local registries: a listed version that is ours in the
registry's eyes but not in spelling, or one above ours, stops the stage before any build.

Each registry first receives, from its own client tool, a version published "before the
tool": RubyGems ``0.1.10`` and ``0.1.8``, PyPI ``0.1.8``, npm ``0.1.9000``, a crate
``0.2.0``. The stage then never says "already published", never builds, never tags.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_tasks import cmd
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.publish_helpers import built, publish, sandbox_at, tags
from tests.registries import sample_projects
from tests.registries.test_registries import raw_publish
from tests.registries.tools import require_tool
from tests.registries.wheels import make_wheel
from tests.support import RunCli

pytestmark = pytest.mark.integration

VERSION_ERROR = 4


def push_gem(registry: RubyGemsRegistry, tmp_path: Path, version: str) -> None:
    gem = require_tool("gem")
    built_gem = sample_projects.ruby_gem(gem, tmp_path / f"gem-{version}", "tasker-worker-rb",
                                         version)
    subprocess.run([gem, "push", "--host", registry.url, str(built_gem)],
                   env={**os.environ, **registry.gem_env(tmp_path / "gem-home")}, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


def test_rubygems_greater_and_differently_spelled_versions(
        run_cli: RunCli, tmp_path: Path, rubygems_registry: RubyGemsRegistry) -> None:
    push_gem(rubygems_registry, tmp_path, "0.1.10")
    env = {"RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url,
           "GEM_HOST_API_KEY": rubygems_registry.api_key}
    root = sandbox_at(tmp_path / "below", "0.1.9.0")
    for extra in (("--dry-run",), ()):
        result = publish(run_cli, "ruby", "0.1.9.0", root, env, *extra)
        assert result.code == VERSION_ERROR, result.err
        assert ("tasker-worker-rb 0.1.9.0: RubyGems already has 0.1.10, which is greater; "
                "versions only go up. Nothing was built, published or tagged.") in result.err
        assert "already exists" not in result.err
        assert built("ruby") == [] and tags(root) == []

    push_gem(rubygems_registry, tmp_path, "0.1.8")
    root = sandbox_at(tmp_path / "same", "0.1.8.0")
    result = publish(run_cli, "ruby", "0.1.8.0", root, env, "--on-duplicate=skip")
    assert result.code == VERSION_ERROR, result.err
    assert ("tasker-worker-rb 0.1.8.0: RubyGems already has 0.1.8, the same version under its "
            "rules but spelled differently") in result.err
    assert "git tag ruby-vVERSION COMMIT" in result.err
    assert built("ruby") == [] and tags(root) == []
    assert not any(argv[1:2] == ["push"] for argv in cmd.ARGV_LOG)
    assert sorted(g.spec.version for g in rubygems_registry.gems("tasker-worker-rb")) == [
        "0.1.10", "0.1.8"]


def test_pypi_differently_spelled_version(run_cli: RunCli, tmp_path: Path,
                                          pypi_server: PypiServer) -> None:
    maturin = require_tool("maturin")
    pypi_server.reset()
    wheel = make_wheel(tmp_path, "tasker-worker-py", "0.1.8")
    subprocess.run([maturin, "upload", str(wheel)], env=pypi_server.maturin_env(), check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    root = sandbox_at(tmp_path, "0.1.8.0")
    result = publish(run_cli, "python", "0.1.8.0", root,
                     {"RELEASE_TASKS_PYPI_INDEX_URL": pypi_server.url}, "--dry-run")
    assert result.code == VERSION_ERROR, result.err
    assert ("tasker-worker-py 0.1.8.0: PyPI already has 0.1.8, the same version under its "
            "rules but spelled differently") in result.err
    assert built("python") == [] and tags(root) == []


@pytest.fixture
def empty_verdaccio(verdaccio: Verdaccio) -> Iterator[Verdaccio]:
    """The session's verdaccio, emptied before and after: the version published here is
    greater than what the other tests publish."""
    verdaccio.reset()
    yield verdaccio
    verdaccio.reset()


def test_npm_greater_rendering(run_cli: RunCli, tmp_path: Path,
                               empty_verdaccio: Verdaccio) -> None:
    npm = require_tool("npm")
    package = sample_projects.npm_package(tmp_path / "pkg", "@tasker-systems/worker", "0.1.9000")
    subprocess.run([npm, "publish", "--access", "public"], cwd=package,
                   env={**os.environ, **empty_verdaccio.npm_env(tmp_path / "npm-home")},
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    root = sandbox_at(tmp_path / "repo", "0.1.8.0")
    result = publish(run_cli, "typescript", "0.1.8.0", root,
                     {"RELEASE_TASKS_NPM_REGISTRY": empty_verdaccio.url}, "--dry-run")
    assert result.code == VERSION_ERROR, result.err
    assert ("@tasker-systems/worker 0.1.8000: npm already has 0.1.9000, which is greater"
            in result.err)
    assert built("typescript") == [] and tags(root) == []


def test_crates_greater_version_stops_the_crate_and_its_dependants(
        run_cli: RunCli, tmp_path: Path, cargo_registry: CargoRegistry) -> None:
    require_tool("cargo")
    status, _, body = raw_publish(cargo_registry, "tasker-pgmq", "0.2.0")
    assert status == 200, body
    env = cargo_registry.configure_cargo("local", tmp_path / "cargo-home")
    env = {**env, "CARGO_REGISTRY_TOKEN": env.pop("CARGO_REGISTRIES_LOCAL_TOKEN"),
           "CARGO_TARGET_DIR": str(tmp_path / "target")}
    root = sandbox_at(tmp_path, "0.1.0.0")
    cmd.ARGV_LOG.clear()
    result = run_cli("publish_crates", "--repo", str(root), "--registry", "local", env=env)
    assert result.code == 13, result.err  # the publish is incomplete
    assert ("tasker-pgmq 0.1.0: cargo registry local already has 0.2.0, which is greater; "
            "versions only go up") in result.err
    assert not any(argv[1:2] == ["publish"] for argv in cmd.ARGV_LOG)
    assert [name for name, _ in cargo_registry.log.published()] == ["tasker-pgmq"]
    assert tags(root) == []
