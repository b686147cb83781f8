"""``rehearse`` on the example and on a virtual-root monorepo with a binding named ``node``,
as a maintainer runs it before a first real release: four
stand-ins, the workflow's jobs, every package installed and loaded, a timed report; the
repository, its tags and every real registry untouched; and a stand-in that cannot start
stops it before anything else happens."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from release_tasks import cmd, sandbox
from release_tasks.config import load as config
from release_tasks.git.repo import Repo
from release_tasks.rehearse import registries
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.registries.tools import require_tool
from tests.registries.verdaccio_install import ensure_installed
from tests.support import RunCli

pytestmark = pytest.mark.integration

#: What a maintainer's shell may hold: real credentials, and redirections to real registries.
#: None of it may reach any program the rehearsal starts.
REAL = {
    "CARGO_REGISTRY_TOKEN": "cio-real-token-0123456789",
    "GEM_HOST_API_KEY": "rubygems_real_key_0123456789",
    "PYPI_TOKEN": "pypi-real-token-0123456789",
    "MATURIN_PYPI_TOKEN": "pypi-real-token-0123456789",
    "NPM_TOKEN": "npm_real_token_0123456789",
    "NODE_AUTH_TOKEN": "npm_real_token_0123456789",
    "RELEASE_TASKS_RUBYGEMS_HOST": "https://rubygems.org",
    "RELEASE_TASKS_PYPI_UPLOAD_URL": "https://upload.pypi.org/legacy/",
    "RELEASE_TASKS_NPM_REGISTRY": "https://registry.npmjs.org/",
    "CARGO_REGISTRIES_CRATES_IO_PROTOCOL": "sparse",
}
#: Where a child could be told to send a package.
_URL_KEYS = ("RELEASE_TASKS_RUBYGEMS_HOST", "RELEASE_TASKS_PYPI_INDEX_URL",
             "RELEASE_TASKS_PYPI_UPLOAD_URL", "RELEASE_TASKS_NPM_REGISTRY")


def repo_state(root: Path) -> tuple[str, str, str, str]:
    """Every ref with its object, HEAD, the status (untracked files too) and the config."""
    def out(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], check=True, text=True,
                              capture_output=True).stdout
    return (out("for-each-ref", "--format=%(refname) %(objectname)"), out("rev-parse", "HEAD"),
            out("status", "--porcelain", "--untracked-files=all"), out("config", "--list"))


class Children:
    """The environment and argv of every program the rehearsal starts itself."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def record(self, argv: Sequence[Any], env: Mapping[str, str] | None) -> None:
        self.calls.append(([os.fspath(a) for a in argv],
                           dict(os.environ if env is None else env)))


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> Iterator[Children]:
    seen = Children()
    real_run = cmd.run

    def run(argv: Sequence[Any], **kwargs: Any) -> cmd.Result:
        seen.record(argv, kwargs.get("env"))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(cmd, "run", run)
    yield seen


@pytest.fixture
def verdaccio_entry() -> str:
    require_tool("node")
    return str(ensure_installed(require_tool("npm")))


def rehearse(run_cli: RunCli, root: Path, work: Path, verdaccio_entry: str) -> dict[str, Any]:
    """``rehearse --format json`` of ``root`` in ``work``, with a maintainer's real
    credentials and registries in the environment; its report (it must succeed)."""
    work.mkdir()
    result = run_cli("rehearse", "--format", "json", "--repo", str(root), "--work-dir",
                     str(work), env={**REAL, "RELEASE_TASKS_VERDACCIO": verdaccio_entry})
    assert result.code == 0, result.err[-3000:]
    report: dict[str, Any] = json.loads(result.out)
    return report


