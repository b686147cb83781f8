"""The generated release workflow, executed the way GitHub runs it (:mod:`tests.workflow_runner`).

The tool is a wheel built once per session from this checkout, served with its dependencies
from a local directory of wheels (standing for PyPI: ``PIP_FIND_LINKS``/``UV_FIND_LINKS``,
no index). A maintainer's virtual environment holds it, and runs the README's adoption
steps (one-line ``noxfile.py``, ``release-tasks workflow``, commit) and each release
(``release-tasks release --yes --push``). Each pushed release tag then runs
``.github/workflows/release.yml`` as committed: every job in a fresh clone and a fresh
virtual environment that holds only what its steps install (``.github/release-tasks.txt``),
publishing to the local registries. Nothing of this checkout is on any job's path.

Two monorepos: the example (built-in Tasker layout, three bindings), and ``acme``, a virtual
workspace root with one binding named ``node`` (npm). For each: a first release, a
binding-only release, a core release, and a re-run of the last that builds and uploads
nothing. Then the example with its python binding declaring four platforms: its build
matrix runs this machine's cells for real (Linux x86_64, Linux aarch64 cross-built with zig,
the sdist) and skips the macOS one; the publish job's gate refuses the incomplete set before
any upload, and a re-run with the macOS cell's wheel (the host's, retagged) publishes all
four files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from release_tasks import sandbox
from release_tasks.git.repo import Repo
from release_tasks.sessions import CROSS_TOOLS, PYTHON_TOOLS
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.test_platforms_python import declare, retag
from tests.registries.github_releases import GitHubReleases
from tests.registries.tools import require_tool
from tests.workflow_runner import Run, WorkflowRunner, base_env, base_python, clean_path

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
NOXFILE = "from release_tasks.sessions import *  # noqa: F403\n"
#: What the sessions install beside the tool: the python binding's tools, and the build
#: matrix's cross-build tools.
SESSION_TOOLS = (*PYTHON_TOOLS, *CROSS_TOOLS)
#: A build or an upload, as the tool echoes the command (``+ ARGV``).
BUILDS = re.compile(r"\+ (?:\S*/)?(?:maturin (?:build|sdist)|gem build|(?:bundle exec )?rake compile"
                    r"|bun run build|npm pack|npm publish|cargo publish|cargo build|gem push"
                    r"|uv publish)\b")


@dataclass(frozen=True)
class Tool:
    """The wheel, the directory of wheels that stands for PyPI, and a maintainer's venv."""

    wheel: Path
    wheelhouse: Path
    maintainer: Path  # a virtual environment with the tool installed from the wheel

    def index_env(self) -> dict[str, str]:
        """pip and uv find packages in the wheelhouse, and only there (uv reads no variable
        for ``--no-index``: a config file says it)."""
        config = self.wheelhouse.with_name("uv-index.toml")  # never found by uv on its own
        config.write_text(f"no-index = true\nfind-links = [{str(self.wheelhouse)!r}]\n",
                          encoding="utf-8")
        # uv's cache of this session only: the tool's version is the same from build to
        # build, and a cache of an earlier session would serve that session's wheel.
        return {"PIP_FIND_LINKS": str(self.wheelhouse), "PIP_NO_INDEX": "1",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_COMPILE": "1",
                "PIP_NO_CACHE_DIR": "1", "UV_CONFIG_FILE": str(config),
                "UV_CACHE_DIR": str(self.wheelhouse.with_name("uv-cache"))}


