"""A full release rehearsal on the four local registries, run the way the workflow runs it.

1. a first release; 2. the CI jobs of the workflow that ``workflow`` makes from the
repository's config (committed there, as a monorepo keeps it), their commands taken from the
workflow file itself; 3. a change in tasker-shared and a second release, 4. with PyPI down
during its publish: Python fails, the others succeed; 5. a third release with no new change
carries Python forward and publishes it; 6. a Ruby-only change, a fourth release.
Then: every planned version is published exactly once, every component tag points at its
release commit, and the registries hold nothing else. And a config with two RubyGems bindings
releases and publishes both through its workflow.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomlkit
import yaml
from packaging.utils import parse_sdist_filename, parse_wheel_filename

from release_tasks import sandbox
from release_tasks.config import load as config_mod
from release_tasks.git import repo as git
from release_tasks.git.repo import Repo
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from release_tasks.workflow import generate as workflow_mod
from release_tasks.workflow import requirement as workflow_requirement
from tests.integration.publish_helpers import NO_CREDENTIALS, closed_port_url, ran
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

CRATES = ("tasker-pgmq", "tasker-shared", "tasker-client", "tasker-orchestration",
          "tasker-worker", "tasker-cli")
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_NEEDS_VERSION = re.compile(r"needs\.plan\.outputs\.(\w+) != 'unchanged'")


class Rehearsal:
    """A sandbox with an ``origin``, and the environment the CI jobs would have."""

    def __init__(self, repo: Repo, env: dict[str, str], run_cli: RunCli) -> None:
        self.repo, self.env, self.run_cli = repo, env, run_cli
        self.results: dict[str, int] = {}
        # The workflow the repository's config makes, committed as a monorepo keeps it.
        code, out = self.cli("workflow")
        assert code == 0, out
        path = repo.root / workflow_mod.WORKFLOW_PATH
        requirement = workflow_requirement.REQUIREMENT_PATH
        sandbox.change(repo, "ci: the release workflow", {
            str(workflow_mod.WORKFLOW_PATH): path.read_text(encoding="utf-8"),
            str(requirement): (repo.root / requirement).read_text(encoding="utf-8")})
        self.workflow = yaml.safe_load(path.read_text(encoding="utf-8"))

    def cli(self, *args: str, env: Mapping[str, str] | None = None) -> tuple[int, str]:
        result = self.run_cli(*args, "--repo", str(self.repo.root),
                              env={**self.env, **(env or {})})
        return result.code, result.out + result.err

    def release(self) -> str:
        """``nox -s release -- --yes --push``: commit, tag, push; returns the tag."""
        code, out = self.cli("release", "--yes", "--push")
        assert code == 0, out
        match = re.search(r"Pushed \S+ and (release-\S+):", out)
        assert match, out
        return match.group(1)

    def plan_outputs(self) -> dict[str, str]:
        """The plan job: its step outputs, then its job outputs as the workflow maps them."""
        steps: dict[str, dict[str, str]] = {}
        for step, stage in (("versions", "versions"), ("detect", "detect")):
            code, out = self.cli(stage, "--format", "env")
            assert code == 0, out
            steps[step] = dict(line.split("=", 1) for line in out.splitlines() if "=" in line
                               and re.fullmatch(r"[A-Z_]+=\S*", line))
        tags = git.tags_at(self.repo, git.resolve(self.repo, "HEAD"), ["release-*"])
        steps["mode"] = {"release_tag": tags[0] if tags else "", "dry_run": "false"}
        outputs = {}
        for name, expr in self.workflow["jobs"]["plan"]["outputs"].items():
            step, key = re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.(\w+) \}\}", expr).groups()  # type: ignore[union-attr]
            outputs[name] = steps[step].get(key, "")
        return outputs

    def jobs(self) -> dict[str, Any]:
        """The publish jobs whose condition holds for the plan at HEAD, in the workflow's order."""
        outputs = self.plan_outputs()
        found = {}
        for job, spec in self.workflow["jobs"].items():
            if not job.startswith("publish-"):
                continue
            if job == "publish-crates":
                if outputs["publish_core"] != "true":
                    continue
            else:
                [output] = _NEEDS_VERSION.findall(spec["if"])
                if outputs[output] == "unchanged":
                    continue
            found[job] = job_command(spec, outputs)
        return found

    def ci(self, env: Mapping[str, str] | None = None) -> dict[str, int]:
        """Every publish job whose condition holds, in the workflow's order."""
        code, out = self.cli("versions", "--check")
        assert code == 0, out
        code, out = self.cli("workflow", "--check")
        assert code == 0, out
        results: dict[str, int] = {}
        for job, (session, args) in self.jobs().items():
            if job != "publish-crates" and results.get("publish-crates", 0) != 0:
                continue  # needs publish-crates to succeed when it ran
            results[job], out = self.cli(session, *args, env=env)
            if job == "publish-python" and env:
                assert results[job] != 0
            else:
                assert results[job] == 0, out
        return results


