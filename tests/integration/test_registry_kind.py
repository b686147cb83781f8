"""A new registry kind is one module and one entry of ``REGISTRIES``: the test-only "crumbs"
kind (:mod:`tests.integration.crumbs_kind`) goes through detect, versions, update, publish,
yank and the workflow with no other code knowing it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from release_tasks.config import load as config_mod
from release_tasks.errors import ConfigError
from release_tasks.model.version import BindingVersion
from release_tasks.registries import REGISTRIES
from release_tasks.workflow import generate as workflow
from tests.integration.crumbs_kind import STORE_VAR, TOKEN_VAR, Crumbs
from tests.integration.publish_helpers import NO_CREDENTIALS
from tests.registries import sample_projects
from tests.registries.tools import require_tool
from tests.support import RunCli, parse_env

pytestmark = pytest.mark.integration

CONFIG = """[project]
name = "crumbs-test"

[core]
credential = ["CARGO_REGISTRY_TOKEN"]

[core.groups.all]
crates = ["crumb-core"]
paths = ["crumb-core", "Cargo.toml"]
propagates-to = ["crumb"]

[bindings.crumb]
directory = "crumb"
registry = "crumbs"
package = "crumb-pkg"
credential = ["MY_CRUMBS_KEY"]
version-files = [{ path = "crumb/VERSION", format = "version", value = "binding" }]
"""


@pytest.fixture
def crumbs(monkeypatch: pytest.MonkeyPatch) -> Crumbs:
    kind = Crumbs()
    monkeypatch.setitem(REGISTRIES, kind.name, kind)
    return kind


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    require_tool("cargo")
    root = sample_projects.cargo_workspace(tmp_path / "repo", {"crumb-core": []}, version="0.1.0")
    (root / "VERSION").write_text("0.1.0\n")
    (root / "crumb").mkdir()
    (root / "crumb" / "VERSION").write_text("0.1.0-0\n")
    (root / "crumb" / "crumbs.txt").write_text("a binding made of crumbs\n")
    (root / "release.toml").write_text(CONFIG)
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "import")
    return root


def test_an_unknown_registry_is_a_config_error_listing_the_known(crumbs: Crumbs) -> None:
    data = {"core": {"groups": {"all": {"crates": ["a"], "paths": ["a"]}}},
            "bindings": {"x": {"directory": "x", "registry": "sand", "package": "x",
                               "version-files": [{"path": "x/V", "format": "version",
                                                  "value": "binding"}]}}}
    with pytest.raises(ConfigError, match=r"'sand' is not one of rubygems, pypi, npm, crumbs"):
        config_mod.parse(data)


def test_detect_versions_update_publish_yank(crumbs: Crumbs, repo: Path, run_cli: RunCli,
                                             tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    env = {**NO_CREDENTIALS, STORE_VAR: str(store), "MY_CRUMBS_KEY": "crumb-secret-key"}

    def cli(*args: str) -> tuple[int, str, str]:
        result = run_cli(*args, "--repo", str(repo), env=env)
        return result.code, result.out, result.err

    code, out, err = cli("detect", "--format", "env")
    assert code == 0, err
    assert parse_env(out)["CRUMB_CHANGED"] == "true"  # a first release
    for tag in ("core-v0.1.0", "crumb-v0.1.0.0"):  # as if it had been published
        git(repo, "tag", "-a", "-m", "published", tag)

    (repo / "crumb" / "crumbs.txt").write_text("more crumbs\n")
    git(repo, "commit", "--quiet", "-am", "crumbs: more")
    code, out, err = cli("versions", "--format", "env")
    assert code == 0, err
    versions = parse_env(out)
    version = versions["NEXT_CRUMB_VERSION"]
    assert (version, versions["NEXT_CORE_VERSION"]) == ("0.1.0.1", "0.1.0")  # above the tag
    rendering = crumbs.render(BindingVersion.parse(version))
    assert versions["NEXT_CRUMB_CRUMBS_VERSION"] == rendering == "0.1.0-1"

    code, out, err = cli("update", "--core", versions["NEXT_CORE_VERSION"], "--crumb", version)
    assert code == 0, err
    assert (repo / "crumb" / "VERSION").read_text() == "0.1.0-1\n"
    git(repo, "commit", "--quiet", "-am", f"release {version}")

    code, out, err = cli("publish", "crumb", version, "--dry-run")
    assert code == 0, err
    assert f"would drop crumb-pkg-{rendering}.tar.gz" in out
    assert list(store.iterdir()) == []

    code, out, err = cli("publish", "crumb", version, "--crumb-size", "3")
    assert code == 0, err
    tarball = store / f"crumb-pkg-{rendering}.tar.gz"
    assert tarball.is_file()
    assert f"tagged crumb-v{version}" in out
    assert git(repo, "tag", "--list", "crumb-v*").split() == ["crumb-v0.1.0.0", f"crumb-v{version}"]
    assert "crumb-secret-key" not in out + err

    code, out, err = cli("publish", "crumb", version, "--on-duplicate=skip")
    assert code == 0, err
    assert "was already on Crumbs" in out

    code, out, err = cli("yank", "crumb", version, "--dry-run")
    assert code == 0, err
    assert "MY_CRUMBS_KEY as CRUMBS_TOKEN" in out and "crumb-secret-key" not in out
    code, out, err = cli("yank", "crumb", version)
    assert code == 0, err
    assert not tarball.exists() and (store / "withdrawn" / tarball.name).is_file()
    assert "Undo with" not in out  # Crumbs cannot undo

    config = config_mod.load(repo)
    generated = yaml.safe_load(workflow.render(config))
    [step] = [s for s in generated["jobs"]["publish-crumb"]["steps"] if s.get("name") == "Publish"]
    assert step["run"].startswith("nox -s publish -- crumb ${{ needs.plan.outputs.crumb_version }}")
    assert step["env"] == {"MY_CRUMBS_KEY": "${{ secrets.CRUMBS_TOKEN }}"}
    assert generated["jobs"]["publish-crumb"]["environment"] == "release-crumbs"
    # The secret reaches the upload step, and the doctor step before it that checks it is set;
    # no other step of the workflow names it.
    steps = generated["jobs"]["publish-crumb"]["steps"]
    holding = [s.get("name") for s in steps if TOKEN_VAR in json.dumps(s.get("env", {}))]
    assert len(holding) == 2 and "Publish" in holding, holding
    assert json.dumps(generated).count(TOKEN_VAR) == 2


def test_another_kinds_option_is_refused(crumbs: Crumbs, repo: Path, run_cli: RunCli) -> None:
    result = run_cli("publish", "crumb", "0.1.0.0", "--zig", "--repo", str(repo))
    assert result.code == 2
    assert "--zig: for PyPI bindings; crumb publishes to Crumbs" in result.err
