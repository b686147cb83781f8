"""Which repository a stage works on, wherever it is started, and the input it refuses.

The repository is the top level of the git work tree containing ``--repo`` (default: the
invocation directory, also under ``nox -f``), and its ``release.toml`` is the config; the
built-in Tasker layout applies only to a tree that has it. A config that is wrong, or a
version file that is not UTF-8, stops every stage with a clear error and changes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from release_tasks import cli, sandbox
from release_tasks.config import load as config_mod
from release_tasks.errors import ConfigError
from release_tasks.git import repository
from release_tasks.git.repo import Repo
from release_tasks.standins.pypi_server import PypiServer
from tests.integration.publish_helpers import NO_CREDENTIALS, require_words, sandbox_at
from tests.registries import sample_projects
from tests.registries.tools import require_tool
from tests.support import CliResult, RunCli, client_rb_config

pytestmark = pytest.mark.integration

NOXFILE = Path(__file__).resolve().parents[2] / "noxfile.py"
CONFIG, CONFIG_ERROR = "release.toml", 3
BINDINGS = ["ruby", "python", "typescript", "client-rb"]


def with_release_toml(tmp_path: Path) -> Repo:
    """The example monorepo plus a release.toml that adds tasker-client-rb (clients/ruby):
    a plan that lists client-rb was made from this release.toml."""
    repo = sandbox.create(tmp_path / "mono")
    sandbox.change(repo, "Describe the monorepo", {
        CONFIG: client_rb_config(),
        "clients/ruby/lib/tasker_client/version.rb":
            "module TaskerClient\n  VERSION = '0.1.0'\n  RUST_CORE_VERSION = '0.1.0'\nend\n",
    })
    return repo


def head(repo: Repo) -> str:
    return repo.out("rev-parse", "HEAD")


def planned(result: CliResult) -> dict[str, Any]:
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def state(repo: Repo) -> tuple[str, str, str]:
    """HEAD, the tags and ``git status``: what "nothing changed" compares."""
    return (head(repo), repo.out("tag", "--list"),
            repo.out("status", "--porcelain", "--untracked-files=all"))


# --- where the repository is ------------------------------------------------------------

@pytest.mark.parametrize("stage", ["versions", "detect"])
def test_a_stage_run_from_a_subdirectory_uses_the_top_level(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    repo = with_release_toml(tmp_path)
    below = repo.root / "workers" / "ruby" / "lib"
    monkeypatch.chdir(below)
    data = planned(run_cli(stage, "--format", "json"))
    if stage == "versions":
        assert [b["name"] for b in data["bindings"]] == BINDINGS
        assert data["source_commit"] == head(repo)
    else:
        assert data["CLIENT_RB_CHANGED"] is True
        assert data["head_commit"] == head(repo)
    assert f"{below} is below the top level of its git repository: using {repo.root}" in (
        run_cli(stage, "--format", "json").err)


@pytest.mark.parametrize("given", ["absolute", "relative"])
def test_repo_below_the_root_means_the_root(run_cli: RunCli, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    repo = with_release_toml(tmp_path)
    monkeypatch.chdir(tmp_path)
    path = str(repo.root / "workers" / "python") if given == "absolute" else "mono/workers/python"
    data = planned(run_cli("versions", "--repo", path, "--format", "json"))
    assert [b["name"] for b in data["bindings"]] == BINDINGS
    assert data["source_commit"] == head(repo)


def test_relative_path_options_resolve_against_the_invocation_directory(tmp_path: Path) -> None:
    parse = cli.build_parser().parse_args
    for argv, option, expected in (
            (["publish_python", "0.1.0.0", "--artifacts", "dist"], "artifacts", tmp_path / "dist"),
            (["demo", "--keep", "../kept"], "keep", tmp_path.parent / "kept"),
            (["versions", "--repo", "a/./b"], "repo", tmp_path / "a" / "b"),
            (["versions"], "repo", tmp_path),
            (["history", "--repo", "/abs"], "repo", Path("/abs"))):
        args = parse(argv)
        cli.resolve_paths(args, tmp_path)
        assert getattr(args, option) == expected, argv


def test_not_a_git_repository_is_a_git_error(run_cli: RunCli, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "plain").mkdir()
    result = run_cli("release", "--repo", str(tmp_path / "plain"), "--dry-run")
    assert (result.code, result.out) == (5, "")
    assert f"{tmp_path / 'plain'} is not inside a git repository" in result.err


# --- under nox -f -----------------------------------------------------------------------

def nox(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m nox -f /abs/noxfile.py ARGS`` run from ``cwd``."""
    require_tool("git")
    return subprocess.run([sys.executable, "-m", "nox", "-f", str(NOXFILE), *args], cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=600, check=False)


