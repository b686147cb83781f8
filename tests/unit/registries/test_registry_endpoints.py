"""Registry endpoints: public defaults, environment overrides, config defaults, per-binding
endpoints, URL policy."""

from __future__ import annotations

import copy

import pytest

from release_tasks.config import load as config_mod
from release_tasks.errors import ConfigError, UsageError
from release_tasks.registries import (
    config_keys,
    crates_io,
    endpoints_for,
    endpoints_from_env,
    given_endpoints,
    kind_of,
)
from release_tasks.registries.crates_io import cargo_index_var
from release_tasks.registries.endpoints import Endpoints


def flat(endpoints: dict[str, Endpoints]) -> dict[str, str | None]:
    """Every kind's URLs under the names they had as one object."""
    return {
        "crates_api": endpoints["crates-io"]["api"],
        "cargo_registry": endpoints["crates-io"].get("registry"),
        "cargo_index": endpoints["crates-io"].get("index"),
        "rubygems_host": endpoints["rubygems"]["host"],
        "pypi_index": endpoints["pypi"]["index"],
        "pypi_upload": endpoints["pypi"]["upload"],
        "npm_registry": endpoints["npm"]["registry"],
    }


DEFAULTS = {"crates_api": "https://crates.io", "cargo_registry": None, "cargo_index": None,
            "rubygems_host": "https://rubygems.org", "pypi_index": "https://pypi.org/simple/",
            "pypi_upload": "https://upload.pypi.org/legacy/",
            "npm_registry": "https://registry.npmjs.org/"}


def test_public_defaults() -> None:
    endpoints = flat(endpoints_from_env({}))
    assert endpoints == DEFAULTS
    assert endpoints["crates_api"] == "https://crates.io"
    assert endpoints["cargo_registry"] is None
    assert endpoints["cargo_index"] is None
    assert endpoints["rubygems_host"] == "https://rubygems.org"
    assert endpoints["pypi_index"] == "https://pypi.org/simple/"
    assert endpoints["pypi_upload"] == "https://upload.pypi.org/legacy/"
    assert endpoints["npm_registry"] == "https://registry.npmjs.org/"


def test_every_override_is_read_and_normalized() -> None:
    endpoints = endpoints_from_env(
        {
            "RELEASE_TASKS_CARGO_REGISTRY": "local-crates",
            "CARGO_REGISTRIES_LOCAL_CRATES_INDEX": "sparse+http://127.0.0.1:8000/index",
            "RELEASE_TASKS_RUBYGEMS_HOST": "http://localhost:9292/",
            "RELEASE_TASKS_PYPI_INDEX_URL": "http://127.0.0.1:8080/simple",
            "RELEASE_TASKS_PYPI_UPLOAD_URL": "http://127.0.0.1:8080/",
            "RELEASE_TASKS_NPM_REGISTRY": "http://[::1]:4873",
        }
    )
    assert flat(endpoints) == {
        **DEFAULTS,
        "cargo_registry": "local-crates",
        "cargo_index": "http://127.0.0.1:8000/index/",
        "rubygems_host": "http://localhost:9292",
        "pypi_index": "http://127.0.0.1:8080/simple/",
        "pypi_upload": "http://127.0.0.1:8080/",
        "npm_registry": "http://[::1]:4873/",
    }


def test_config_defaults_and_env_wins() -> None:
    defaults = {
        "crates-io": "https://staging.crates.io/",
        "rubygems": "https://gems.example",
        "pypi-index": "https://test.pypi.org/simple/",
        "pypi-upload": "https://test.pypi.org/legacy/",
        "npm": "https://npm.example/",
    }
    env = {"RELEASE_TASKS_NPM_REGISTRY": "https://other-npm.example/"}
    assert flat(endpoints_from_env(env, defaults)) == {
        **DEFAULTS,
        "crates_api": "https://staging.crates.io",
        "rubygems_host": "https://gems.example",
        "pypi_index": "https://test.pypi.org/simple/",
        "pypi_upload": "https://test.pypi.org/legacy/",
        "npm_registry": "https://other-npm.example/",
    }
    assert set(defaults) == set(config_keys())


def test_empty_values_count_as_unset() -> None:
    env = {"RELEASE_TASKS_RUBYGEMS_HOST": "", "RELEASE_TASKS_CARGO_REGISTRY": "  "}
    assert flat(endpoints_from_env(env, {"npm": " "})) == DEFAULTS


def test_unknown_config_key_is_refused() -> None:
    with pytest.raises(UsageError, match=r"unknown \[registries\] key.*pypi; known"):
        endpoints_from_env({}, {"pypi": "https://pypi.example/simple/"})