def job_command(job: Mapping[str, Any], outputs: Mapping[str, str]) -> tuple[str, list[str]]:
    """The job's ``nox -s SESSION -- ARGS``, with its expressions evaluated."""
    # The job's stage: its doctor step (the credential path, checked first) aside.
    (step,) = [s for s in job["steps"] if s.get("run", "").startswith("nox -s ")
               and not s["run"].startswith("nox -s doctor")]

    def evaluate(match: re.Match[str]) -> str:
        expr = match.group(1)
        if "dry_run" in expr:
            return "--dry-run" if outputs["dry_run"] == "true" else ""
        return outputs[expr.removeprefix("needs.plan.outputs.")]

    words = shlex.split(_EXPR.sub(evaluate, step["run"]))
    return words[2], words[words.index("--") + 1:]


Prepare = Callable[[Repo, Mapping[str, str]], None]


@pytest.fixture
def make_rehearsal(tmp_path: Path, run_cli: RunCli, cargo_registry: CargoRegistry,
                   rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer,
                   verdaccio: Verdaccio,
                   monkeypatch: pytest.MonkeyPatch) -> Callable[[Prepare | None], Rehearsal]:
    """A sandbox of the example (``prepare`` changes it first) with an ``origin``, and the
    environment the CI jobs would have on the four local registries."""
    for tool in ("cargo", "gem", "bundle", "rake", "maturin", "bun", "npm", "node"):
        require_tool(tool)
    monkeypatch.setattr("release_tasks.registries.http.backoff_delay", lambda attempt: 0.0)
    pypi_server.reset()
    verdaccio.reset()

    def make(prepare: Prepare | None) -> Rehearsal:
        repo = sandbox.create(tmp_path / "tasker-core")
        origin = tmp_path / "origin.git"
        subprocess.run(["git", "init", "--bare", "--quiet", str(origin)], check=True)
        repo.out("remote", "add", "origin", str(origin))
        cargo = cargo_registry.configure_cargo("local", tmp_path / "cargo-home")
        env = {
            **NO_CREDENTIALS, **cargo,
            "CARGO_REGISTRY_TOKEN": cargo.pop("CARGO_REGISTRIES_LOCAL_TOKEN"),
            "RELEASE_TASKS_CARGO_REGISTRY": "local",
            "CARGO_TARGET_DIR": str(tmp_path / "target"),
            "RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url,
            "GEM_HOST_API_KEY": rubygems_registry.api_key,
            "RELEASE_TASKS_PYPI_INDEX_URL": pypi_server.url,
            "RELEASE_TASKS_PYPI_UPLOAD_URL": pypi_server.upload_url,
            "PYPI_TOKEN": pypi_server.password,
            "RELEASE_TASKS_NPM_REGISTRY": verdaccio.url,
            "NPM_TOKEN": verdaccio.token,
        }
        env.pop("CARGO_REGISTRIES_LOCAL_TOKEN", None)
        if prepare is not None:
            prepare(repo, env)
        return Rehearsal(repo, env, run_cli)

    return make


@pytest.fixture
def rehearsal(make_rehearsal: Callable[[Prepare | None], Rehearsal]) -> Rehearsal:
    return make_rehearsal(None)