def test_nox_from_a_subdirectory_plans_the_invoking_repository(tmp_path: Path) -> None:
    repo = with_release_toml(tmp_path)
    # A real session: its own environment, the tool installed from the noxfile's directory
    # (reused when it exists), the stage run where nox was invoked.
    result = nox(repo.root / "workers", "-R", "-s", "versions", "--",
                 "--repo", ".", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source_commit"] == head(repo)
    assert [b["name"] for b in data["bindings"]] == BINDINGS
    assert f"{repo.root / 'workers'} is below the top level" in result.stderr


def test_nox_artifacts_dir_is_relative_to_the_invocation(tmp_path: Path,
                                                         pypi_server: PypiServer) -> None:
    require_tool("maturin")
    pypi_server.reset()
    root = sandbox_at(tmp_path, "0.1.0.0")
    invoked = root / "workers"
    (invoked / "prebuilt").mkdir()
    (invoked / "prebuilt" / "notes.txt").write_text("not a wheel\n")
    # --no-venv: this Python, which has the tool; the session's own install (maturin, zig)
    # is not what this test is about.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    result = nox(invoked, "--no-venv", "--no-install", "-s", "publish_python", "--",
                 "0.1.0.0", "--artifacts", "prebuilt", "--dry-run",
                 env={**NO_CREDENTIALS, "PATH": path,
                      "RELEASE_TASKS_PYPI_INDEX_URL": pypi_server.url})
    assert result.returncode == 1, result.stderr
    # The files of <invocation>/prebuilt were checked (next to the noxfile there is none).
    require_words(result.stderr, ["PyPI would refuse", "notes.txt: not a wheel (.whl) or an "
                                  "sdist (.tar.gz)", "nothing was uploaded"])
    assert "not a directory" not in result.stderr


# --- without a release.toml -------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["versions", "--format", "env"], ["detect", "--format", "env"],
    ["update", "--core", "0.2.0"], ["release", "--yes"], ["publish_crates", "--dry-run"],
])
def test_no_release_toml_and_not_the_tasker_layout(run_cli: RunCli, tmp_path: Path,
                                                   argv: list[str]) -> None:
    root = sample_projects.cargo_workspace(tmp_path / "other", {"core-a": [], "core-b": ["core-a"]})
    (root / "VERSION").write_text("0.1.0\n")
    repo = sandbox.create(tmp_path / "repo", example=root)
    before = state(repo)
    result = run_cli(*argv, "--repo", str(repo.root))
    assert (result.code, result.out) == (CONFIG_ERROR, "")
    require_words(result.err, [
        "release.toml: 1 problem(s)", f"not found at the top level of {repo.root}",
        "does not have the built-in Tasker layout (no tasker-pgmq/", "workers/typescript/)",
        "write a release.toml there", 'README.md, "Using it in a real monorepo"'])
    assert "Traceback" not in result.err
    assert state(repo) == before


# --- a release.toml with mistakes -------------------------------------------------------