def test_rehearse_publishes_to_four_standins_installs_and_loads_all_four(
        example_repo: Repo, run_cli: RunCli, tmp_path: Path, children: Children,
        verdaccio_entry: str) -> None:
    for tool in ("cargo", "gem", "ruby", "bundle", "rake", "maturin", "bun", "npm", "node"):
        require_tool(tool)
    root = example_repo.root
    before = repo_state(root)
    work = tmp_path / "rehearsals"

    report = rehearse(run_cli, root, work, verdaccio_entry)
    steps = {s["name"]: s for s in report["steps"]}
    assert report["ok"] and all(s["status"] == "ok" for s in report["steps"]), report
    assert list(steps) == [
        "start the four stand-ins", "clone at HEAD", "release --yes --push",
        "plan: versions --check, versions/detect --format env",
        "publish-crates: 6 crates 0.1.0", "publish-ruby: tasker-worker-rb 0.1.0.0",
        "publish-python: tasker-worker-py 0.1.0.0",
        "publish-typescript: @tasker-systems/worker 0.1.0",
        "install and load 6 crates 0.1.0", "install and load tasker-worker-rb 0.1.0.0",
        "install and load tasker-worker-py 0.1.0.0",
        "install and load @tasker-systems/worker 0.1.0"]
    assert all(s["seconds"] > 0 for s in report["steps"])
    assert report["seconds"] == pytest.approx(sum(s["seconds"] for s in report["steps"]), abs=0.1)
    assert "required tasker_core from tasker-worker-rb 0.1.0.0" in steps[
        "install and load tasker-worker-rb 0.1.0.0"]["detail"]
    assert "imported tasker_worker from tasker-worker-py 0.1.0.0" in steps[
        "install and load tasker-worker-py 0.1.0.0"]["detail"]
    assert "from @tasker-systems/worker@0.1.0" in steps[
        "install and load @tasker-systems/worker 0.1.0"]["detail"]
    standins = steps["start the four stand-ins"]["detail"]
    assert standins.count("http://127.0.0.1:") == 4, standins

    # The workflow's commands, in its order, in the clone.
    stages = [argv[3:] for argv, _ in children.calls if argv[1:3] == ["-m", "release_tasks"]]
    assert stages == [["release", "--yes", "--push"], ["versions", "--check"],
                      ["versions", "--format", "env"], ["detect", "--format", "env"],
                      ["publish_crates", "--on-duplicate=skip", "--push-tags"],
                      ["publish_ruby", "0.1.0.0", "--on-duplicate=skip", "--push-tags"],
                      ["publish_python", "0.1.0.0", "--on-duplicate=skip", "--push-tags"],
                      ["publish_typescript", "0.1.0.0", "--on-duplicate=skip", "--push-tags"]]
    # No real credential and no real registry reached any program it started: each was given
    # the stand-ins' URLs (loopback) and their tokens instead.
    secrets = [v for v in REAL.values() if not v.startswith(("https://", "sparse"))]
    assert children.calls
    for argv, env in children.calls:
        leaked = {k for k, v in env.items() for secret in secrets if secret in v}
        assert not leaked, (argv, leaked)
        assert "CARGO_REGISTRIES_CRATES_IO_PROTOCOL" not in env
        for key in _URL_KEYS:
            assert env[key].startswith("http://127.0.0.1:"), (argv, key, env[key])
        assert env["CARGO_HOME"].startswith(str(work))  # never the user's ~/.cargo
        assert not any(real in " ".join(argv) for real in REAL.values())

    # Nothing changed in the repository, and nothing is left behind.
    assert repo_state(root) == before
    assert list(work.iterdir()) == []