def registry_contents(cargo: CargoRegistry, gems: RubyGemsRegistry, pypi: PypiServer,
                      npm: Verdaccio) -> dict[str, Any]:
    crates = sorted({(name, vers) for name, vers in cargo.log.published()})
    gem_versions = sorted(v["number"] for v in httpx.get(
        f"{gems.url}/api/v1/versions/tasker-worker-rb.json").json())
    wheels = sorted(str(parse_wheel_filename(f)[1]) if f.endswith(".whl")
                    else str(parse_sdist_filename(f)[1])
                    for f in pypi.files() if f.endswith((".whl", ".tar.gz")))
    npm_doc = httpx.get(f"{npm.url}@tasker-systems%2fworker").json()
    return {"crates": crates, "gems": gem_versions, "pypi": sorted(set(wheels)),
            "pypi_files": len(wheels), "npm": sorted(npm_doc["versions"])}


def test_full_release_rehearsal(rehearsal: Rehearsal, cargo_registry: CargoRegistry,
                                rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer,
                                verdaccio: Verdaccio) -> None:
    repo = rehearsal.repo
    # 1-2. First release, published by CI.
    first = rehearsal.release()
    assert rehearsal.plan_outputs()["publish_core"] == "true"
    assert rehearsal.ci() == {"publish-crates": 0, "publish-ruby": 0, "publish-python": 0,
                              "publish-typescript": 0}

    # 3-4. An FFI-facing change; PyPI is down while CI publishes.
    sandbox.touch(repo, "fix(shared): envelope ordering", "tasker-shared/src/lib.rs")
    second = rehearsal.release()
    outputs = rehearsal.plan_outputs()
    assert (outputs["core_version"], outputs["ruby_version"], outputs["python_version"],
            outputs["typescript_version"], outputs["typescript_npm_version"]) == (
        "0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1.0", "0.1.1000")
    down = {"RELEASE_TASKS_PYPI_INDEX_URL": closed_port_url("/simple/"),
            "RELEASE_TASKS_PYPI_UPLOAD_URL": closed_port_url("/")}
    results = rehearsal.ci(env=down)
    assert results["publish-python"] == 10  # RegistryUnavailable: nothing built, no tag
    assert {k: v for k, v in results.items() if k != "publish-python"} == {
        "publish-crates": 0, "publish-ruby": 0, "publish-typescript": 0}
    assert git.tag_commit(repo, "python-v0.1.1.0") is None

    # 5. No new change: the third release carries Python forward, at the same version.
    code, out = rehearsal.cli("release", "--dry-run")
    assert code == 0 and f"planned as 0.1.1.0 in {second}, never published" in out, out
    third = rehearsal.release()
    assert repo.out("show", "--name-only", "--format=", f"{third}^{{commit}}") == "CHANGELOG.md"
    outputs = rehearsal.plan_outputs()
    assert (outputs["publish_core"], outputs["ruby_version"], outputs["python_version"],
            outputs["typescript_version"]) == ("false", "unchanged", "0.1.1.0", "unchanged")
    assert rehearsal.ci() == {"publish-python": 0}

    # 6. A Ruby-only change.
    sandbox.touch(repo, "fix(ruby): handle cleanup", "workers/ruby/lib/tasker_core.rb")
    fourth = rehearsal.release()
    outputs = rehearsal.plan_outputs()
    assert (outputs["publish_core"], outputs["ruby_version"], outputs["python_version"]) == (
        "false", "0.1.1.1", "unchanged")
    assert rehearsal.ci() == {"publish-ruby": 0}

    # Every component tag points at the release commit that planned it, locally and on origin.
    expected_tags = {
        "core-v0.1.0": first, "ruby-v0.1.0.0": first, "python-v0.1.0.0": first,
        "typescript-v0.1.0.0": first, "core-v0.1.1": second, "ruby-v0.1.1.0": second,
        "typescript-v0.1.1.0": second, "python-v0.1.1.0": third, "ruby-v0.1.1.1": fourth,
    }
    for tag, release_tag in expected_tags.items():
        assert git.tag_commit(repo, tag) == git.resolve(repo, release_tag), tag
    remote = repo.out("ls-remote", "--tags", "origin")
    for tag in [*expected_tags, first, second, third, fourth]:
        assert f"refs/tags/{tag}^{{}}" in remote, tag
    component_tags = [t for t in repo.out("tag", "--list").split() if not t.startswith("release-")]
    assert sorted(component_tags) == sorted(expected_tags)

    # Exactly the planned versions, each published once.
    assert registry_contents(cargo_registry, rubygems_registry, pypi_server, verdaccio) == {
        "crates": sorted((c, v) for c in CRATES for v in ("0.1.0", "0.1.1")),
        "gems": ["0.1.0.0", "0.1.1.0", "0.1.1.1"],
        "pypi": ["0.1.0.0", "0.1.1.0"],
        "pypi_files": 4,  # a wheel and an sdist per version
        "npm": ["0.1.0", "0.1.1000"],
    }
    assert len(cargo_registry.log.published()) == 12
    assert cargo_registry.order_violations() == []
    # The audit trail agrees: what was published when, from which release; nothing pending.
    result = rehearsal.run_cli("history", "--format", "json", "--repo", str(repo.root))
    assert result.code == 0, result.err
    history = json.loads(result.out)
    assert [r["tag"] for r in history["releases"]] == [fourth, third, second, first]
    published = {(name, p["version"]): p["release_tag"]
                 for name, c in history["components"].items() for p in c["versions"]}
    assert published[("python", "0.1.1.0")] == third
    assert published[("ruby", "0.1.1.1")] == fourth
    assert len(published) == len(expected_tags)
    assert history["unpublished"] == []


