"""A child that uploads nothing (git, cargo metadata, the repository's own checks) runs
without any credential of ours; git keeps the forge's token, for a push."""

from __future__ import annotations

import pytest

from release_tasks import cmd


def test_a_child_without_an_environment_of_its_own_gets_no_credential(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CARGO_REGISTRY_TOKEN", "GEM_HOST_API_KEY", "NPM_TOKEN", "PYPI_TOKEN",
                 "CARGO_REGISTRIES_ACME_TOKEN"):
        monkeypatch.setenv(name, "s3cr3t-value")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "github-actions")
    monkeypatch.setenv("GITHUB_TOKEN", "kept-for-git")
    child = cmd.child_env()
    assert not [k for k, v in child.items() if v == "s3cr3t-value"]
    assert child["GIT_AUTHOR_NAME"] == "github-actions"
    assert child["GITHUB_TOKEN"] == "kept-for-git"  # git's own, for a push
