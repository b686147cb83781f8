"""The local registries work with the real clients: cargo, gem, npm, maturin and pip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from release_tasks.standins.cargo_index import encode_publish_body, index_path
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import REPUSH, RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.registries import sample_projects
from tests.registries.fixtures import unique_name
from tests.registries.tools import require_tool
from tests.registries.wheels import make_wheel

pytestmark = pytest.mark.integration

REGISTRY = "local"


def run(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv),
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def http(
    method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def raw_publish(
    registry: CargoRegistry, name: str, vers: str, deps: Sequence[str] = (), token: str = ""
) -> tuple[int, dict[str, str], bytes]:
    """A publish request as cargo sends it, for checks that need no cargo binary."""
    meta: dict[str, Any] = {
        "name": name,
        "vers": vers,
        "deps": [
            {"name": d, "version_req": f"^{vers}", "kind": "normal", "features": []} for d in deps
        ],
        "features": {},
    }
    body = encode_publish_body(meta, f"{name}-{vers}".encode())
    headers = {"Authorization": token or registry.token}
    return http("PUT", f"{registry.url}/api/v1/crates/new", body, headers)


# -- cargo --------------------------------------------------------------------------------


@pytest.fixture
def cargo_env(cargo_registry: CargoRegistry, tmp_path: Path) -> dict[str, str]:
    require_tool("cargo")
    env = cargo_registry.configure_cargo(REGISTRY, tmp_path / "cargo-home")
    env["CARGO_TARGET_DIR"] = str(tmp_path / "target")
    return env


def cargo(ws: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(["cargo", *args, "--registry", REGISTRY], env, ws)


def plain_cargo(ws: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Without ``--registry``, the way a release tool publishes to crates.io."""
    return run(["cargo", *args], env, ws)


def test_cargo_publishes_a_dependency_chain_and_waits_for_the_index(
    cargo_registry: CargoRegistry, cargo_env: dict[str, str], tmp_path: Path
) -> None:
    ws = sample_projects.cargo_workspace(tmp_path / "ws", {"a": [], "b": ["a"]})
    cargo_registry.set_index_delay(2)

    started = time.time()
    ok(cargo(ws, cargo_env, "publish", "-p", "a"))
    # cargo blocks until the upload is visible in the index, so it cannot return sooner.
    assert time.time() - started >= 2
    assert cargo_registry.is_visible("a", "0.1.0")

    # b's verification build resolves and downloads a from the local index.
    out = ok(cargo(ws, cargo_env, "publish", "-p", "b"))
    assert "Downloaded a v0.1.0 (registry `local`)" in out

    assert cargo_registry.log.published() == [("a", "0.1.0"), ("b", "0.1.0")]
    assert cargo_registry.log.events("publish", "b")[0].deps == {"a": "^0.1.0"}
    assert cargo_registry.order_violations() == []

    status, _, body = http("GET", f"{cargo_registry.url}/index/{index_path('b')}")
    entry = json.loads(body)
    assert status == 200
    assert entry["deps"][0]["name"] == "a"
    assert entry["deps"][0]["req"] == "^0.1.0"
    assert entry["yanked"] is False
    status, _, body = http("GET", f"{cargo_registry.url}/api/v1/crates/b/0.1.0")
    assert status == 200
    assert json.loads(body)["version"]["num"] == "0.1.0"
    _, _, body = http("GET", f"{cargo_registry.url}/api/v1/crates/a")
    assert json.loads(body)["crate"]["max_version"] == "0.1.0"


