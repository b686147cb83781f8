"""``publish_python`` end to end: real maturin builds, uploads to a real pypiserver.

Wheels must carry a manylinux tag; the published wheel is pip-installed from the server into
a fresh venv and imported; prebuilt artifacts upload without a build; a wrong version, a
missing token, an index or upload outage and a README outside the package all stop with a
clear error and no tag; the token never shows up anywhere.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release_tasks import cmd
from release_tasks.registries.pypi import dists, wheels
from release_tasks.standins.pypi_server import PypiServer
from tests.integration.publish_helpers import (
    CREDENTIALS_MISSING,
    PUBLISH_FAILED,
    REGISTRY_DOWN,
    USAGE,
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
from tests.registries.tools import in_ci, require_tool
from tests.support import RunCli, programs_started

pytestmark = pytest.mark.integration

VERSION = "0.1.0.0"
TAG = f"python-v{VERSION}"
WHEEL_PREFIX = f"tasker_worker_py-{VERSION}-"
SDIST = f"tasker_worker_py-{VERSION}.tar.gz"


@pytest.fixture(scope="module")
def target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cargo-target")


@pytest.fixture
def server(pypi_server: PypiServer) -> PypiServer:
    """The session's pypiserver, emptied: every test starts with nothing published."""
    for tool in ("maturin", "cargo"):
        require_tool(tool)
    pypi_server.reset()
    return pypi_server


def index_env(server: PypiServer, target: Path, token: str | None) -> dict[str, str]:
    env = {"RELEASE_TASKS_PYPI_INDEX_URL": server.url,
           "RELEASE_TASKS_PYPI_UPLOAD_URL": server.upload_url, "CARGO_TARGET_DIR": str(target)}
    if token is not None:
        env["PYPI_TOKEN"] = token  # the CI secret's name; mapped to MATURIN_PYPI_TOKEN
    return env


def install_and_import(server: PypiServer, tmp_path: Path) -> list[str]:
    """pip-install the release from the server into a new venv and call into it."""
    backend = importlib.util.find_spec("_cffi_backend")
    if backend is None or backend.origin is None:
        message = "cffi is not installed in the test environment"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # The index serves only what the tests upload, so cffi (a runtime dependency) comes from
    # the test environment; the package itself must come from the index.
    (Path(purelib) / "test-cffi.pth").write_text(str(Path(backend.origin).parent) + "\n")
    requirement = f"tasker-worker-py=={VERSION}"
    if importlib.util.find_spec("pip") is not None:
        installer = [sys.executable, "-m", "pip", "--python", str(python), "install"]
    else:
        installer = [require_tool("uv"), "pip", "install", "--python", str(python)]
    subprocess.run([*installer, "--no-deps", "--index-url", server.url, requirement],
                   env={**os.environ, **server.pip_env()}, check=True, capture_output=True,
                   timeout=120)
    script = ("import tasker_worker as t; print(t.__version__); print(t.core_version()); "
              "print(t.handle('job')); print(t.__file__)")
    return subprocess.run([python, "-c", script], check=True, capture_output=True, text=True,
                          cwd=tmp_path, timeout=60).stdout.splitlines()


