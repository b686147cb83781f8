"""``trust``: the form per component and each registry's next step for a package."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from release_tasks.config import load as config
from release_tasks.errors import UsageError
from release_tasks.trust import publishers


def absent() -> httpx.Client:
    """Every registry answers 404: no package exists (the integration test has both)."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"errors": [{"detail": "Not Found"}]})
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_each_registry_says_what_a_new_package_needs() -> None:
    cfg = config.builtin()
    with absent() as http:
        found = publishers.survey(cfg, ["core", "ruby", "python", "typescript"],
                                  ("octo-org", "monorepo"), {}, http)
    steps = {c.component: {p.step for p in c.packages} for c in found}
    assert steps == {"core": {"token"}, "ruby": {"pending"}, "python": {"pending"},
                     "typescript": {"token"}}
    core = found[0]
    assert core.line().startswith(
        "core (crates.io) (trusted-publishing is off: a token publishes): first version with a "
        "token, then configure: tasker-pgmq, tasker-shared")
    assert core.line().endswith("[owner octo-org, repository monorepo, workflow filename "
                                "release.yml, environment release-crates]")
    python = found[2]
    assert "workflow name release.yml, environment release-pypi" in python.line()
    assert python.packages[0].text.startswith(
        "not on the registry yet: add a pending publisher for tasker-worker-py at "
        "https://pypi.org/manage/account/publishing/")
    assert "(CARGO_REGISTRY_TOKEN)" in core.packages[0].text


def test_an_unreachable_registry_is_unknown_not_new() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(down)) as http:
        [ruby] = publishers.survey(config.builtin(), ["ruby"], ("o", "r"), {}, http)
    assert [p.state for p in ruby.packages] == ["unknown"]
    assert "registry unreachable: tasker-worker-rb" in ruby.line()


def test_environments_are_the_generated_workflow_jobs() -> None:
    assert publishers.environments(config.builtin()) == {
        "core": "release-crates", "ruby": "release-rubygems", "python": "release-pypi",
        "typescript": "release-npm"}


@pytest.mark.parametrize("given", ["octo-org", "octo/a/b", "/name"])
def test_a_repository_must_be_owner_slash_name(given: str) -> None:
    with pytest.raises(UsageError, match="expected OWNER/NAME"):
        publishers.owner_repository(Path(), config.builtin(), {}, given)


def test_github_repository_of_the_job_is_used() -> None:
    assert publishers.owner_repository(Path(), config.builtin(),
                                       {"GITHUB_REPOSITORY": "acme/core"}, None) == ("acme", "core")
