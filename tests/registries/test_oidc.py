"""Trusted publishing against the local registries: the OIDC stand-in, each registry's token
exchange, and the real cargo, gem, npm and uv uploading with the minted token."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.oidc import Identity, OidcIssuer, Publisher, TokenRefused
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.registries import oidc_clients, sample_projects
from tests.registries.fixtures import unique_name
from tests.registries.oidc_proxy import NpmExchangeProxy, PypiExchangeProxy
from tests.registries.tools import require_tool
from tests.registries.wheels import make_wheel

pytestmark = pytest.mark.integration

REPO = "octo-org/monorepo"


def run(argv: Sequence[str], env: Mapping[str, str], cwd: Path,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("CARGO_REGISTR", "GEM_HOST", "NPM_", "NODE_AUTH", "UV_PUBLISH",
                                  "npm_config_", "ACTIONS_ID_TOKEN", "GITHUB_"))}
    return subprocess.run(list(argv), cwd=cwd, env={**clean, **env}, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture
def issuer() -> Iterator[OidcIssuer]:
    with OidcIssuer(Identity(repository=REPO, workflow="release.yml",
                             environment="release-crates")) as service:
        yield service


def test_the_oidc_service_needs_its_request_token_and_signs_what_it_issues(
        issuer: OidcIssuer) -> None:
    env = issuer.env()
    jwt = oidc_clients.id_token(env, "crates.io")
    claims = issuer.verify(jwt, "crates.io")
    assert claims["repository"] == REPO and claims["repository_owner"] == "octo-org"
    assert claims["workflow_ref"].startswith(f"{REPO}/.github/workflows/release.yml@")
    assert claims["environment"] == "release-crates"
    assert issuer.audiences == ["crates.io"]
    with pytest.raises(TokenRefused, match="audience"):
        issuer.verify(jwt, "pypi")
    header, payload, signature = jwt.split(".")
    with pytest.raises(TokenRefused, match="signature"):
        issuer.verify(f"{header}.{payload}x.{signature}", "crates.io")
    with pytest.raises(oidc_clients.ExchangeRefused, match="401"):
        oidc_clients.id_token({**env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong"}, "crates.io")


def test_crates_io_exchange_then_real_cargo_publish_with_the_minted_token(
        cargo_registry: CargoRegistry, issuer: OidcIssuer, tmp_path: Path) -> None:
    require_tool("cargo")
    cargo_registry.trust_issuer(issuer)
    env = cargo_registry.configure_cargo("local", tmp_path / "cargo-home")
    env["CARGO_TARGET_DIR"] = str(tmp_path / "target")
    first = sample_projects.cargo_workspace(tmp_path / "v1", {"tp-a": []})
    publisher = Publisher(repository=REPO, workflow="release.yml", environment="release-crates")
    with pytest.raises(ValueError, match="does not exist"):
        cargo_registry.add_publisher("tp-a", publisher)
    ok(run(["cargo", "publish", "-p", "tp-a", "--registry", "local"], env, first))  # a token
    cargo_registry.add_publisher("tp-a", publisher)

    token = oidc_clients.crates_io_auth_action(issuer.env(), cargo_registry.url)
    second = sample_projects.cargo_workspace(tmp_path / "v2", {"tp-a": [], "tp-new": []},
                                             version="0.2.0")
    minted = {**env, "CARGO_REGISTRIES_LOCAL_TOKEN": token}
    ok(run(["cargo", "publish", "-p", "tp-a", "--registry", "local"], minted, second))
    assert cargo_registry.log.published() == [("tp-a", "0.1.0"), ("tp-a", "0.2.0")]
    assert cargo_registry.trusted.uploads == ["tp-a"]  # the token's upload is not counted
    # A minted token publishes only the crates whose publisher matched: never a new crate.
    refused = run(["cargo", "publish", "-p", "tp-new", "--registry", "local"], minted, second)
    assert refused.returncode != 0 and "not valid for crate `tp-new`" in refused.stderr

    oidc_clients.crates_io_revoke(cargo_registry.url, token)
    assert not cargo_registry.trusted.is_minted(token)


@pytest.mark.parametrize("identity, why", [
    (Identity(repository="someone/fork", environment="release-crates"), "repository"),
    (Identity(repository=REPO, workflow="ci.yml", environment="release-crates"), "workflow"),
    (Identity(repository=REPO, environment="staging"), "environment"),
])
def test_crates_io_exchange_refuses_another_repository_workflow_or_environment(
        cargo_registry: CargoRegistry, identity: Identity, why: str) -> None:
    with OidcIssuer(identity) as issuer:
        cargo_registry.trust_issuer(issuer)
        cargo_registry.plant("tp-a", "0.1.0", b"crate bytes")
        cargo_registry.add_publisher("tp-a", Publisher(repository=REPO, workflow="release.yml",
                                                       environment="release-crates"))
        with pytest.raises(oidc_clients.ExchangeRefused, match=f"400.*{why}"):
            oidc_clients.crates_io_auth_action(issuer.env(), cargo_registry.url)
        assert cargo_registry.trusted.minted == {}


def test_rubygems_pending_publisher_then_real_gem_push_with_the_exchanged_key(
        rubygems_registry: RubyGemsRegistry, tmp_path: Path) -> None:
    gem = require_tool("gem")
    identity = Identity(repository=REPO, environment="release-rubygems")
    with OidcIssuer(identity) as issuer:
        rubygems_registry.trust_issuer(issuer)
        publisher = Publisher(repository=REPO, workflow="release.yml",
                              environment="release-rubygems")
        rubygems_registry.add_publisher("tp_gem", publisher)  # pending: no such gem yet
        assert "tp_gem" in rubygems_registry.trusted.pending
        key = oidc_clients.configure_rubygems_credentials(issuer.env(), rubygems_registry.url)
        built = sample_projects.ruby_gem(gem, tmp_path / "gem", "tp_gem", "0.1.0")
        env = {"HOME": str(tmp_path / "home"), "GEM_HOST_API_KEY": key}
        ok(run([gem, "push", str(built), "--host", rubygems_registry.url], env, tmp_path))
        assert rubygems_registry.log.published() == [("tp_gem", "0.1.0")]
        assert rubygems_registry.trusted.uploads == ["tp_gem"]
        assert "tp_gem" in rubygems_registry.trusted.publishers  # no longer pending

        other = sample_projects.ruby_gem(gem, tmp_path / "other", "tp_other", "0.1.0")
        refused = run([gem, "push", str(other), "--host", rubygems_registry.url], env, tmp_path)
        assert refused.returncode != 0 and "Access Denied" in refused.stdout + refused.stderr

    with OidcIssuer(Identity(repository="someone/fork")) as stranger:
        rubygems_registry.trust_issuer(stranger)
        with pytest.raises(oidc_clients.ExchangeRefused, match=r"404.*repository"):
            oidc_clients.configure_rubygems_credentials(stranger.env(), rubygems_registry.url)


def test_real_npm_makes_its_own_oidc_exchange_in_front_of_verdaccio(
        verdaccio: Verdaccio, tmp_path: Path) -> None:
    npm = require_tool("npm")
    name = f"@release-tests/{unique_name('tp')}"
    with NpmExchangeProxy(lambda: verdaccio.url, lambda: verdaccio.token) as proxy, \
            OidcIssuer(Identity(repository=REPO, environment="release-npm")) as issuer:
        proxy.trust_issuer(issuer)
        publisher = Publisher(repository=REPO, workflow="release.yml", environment="release-npm")
        with pytest.raises(ValueError, match="needs the package"):
            proxy.add_publisher(name, publisher)
        token_env = verdaccio.npm_env(tmp_path / "token-home")
        ok(run([npm, "publish"], token_env,
               sample_projects.npm_package(tmp_path / "v1", name, "0.1.0")))  # first: a token
        proxy.add_publisher(name, publisher)

        oidc_env = {**issuer.env(), "npm_config_userconfig": str(tmp_path / "empty.npmrc"),
                    "npm_config_cache": str(tmp_path / "cache"),
                    "npm_config_registry": f"{proxy.url}/"}
        (tmp_path / "empty.npmrc").write_text("")
        ok(run([npm, "publish"], oidc_env,
               sample_projects.npm_package(tmp_path / "v2", name, "0.2.0")))
        assert proxy.trusted.exchanges == ["ok"] and proxy.uploads == [name]
        view = ok(run([npm, "view", name, "versions", "--json"], token_env, tmp_path))
        assert json.loads(view[view.index("["):]) == ["0.1.0", "0.2.0"]

    with NpmExchangeProxy(lambda: verdaccio.url, lambda: verdaccio.token) as proxy, \
            OidcIssuer(Identity(repository=REPO, workflow="other.yml",
                                environment="release-npm")) as wrong:
        proxy.trust_issuer(wrong)
        proxy.add_publisher(name, publisher)
        oidc_env = {**oidc_env, **wrong.env(), "npm_config_registry": f"{proxy.url}/"}
        refused = run([npm, "publish"], oidc_env,
                      sample_projects.npm_package(tmp_path / "v3", name, "0.3.0"))
        assert refused.returncode != 0 and proxy.uploads == []
        # The request npm makes, with this job's token for npm's audience: refused.
        jwt = oidc_clients.id_token(wrong.env(), "npm:127.0.0.1")
        with pytest.raises(oidc_clients.ExchangeRefused, match=r"401.*workflow"):
            oidc_clients.call(f"{proxy.url}/-/npm/v1/oidc/token/exchange/package/"
                              f"{name.replace('/', '%2f')}", method="POST",
                              headers={"Authorization": f"Bearer {jwt}"})
        assert all(answer.startswith("refused: ") for answer in proxy.trusted.exchanges)


def test_pypi_mint_token_then_real_uv_publish_with_the_minted_token(
        pypi_server: PypiServer, tmp_path: Path) -> None:
    uv = require_tool("uv")
    project = unique_name("tp-py").replace("-", "_")
    with PypiExchangeProxy(lambda: pypi_server.upload_url, lambda: pypi_server.password) as proxy, \
            OidcIssuer(Identity(repository=REPO, environment="release-pypi")) as issuer:
        proxy.trust_issuer(issuer)
        proxy.add_publisher(project, Publisher(repository=REPO, workflow="release.yml",
                                               environment="release-pypi"), pending=True)
        token = oidc_clients.pypi_mint_token(issuer.env(), f"{proxy.url}/")
        wheel = make_wheel(tmp_path / "dist", project, "0.1.0")
        ok(run([uv, "publish", "--publish-url", f"{proxy.url}/", str(wheel)],
               {"UV_PUBLISH_TOKEN": token}, tmp_path))
        assert wheel.name in pypi_server.files()
        assert proxy.uploads == [project.replace("_", "-")]

        other = make_wheel(tmp_path / "other", unique_name("tp-other").replace("-", "_"), "0.1.0")
        refused = run([uv, "publish", "--publish-url", f"{proxy.url}/", str(other)],
                      {"UV_PUBLISH_TOKEN": token}, tmp_path)
        assert refused.returncode != 0 and other.name not in pypi_server.files()

        with OidcIssuer(Identity(repository="someone/fork")) as stranger:
            proxy.trust_issuer(stranger)
            with pytest.raises(oidc_clients.ExchangeRefused, match=r"422.*repository"):
                oidc_clients.pypi_mint_token(stranger.env(), f"{proxy.url}/")
