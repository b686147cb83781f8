"""The credential part of each publish job: which job may ask for an OIDC token, which step
sees which token, and the ``doctor`` step before any build."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from release_tasks.config import load as config_mod
from release_tasks.workflow import generate as workflow
from tests.unit.test_workflow_render import all_trusted

PUBLISH_JOBS = ["publish-crates", "publish-ruby", "publish-python", "publish-typescript"]
TOKENS = ("TOKEN", "API_KEY", "secrets.")


def rendered(config: config_mod.Config) -> dict[str, Any]:
    data = yaml.safe_load(workflow.render(config))
    assert isinstance(data, dict)
    return data


def names(job: dict[str, Any]) -> list[str]:
    return [str(s.get("name") or s.get("uses") or s.get("run")) for s in job["steps"]]


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [s for s in job["steps"] if s.get("name") == name]
    return dict(found)


def steps_with_tokens(job: dict[str, Any]) -> list[str]:
    """The steps whose own variables or inputs carry a token."""
    return [str(s.get("name")) for s in job["steps"]
            if any(word in f"{s.get('env', {})}{s.get('with', {})}" for word in TOKENS)]


def test_only_publish_jobs_may_ask_for_an_oidc_token() -> None:
    jobs = rendered(all_trusted())["jobs"]
    asking = sorted(name for name, job in jobs.items()
                    if job.get("permissions", {}).get("id-token") == "write")
    assert asking == sorted(PUBLISH_JOBS)
    assert rendered(all_trusted())["permissions"] == {"contents": "read"}


def test_every_publish_job_runs_doctor_before_publishing() -> None:
    jobs = rendered(all_trusted())["jobs"]
    for job_name, component in zip(PUBLISH_JOBS, ["core", "ruby", "python", "typescript"],
                                   strict=True):
        order = names(jobs[job_name])
        doctor = step(jobs[job_name], "Credential path")
        assert doctor["run"] == f"nox -s doctor -- {component}"
        assert order.index("python -m pip install -r .github/release-tasks.txt") < order.index(
            "Credential path")
        assert order.index("Credential path") < order.index("Publish")
        # A dry run reports what a real one would stop on; only a real run fails on it.
        assert doctor["continue-on-error"] == "${{ needs.plan.outputs.dry_run == 'true' }}"


def test_trusted_lanes_need_no_stored_secret_and_the_token_reaches_only_the_upload() -> None:
    data = rendered(all_trusted())
    jobs = data["jobs"]
    crates = jobs["publish-crates"]
    auth = step(crates, "crates.io token (trusted publishing)")
    assert auth["uses"] == "rust-lang/crates-io-auth-action@v1" and auth["id"] == "trusted"
    assert auth["if"] == "needs.plan.outputs.dry_run != 'true'"
    order = names(crates)
    assert order.index("crates.io token (trusted publishing)") == order.index("Publish") - 1
    # The short-lived token; a new crate's first version falls back to the token secret.
    assert step(crates, "Publish")["env"] == {
        "CARGO_REGISTRY_TOKEN": "${{ steps.trusted.outputs.token || secrets.CARGO_REGISTRY_TOKEN }}"}
    assert steps_with_tokens(crates) == ["Publish"]

    ruby = jobs["publish-ruby"]
    key = step(ruby, "RubyGems API key (trusted publishing)")
    assert key["uses"] == "rubygems/configure-rubygems-credentials@v1.0.0"
    order = names(ruby)
    assert order.index("RubyGems API key (trusted publishing)") == order.index("Publish") - 1
    # gem push --attestation needs RubyGems 3.6 or newer: the trusted lane updates it.
    assert (order.index("Credential path")
            < order.index("RubyGems 3.6 or newer (gem push --attestation)")
            < order.index("RubyGems API key (trusted publishing)"))
    for job_name in ("publish-ruby", "publish-python", "publish-typescript"):
        assert "env" not in step(jobs[job_name], "Publish"), job_name
        assert steps_with_tokens(jobs[job_name]) == [], job_name
    assert "NPM_TOKEN" not in workflow.render(all_trusted()).split("jobs:", 1)[1]


def test_the_exchange_asks_the_registry_the_config_publishes_to() -> None:
    """The actions ask crates.io and rubygems.org unless told: a config that moves a registry
    (a staging or private one) tells them, so the token comes from where the upload goes."""
    assert "with" not in step(rendered(all_trusted())["jobs"]["publish-ruby"],
                              "RubyGems API key (trusted publishing)")
    assert "with" not in step(rendered(all_trusted())["jobs"]["publish-crates"],
                              "crates.io token (trusted publishing)")
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["registries"] = {"crates-io": "https://staging.crates.io/",
                          "rubygems": "https://rubygems.example/"}
    data["core"]["trusted-publishing"] = True
    data["bindings"]["ruby"]["trusted-publishing"] = True
    jobs = rendered(config_mod.parse(data))["jobs"]
    auth = step(jobs["publish-crates"], "crates.io token (trusted publishing)")
    assert auth["with"] == {"url": "https://staging.crates.io"}
    key = step(jobs["publish-ruby"], "RubyGems API key (trusted publishing)")
    assert key["with"] == {"gem-server": "https://rubygems.example"}
    assert key["if"] == "needs.plan.outputs.dry_run != 'true'"
    # A binding's own endpoint wins over [registries].
    data["bindings"]["ruby"]["endpoints"] = {"host": "https://gems.internal.example"}
    key = step(rendered(config_mod.parse(data))["jobs"]["publish-ruby"],
               "RubyGems API key (trusted publishing)")
    assert key["with"] == {"gem-server": "https://gems.internal.example"}


def test_npm_lane_has_a_new_enough_npm_and_no_registry_url() -> None:
    job = rendered(all_trusted())["jobs"]["publish-typescript"]
    setup = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-node"))
    assert "registry-url" not in setup.get("with", {})  # it writes an .npmrc token line
    assert "npm install --global npm@^11.5.1" in names(job)


def test_the_header_lists_only_the_crates_token_as_a_fallback() -> None:
    text = workflow.render(all_trusted())
    secrets = text.split("# Secrets (repository or environment secrets):\n", 1)[1]
    listed = [line for line in secrets.split("#\n", 1)[0].splitlines()]
    assert listed == ["#   CARGO_REGISTRY_TOKEN  crates.io API token"]


def test_a_component_on_tokens_gets_its_secret_as_before() -> None:
    jobs = rendered(config_mod.builtin())["jobs"]
    # doctor, before the build, sees the token the upload will have (else: "no token").
    for job_name in PUBLISH_JOBS:
        assert step(jobs[job_name], "Credential path")["env"] == step(
            jobs[job_name], "Publish")["env"], job_name
    assert step(jobs["publish-ruby"], "Publish")["env"] == {
        "GEM_HOST_API_KEY": "${{ secrets.RUBYGEMS_API_KEY }}"}
    assert step(jobs["publish-typescript"], "Publish")["env"] == {
        "NPM_TOKEN": "${{ secrets.NPM_TOKEN }}"}
    assert all("trusted publishing" not in name and "RubyGems 3.6" not in name
               for job in jobs.values() for name in names(job))


def test_an_alternative_cargo_registry_has_no_crates_io_exchange() -> None:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["core"] = {**data["core"], "trusted-publishing": True, "cargo-registry": "internal"}
    crates = rendered(config_mod.parse(data))["jobs"]["publish-crates"]
    assert "crates.io token (trusted publishing)" not in names(crates)
    assert step(crates, "Publish")["env"] == {
        "CARGO_REGISTRY_TOKEN": "${{ secrets.CARGO_REGISTRY_TOKEN }}"}


def test_the_crates_are_attested_to_the_repository_after_the_upload() -> None:
    jobs = rendered(config_mod.builtin())["jobs"]
    crates = jobs["publish-crates"]
    assert crates["permissions"]["attestations"] == "write"
    order = names(crates)
    assert order.index("Attest the published files") == order.index("Publish") + 1
    attest = step(crates, "Attest the published files")
    assert attest["uses"] == "actions/attest-build-provenance@v2"
    assert attest["with"] == {"subject-path": "target/package/*.crate"}
    assert "steps.publish.outcome == 'success'" in attest["if"]
    assert all("attestations" not in job.get("permissions", {})
               for name, job in jobs.items() if name != "publish-crates")


def test_the_plan_job_reports_what_each_registry_still_needs() -> None:
    plan = rendered(all_trusted())["jobs"]["plan"]
    report = step(plan, "Trusted publishing")
    assert report["run"] == 'nox -s trust >> "$GITHUB_STEP_SUMMARY"'
    assert report["continue-on-error"] is True
    assert names(plan)[-1] == "Trusted publishing"
