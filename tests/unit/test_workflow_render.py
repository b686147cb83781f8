"""The release workflow is made from the config: one publish job per binding under its own
name, with its registry kind's toolchain and secret; the committed template is what the
default config makes; ``workflow --check`` says when a committed file is stale.

(The workflows are run and linted in ``tests/integration/test_workflow.py``.)
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from release_tasks import cli
from release_tasks.config import load as config_mod
from release_tasks.model.platforms import PLATFORMS
from release_tasks.workflow import generate as workflow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / ".github" / "workflows" / "release.yml"


def four_bindings() -> config_mod.Config:
    """The default config with a second RubyGems binding, ``client-rb``."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    ruby = copy.deepcopy(data["bindings"]["ruby"])
    ruby.update({"directory": "workers/client-rb", "package": "tasker-client-rb",
                 "crate": "tasker-client-rb", "version-files": [
                     {**f, "path": f["path"].replace("workers/ruby", "workers/client-rb")}
                     for f in ruby["version-files"]]})
    data["bindings"]["client-rb"] = ruby
    data["core"]["groups"]["ffi"]["propagates-to"] = [*data["bindings"]]
    return config_mod.parse(data)


def node_binding() -> config_mod.Config:
    """The default config whose npm binding is called ``node``."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"] = {("node" if k == "typescript" else k): v
                        for k, v in data["bindings"].items()}
    data["core"]["groups"]["ffi"]["propagates-to"] = [*data["bindings"]]
    return config_mod.parse(data)


def platforms() -> config_mod.Config:
    """The default config whose python and npm bindings are built on a matrix."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["python"]["platforms"] = ["linux-x86_64", "macos-arm64", "windows-x86_64",
                                               "source"]
    data["bindings"]["typescript"]["platforms"] = ["linux-x86_64", "linux-aarch64-musl",
                                                   "macos-arm64"]
    return config_mod.parse(data)


def every_platform() -> config_mod.Config:
    """The ruby binding built for every platform: every runner label of the matrix (what
    actionlint checks against the labels GitHub offers)."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["ruby"]["platforms"] = list(PLATFORMS)
    return config_mod.parse(data)


def all_trusted() -> config_mod.Config:
    """The default config as ``init`` writes it: trusted publishing on for every component."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["core"]["trusted-publishing"] = True
    for table in data["bindings"].values():
        table["trusted-publishing"] = True
    return config_mod.parse(data)


CONFIGS = {"default": config_mod.builtin, "four-bindings": four_bindings, "node": node_binding,
           "platforms": platforms, "every-platform": every_platform, "trusted": all_trusted}


def jobs(config: config_mod.Config) -> dict[str, Any]:
    data = yaml.safe_load(workflow.render(config))
    assert isinstance(data, dict)
    return dict(data["jobs"])


def test_the_template_is_what_the_default_config_makes() -> None:
    assert TEMPLATE.read_text(encoding="utf-8") == workflow.render(config_mod.builtin()), (
        "regenerate it: python -m release_tasks workflow --output .github/workflows/release.yml "
        "(with the built-in layout)")


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_one_publish_job_per_binding_under_its_own_name(name: str) -> None:
    config = CONFIGS[name]()
    found = jobs(config)
    assert [j for j in found if j.startswith("publish-")] == [
        "publish-crates", *(f"publish-{b.name}" for b in config.bindings)]
    plan = found["plan"]["outputs"]
    for binding in config.bindings:
        output = f"{binding.env_key.lower()}_version"
        assert plan[output] == f"${{{{ steps.versions.outputs.NEXT_{binding.env_key}_VERSION }}}}"
        job = found[f"publish-{binding.name}"]
        assert f"needs.plan.outputs.{output} != 'unchanged'" in job["if"]
        built = [f"build-{binding.name}"] if binding.platforms else []
        assert job["needs"] == ["plan", "preflight", "publish-crates", *built]
    assert set(found["summary"]["needs"]) == {"plan", "preflight", *(
        j for j in found if j.startswith("publish-"))}


def test_two_bindings_on_one_registry_are_published_by_name() -> None:
    found = jobs(four_bindings())
    commands = {name: next(s["run"] for s in job["steps"] if s.get("name") == "Publish")
                for name, job in found.items() if name.startswith("publish-")}
    assert commands["publish-ruby"].startswith(
        "nox -s publish -- ruby ${{ needs.plan.outputs.ruby_version }}")
    assert commands["publish-client-rb"].startswith(
        "nox -s publish -- client-rb ${{ needs.plan.outputs.client_rb_version }}")
    assert commands["publish-python"].startswith("nox -s publish_python -- ${{")
    environments = {name: job["environment"] for name, job in found.items()
                    if name.startswith("publish-")}
    assert environments == {"publish-crates": "release-crates",
                            "publish-ruby": "release-rubygems-ruby",
                            "publish-client-rb": "release-rubygems-client-rb",
                            "publish-python": "release-pypi", "publish-typescript": "release-npm"}
    [step] = [s for s in found["publish-client-rb"]["steps"] if s.get("name") == "Publish"]
    assert step["env"] == {"GEM_HOST_API_KEY": "${{ secrets.RUBYGEMS_API_KEY }}"}


