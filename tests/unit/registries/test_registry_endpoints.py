"""Registry endpoints: public defaults, environment overrides, config defaults, URL policy."""

from __future__ import annotations

import pytest

from release_tasks.errors import UsageError
from release_tasks.registries.endpoints import (
    CONFIG_KEYS,
    Endpoints,
    cargo_index_var,
    endpoints_from_env,
)


def test_public_defaults() -> None:
    endpoints = endpoints_from_env({})
    assert endpoints == Endpoints()
    assert endpoints.crates_api == "https://crates.io"
    assert endpoints.cargo_registry is None
    assert endpoints.cargo_index is None
    assert endpoints.rubygems_host == "https://rubygems.org"
    assert endpoints.pypi_index == "https://pypi.org/simple/"
    assert endpoints.pypi_upload == "https://upload.pypi.org/legacy/"
    assert endpoints.npm_registry == "https://registry.npmjs.org/"


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
    assert endpoints == Endpoints(
        cargo_registry="local-crates",
        cargo_index="http://127.0.0.1:8000/index/",
        rubygems_host="http://localhost:9292",
        pypi_index="http://127.0.0.1:8080/simple/",
        pypi_upload="http://127.0.0.1:8080/",
        npm_registry="http://[::1]:4873/",
    )


def test_config_defaults_and_env_wins() -> None:
    defaults = {
        "crates-io": "https://staging.crates.io/",
        "rubygems": "https://gems.example",
        "pypi-index": "https://test.pypi.org/simple/",
        "pypi-upload": "https://test.pypi.org/legacy/",
        "npm": "https://npm.example/",
    }
    env = {"RELEASE_TASKS_NPM_REGISTRY": "https://other-npm.example/"}
    assert endpoints_from_env(env, defaults) == Endpoints(
        crates_api="https://staging.crates.io",
        rubygems_host="https://gems.example",
        pypi_index="https://test.pypi.org/simple/",
        pypi_upload="https://test.pypi.org/legacy/",
        npm_registry="https://other-npm.example/",
    )
    assert set(defaults) == set(CONFIG_KEYS)


def test_empty_values_count_as_unset() -> None:
    env = {"RELEASE_TASKS_RUBYGEMS_HOST": "", "RELEASE_TASKS_CARGO_REGISTRY": "  "}
    assert endpoints_from_env(env, {"npm": " "}) == Endpoints()


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
    with pytest.raises(UsageError, match="npm_registry"):
        Endpoints(npm_registry="http://npm.example/")
    with pytest.raises(UsageError, match="go together"):
        Endpoints(cargo_registry="mine")