@pytest.fixture(scope="session")
def tool(tmp_path_factory: pytest.TempPathFactory) -> Tool:
    """The tool's wheel (``uv build``: the sdist, then the wheel from it), once a session, and
    the wheels of everything the workflow's jobs install, downloaded once."""
    require_tool("git")
    uv = Path(sys.executable).with_name("uv")
    uv_path = str(uv) if uv.is_file() else require_tool("uv")
    work = tmp_path_factory.mktemp("tool")
    subprocess.run([uv_path, "build", "--quiet", "--out-dir", str(work / "dist"), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    (wheel,) = (work / "dist").glob("release_tasks-*-py3-none-any.whl")
    wheelhouse = work / "wheelhouse"
    wheelhouse.mkdir()
    shutil.copy2(wheel, wheelhouse)
    maintainer = work / "maintainer"
    subprocess.run([uv_path, "venv", "--quiet", "--seed", "--python", base_python(),
                    str(maintainer)], check=True, capture_output=True, timeout=300)
    # pip of a fresh environment: this test's own may have none (uv made it).
    subprocess.run([str(maintainer / "bin" / "python"), "-m", "pip", "download", "--quiet",
                    "--only-binary=:all:", "--dest", str(wheelhouse), str(wheel),
                    *SESSION_TOOLS, "pip"], check=True, capture_output=True, text=True,
                   timeout=600)
    found = Tool(wheel=wheel, wheelhouse=wheelhouse, maintainer=maintainer)
    subprocess.run([uv_path, "pip", "install", "--quiet", "--python",
                    str(maintainer / "bin" / "python"), "release-tasks"], check=True,
                   capture_output=True, timeout=300, env={**os.environ, **found.index_env()})
    return found


class Adopter:
    """A monorepo with an ``origin``, its maintainer (the installed tool) and its CI."""

    def __init__(self, repo: Path, tool: Tool, registries: Mapping[str, str],
                 secrets: Mapping[str, str], work: Path, github: GitHubReleases) -> None:
        self.repo, self.tool = repo, tool
        self.origin = work / "origin.git"
        subprocess.run(["git", "init", "--bare", "--quiet", "--initial-branch", "main",
                        str(self.origin)], check=True)
        self.git("remote", "add", "origin", str(self.origin))
        self.env = {**registries, **tool.index_env()}
        # A runner's GITHUB_API_URL, here GitHub's releases stand-in, and its job token.
        runner_env = base_env({**self.env, "GITHUB_API_URL": github.url})
        self.runner = WorkflowRunner(origin=self.origin, work=work / "runner", env=runner_env,
                                     secrets=secrets, python=base_python(),
                                     repository=f"acme/{repo.name}", token=github.token)

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.repo), *args], check=True,
                              capture_output=True, text=True).stdout.strip()

    def tool_run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``release-tasks ARGS`` from the maintainer's venv, in the monorepo."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(self.env)
        env["PATH"] = os.pathsep.join([str(self.tool.maintainer / "bin"),
                                       clean_path(env.get("PATH", ""))])
        return subprocess.run([str(self.tool.maintainer / "bin" / "release-tasks"), *args],
                              cwd=self.repo, env=env, capture_output=True, text=True,
                              timeout=600, stdin=subprocess.DEVNULL)

    def adopt(self) -> None:
        """README's adoption: the one-line noxfile, `release-tasks workflow`, commit, push."""
        (self.repo / "noxfile.py").write_text(NOXFILE, encoding="utf-8")
        written = self.tool_run("workflow")
        assert written.returncode == 0, written.stderr
        assert "wrote .github/release-tasks.txt" in written.stdout, written.stdout
        self.git("add", "noxfile.py", ".github")
        self.git("commit", "--quiet", "-m", "Release with release-tasks")
        self.git("push", "--quiet", "origin", "main")

    def release(self) -> str:
        result = self.tool_run("release", "--yes", "--push")
        assert result.returncode == 0, result.stderr
        match = re.search(r"Pushed \S+ and (release-\S+):", result.stdout + result.stderr)
        assert match, result.stdout + result.stderr
        return match.group(1)

    def ci(self, tag: str) -> Run:
        run = self.runner.run(tag)
        print(f"{self.repo.name} at {tag}: {run.timing()}")
        return run

    def origin_tags(self) -> set[str]:
        out = subprocess.run(["git", "-C", str(self.origin), "tag", "--list"], check=True,
                             capture_output=True, text=True).stdout
        return set(out.split())


def assert_jobs(run: Run, ran: list[str]) -> None:
    """Exactly ``ran`` ran (and succeeded); every other job was skipped."""
    expected = {name: ("success" if name in ran else "skipped") for name in run.jobs}
    assert run.results() == expected, run.report()


def assert_nothing_built(run: Run) -> None:
    for name, job in run.jobs.items():
        found = BUILDS.findall(job.text)
        assert not found, f"{name} built or uploaded {found}:\n{job.text}"


def assert_built(run: Run, jobs: list[str]) -> None:
    """Each of ``jobs`` built and uploaded (and said so as :data:`BUILDS` reads it)."""
    for name in jobs:
        assert BUILDS.search(run.jobs[name].text), f"{name} built nothing:\n{run.jobs[name].text}"


@pytest.fixture
def github() -> Iterator[GitHubReleases]:
    with GitHubReleases() as server:
        yield server


def release_tags(github: GitHubReleases) -> list[str]:
    """The GitHub Releases the summary jobs made, by tag."""
    return sorted(str(r["tag_name"]) for r in github.releases.values())