def test_cargo_duplicate_versions_are_refused(
    cargo_registry: CargoRegistry, cargo_env: dict[str, str], tmp_path: Path
) -> None:
    ws = sample_projects.cargo_workspace(tmp_path / "ws", {"a": []})
    ok(cargo(ws, cargo_env, "publish", "-p", "a", "--no-verify"))
    # A visible version is caught by cargo itself before it uploads anything.
    again = cargo(ws, cargo_env, "publish", "-p", "a", "--no-verify")
    assert again.returncode != 0
    assert "a@0.1.0 already exists on `local` index" in again.stderr

    # While the index lags, cargo does upload, and the server must refuse the repeat.
    sample_projects.cargo_workspace(tmp_path / "ws", {"a": []}, version="0.2.0")
    cargo_registry.set_index_delay(60)
    first = subprocess.Popen(
        ["cargo", "publish", "-p", "a", "--no-verify", "--registry", REGISTRY],
        cwd=ws,
        env={**os.environ, **cargo_env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not cargo_registry.versions("a", include_hidden=True)[1:]:
            assert time.monotonic() < deadline, "first upload never arrived"
            time.sleep(0.05)
    finally:
        first.terminate()  # it is only waiting for the index now
        first.wait(timeout=30)
    repeat = cargo(ws, cargo_env, "publish", "-p", "a", "--no-verify")
    assert repeat.returncode != 0
    assert "status 400 Bad Request" in repeat.stderr
    assert "already exists" in repeat.stderr
    assert [e.version for e in cargo_registry.log.events("rejected")] == ["0.2.0"]


def test_cargo_plain_publish_search_yank_and_unyank(
    cargo_registry: CargoRegistry, cargo_env: dict[str, str], tmp_path: Path
) -> None:
    ws = sample_projects.cargo_workspace(tmp_path / "ws", {"a": []})
    ok(plain_cargo(ws, cargo_env, "publish", "-p", "a", "--no-verify"))
    assert 'a = "0.1.0"' in ok(plain_cargo(ws, cargo_env, "search", "a"))

    ok(plain_cargo(ws, cargo_env, "yank", "--version", "0.1.0", "a"))
    assert [v.yanked for v in cargo_registry.versions("a")] == [True]
    _, _, body = http("GET", f"{cargo_registry.url}/index/1/a")
    assert json.loads(body)["yanked"] is True

    ok(cargo(ws, cargo_env, "yank", "--undo", "--version", "0.1.0", "a"))
    _, _, body = http("GET", f"{cargo_registry.url}/api/v1/crates/a/0.1.0")
    assert json.loads(body)["version"]["yanked"] is False


def test_cargo_publish_with_a_wrong_token_is_forbidden(
    cargo_registry: CargoRegistry, cargo_env: dict[str, str], tmp_path: Path
) -> None:
    ws = sample_projects.cargo_workspace(tmp_path / "ws", {"a": []})
    env = {**cargo_env, "CARGO_REGISTRIES_LOCAL_TOKEN": "not-the-token"}
    result = cargo(ws, env, "publish", "-p", "a", "--no-verify")
    assert result.returncode != 0
    assert "403 Forbidden" in result.stderr
    assert "authentication failed" in result.stderr
    assert cargo_registry.log.published() == []
    assert [e.kind for e in cargo_registry.log.events()] == ["rejected"]


def test_cargo_retries_transient_index_errors(
    cargo_registry: CargoRegistry, cargo_env: dict[str, str], tmp_path: Path
) -> None:
    ws = sample_projects.cargo_workspace(tmp_path / "ws", {"a": []})
    cargo_registry.faults.fail_next(1, status=503, on="index")
    cargo_registry.faults.drop_next(1, on="index")
    ok(cargo(ws, cargo_env, "publish", "-p", "a", "--no-verify"))
    assert cargo_registry.faults.served == {"fail": 1, "drop": 1}


def test_cargo_private_registry_needs_the_token_for_the_index_too(tmp_path: Path) -> None:
    require_tool("cargo")
    ws = sample_projects.cargo_workspace(tmp_path / "ws", {"a": []})
    with CargoRegistry(auth_required=True) as registry:
        env = registry.configure_cargo(REGISTRY, tmp_path / "cargo-home")
        ok(cargo(ws, env, "publish", "-p", "a", "--no-verify"))
        env["CARGO_REGISTRIES_LOCAL_TOKEN"] = "not-the-token"
        denied = cargo(ws, env, "publish", "-p", "a", "--no-verify")
        assert denied.returncode != 0
        assert "token rejected for `local`" in denied.stderr
        status, headers, _ = http("GET", f"{registry.url}/index/config.json")
        assert status == 401
        assert headers["WWW-Authenticate"].startswith("Cargo login_url=")


# -- cargo registry behaviour without cargo --------------------------------------------------


def test_cargo_registry_fault_switches(cargo_registry: CargoRegistry) -> None:
    faults, url = cargo_registry.faults, cargo_registry.url
    faults.throttle_next(1, retry_after=1, on="upload")
    faults.fail_next(1, on="upload")
    faults.reject_next_publish("a", status=400)

    status, headers, _ = raw_publish(cargo_registry, "a", "0.1.0")
    assert (status, headers["Retry-After"]) == (429, "1")
    assert raw_publish(cargo_registry, "a", "0.1.0")[0] == 500
    status, _, body = raw_publish(cargo_registry, "a", "0.1.0")
    assert status == 400
    assert json.loads(body)["errors"][0]["detail"] == "injected rejection of a"
    assert raw_publish(cargo_registry, "a", "0.1.0")[0] == 200
    status, _, body = raw_publish(cargo_registry, "a", "0.1.0")
    assert status == 400
    assert "already exists" in body.decode()

    # The upload is stored but its answer is lost: a blind retry then hits "already exists".
    faults.drop_next(1, on="upload", after_processing=True)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        raw_publish(cargo_registry, "b", "0.1.0")
    assert cargo_registry.is_visible("b", "0.1.0")
    assert raw_publish(cargo_registry, "b", "0.1.0")[0] == 400
    assert faults.served == {"throttle": 1, "fail": 1, "reject": 1, "drop_after": 1}

    faults.set_latency(0.3)
    started = time.monotonic()
    http("GET", f"{url}/index/config.json")
    assert time.monotonic() - started >= 0.3


def test_cargo_registry_logs_publishes_that_outran_their_dependencies(
    cargo_registry: CargoRegistry,
) -> None:
    cargo_registry.set_index_delay(30)
    assert raw_publish(cargo_registry, "core", "0.1.0")[0] == 200
    status, _, body = http("GET", f"{cargo_registry.url}/api/v1/crates/core/0.1.0")
    assert status == 404
    assert "does not exist" in json.loads(body)["errors"][0]["detail"]
    # The server accepts it, as crates.io would: `core` exists, just not in the index yet.
    assert raw_publish(cargo_registry, "app", "0.1.0", deps=["core"])[0] == 200
    assert raw_publish(cargo_registry, "cli", "0.1.0", deps=["missing"])[0] == 400

    [problem] = cargo_registry.order_violations()
    assert problem.startswith("app@0.1.0 was published before core '^0.1.0' was visible")


# -- RubyGems -----------------------------------------------------------------------------


def test_gem_push_duplicate_wrong_key_versions_and_yank(
    rubygems_registry: RubyGemsRegistry, tmp_path: Path
) -> None:
    gem = require_tool("gem")
    env = rubygems_registry.gem_env(tmp_path / "home")
    url = rubygems_registry.url
    path = sample_projects.ruby_gem(gem, tmp_path / "src", "tiny_core", "0.1.0")

    assert "Successfully registered gem: tiny_core (0.1.0)" in ok(
        run([gem, "push", "--host", url, str(path)], env, tmp_path)
    )
    again = run([gem, "push", "--host", url, str(path)], env, tmp_path)
    assert again.returncode != 0
    assert REPUSH.splitlines()[0] in again.stdout
    wrong = run([gem, "push", "--host", url, str(path)], {**env, "GEM_HOST_API_KEY": "x"}, tmp_path)
    assert wrong.returncode != 0
    assert "Access Denied" in wrong.stdout
    assert [e.detail.split("\n")[0][:24] for e in rubygems_registry.log.events("rejected")] == [
        "Repushing of gem version",
        "Access Denied. Please si",
    ]

    status, _, body = http("GET", f"{url}/api/v1/versions/tiny_core.json")
    assert status == 200
    [version] = json.loads(body)
    assert (version["number"], version["platform"], version["prerelease"]) == (
        "0.1.0",
        "ruby",
        False,
    )

    ok(run([gem, "yank", "--host", url, "tiny_core", "-v", "0.1.0"], env, tmp_path))
    status, _, body = http("GET", f"{url}/api/v1/versions/tiny_core.json")
    assert (status, body) == (404, b"This rubygem could not be found.")


def test_gem_install_resolves_dependencies_from_the_registry(
    rubygems_registry: RubyGemsRegistry, tmp_path: Path
) -> None:
    gem = require_tool("gem")
    env = rubygems_registry.gem_env(tmp_path / "home")
    url = rubygems_registry.url
    core = sample_projects.ruby_gem(gem, tmp_path / "core", "tiny_core", "0.1.0")
    ffi = sample_projects.ruby_gem(
        gem, tmp_path / "ffi", "tiny_ffi", "0.1.0", {"tiny_core": "~> 0.1"}, native=True
    )
    for path in (core, ffi):
        ok(run([gem, "push", "--host", url, str(path)], env, tmp_path))
    assert rubygems_registry.order_violations() == []

    install = [gem, "install", "tiny_ffi", "-v", "0.1.0", "--no-document"]
    # --clear-sources must come first: options are applied in order.
    out = ok(run([*install, "--clear-sources", "--source", f"{url}/"], env, tmp_path))
    assert "Successfully installed tiny_core-0.1.0" in out
    assert f"Successfully installed {ffi.name.removesuffix('.gem')}" in out
    assert ffi.name != "tiny_ffi-0.1.0.gem"  # a platform gem, like precompiled bindings


def test_gem_push_is_throttled_by_fault_switch(
    rubygems_registry: RubyGemsRegistry, tmp_path: Path
) -> None:
    gem = require_tool("gem")
    env = rubygems_registry.gem_env(tmp_path / "home")
    path = sample_projects.ruby_gem(gem, tmp_path / "src", "tiny_core", "0.1.0")
    rubygems_registry.faults.throttle_next(1, on="upload")
    push = [gem, "push", "--host", rubygems_registry.url, str(path)]
    throttled = run(push, env, tmp_path)
    assert throttled.returncode != 0
    assert "injected fault: HTTP 429" in throttled.stdout
    ok(run(push, env, tmp_path))
    assert rubygems_registry.log.published() == [("tiny_core", "0.1.0")]


# -- npm (verdaccio) ----------------------------------------------------------------------


def test_npm_publish_view_install_and_deprecate(verdaccio: Verdaccio, tmp_path: Path) -> None:
    npm = require_tool("npm")
    env = verdaccio.npm_env(tmp_path / "npm-home")
    name = f"@release-tests/{unique_name('tiny')}"
    pkg = sample_projects.npm_package(tmp_path / "pkg", name, "0.1.0")

    ok(run([npm, "publish"], env, pkg))
    assert ok(run([npm, "view", name, "version"], env, tmp_path)).strip() == "0.1.0"
    again = run([npm, "publish"], env, pkg)
    assert again.returncode != 0
    # npm 11 usually refuses on its own after reading the packument; the server says E409.
    assert "E409" in again.stderr or "cannot publish over" in again.stderr, again.stderr

    consumer = sample_projects.npm_package(tmp_path / "consumer", "consumer", "1.0.0")
    ok(run([npm, "install", f"{name}@0.1.0"], env, consumer))
    installed = json.loads((consumer / "node_modules" / name / "package.json").read_text())
    assert installed["version"] == "0.1.0"

    ok(run([npm, "deprecate", f"{name}@0.1.0", "use 0.2"], env, tmp_path))
    assert ok(run([npm, "view", name, "deprecated"], env, tmp_path)).strip() == "use 0.2"

    anonymous = {**env, "npm_config_userconfig": os.devnull}
    denied = run([npm, "publish"], anonymous, pkg)
    assert denied.returncode != 0


# -- PyPI (pypiserver) --------------------------------------------------------------------


def test_maturin_upload_then_pip_install(pypi_server: PypiServer, tmp_path: Path) -> None:
    maturin = require_tool("maturin")
    name = unique_name("rt-tiny")
    wheel = make_wheel(tmp_path / "dist", name, "0.1.0")

    ok(run([maturin, "upload", str(wheel)], pypi_server.maturin_env(), tmp_path))
    wrong = {**pypi_server.maturin_env(), "MATURIN_PYPI_TOKEN": "wrong"}
    denied = run([maturin, "upload", str(wheel)], wrong, tmp_path)
    assert denied.returncode != 0
    # pypiserver answers 403 before reading the body, so the client may see the reset first.
    assert "403 Forbidden" in denied.stderr or "Broken pipe" in denied.stderr, denied.stderr
    duplicate = run([maturin, "upload", str(wheel)], pypi_server.maturin_env(), tmp_path)
    assert duplicate.returncode != 0
    assert "already exists" in duplicate.stderr
    assert wheel.name in pypi_server.files()

    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--target", str(target), f"{name}==0.1.0"]
    ok(run(pip, pypi_server.pip_env(), tmp_path))
    module = name.replace("-", "_")
    assert (target / module / "__init__.py").read_text() == '__version__ = "0.1.0"\n'