def test_dry_run_builds_manylinux_wheel_and_sdist(run_cli: RunCli, tmp_path: Path,
                                                  server: PypiServer, target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    result = publish(run_cli, "python", VERSION, root, index_env(server, target_dir, None),
                     "--dry-run")
    assert result.code == 0, result.err
    require_words(result.out, [WHEEL_PREFIX, "manylinux", SDIST, "name:     tasker-worker-py",
                               f"version:  {VERSION}", "kind:     sdist", "python:   >=3.9"])
    assert "linux_x86_64" not in result.out.replace("manylinux", "")
    assert built("python") == [("maturin", "build"), ("maturin", "sdist")]
    [build] = [a for a in cmd.ARGV_LOG if a[1:3] == ["build", "--release"]]
    assert build[3:5] == ["--compatibility", "pypi"]
    assert not any(a[1:2] == ["upload"] for a in cmd.ARGV_LOG)
    assert server.files() == [] and tags(root) == []


def test_older_manylinux_is_built_with_zig(run_cli: RunCli, tmp_path: Path,
                                           server: PypiServer) -> None:
    if shutil.which("zig") is None and importlib.util.find_spec("ziglang") is None:
        message = "neither zig nor the ziglang package is installed"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    root = sandbox_at(tmp_path, VERSION)
    env = {**index_env(server, tmp_path / "zig-target", None),
           wheels.COMPATIBILITY_VAR: "manylinux_2_28"}
    result = publish(run_cli, "python", VERSION, root, env, "--dry-run")
    assert result.code == 0, result.err
    assert re.search(rf"{WHEEL_PREFIX}py3-none-manylinux_2_28_\w+\.whl", result.out)
    [build] = [a for a in cmd.ARGV_LOG if a[1:3] == ["build", "--release"]]
    assert build[3:5] == ["--compatibility", "manylinux_2_28"]
    assert ("--zig" in build) is dists.needs_zig("manylinux_2_28", dists.host_glibc())


def test_publish_install_and_rerun(run_cli: RunCli, tmp_path: Path, server: PypiServer,
                                   target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    env = index_env(server, target_dir, server.password)
    result = publish(run_cli, "python", VERSION, root, env)
    assert result.code == 0, result.err
    assert f"published tasker-worker-py@{VERSION} to PyPI; tagged {TAG}" in result.out
    [wheel, sdist] = server.files()
    assert wheel.startswith(WHEEL_PREFIX) and "manylinux" in wheel and sdist == SDIST
    assert git(root, "cat-file", "-t", TAG) == "tag"
    assert git(root, "status", "--porcelain") == ""  # build outputs are all ignored

    version, core, handled, location = install_and_import(server, tmp_path)
    assert (version, core) == (VERSION, "0.1.0")
    assert "python" in handled and str(tmp_path / "venv") in location

    again = publish(run_cli, "python", VERSION, root, env, "--on-duplicate=skip")
    assert again.code == 0, again.err
    assert "[skip] tasker-worker-py@0.1.0.0 already exists on PyPI" in again.err
    assert built("python") == [] and tags(root) == [TAG]


def test_prebuilt_artifacts_upload_without_a_build(run_cli: RunCli, tmp_path: Path,
                                                   server: PypiServer, target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    env = index_env(server, target_dir, server.password)
    assert publish(run_cli, "python", VERSION, root, env, "--dry-run").code == 0
    prebuilt = tmp_path / "dist"  # what a build matrix gathers: every wheel and the sdist
    prebuilt.mkdir()
    for built_file in (root / "target" / "release-artifacts" / "python").glob("*/*"):
        if built_file.suffix in (".whl", ".gz"):
            shutil.copy(built_file, prebuilt / built_file.name)

    # A wheel tagged linux_x86_64 is refused before anything is uploaded.
    bad = tmp_path / "bad"
    bad.mkdir()
    for path in prebuilt.iterdir():
        name = path.name
        if name.endswith(".whl"):
            name = name.split("-py3-none-")[0] + "-py3-none-linux_x86_64.whl"
        shutil.copy(path, bad / name)
    refused = publish(run_cli, "python", VERSION, root, env, "--artifacts", str(bad))
    assert refused.code == 1
    require_words(refused.err, ["PyPI would refuse", "linux_x86_64", "nothing was uploaded"])
    assert server.files() == [] and tags(root) == []

    result = publish(run_cli, "python", VERSION, root, env, "--artifacts", str(prebuilt))
    assert result.code == 0, result.err
    assert built("python") == []
    assert sorted(server.files()) == sorted(p.name for p in prebuilt.iterdir())
    assert tags(root) == [TAG]


def test_version_not_in_files_is_refused(run_cli: RunCli, tmp_path: Path, server: PypiServer,
                                         target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    result = publish(run_cli, "python", "0.1.1.0", root,
                     index_env(server, target_dir, server.password))
    assert result.code == USAGE
    require_words(result.err, ["0.1.1.0", "pyproject.toml", VERSION, "nox -s update"])
    assert programs_started() == [] and tags(root) == []


def test_missing_token_stops_before_the_build(run_cli: RunCli, tmp_path: Path,
                                              server: PypiServer, target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    result = publish(run_cli, "python", VERSION, root, index_env(server, target_dir, None))
    assert result.code == CREDENTIALS_MISSING
    require_words(result.err, ["MATURIN_PYPI_TOKEN or PYPI_TOKEN", "nothing was built"])
    assert built("python") == [] and tags(root) == []


def test_index_outage_builds_nothing(run_cli: RunCli, tmp_path: Path, server: PypiServer,
                                     target_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_retries(monkeypatch)
    root = sandbox_at(tmp_path, VERSION)
    env = {**index_env(server, target_dir, server.password),
           "RELEASE_TASKS_PYPI_INDEX_URL": closed_port_url("/simple/")}
    result = publish(run_cli, "python", VERSION, root, env)
    assert result.code == REGISTRY_DOWN
    require_words(result.err, ["PyPI gave no definite answer", "connection failed"])
    assert built("python") == [] and tags(root) == []


def test_upload_outage_leaves_no_tag(run_cli: RunCli, tmp_path: Path, server: PypiServer,
                                     target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    env = {**index_env(server, target_dir, server.password),
           "RELEASE_TASKS_PYPI_UPLOAD_URL": closed_port_url("/")}
    result = publish(run_cli, "python", VERSION, root, env)
    assert result.code == PUBLISH_FAILED
    require_words(result.err, ["uploading tasker-worker-py@0.1.0.0 to PyPI failed",
                               f"{TAG} was not created", "uv publish"])
    assert server.files() == [] and tags(root) == []


def test_readme_outside_the_package_is_caught_before_the_build(
        run_cli: RunCli, tmp_path: Path, server: PypiServer, target_dir: Path) -> None:
    root = sandbox_at(tmp_path, VERSION)
    with (root / "Cargo.toml").open("a") as manifest:
        manifest.write('\n[workspace.package]\nreadme = "README.md"\n')
    crate = root / "workers/python/Cargo.toml"
    crate.write_text(crate.read_text().replace('license = "MIT"\n',
                                               'license = "MIT"\nreadme.workspace = true\n'))
    git(root, "commit", "-qam", "inherit the workspace README")
    result = publish(run_cli, "python", VERSION, root, index_env(server, target_dir, None),
                     "--dry-run")
    assert result.code == USAGE
    require_words(result.err, ["workers/python/Cargo.toml: [package] readme is inherited from "
                               "the workspace", "outside workers/python", "maturin sdist"])
    assert built("python") == []


def test_token_never_shows(run_cli: RunCli, tmp_path: Path, server: PypiServer,
                           target_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = sandbox_at(tmp_path, VERSION)
    with capture_package_logs(caplog):
        result = publish(run_cli, "python", VERSION, root,
                         index_env(server, target_dir, server.password))
    assert result.code == 0, result.err
    assert "uv publish" in caplog.text
    assert_no_secret(server.password, result, caplog)