@pytest.fixture
def registries(tmp_path: Path, tool: Tool, cargo_registry: CargoRegistry,
               rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer,
               verdaccio: Verdaccio) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """The local registries: the runner's variables that point the tool at them, and the
    repository secrets the workflow names."""
    for program in ("cargo", "gem", "bundle", "rake", "bun", "npm", "node"):
        require_tool(program)
    pypi_server.reset()
    verdaccio.reset()
    cargo = cargo_registry.configure_cargo("local", tmp_path / "cargo-home")
    token = cargo.pop("CARGO_REGISTRIES_LOCAL_TOKEN")
    variables = {
        **cargo, "RELEASE_TASKS_CARGO_REGISTRY": "local",
        "CARGO_TARGET_DIR": str(tool.wheelhouse.with_name("target")),  # one for the session
        "RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url,
        "RELEASE_TASKS_PYPI_INDEX_URL": pypi_server.url,
        "RELEASE_TASKS_PYPI_UPLOAD_URL": pypi_server.upload_url,
        "RELEASE_TASKS_NPM_REGISTRY": verdaccio.url,
    }
    secrets = {"CARGO_REGISTRY_TOKEN": token, "RUBYGEMS_API_KEY": rubygems_registry.api_key,
               "PYPI_TOKEN": pypi_server.password, "NPM_TOKEN": verdaccio.token}
    yield variables, secrets


def npm_versions(verdaccio: Verdaccio, package: str) -> list[str]:
    document = httpx.get(f"{verdaccio.url}{package.replace('/', '%2f')}").json()
    return sorted(document.get("versions", {}))


# --- the example -----------------------------------------------------------------------------

EXAMPLE_JOBS = ["plan", "preflight", "publish-crates", "publish-ruby", "publish-python",
                "publish-typescript", "summary"]


def test_the_example_released_through_its_executed_workflow(
        tool: Tool, tmp_path: Path, registries: tuple[dict[str, str], dict[str, str]],
        cargo_registry: CargoRegistry, rubygems_registry: RubyGemsRegistry,
        pypi_server: PypiServer, verdaccio: Verdaccio, github: GitHubReleases) -> None:
    variables, secrets = registries
    repo = sandbox.create(tmp_path / "tasker-core")
    adopter = Adopter(repo.root, tool, variables, secrets, tmp_path, github)
    adopter.adopt()

    def contents() -> dict[str, list[Any]]:
        return {"crates": sorted(set(cargo_registry.log.published())),
                "gems": sorted(g.spec.version for g in rubygems_registry.gems("tasker-worker-rb")),
                "pypi": pypi_server.files(),
                "npm": npm_versions(verdaccio, "@tasker-systems/worker")}

    # 1. The first release: every job runs and publishes.
    first = adopter.release()
    run = adopter.ci(first)
    assert_jobs(run, EXAMPLE_JOBS)
    assert_built(run, [job for job in EXAMPLE_JOBS if job.startswith("publish-")])
    assert "note: actions/checkout: cloned" in run.jobs["plan"].text
    assert {"core-v0.1.0", "ruby-v0.1.0.0", "python-v0.1.0.0", "typescript-v0.1.0.0"} <= (
        adopter.origin_tags())
    assert release_tags(github) == [first]
    held = contents()
    assert len(held["crates"]) == 6 and held["gems"] == ["0.1.0.0"], held
    assert held["npm"] == ["0.1.0"] and len(held["pypi"]) == 2, held

    # 2. A binding-only release: the Ruby job alone publishes.
    sandbox.touch(repo, "fix(ruby): retry", "workers/ruby/lib/tasker_core.rb")
    adopter.git("push", "--quiet", "origin", "main")
    second = adopter.release()
    run = adopter.ci(second)
    assert_jobs(run, ["plan", "preflight", "publish-ruby", "summary"])
    assert run.jobs["plan"].outputs["ruby_version"] == "0.1.0.1"
    assert contents()["gems"] == ["0.1.0.0", "0.1.0.1"]
    assert release_tags(github) == [first, second]
    assert "ruby-v0.1.0.1" in adopter.origin_tags()

    # 3. A core release: an FFI-facing change releases the crates and every binding.
    sandbox.touch(repo, "fix(shared): ordering", "tasker-shared/src/lib.rs")
    adopter.git("push", "--quiet", "origin", "main")
    third = adopter.release()
    run = adopter.ci(third)
    assert_jobs(run, EXAMPLE_JOBS)
    assert run.jobs["plan"].outputs["core_version"] == "0.1.1"
    held = contents()
    assert len(held["crates"]) == 12 and held["npm"] == ["0.1.0", "0.1.1000"], held
    assert {"core-v0.1.1", "ruby-v0.1.1.0", "python-v0.1.1.0", "typescript-v0.1.1.0"} <= (
        adopter.origin_tags())

    # 4. The same tag again (a re-run): every job succeeds, nothing is built or uploaded,
    # and the GitHub Release the first run made is left as it is.
    uploads = len(cargo_registry.log.events("publish"))
    writes = len(github.writes())
    run = adopter.ci(third)
    assert_jobs(run, EXAMPLE_JOBS)
    assert_nothing_built(run)
    assert contents() == held
    assert len(cargo_registry.log.events("publish")) == uploads
    assert release_tags(github) == [first, second, third]  # not made twice
    assert github.writes()[writes:] == []  # and not changed