def test_rehearse_on_a_virtual_root_with_a_binding_named_node(
        run_cli: RunCli, tmp_path: Path, children: Children, verdaccio_entry: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The independent monorepo of the executed-workflow tests: a virtual workspace root
    # (`version.workspace = true`), two crates, one npm binding named `node`.
    from tests.integration.test_executed_workflow import acme

    for tool in ("cargo", "bun", "npm", "node"):
        require_tool(tool)
    for key, value in sandbox.GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    root = acme(tmp_path / "acme")
    before = repo_state(root)
    work = tmp_path / "rehearsals"

    report = rehearse(run_cli, root, work, verdaccio_entry)
    assert report["ok"], report
    steps = {s["name"]: s for s in report["steps"]}
    assert list(steps) == [
        "start the four stand-ins", "clone at HEAD", "release --yes --push",
        "plan: versions --check, versions/detect --format env",
        "publish-crates: 2 crates 0.4.0", "publish-node: @acme/node 0.4.0",
        "install and load 2 crates 0.4.0", "install and load @acme/node 0.4.0"]
    assert "from @acme/node@0.4.0" in steps["install and load @acme/node 0.4.0"]["detail"]
    stages = [argv[3:] for argv, _ in children.calls if argv[1:3] == ["-m", "release_tasks"]]
    # The workflow's own command for the one npm binding (its session, by the kind's alias).
    assert stages[-1] == ["publish_typescript", "0.4.0.0", "--on-duplicate=skip", "--push-tags"]
    assert repo_state(root) == before
    assert list(work.iterdir()) == []


def test_a_standin_that_cannot_start_stops_it_before_anything_else(
        example_repo: Repo, run_cli: RunCli, tmp_path: Path, children: Children) -> None:
    require_tool("node")
    root = example_repo.root
    sandbox.touch(example_repo, "fix: a change", "tasker-shared/src/lib.rs")
    before = repo_state(root)
    work = tmp_path / "rehearsals"
    work.mkdir()
    children.calls.clear()

    missing = run_cli("rehearse", "--repo", str(root), "--work-dir", str(work),
                      env={"RELEASE_TASKS_VERDACCIO": str(tmp_path / "no-verdaccio")})
    dying = tmp_path / "verdaccio-that-dies.js"
    dying.write_text("console.error('cannot bind'); process.exit(3);\n")
    dies = run_cli("rehearse", "--repo", str(root), "--work-dir", str(work),
                   env={"RELEASE_TASKS_VERDACCIO": str(dying)})

    assert missing.code == dies.code == 17
    assert "the npm stand-in cannot start: verdaccio" in missing.err
    assert "RELEASE_TASKS_VERDACCIO" in missing.err and "nox -s rehearse" in missing.err
    assert "the npm stand-in did not start, so nothing was published" in dies.err
    assert "cannot bind" in dies.err  # the server's own words
    assert children.calls == []  # no clone, no build, no publish
    assert repo_state(root) == before
    assert list(work.iterdir()) == []


def test_the_environment_holds_the_standins_and_no_real_registry(tmp_path: Path) -> None:
    """The in-process stand-ins running; the two servers' URLs as they would be."""
    pypi, npm = PypiServer(tmp_path / "pypi"), Verdaccio(tmp_path / "npm", "node", tmp_path)
    pypi.port, npm.port = 1111, 2222
    with CargoRegistry() as cargo, RubyGemsRegistry() as gems:
        standins = registries.StandIns(cargo, "rehearsal", gems, pypi, npm,
                                       tmp_path / "cargo-home")
        check_environment(standins, tmp_path)


def check_environment(standins: registries.StandIns, tmp_path: Path) -> None:
    base = {"PATH": "/usr/bin", "CARGO_REGISTRY_TOKEN": "real", "GEM_HOST_API_KEY": "real",
            "PYPI_TOKEN": "real", "MATURIN_PYPI_TOKEN": "real", "NPM_TOKEN": "real",
            "NODE_AUTH_TOKEN": "real", "CARGO_REGISTRIES_CORP_TOKEN": "real",
            "RELEASE_TASKS_NPM_REGISTRY": "https://registry.npmjs.org/",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "real", "GITHUB_TOKEN": "real",
            "PIP_INDEX_URL": "https://mirror.example/simple"}
    env = registries.environment(base, standins, config.builtin(), tmp_path)
    assert "real" not in env.values()
    assert env["PATH"] == "/usr/bin"
    assert env["PIP_INDEX_URL"] == "https://mirror.example/simple"  # builds read from it
    for key in ("RELEASE_TASKS_RUBYGEMS_HOST", "RELEASE_TASKS_PYPI_INDEX_URL",
                "RELEASE_TASKS_PYPI_UPLOAD_URL", "RELEASE_TASKS_NPM_REGISTRY",
                "CARGO_REGISTRIES_REHEARSAL_INDEX"):
        assert "127.0.0.1:" in env[key], key
    assert env["RELEASE_TASKS_CARGO_REGISTRY"] == env["CARGO_REGISTRY_DEFAULT"] == "rehearsal"
    assert env["CARGO_HOME"] == str(tmp_path / "cargo-home")
    assert 'replace-with = "rehearsal"' in (tmp_path / "cargo-home" / "config.toml").read_text()
    assert env["GEM_HOST_API_KEY"] == standins.gems.api_key
    assert env["MATURIN_PYPI_TOKEN"] == standins.pypi.password and "PYPI_TOKEN" not in env
