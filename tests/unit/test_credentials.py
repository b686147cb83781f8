"""Credential preflight: only what the plan publishes, every missing one at once."""

from __future__ import annotations

import dataclasses

import pytest

from release_tasks.config import credentials
from release_tasks.config import load as config
from release_tasks.errors import CredentialsMissing

OIDC = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://oidc.example", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t" * 20}


def _config() -> config.Config:
    return config.builtin()


def test_only_components_in_the_plan_are_checked() -> None:
    reqs = credentials.requirements(_config(), ["ruby"])
    assert [r.names for r in reqs] == [("GEM_HOST_API_KEY",)]
    credentials.check(reqs, {"GEM_HOST_API_KEY": "k" * 20})


def test_every_missing_credential_listed_with_its_component() -> None:
    reqs = credentials.requirements(_config(), ["core", "ruby", "python", "typescript"])
    with pytest.raises(CredentialsMissing) as info:
        credentials.check(reqs, {"NPM_TOKEN": "n" * 20})
    text = str(info.value)
    assert info.value.missing == (
        "CARGO_REGISTRY_TOKEN (for core on crates-io) is not set",
        "GEM_HOST_API_KEY (for ruby on rubygems) is not set",
        "MATURIN_PYPI_TOKEN or PYPI_TOKEN (for python on pypi) is not set",
    )
    assert "NPM_TOKEN" not in text
    assert "nothing was built or published" in text


@pytest.mark.parametrize("name", ["MATURIN_PYPI_TOKEN", "PYPI_TOKEN"])
def test_pypi_accepts_either_variable(name: str) -> None:
    reqs = credentials.requirements(_config(), ["python"])
    credentials.check(reqs, {name: "p" * 20})


def test_empty_variable_counts_as_missing() -> None:
    reqs = credentials.requirements(_config(), ["typescript"])
    assert credentials.missing(reqs, {"NPM_TOKEN": ""}) == [
        "NPM_TOKEN (for typescript on npm) is not set"]


def test_trusted_publishing_counts_only_when_enabled_and_offered() -> None:
    data = dict(config.DEFAULT_CONFIG)
    data["bindings"] = {**data["bindings"],
                        "typescript": {**data["bindings"]["typescript"], "trusted-publishing": True}}
    cfg = config.parse(data)
    reqs = credentials.requirements(cfg, ["typescript"])
    credentials.check(reqs, OIDC)
    problems = credentials.missing(reqs, {})
    assert len(problems) == 1
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in problems[0]
    assert "npm 11.5.1" in problems[0] and "NODE_AUTH_TOKEN" in problems[0]
    # Not enabled for ruby: OIDC alone does not satisfy it.
    assert credentials.missing(credentials.requirements(cfg, ["ruby"]), OIDC)


def test_crates_trusted_publishing_states_its_limit() -> None:
    data = dict(config.DEFAULT_CONFIG)
    data["core"] = {**data["core"], "trusted-publishing": True}
    reqs = credentials.requirements(config.parse(data), ["core"])
    (problem,) = credentials.missing(reqs, {})
    assert "first publish of a new crate needs a token" in problem


def test_the_core_credential_names_the_cargo_registry_it_publishes_to() -> None:
    cfg = _config()
    cfg = dataclasses.replace(cfg, core=dataclasses.replace(cfg.core, cargo_registry="acme-local"))
    with pytest.raises(CredentialsMissing) as info:
        credentials.check(credentials.requirements(cfg, ["core"]), {})
    assert info.value.missing == (
        "CARGO_REGISTRY_TOKEN (for core on cargo registry acme-local) is not set",)
