"""``trust`` against the local registries: the form's fields per component, and an existing
package told from a new one with each registry's next step; ``doctor`` with the npm on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import release_tasks
from release_tasks.git.repo import Repo
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.oidc import Identity, OidcIssuer, Publisher
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.crate_helpers import CRATES, cargo_env_for
from tests.integration.crate_helpers import publish as crate_publish
from tests.registries import oidc_clients
from tests.registries.tools import require_tool
from tests.registries.wheels import make_wheel
from tests.support import RunCli

pytestmark = pytest.mark.integration


def local_env(cargo: CargoRegistry, gems: RubyGemsRegistry, pypi: PypiServer,
              npm: Verdaccio, tmp_path: Path) -> dict[str, str]:
    env = cargo.configure_cargo("local", tmp_path / "cargo-home")
    return {**env, "RELEASE_TASKS_CARGO_REGISTRY": "local",
            "RELEASE_TASKS_RUBYGEMS_HOST": gems.url,
            "RELEASE_TASKS_PYPI_INDEX_URL": pypi.url,
            "RELEASE_TASKS_PYPI_UPLOAD_URL": pypi.upload_url,
            "RELEASE_TASKS_NPM_REGISTRY": npm.url, "GITHUB_REPOSITORY": ""}


def fresh(cargo: CargoRegistry, gems: RubyGemsRegistry, pypi: PypiServer,
          npm: Verdaccio) -> None:
    """Empty registries: the session's stand-ins hold what earlier tests published, and these
    tests tell a package that exists from one that does not."""
    cargo.reset()
    gems.reset()
    pypi.reset()
    if npm.holds("@tasker-systems/worker"):  # a restart costs seconds: only when needed
        npm.reset()


def test_trust_tells_existing_packages_from_new_ones_per_registry(
        example_repo: Repo, run_cli: RunCli, cargo_registry: CargoRegistry,
        rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer, verdaccio: Verdaccio,
        tmp_path: Path) -> None:
    fresh(cargo_registry, rubygems_registry, pypi_server, verdaccio)
    cargo_registry.plant("tasker-pgmq", "0.1.0", b"an earlier crate")
    wheel = make_wheel(tmp_path / "dist", "tasker-worker-py", "0.1.0")
    pypi_server.put(wheel.name, wheel.read_bytes())
    env = local_env(cargo_registry, rubygems_registry, pypi_server, verdaccio, tmp_path)

    result = run_cli("trust", "--repo", str(example_repo.root), "--repository",
                     "octo-org/monorepo", "--format", "json", env=env)
    assert result.code == 0, result.err
    found = {c["component"]: c for c in json.loads(result.out)}
    assert found["core"]["form"] == {"owner": "octo-org", "repository": "monorepo",
                                     "workflow": "release.yml", "environment": "release-crates"}
    assert {c: f["form"]["environment"] for c, f in found.items()} == {
        "core": "release-crates", "ruby": "release-rubygems", "python": "release-pypi",
        "typescript": "release-npm"}
    crates = {p["package"]: (p["state"], p["step"]) for p in found["core"]["packages"]}
    assert crates["tasker-pgmq"] == ("exists", "configure")
    assert crates["tasker-cli"] == ("new", "token")
    steps = {c: [(p["state"], p["step"]) for p in f["packages"]] for c, f in found.items()
             if c != "core"}
    assert steps == {"ruby": [("new", "pending")], "python": [("exists", "configure")],
                     "typescript": [("new", "token")]}

    text = run_cli("trust", "--repo", str(example_repo.root), "--repository",
                   "octo-org/monorepo", env=env)
    assert text.code == 0, text.err
    assert ("  form: owner octo-org, repository monorepo, workflow filename release.yml, "
            "environment release-crates") in text.out
    assert ("  tasker-worker-py: exists: add a trusted publisher at "
            "https://pypi.org/manage/project/tasker-worker-py/settings/publishing/") in text.out
    assert ("  tasker-worker-rb: not on the registry yet: add a pending publisher for "
            "tasker-worker-rb at https://rubygems.org/profile/oidc/pending_trusted_publishers"
            ) in text.out
    assert ("  @tasker-systems/worker: not on the registry yet, and it takes no publisher "
            "before: publish the first version with a token (NPM_TOKEN)") in text.out


def test_trust_reads_the_repository_from_origin_and_refuses_another_host(
        example_repo: Repo, run_cli: RunCli, cargo_registry: CargoRegistry,
        tmp_path: Path) -> None:
    env = {**cargo_registry.configure_cargo("local", tmp_path / "cargo-home"),
           "RELEASE_TASKS_CARGO_REGISTRY": "local", "GITHUB_REPOSITORY": ""}
    root = str(example_repo.root)
    subprocess.run(["git", "-C", root, "remote", "add", "origin",
                    "git@github.com:acme/tasker-core.git"], check=True)
    result = run_cli("trust", "core", "--repo", root, "--format", "json", env=env)
    assert result.code == 0, result.err
    assert json.loads(result.out)[0]["form"]["owner"] == "acme"
    subprocess.run(["git", "-C", root, "remote", "set-url", "origin",
                    "https://gitlab.com/acme/tasker-core.git"], check=True)
    refused = run_cli("trust", "core", "--repo", root, env=env)
    assert refused.code == 2 and "--repository OWNER/NAME" in refused.err


def trusted_toml(root: Path, binding: str) -> None:
    """The built-in layout as the repository's release.toml, with trusted publishing on for
    ``binding``."""
    text = (Path(release_tasks.__file__).parent / "data" / "tasker.toml").read_text()
    header = f"[bindings.{binding}]\n"
    (root / "release.toml").write_text(
        text.replace(header, header + "trusted-publishing = true\n"))


def test_doctor_fails_on_an_old_npm_on_path_and_a_stray_node_auth_token(
        example_repo: Repo, tmp_path: Path) -> None:
    root = example_repo.root
    trusted_toml(root, "typescript")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "npm"
    fake.write_text("#!/bin/sh\necho 10.9.2\n")
    fake.chmod(0o755)
    oidc = {"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/t",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token", "GITHUB_ACTIONS": "true"}
    env = {k: v for k, v in os.environ.items() if k not in ("NPM_TOKEN", "NODE_AUTH_TOKEN")}
    env |= {**oidc, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "NODE_AUTH_TOKEN": "npm_stray_secret",
            "PYTHONPATH": str(Path(release_tasks.__file__).parents[1])}
    argv = [sys.executable, "-m", "release_tasks", "doctor", "typescript", "--repo", str(root)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 11, done.stderr
    assert done.stdout == "FAIL  typescript (npm): trusted publishing (OIDC)\n"
    assert "NODE_AUTH_TOKEN is set in this job" in done.stderr
    assert "npm 10.9.2 is older than 11.5.1" in done.stderr
    assert "npm_stray_secret" not in done.stdout + done.stderr

    del env["NODE_AUTH_TOKEN"]
    fake.write_text("#!/bin/sh\necho 11.5.1\n")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok  typescript (npm): trusted publishing (OIDC)\n"


def test_release_dry_run_has_one_trust_line_per_component(
        example_repo: Repo, run_cli: RunCli, cargo_registry: CargoRegistry,
        rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer, verdaccio: Verdaccio,
        tmp_path: Path) -> None:
    fresh(cargo_registry, rubygems_registry, pypi_server, verdaccio)
    cargo_registry.plant("tasker-pgmq", "0.1.0", b"an earlier crate")
    env = {**local_env(cargo_registry, rubygems_registry, pypi_server, verdaccio, tmp_path),
           "GITHUB_REPOSITORY": "octo-org/monorepo"}
    root = str(example_repo.root)
    result = run_cli("release", "--dry-run", "--registries", "--repo", root, env=env)
    assert result.code == 0, result.err
    shown = result.out.split("Trusted publishing, per component")[1].splitlines()[1:5]
    assert [line.split(" (")[0].strip() for line in shown] == ["core", "ruby", "python",
                                                               "typescript"]
    core, ruby, python, typescript = shown
    assert "configure a publisher: tasker-pgmq;" in core
    assert "first version with a token, then configure: tasker-shared" in core
    assert core.endswith("[owner octo-org, repository monorepo, workflow filename release.yml, "
                         "environment release-crates]")
    assert "add a pending publisher: tasker-worker-rb" in ruby
    assert "add a pending publisher: tasker-worker-py" in python
    assert "first version with a token, then configure: @tasker-systems/worker" in typescript

    quiet = run_cli("release", "--dry-run", "--repo", root, "--format", "json", env=env)
    assert quiet.code == 0, quiet.err
    lines = json.loads(quiet.out)["trust"]
    assert len(lines) == 4 and all("not asked (--registries)" in line for line in lines)


def test_a_fresh_init_and_workflow_need_no_stored_secret(example_repo: Repo,
                                                         run_cli: RunCli) -> None:
    root = str(example_repo.root)
    assert run_cli("init", "--repo", root).code == 0
    assert (example_repo.root / "release.toml").read_text().count(
        "trusted-publishing = true") == 4
    written = run_cli("workflow", "--repo", root)
    assert written.code == 0, written.err
    data = yaml.safe_load((example_repo.root / ".github/workflows/release.yml").read_text())
    publish_env = {name: next(s for s in job["steps"] if s.get("name") == "Publish").get("env", {})
                   for name, job in data["jobs"].items() if name.startswith("publish-")}
    # Only a new crate's first version may fall back to a token secret (crates.io has no
    # pending publishers); every other lane publishes through its OIDC exchange.
    assert publish_env == {
        "publish-crates": {"CARGO_REGISTRY_TOKEN":
                           "${{ steps.trusted.outputs.token || secrets.CARGO_REGISTRY_TOKEN }}"},
        **{name: {} for name in publish_env if name != "publish-crates"}}


def test_publish_crates_uploads_with_the_token_the_exchange_minted(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        tmp_path: Path) -> None:
    require_tool("cargo")
    env = cargo_env_for(cargo_registry, tmp_path)
    with OidcIssuer(Identity(repository="octo-org/monorepo",
                             environment="release-crates")) as issuer:
        cargo_registry.trust_issuer(issuer)
        for crate in CRATES:  # published before (crates.io has no publisher for a new crate)
            cargo_registry.plant(crate, "0.0.9", b"an earlier version")
            cargo_registry.add_publisher(crate, Publisher(
                repository="octo-org/monorepo", workflow="release.yml",
                environment="release-crates"))
        # What the workflow's crates-io-auth-action step hands the upload step.
        token = oidc_clients.crates_io_auth_action(issuer.env(), cargo_registry.url)
        env["CARGO_REGISTRY_TOKEN"] = token
        assert cargo_registry.token not in env.values()  # only the minted token is in reach
        result = crate_publish(run_cli, example_repo, env)
    assert result.code == 0, result.err
    assert sorted(n for n, v in cargo_registry.log.published() if v == "0.1.0") == sorted(CRATES)
    assert cargo_registry.trusted.exchanges == ["ok"]
    assert token not in result.out + result.err