# --- two bindings on one registry --------------------------------------------------------------

def with_client_rb(repo: Repo, env: Mapping[str, str]) -> None:
    """A second gem, ``tasker-client-rb`` in workers/client-rb (its own ext crate), and a
    release.toml of the core with the two RubyGems bindings ``ruby`` and ``client-rb``."""
    ruby, client = repo.root / "workers" / "ruby", repo.root / "workers" / "client-rb"
    shutil.copytree(ruby, client)
    (client / "tasker-worker-rb.gemspec").rename(client / "tasker-client-rb.gemspec")
    for path in (client / "tasker-client-rb.gemspec", client / "Rakefile",
                 client / "lib" / "tasker_core.rb", client / "ext" / "tasker_core" / "Cargo.toml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("tasker-worker-rb", "tasker-client-rb")
                        .replace("tasker_worker_rb", "tasker_client_rb"), encoding="utf-8")
    manifest = repo.root / "Cargo.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '    "workers/ruby/ext/tasker_core",\n',
        '    "workers/ruby/ext/tasker_core",\n    "workers/client-rb/ext/tasker_core",\n'),
        encoding="utf-8")
    subprocess.run(["cargo", "metadata", "--format-version", "1", "--offline"], cwd=repo.root,
                   env={**os.environ, **env}, check=True, capture_output=True)
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    ruby_binding = data["bindings"]["ruby"]
    client_binding = {**copy.deepcopy(ruby_binding), "directory": "workers/client-rb",
                      "package": "tasker-client-rb", "crate": "tasker-client-rb"}
    client_binding["version-files"] = [
        {**f, "path": f["path"].replace("workers/ruby", "workers/client-rb")}
        for f in ruby_binding["version-files"]]
    data["bindings"] = {"ruby": ruby_binding, "client-rb": client_binding}
    data["core"]["groups"]["ffi"]["propagates-to"] = ["ruby", "client-rb"]
    (repo.root / "release.toml").write_text(tomlkit.dumps(data), encoding="utf-8")
    repo.out("add", "--all")
    repo.out("commit", "--quiet", "-m", "tasker-client-rb: a second gem")


def gem_versions(gems: RubyGemsRegistry, name: str) -> list[str]:
    return sorted(v["number"] for v in httpx.get(f"{gems.url}/api/v1/versions/{name}.json").json())