# --- a binding built on a matrix -------------------------------------------------------------

def test_a_binding_built_on_a_matrix_is_published_only_complete(
        tool: Tool, tmp_path: Path, registries: tuple[dict[str, str], dict[str, str]],
        cargo_registry: CargoRegistry, pypi_server: PypiServer, verdaccio: Verdaccio,
        github: GitHubReleases) -> None:
    variables, secrets = registries
    repo = sandbox.create(tmp_path / "tasker-core")
    declare(repo.root, python=["linux-x86_64", "linux-aarch64", "macos-arm64", "source"])
    adopter = Adopter(repo.root, tool, variables, secrets, tmp_path, github)
    adopter.adopt()
    first = adopter.release()

    # This machine runs the Linux cells (aarch64 cross-built) and the source one; the macOS
    # one is another runner's. The gate refuses the set without the macOS wheel, before any
    # upload and any python tag.
    run = adopter.ci(first)
    build = run.jobs["build-python"]
    assert build.cells == {"linux-x86_64, ubuntu-latest": "success",
                           "linux-aarch64, ubuntu-latest, aarch64-unknown-linux-gnu": "success",
                           "macos-arm64, macos-latest": "skipped",
                           "source, ubuntu-latest": "success"}, build.text
    assert build.result == "success" and "maturin build" in build.text, run.report()
    assert "Using zig for cross-compiling to aarch64-unknown-linux-gnu" in build.text, build.text
    assert re.search(r"manylinux_\d+_\d+_aarch64\.whl", build.text), build.text
    publish = run.jobs["publish-python"]
    assert publish.result == "failure", run.report()
    assert "macos-arm64" in publish.text and "uv publish" not in publish.text, publish.text
    assert pypi_server.files() == []
    assert "python-v0.1.0.0" not in adopter.origin_tags()
    assert {"publish-crates", "publish-ruby", "publish-typescript"} <= set(run.ran())
    assert all(run.jobs[job].result == "success"
               for job in ("publish-crates", "publish-ruby", "publish-typescript"))

    # The macOS runner's upload (the Linux wheel under the macOS tag): all three go up.
    [linux] = (adopter.runner.artifacts / "python-linux-x86_64").glob("*.whl")
    (tmp_path / "macos").mkdir()
    mac = retag(linux, "macosx_14_0_arm64", tmp_path / "macos")
    run = adopter.runner.run(first, uploaded={"python-macos-arm64": [mac]})
    assert run.jobs["publish-python"].result == "success", run.report()
    files = pypi_server.files()
    assert len(files) == 4 and mac.name in files, files
    assert any(f.endswith("_aarch64.whl") for f in files), files
    assert any(f.endswith(".tar.gz") for f in files), files
    assert any("manylinux" in f and f.endswith("_x86_64.whl") for f in files), files
    assert "python-v0.1.0.0" in adopter.origin_tags()


# --- a virtual workspace root with a binding named `node` ------------------------------------

ACME_CONFIG = """\
[project]
name = "acme"
main-branch = "main"

[core]
version-file = "VERSION"
credential = ["CARGO_REGISTRY_TOKEN"]

[core.groups.engine]
crates = ["acme-proto", "acme-core"]
paths = ["crates", "Cargo.toml", "Cargo.lock"]
propagates-to = ["node"]

[bindings.node]
directory = "bindings/node"
registry = "npm"
package = "@acme/node"
credential = ["NPM_TOKEN"]
version-files = [
  { path = "bindings/node/package.json", format = "package-json", value = "binding" },
]
"""


def _crate(name: str, doc: str, extra: str = "") -> str:
    return (f'[package]\nname = "{name}"\nversion.workspace = true\nedition.workspace = true\n'
            f'license.workspace = true\nrepository.workspace = true\ndescription = "{doc}"\n'
            f"{extra}")