def test_config_crates_io_is_the_web_api_not_an_index() -> None:
    with pytest.raises(UsageError, match="RELEASE_TASKS_CARGO_REGISTRY"):
        endpoints_from_env({}, {"crates-io": "sparse+https://index.crates.io/"})


def test_plain_http_in_config_is_refused() -> None:
    with pytest.raises(UsageError, match="RELEASE_TASKS_PYPI_INDEX_URL"):
        endpoints_from_env({}, {"pypi-index": "http://pypi.example/simple/"})


@pytest.mark.parametrize(
    ("name", "var"),
    [
        ("local", "CARGO_REGISTRIES_LOCAL_INDEX"),
        ("my-registry", "CARGO_REGISTRIES_MY_REGISTRY_INDEX"),
        ("My_Reg-2", "CARGO_REGISTRIES_MY_REG_2_INDEX"),
    ],
)
def test_cargo_index_variable_is_named_as_cargo_names_it(name: str, var: str) -> None:
    assert cargo_index_var(name) == var


def test_missing_cargo_index_says_which_variable() -> None:
    with pytest.raises(UsageError, match="CARGO_REGISTRIES_MY_REG_INDEX is not set"):
        endpoints_from_env({"RELEASE_TASKS_CARGO_REGISTRY": "my-reg"})


def test_git_cargo_index_is_refused() -> None:
    env = {
        "RELEASE_TASKS_CARGO_REGISTRY": "mine",
        "CARGO_REGISTRIES_MINE_INDEX": "https://github.com/me/index.git",
    }
    with pytest.raises(UsageError, match="not a sparse index"):
        endpoints_from_env(env)


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("RELEASE_TASKS_RUBYGEMS_HOST", "http://gems.example"),
        ("RELEASE_TASKS_PYPI_INDEX_URL", "http://pypi.example/simple/"),
        ("RELEASE_TASKS_PYPI_UPLOAD_URL", "http://pypi.example/legacy/"),
        ("RELEASE_TASKS_NPM_REGISTRY", "http://npm.example/"),
        ("CARGO_REGISTRIES_MINE_INDEX", "sparse+http://crates.example/index/"),
    ],
)
def test_plain_http_to_a_remote_host_is_refused(variable: str, url: str) -> None:
    env = {"RELEASE_TASKS_CARGO_REGISTRY": "mine"} if variable.startswith("CARGO_") else {}
    with pytest.raises(UsageError, match=variable):
        endpoints_from_env({**env, variable: url})


def test_constructor_validates_too() -> None:
    with pytest.raises(UsageError, match="registry"):
        endpoints_for("npm", registry="http://npm.example/")
    with pytest.raises(UsageError, match="go together"):
        crates_io.make_endpoints(registry="mine")


# --- per binding: env > the binding's endpoints > [registries] > default ---------------------

def _config(**npm: object) -> config_mod.Config:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["typescript"].update(npm)
    data["bindings"]["private-ts"] = {**copy.deepcopy(data["bindings"]["typescript"]),
                                      "package": "@acme/private", "tag-prefix": "private-ts-v",
                                      "env-key": "PRIVATE_TS",
                                      "endpoints": {"registry": "https://npm.acme.example/"}}
    data["registries"] = {"npm": "https://npm.staging.example/"}
    return config_mod.parse(data)


def _npm(config: config_mod.Config, name: str, env: dict[str, str]) -> str:
    binding = config.binding(name)
    given = given_endpoints(binding.registry, config.registries, binding.endpoints)
    return kind_of(binding.registry).endpoints(env, given)["registry"]


def test_each_binding_has_its_own_endpoints_in_one_release() -> None:
    config = _config()
    assert _npm(config, "private-ts", {}) == "https://npm.acme.example/"
    assert _npm(config, "typescript", {}) == "https://npm.staging.example/"
    assert _npm(config_mod.builtin(), "typescript", {}) == "https://registry.npmjs.org/"
    env = {"RELEASE_TASKS_NPM_REGISTRY": "http://127.0.0.1:4873"}
    assert _npm(config, "private-ts", env) == _npm(config, "typescript", env) == (
        "http://127.0.0.1:4873/")


def test_a_binding_endpoint_is_checked_and_its_keys_are_the_kinds() -> None:
    with pytest.raises(UsageError, match="refused"):
        _npm(_config(endpoints={"registry": "http://npm.example/"}), "typescript", {})
    with pytest.raises(ConfigError, match=r"endpoints: unknown key 'index' \(allowed: registry\)"):
        _config(endpoints={"index": "https://npm.example/"})
