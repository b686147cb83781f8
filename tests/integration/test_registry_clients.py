"""The already-published clients against the four local registries.

Each registry answers exists/absent correctly for a package really published with its own
client tool; every fault ends in a retry or a clear error, never in "not published".
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from release_tasks.errors import RegistryUnavailable
from release_tasks.registries import REGISTRIES, crates_io, endpoints_for, make_client
from release_tasks.registries.crates_io import cargo_index_var
from release_tasks.registries.endpoints import Endpoints
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.registries import sample_projects
from tests.registries.fixtures import unique_name
from tests.registries.test_registries import raw_publish
from tests.registries.tools import require_tool
from tests.registries.wheels import make_wheel

pytestmark = pytest.mark.integration


def no_sleep(_: float) -> None:
    """Retries run at once: the backoff itself is unit-tested."""


@pytest.fixture
def http() -> httpx.Client:
    return make_client(timeout=5.0)


def _sparse(registry: CargoRegistry) -> Endpoints:
    return REGISTRIES["crates-io"].endpoints({"RELEASE_TASKS_CARGO_REGISTRY": "local",
                                              cargo_index_var("local"): registry.index_url}, {})


def test_cargo_sparse_index_and_api(cargo_registry: CargoRegistry, http: httpx.Client) -> None:
    status, _, body = raw_publish(cargo_registry, "tasker-pgmq", "0.1.8")
    assert status == 200, body
    crates = REGISTRIES["crates-io"]
    for endpoints in (_sparse(cargo_registry), crates_io.make_endpoints(api=cargo_registry.url)):
        assert crates.exists(http, endpoints, "tasker-pgmq", "0.1.8")
        assert not crates.exists(http, endpoints, "tasker-pgmq", "0.1.9")
        assert not crates.exists(http, endpoints, "tasker-absent", "0.1.8")
    assert crates.versions(http, _sparse(cargo_registry), "tasker-pgmq") == ["0.1.8"]


def test_cargo_yanked_version_still_exists(cargo_registry: CargoRegistry,
                                          http: httpx.Client) -> None:
    assert raw_publish(cargo_registry, "tasker-shared", "0.1.8")[0] == 200
    request = httpx.delete(f"{cargo_registry.url}/api/v1/crates/tasker-shared/0.1.8/yank",
                           headers={"Authorization": cargo_registry.token})
    assert request.status_code == 200
    assert REGISTRIES["crates-io"].exists(http, _sparse(cargo_registry), "tasker-shared",
                                                "0.1.8")


def test_cargo_delayed_index_is_absent_until_visible(cargo_registry: CargoRegistry,
                                                     http: httpx.Client) -> None:
    cargo_registry.set_index_delay(60)
    assert raw_publish(cargo_registry, "tasker-cli", "0.1.8")[0] == 200
    assert not REGISTRIES["crates-io"].exists(http, _sparse(cargo_registry), "tasker-cli",
                                                    "0.1.8")


def test_cargo_outage_is_an_error_not_absent(cargo_registry: CargoRegistry,
                                             http: httpx.Client) -> None:
    cargo_registry.faults.fail_next(50, 500)
    with pytest.raises(RegistryUnavailable, match=r"127\.0\.0\.1"):
        REGISTRIES["crates-io"].exists(http, _sparse(cargo_registry), "tasker-pgmq",
                                             "0.1.8", sleep=no_sleep)


def test_cargo_throttling_and_drops_are_retried(cargo_registry: CargoRegistry,
                                                http: httpx.Client) -> None:
    assert raw_publish(cargo_registry, "tasker-worker", "0.1.8")[0] == 200
    waits: list[float] = []
    cargo_registry.faults.throttle_next(2, 1)
    cargo_registry.faults.drop_next(1)
    assert REGISTRIES["crates-io"].exists(http, _sparse(cargo_registry), "tasker-worker",
                                                "0.1.8", sleep=waits.append)
    assert waits.count(1.0) == 2  # Retry-After honoured


def test_rubygems(rubygems_registry: RubyGemsRegistry, http: httpx.Client,
                  tmp_path: Path) -> None:
    gem = require_tool("gem")
    built = sample_projects.ruby_gem(gem, tmp_path / "gem", "tasker_probe", "0.1.8.0")
    env = rubygems_registry.gem_env(tmp_path / "home")
    subprocess.run([gem, "push", "--host", rubygems_registry.url, str(built)], env=env,
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    endpoints = endpoints_for("rubygems", host=rubygems_registry.url)
    gems = REGISTRIES["rubygems"]
    assert gems.exists(http, endpoints, "tasker_probe", "0.1.8.0")
    assert gems.exists(http, endpoints, "tasker_probe", "0.1.8")  # RubyGems' own equality
    assert not gems.exists(http, endpoints, "tasker_probe", "0.1.8.1")
    assert not gems.exists(http, endpoints, "tasker_absent", "0.1.8.0")
    rubygems_registry.faults.fail_next(50, 503)
    with pytest.raises(RegistryUnavailable):
        gems.exists(http, endpoints, "tasker_probe", "0.1.8.0", sleep=no_sleep)


def test_pypi_html_simple_api(pypi_server: PypiServer, http: httpx.Client,
                              tmp_path: Path) -> None:
    maturin = require_tool("maturin")
    name = unique_name("tasker-probe")
    wheel = make_wheel(tmp_path, name, "0.1.8.0")
    subprocess.run([maturin, "upload", str(wheel)], env=pypi_server.maturin_env(), check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    endpoints = endpoints_for("pypi", index=pypi_server.url)
    pypi = REGISTRIES["pypi"]
    assert pypi.exists(http, endpoints, name, "0.1.8.0")
    assert pypi.exists(http, endpoints, name.upper().replace("-", "_"), "0.1.8")  # PEP 503/440
    assert not pypi.exists(http, endpoints, name, "0.1.8.1")
    assert not pypi.exists(http, endpoints, unique_name("tasker-absent"), "0.1.8.0")


def test_npm(verdaccio: Verdaccio, http: httpx.Client, tmp_path: Path) -> None:
    npm = require_tool("npm")
    name = f"@tasker-systems/{unique_name('probe')}"
    package = sample_projects.npm_package(tmp_path / "pkg", name, "0.1.8002")
    subprocess.run([npm, "publish", "--access", "public"], cwd=package,
                   env=verdaccio.npm_env(tmp_path / "npm-home"), check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    endpoints = endpoints_for("npm", registry=verdaccio.url)
    client = REGISTRIES["npm"]
    assert client.exists(http, endpoints, name, "0.1.8002")
    assert not client.exists(http, endpoints, name, "0.1.8003")
    assert client.versions(http, endpoints, name) == ["0.1.8002"]
    assert not client.exists(http, endpoints, f"@tasker-systems/{unique_name('absent')}", "1.0.0")