def test_a_binding_named_node_is_published() -> None:
    found = jobs(node_binding())
    job = found["publish-node"]
    [step] = [s for s in job["steps"] if s.get("name") == "Publish"]
    assert step["run"].startswith("nox -s publish_typescript -- ${{ needs.plan.outputs.node_version }}")
    uses = {str(s.get("uses", "")).split("@")[0] for s in job["steps"]}
    assert {"actions/setup-node", "oven-sh/setup-bun", "dtolnay/rust-toolchain"} <= uses
    assert found["plan"]["outputs"]["node_npm_version"] == (
        "${{ steps.versions.outputs.NEXT_NODE_NPM_VERSION }}")
    summary = found["summary"]["steps"][0]
    assert summary["env"]["RENDERED_NODE"] == "${{ needs.plan.outputs.node_npm_version }}"
    assert 'row "node (npm)" "$node_version" "$RESULT_NODE"' in summary["run"]


def test_the_file_names_no_path_of_this_machine(tmp_path: Path) -> None:
    config = dataclasses.replace(config_mod.builtin(), source=str(tmp_path / "release.toml"))
    text = workflow.render(config)
    assert str(tmp_path) not in text
    assert "Made from release.toml by `nox -s workflow`" in text


def test_check_says_whether_the_committed_file_is_current(tmp_path: Path) -> None:
    config = four_bindings()
    current, message = workflow.write(tmp_path, config, check=True)
    assert not current and "does not exist" in message and "nox -s workflow" in message
    current, message = workflow.write(tmp_path, config, check=False)
    assert message == "wrote .github/workflows/release.yml for release.toml"
    assert workflow.write(tmp_path, config, check=True)[0]
    path = tmp_path / ".github" / "workflows" / "release.yml"
    path.write_text(path.read_text().replace("client-rb", "client-rb-old"))
    current, message = workflow.write(tmp_path, config, check=True)
    assert not current and "-    name: Publish client-rb-old gem (RubyGems)" in message


def test_the_stage_parses() -> None:
    parsed = cli.build_parser().parse_args(["workflow", "--check"])
    assert (parsed.stage, parsed.check, parsed.output) == ("workflow", True, None)


def test_a_binding_with_platforms_is_built_on_a_matrix_and_published_once() -> None:
    found = jobs(platforms())
    build = found["build-python"]
    assert build["needs"] == ["plan", "preflight"]
    assert build["strategy"]["fail-fast"] is False
    assert build["strategy"]["matrix"]["include"] == [
        {"platform": "linux-x86_64", "runner": "ubuntu-latest"},
        {"platform": "macos-arm64", "runner": "macos-latest"},
        {"platform": "windows-x86_64", "runner": "windows-latest"},
        {"platform": "source", "runner": "ubuntu-latest"}]
    assert build["runs-on"] == "${{ matrix.runner }}"
    assert build["defaults"]["run"]["shell"] == "bash"
    [run] = [s["run"] for s in build["steps"] if "nox -s build" in s.get("run", "")]
    assert run == ("nox -s build -- python ${{ needs.plan.outputs.python_version }} "
                   "--platform ${{ matrix.platform }} --out dist")
    [upload] = [s for s in build["steps"] if s.get("uses") == "actions/upload-artifact@v4"]
    assert upload["with"]["name"] == "python-${{ matrix.platform }}"

    publish = found["publish-python"]
    assert publish["needs"] == ["plan", "preflight", "publish-crates", "build-python"]
    assert "needs.build-python.result == 'success'" in publish["if"]
    names = [s.get("name") or s.get("uses") for s in publish["steps"]]
    download = names.index("Every platform's files")
    assert download < names.index("Publish")
    assert publish["steps"][download]["with"] == {"pattern": "python-*", "path": "dist",
                                                  "merge-multiple": True}
    [command] = [s["run"] for s in publish["steps"] if s.get("name") == "Publish"]
    assert command.startswith("nox -s publish -- python ${{ needs.plan.outputs.python_version }}"
                              " --artifacts dist --on-duplicate=skip")
    assert "build-ruby" not in found and "--artifacts" not in str(found["publish-ruby"])
    cells = found["build-typescript"]["strategy"]["matrix"]["include"]
    assert [c["platform"] for c in cells] == ["linux-x86_64", "linux-aarch64-musl", "macos-arm64",
                                              "main"]  # npm's main package, built once
def test_a_dry_run_rehearses_the_release_with_every_toolchain_and_no_secret() -> None:
    found = jobs(config_mod.builtin())
    job = found["rehearse"]
    assert job["if"] == "needs.plan.outputs.dry_run == 'true'"
    assert job["needs"] == ["plan", "preflight"]
    assert job["permissions"] == {"contents": "read"}
    uses = [s.get("uses", "") for s in job["steps"]]
    for action in ("actions/checkout@v4", "dtolnay/rust-toolchain@stable", "ruby/setup-ruby@v1",
                   "actions/setup-node@v4", "oven-sh/setup-bun@v2", "actions/setup-python@v5"):
        assert uses.count(action) == 1, action
    assert job["steps"][-1] == {"name": "Rehearse", "run": "nox -s rehearse"}
    assert "secrets." not in yaml.safe_dump(job)
    assert "rehearse" not in found["summary"]["needs"]  # a rehearsal never holds up the summary