ACME_FILES = {
    "Cargo.toml": '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n\n'
                  '[workspace.package]\nversion = "0.4.0"\nedition = "2021"\nlicense = "MIT"\n'
                  'repository = "https://github.com/acme/acme"\n\n[workspace.dependencies]\n'
                  'acme-proto = { path = "crates/acme-proto", version = "=0.4.0" }\n',
    "VERSION": "0.4.0\n",
    ".gitignore": "target/\nnode_modules/\ndist/\n.nox/\n",
    "crates/acme-proto/Cargo.toml": _crate("acme-proto", "The acme wire protocol"),
    "crates/acme-proto/src/lib.rs": "//! The acme wire protocol.\n\n/// Its version.\n"
                                    "pub const PROTOCOL: u32 = 1;\n",
    "crates/acme-core/Cargo.toml": _crate("acme-core", "The acme engine",
                                          "\n[dependencies]\nacme-proto.workspace = true\n"),
    "crates/acme-core/src/lib.rs": "//! The acme engine.\n\n/// The protocol it speaks.\n"
                                   "pub fn protocol() -> u32 {\n    acme_proto::PROTOCOL\n}\n",
    "bindings/node/package.json": '{\n  "name": "@acme/node",\n  "version": "0.4.0",\n'
                                  '  "description": "acme for node",\n  "license": "MIT",\n'
                                  '  "main": "dist/index.js",\n  "files": ["dist"],\n'
                                  '  "scripts": {\n    "build": "node build.js"\n  }\n}\n',
    "bindings/node/build.js": "const fs = require('node:fs');\nfs.mkdirSync('dist', "
                              "{ recursive: true });\nfs.writeFileSync('dist/index.js', "
                              "'module.exports = { protocol: 1 };\\n');\n",
    "release.toml": ACME_CONFIG,
}


def acme(root: Path) -> Path:
    """The ``acme`` monorepo: one commit on main, real Cargo.lock and bun.lock."""
    for rel, text in ACME_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    subprocess.run(["cargo", "generate-lockfile", "--offline"], cwd=root, check=True,
                   capture_output=True)
    subprocess.run(["bun", "install"], cwd=root / "bindings" / "node", check=True,
                   capture_output=True)
    subprocess.run(["git", "init", "--quiet", "--initial-branch", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "--all"], cwd=root, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "acme"], cwd=root, check=True)
    return root


ACME_JOBS = ["plan", "preflight", "publish-crates", "publish-node", "summary"]


def test_a_virtual_root_with_a_binding_named_node_released_through_its_executed_workflow(
        tool: Tool, tmp_path: Path, registries: tuple[dict[str, str], dict[str, str]],
        cargo_registry: CargoRegistry, verdaccio: Verdaccio, github: GitHubReleases) -> None:
    variables, secrets = registries
    root = acme(tmp_path / "acme")
    repo = Repo(root)
    adopter = Adopter(root, tool, variables, secrets, tmp_path, github)
    adopter.adopt()

    def contents() -> dict[str, list[Any]]:
        return {"crates": sorted(set(cargo_registry.log.published())),
                "npm": npm_versions(verdaccio, "@acme/node")}

    first = adopter.release()
    run = adopter.ci(first)
    assert_jobs(run, ACME_JOBS)
    assert_built(run, ["publish-crates", "publish-node"])
    assert contents() == {"crates": [("acme-core", "0.4.0"), ("acme-proto", "0.4.0")],
                          "npm": ["0.4.0"]}
    assert {"core-v0.4.0", "node-v0.4.0.0"} <= adopter.origin_tags()

    sandbox.touch(repo, "fix(node): export", "bindings/node/build.js")
    adopter.git("push", "--quiet", "origin", "main")
    run = adopter.ci(adopter.release())
    assert_jobs(run, ["plan", "preflight", "publish-node", "summary"])
    assert contents()["npm"] == ["0.4.0", "0.4.1"]
    assert "node-v0.4.0.1" in adopter.origin_tags()

    sandbox.touch(repo, "fix(core): protocol", "crates/acme-core/src/lib.rs")
    adopter.git("push", "--quiet", "origin", "main")
    third = adopter.release()
    run = adopter.ci(third)
    assert_jobs(run, ACME_JOBS)
    held = contents()
    assert held == {"crates": [("acme-core", "0.4.0"), ("acme-core", "0.4.1"),
                               ("acme-proto", "0.4.0"), ("acme-proto", "0.4.1")],
                    "npm": ["0.4.0", "0.4.1", "0.4.1000"]}
    assert {"core-v0.4.1", "node-v0.4.1.0"} <= adopter.origin_tags()

    uploads = len(cargo_registry.log.events("publish"))
    run = adopter.ci(third)
    assert_jobs(run, ACME_JOBS)
    assert_nothing_built(run)
    assert contents() == held
    assert len(cargo_registry.log.events("publish")) == uploads
    assert len(release_tags(github)) == 3