def test_release_toml_is_read(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True)
    (tmp_path / "x").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "x" / "package.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "a" / "Cargo.toml").write_text("", encoding="utf-8")
    subprocess.run(["git", "-C", str(tmp_path), "add", "x", "a"], check=True)
    (tmp_path / "release.toml").write_text(
        '[core]\n[core.groups.all]\ncrates = ["a"]\npaths = ["a"]\n'
        '[bindings.x]\ndirectory = "x"\nregistry = "npm"\npackage = "x"\n'
        'version-files = [{ path = "x/package.json", format = "package-json", value = "binding" }]\n'
        '[surprise]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'surprise'"):
        config_mod.load(tmp_path)
    (tmp_path / "release.toml").write_text("[core\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read as TOML"):
        config_mod.load(tmp_path)


def test_every_config_mistake_is_reported_at_once(run_cli: RunCli, tmp_path: Path) -> None:
    repo = with_release_toml(tmp_path)
    text = (repo.root / CONFIG).read_text()
    for old, new in (('"tasker-shared", "tasker-worker", "Cargo.toml"',
                      '"tasker-shraed", "tasker-worker", "Cargo.toml"'),
                     ('directory = "clients/ruby"', 'directory = "client/ruby"'),
                     ('name = "tasker-core"', "name = 1"),
                     ('package = "tasker-client-rb"', 'package = "tasker-worker-rb"')):
        assert old in text, old
        text = text.replace(old, new)
    sandbox.change(repo, "Break the config", {CONFIG: text})
    before = state(repo)
    result = run_cli("versions", "--repo", str(repo.root), "--format", "env")
    assert (result.code, result.out) == (CONFIG_ERROR, "")
    require_words(result.err, [
        f"{repo.root / CONFIG}: 4 problem(s)",
        "project.name: expected a string, found 1",
        "bindings ruby and client-rb all publish 'tasker-worker-rb' to rubygems",
        "core.groups.ffi.paths: 'tasker-shraed' matches no file tracked by git",
        "bindings.client-rb.directory: 'client/ruby' is not a directory holding files tracked",
    ])
    assert state(repo) == before


# --- text that is not UTF-8 -------------------------------------------------------------

def corrupt(repo: Repo, path: str, old: bytes, new: bytes) -> None:
    """Replace ``old`` with ``new`` (bytes that are not UTF-8) in ``path``, and commit."""
    file = repo.root / path
    data = file.read_bytes()
    assert old in data, (path, old)
    file.write_bytes(data.replace(old, new, 1))
    repo.out("commit", "--quiet", "--all", "-m", f"Corrupt {path}")


NOT_UTF8 = [
    ("VERSION", b"0.1.0", b"0.1.0\xff"),
    ("workers/ruby/lib/tasker_core/version.rb", b"module", b"# caf\xe9\nmodule"),
    ("workers/typescript/package.json", b'"version"', b'"description": "caf\xe9",\n  "version"'),
]


@pytest.mark.parametrize(("path", "old", "new"), NOT_UTF8, ids=[p for p, _, _ in NOT_UTF8])
@pytest.mark.parametrize(("argv", "code"), [
    (["versions", "--format", "json"], 7), (["versions", "--check"], 6),
    (["update", "--core", "0.1.1", "--ruby", "0.1.1.0", "--python", "0.1.1.0",
      "--typescript", "0.1.1.0"], 7),
    # release plans first: a version file it cannot read stops the plan.
    (["release", "--dry-run"], 7), (["release", "--yes"], 7),
], ids=["versions", "check", "update", "release-dry-run", "release"])
def test_a_version_file_that_is_not_utf8(run_cli: RunCli, example_repo: Repo, path: str,
                                         old: bytes, new: bytes, argv: list[str],
                                         code: int) -> None:
    corrupt(example_repo, path, old, new)
    before = state(example_repo)
    result = run_cli(*argv, "--repo", str(example_repo.root))
    assert (result.code, result.out) == (code, ""), result.err
    assert path in result.err and "utf-8" in result.err.lower(), result.err
    assert "Traceback" not in result.err
    assert state(example_repo) == before


def test_a_release_toml_that_is_not_utf8(run_cli: RunCli, tmp_path: Path) -> None:
    repo = with_release_toml(tmp_path)
    corrupt(repo, CONFIG, b'name = "tasker-core"', b'name = "tasker-c\xf6re"')
    before = state(repo)
    offset = (repo.root / CONFIG).read_bytes().index(b"\xf6")
    for argv in (["versions"], ["release", "--yes"], ["update", "--core", "0.1.1"]):
        result = run_cli(*argv, "--repo", str(repo.root))
        assert (result.code, result.out) == (CONFIG_ERROR, ""), result.err
        require_words(result.err, [f"{repo.root / CONFIG}: 1 problem(s)",
                                   f"is not UTF-8 text (byte 0xf6 at offset {offset}, line 2)",
                                   "save it as UTF-8"])
        assert "Traceback" not in result.err
    assert state(repo) == before


def test_a_changed_file_name_that_is_not_utf8_is_detected(example_repo: Repo,
                                                          run_cli: RunCli) -> None:
    example_repo.out("tag", "v0.1.0")
    name = os.fsdecode(b"workers/ruby/notes-caf\xe9.txt")
    (example_repo.root / name).write_text("old\n")
    example_repo.out("add", "--all")
    example_repo.out("commit", "--quiet", "-m", "An old file name")

    result = run_cli("detect", "--repo", str(example_repo.root), "--format", "env")

    assert result.code == 0, result.err
    assert "RUBY_CHANGED=true" in result.out.splitlines()


def test_a_file_name_that_is_not_utf8_does_not_stop_the_tree_check(example_repo: Repo) -> None:
    # git stores names as bytes; a tree from another era may hold a Latin-1 one.
    name = os.fsdecode(b"docs/notes-caf\xe9.txt")
    (example_repo.root / "docs").mkdir()
    (example_repo.root / name).write_text("old\n")
    example_repo.out("add", "--all")
    example_repo.out("commit", "--quiet", "-m", "An old file name")
    tree = repository.tracked(example_repo.root)
    assert name in tree.files and tree.matches("docs/*.txt")
    assert config_mod.load(example_repo.root).source == "built-in Tasker layout"