def test_two_rubygems_bindings_release_and_publish_through_the_workflow(
        make_rehearsal: Callable[[Prepare | None], Rehearsal],
        rubygems_registry: RubyGemsRegistry) -> None:
    rehearsal = make_rehearsal(with_client_rb)
    repo = rehearsal.repo
    jobs = rehearsal.workflow["jobs"]
    assert [j for j in jobs if j.startswith("publish-")] == [
        "publish-crates", "publish-ruby", "publish-client-rb"]

    first = rehearsal.release()
    outputs = rehearsal.plan_outputs()
    assert (outputs["ruby_version"], outputs["client_rb_version"]) == ("0.1.0.0", "0.1.0.0")
    assert rehearsal.ci() == {"publish-crates": 0, "publish-ruby": 0, "publish-client-rb": 0}
    assert gem_versions(rubygems_registry, "tasker-worker-rb") == ["0.1.0.0"]
    assert gem_versions(rubygems_registry, "tasker-client-rb") == ["0.1.0.0"]

    # A change in the client gem alone: only it is released and published.
    sandbox.touch(repo, "fix(client-rb): retry", "workers/client-rb/lib/tasker_core.rb")
    second = rehearsal.release()
    outputs = rehearsal.plan_outputs()
    assert (outputs["publish_core"], outputs["ruby_version"], outputs["client_rb_version"]) == (
        "false", "unchanged", "0.1.0.1")
    assert rehearsal.ci() == {"publish-client-rb": 0}
    assert gem_versions(rubygems_registry, "tasker-worker-rb") == ["0.1.0.0"]
    assert gem_versions(rubygems_registry, "tasker-client-rb") == ["0.1.0.0", "0.1.0.1"]
    for tag, release_tag in {"ruby-v0.1.0.0": first, "client-rb-v0.1.0.0": first,
                             "client-rb-v0.1.0.1": second}.items():
        assert git.tag_commit(repo, tag) == git.resolve(repo, release_tag), tag

    # The design card's `publish_ruby -- VERSION` still works: of the two gems, the one whose
    # version file says that version (here already out, so it is only tagged again).
    code, out = rehearsal.cli("publish_ruby", "0.1.0.1", "--on-duplicate=skip")
    assert code == 0 and "tasker-client-rb@0.1.0.1 was already on RubyGems" in out, out


# --- interrupted between any two files, then resumed ------------------------------------------

#: The build commands of each binding's steps (a resume runs those of the missing files only).
STEP_COMMANDS: dict[str, list[tuple[str, ...]]] = {"gem": [("rake", "compile"), ("gem", "build")],
                 "wheel": [("maturin", "build")], "sdist": [("maturin", "sdist")],
                 "tarball": [("bun", "install"), ("bun", "run", "build"), ("npm", "pack")]}
FILES = {"ruby": 1, "python": 2, "typescript": 1}  # a gem; a wheel and the sdist; a tarball
BINDING_JOBS = {"publish-ruby": "ruby", "publish-python": "python",
                "publish-typescript": "typescript"}


def binding_files(gems: RubyGemsRegistry, pypi: PypiServer, npm: Verdaccio) -> dict[str, list[str]]:
    """Every file each binding has on its registry."""
    document = httpx.get(f"{npm.url}@tasker-systems%2fworker").json()
    return {"ruby": sorted(f"{g.spec.full_name}.gem" for g in gems.gems("tasker-worker-rb")),
            "python": pypi.files(),
            "typescript": sorted(document.get("versions", {})) if "versions" in document else []}


def steps_missing(job: str, files: list[str]) -> set[str]:
    """The build steps of the files a binding still lacks (of the example's first release)."""
    if job == "publish-ruby":
        return set() if files else {"gem"}
    if job == "publish-python":
        return ({"wheel"} - {"wheel" for f in files if f.endswith(".whl")}) | (
            {"sdist"} - {"sdist" for f in files if f.endswith(".tar.gz")})
    return set() if files else {"tarball"}


