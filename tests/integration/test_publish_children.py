"""Each child gets only its own secret: every tool a binding's publish starts is a shim on
PATH that writes its environment down and then runs the real tool, while every registry
credential is set (in the stage's environment and in the process's own). Build steps must
hold none; each upload exactly its own binding's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.publish_helpers import publish, sandbox_at
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

TOOLS = ("gem", "rake", "bundle", "ruby", "maturin", "uv", "bun", "npm", "cargo")
#: The uploads, and the one secret each may see.
UPLOADS = {("gem", "push"): "GEM_HOST_API_KEY", ("uv", "publish"): "PYPI_TOKEN",
           ("npm", "publish"): "NPM_TOKEN"}
VERSION = "0.1.0.50"  # verdaccio lives for the session: a version no other test publishes


@pytest.fixture
def npm_registry(verdaccio: Verdaccio) -> Iterator[Verdaccio]:
    """The session's verdaccio, emptied afterwards: 0.1.50 is above other tests' versions."""
    yield verdaccio
    verdaccio.reset()


def write_shims(directory: Path, log: Path) -> None:
    directory.mkdir()
    for tool in TOOLS:
        real = require_tool(tool)
        shim = directory / tool
        shim.write_text(f'#!/bin/sh\n{{ echo "=== {tool} $*"; env; }} >> "{log}"\n'
                        f'exec "{real}" "$@"\n')
        shim.chmod(0o755)


def invocations(log: Path) -> list[tuple[list[str], str]]:
    """Each shim's run: its argv, and its whole environment as text."""
    found = []
    for block in log.read_text(errors="replace").split("=== ")[1:]:
        head, _, env = block.partition("\n")
        argv = head.split()
        if argv[0] == "ruby" and len(argv) > 1 and Path(argv[1]).name in TOOLS:
            argv = [Path(argv[1]).name, *argv[2:]]  # `gem` is a Ruby script: ruby runs it
        found.append((argv, env))
    return found


def test_no_build_step_holds_a_credential_and_each_upload_only_its_own(
        run_cli: RunCli, tmp_path: Path, rubygems_registry: RubyGemsRegistry,
        pypi_server: PypiServer, npm_registry: Verdaccio, monkeypatch: pytest.MonkeyPatch) -> None:
    pypi_server.reset()
    verdaccio = npm_registry
    log, shims = tmp_path / "children.log", tmp_path / "shims"
    write_shims(shims, log)
    secrets = {
        "GEM_HOST_API_KEY": rubygems_registry.api_key,
        "PYPI_TOKEN": pypi_server.password, "MATURIN_PYPI_TOKEN": pypi_server.password,
        "NPM_TOKEN": verdaccio.token,
        # Secrets no binding of this run uses: no child may ever see them.
        "CARGO_REGISTRY_TOKEN": "cargo-SENTINEL-1", "CARGO_REGISTRIES_LOCAL_TOKEN": "cargo-SENTINEL-2",
        "NODE_AUTH_TOKEN": "node-SENTINEL-3", "UV_PUBLISH_TOKEN": "uv-SENTINEL-4",
        "TWINE_PASSWORD": "twine-SENTINEL-5",
    }
    for name, value in secrets.items():  # a child started with our own environment has them too
        monkeypatch.setenv(name, value)
    env = {**secrets, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}",
           "CARGO_TARGET_DIR": str(tmp_path / "target"),
           "RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url,
           "RELEASE_TASKS_PYPI_INDEX_URL": pypi_server.url,
           "RELEASE_TASKS_PYPI_UPLOAD_URL": pypi_server.upload_url,
           "RELEASE_TASKS_NPM_REGISTRY": verdaccio.url}
    root = sandbox_at(tmp_path, VERSION)
    for lang in ("ruby", "python", "typescript"):
        result = publish(run_cli, lang, VERSION, root, env)
        assert result.code == 0, result.err

    runs = invocations(log)
    assert {argv[0] for argv, _ in runs} == set(TOOLS)  # cargo too: started by rake and maturin
    uploads: set[tuple[str, ...]] = set()
    for argv, child_env in runs:
        seen = sorted(name for name, value in secrets.items() if value in child_env)
        own = next((v for k, v in UPLOADS.items() if tuple(argv[:2]) == k), None)
        if own is None:
            assert seen == [], f"{' '.join(argv)} (a build step) saw {seen}"
            continue
        uploads.add(tuple(argv))
        allowed = {"PYPI_TOKEN", "MATURIN_PYPI_TOKEN"} if own == "PYPI_TOKEN" else {own}
        assert seen and set(seen) <= allowed, f"{' '.join(argv)} saw {seen}"
    assert len(uploads) == 4  # a gem, a wheel, an sdist, a tarball: one upload each
    shutil.rmtree(shims)