def test_interrupted_at_every_file_boundary_then_resumed(
        rehearsal: Rehearsal, tmp_path: Path, cargo_registry: CargoRegistry,
        rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer,
        verdaccio: Verdaccio) -> None:
    """CI of a first release, where every run of a job stops after its next upload (the first
    pass: before any), and the failed jobs are re-run on fresh runners until all succeed.
    Each run uploads exactly one missing file, builds only what that file needs, and a
    component is tagged only once all its files are on its registry."""
    from release_tasks import cmd

    repo = rehearsal.repo
    release_tag = rehearsal.release()
    jobs = rehearsal.jobs()
    pending, interruptions = list(jobs), 0
    # Each job is first stopped before its first upload, then after one upload per run.
    stop_after: dict[str, str] = {}
    stops: dict[str, list[int]] = {}  # per binding: its files on the registry at each stop
    files_at: dict[str, list[str]] = binding_files(rubygems_registry, pypi_server, verdaccio)
    crates_before = 0
    for _ in range(20):
        if not pending:
            break
        for job in list(pending):
            if job != "publish-crates" and "publish-crates" in pending:
                continue  # the bindings wait for the crates
            session, args = jobs[job]
            lang = BINDING_JOBS.get(job)
            stopped_after = stop_after.get(job, "0")
            stop_after[job] = "1"
            shutil.rmtree(repo.root / "target" / "release-artifacts", ignore_errors=True)
            before = files_at[lang] if lang else []
            cmd.ARGV_LOG.clear()
            output = tmp_path / f"{job}.out"
            output.unlink(missing_ok=True)
            code, out = rehearsal.cli(session, *args, env={
                "RELEASE_TASKS_STOP_AFTER_UPLOADS": stopped_after, "GITHUB_OUTPUT": str(output)})
            assert code in (0, 130), out
            files_at = binding_files(rubygems_registry, pypi_server, verdaccio)
            if lang is None:  # the crates stop too: none before the first upload, then one a run
                published = len(cargo_registry.log.published())
                assert published - crates_before == int(stopped_after) or code == 0
                crates_before = published
            else:
                after = files_at[lang]
                assert set(before) <= set(after)
                if code == 130:  # exactly the one upload before the stop (none on the first)
                    assert len(after) - len(before) == int(stopped_after), out
                    stops.setdefault(lang, []).append(len(after))
                else:  # the last run: the rest (nothing left but the tag, here)
                    assert len(after) == FILES[lang] and len(after) - len(before) <= 1, out
                # Builds what the missing files need and, on this fresh runner (nothing kept),
                # the files already there too, to compare: "already published" means the
                # bytes built here. So every step, every run, until the tag is made.
                wanted = {w for step in steps_missing(job, []) for w in STEP_COMMANDS[step]}
                every = {w for commands in STEP_COMMANDS.values() for w in commands}
                assert {w for w in every if ran(*w)} == wanted, (job, before, out)
                state = dict(line.split("=", 1) for line in output.read_text().split())
                tagged = git.tag_commit(repo, f"{lang}-v0.1.0.0") is not None
                assert tagged == (code == 0) and (state["state"] == "complete") == tagged, out
                if code == 130:
                    assert "to resume: nox -s publish -- " in out and "no new upload" in out
                # history --registries tells partial from planned (and tagged is complete).
                told = rehearsal.run_cli("history", "--registries", "--format", "json", "--repo",
                                         str(repo.root), env=rehearsal.env)
                assert told.code == 0, told.err
                [planned] = [c for c in json.loads(told.out)["releases"][0]["components"]
                             if c["component"] == lang]
                assert planned["state"] == ("complete" if code == 0 else
                                            "partial" if after else "planned")
                if lang == "python" and code != 0 and len(after) == 1:
                    shown = rehearsal.run_cli("history", "--registries", "--repo",
                                              str(repo.root), env=rehearsal.env).out
                    assert f"PARTIAL: 1 file(s) on its registry ({after[0]})" in shown
                if code != 0:
                    assert sorted(planned["files"]) == sorted(
                        a if lang != "typescript" else f"tasker-systems-worker-{a}.tgz"
                        for a in after)
            if code == 130:
                interruptions += 1
            else:
                pending.remove(job)
    assert pending == []
    # Every binding file boundary was a stop: before the first upload, and after each file.
    assert stops == {lang: list(range(count + 1)) for lang, count in FILES.items()}
    assert interruptions >= sum(FILES.values()) + len(FILES)

    # Exactly the planned files, each uploaded once; every component tagged on its release.
    assert binding_files(rubygems_registry, pypi_server, verdaccio)["python"] == sorted(
        pypi_server.files())
    contents = registry_contents(cargo_registry, rubygems_registry, pypi_server, verdaccio)
    assert contents == {"crates": sorted((c, "0.1.0") for c in CRATES), "gems": ["0.1.0.0"],
                        "pypi": ["0.1.0.0"], "pypi_files": 2, "npm": ["0.1.0"]}
    assert rubygems_registry.log.events("rejected") == []
    for tag in ("core-v0.1.0", "ruby-v0.1.0.0", "python-v0.1.0.0", "typescript-v0.1.0.0"):
        assert git.tag_commit(repo, tag) == git.resolve(repo, release_tag), tag
    result = rehearsal.run_cli("history", "--format", "json", "--repo", str(repo.root))
    assert json.loads(result.out)["unpublished"] == []
