"""``edge`` on sandbox repositories, with and without ``origin``; and the printed dependency
lines fed to the real package managers (cargo, Bundler, pip with maturin) against a local
clone, so that a snippet that does not resolve fails here, not for a user."""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from release_tasks import cmd, edge, sandbox
from release_tasks.config import load as config_mod
from release_tasks.git.repo import Repo
from tests.support import IN_CI, RunCli

pytestmark = pytest.mark.integration

BUILT_IN = "https://github.com/tasker-systems/tasker-core"
CRATES = ["tasker-pgmq", "tasker-shared", "tasker-worker", "tasker-client",
          "tasker-orchestration", "tasker-cli"]


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if IN_CI:
            pytest.fail(f"{tool} is not installed (CI=true: a missing tool is an error)")
        pytest.skip(f"{tool} is not installed")
    return path


def guide_json(run_cli: RunCli, root: Path, *args: str) -> dict[str, Any]:
    result = run_cli("edge", "--repo", str(root), "--format", "json", *args)
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def code_of(data: dict[str, Any], component: str) -> str:
    (entry,) = [c for c in data["components"] if c["component"] == component]
    return str(entry["code"])


def notes_of(data: dict[str, Any], component: str) -> str:
    (entry,) = [c for c in data["components"] if c["component"] == component]
    return " ".join(entry["notes"])


def write_config(repo: Repo, repository: str | None) -> None:
    """Commit a release.toml: the built-in layout with ``repository`` set or left out."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    if repository is None:
        del data["project"]["repository"]
    else:
        data["project"]["repository"] = repository
    sandbox.change(repo, "release config", {config_mod.CONFIG_FILE: tomlkit.dumps(data)})


# --- URLs ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("remote", "expected"), [
    ("git@github.com:acme/tasker.git", "https://github.com/acme/tasker"),
    ("git@github.com:acme/tasker", "https://github.com/acme/tasker"),
    ("ssh://git@github.com/acme/tasker.git", "https://github.com/acme/tasker"),
    ("ssh://git@github.com:22/acme/tasker.git", "https://github.com/acme/tasker"),
    ("git://github.com/acme/tasker.git", "https://github.com/acme/tasker"),
    ("https://github.com/acme/tasker.git", "https://github.com/acme/tasker"),
    ("https://github.com/acme/tasker/", "https://github.com/acme/tasker"),
    ("https://x-access-token:ghs_0123456789@github.com/acme/tasker.git",
     "https://github.com/acme/tasker"),
    ("https://user:pw@gitlab.example.com:8443/group/tasker.git",
     "https://gitlab.example.com:8443/group/tasker.git"),
    ("git@gitlab.example.com:group/sub/tasker.git", "https://gitlab.example.com/group/sub/tasker.git"),
    ("file:///srv/git/tasker.git", "file:///srv/git/tasker.git"),
    ("/srv/git/tasker.git", "file:///srv/git/tasker.git"),
])
def test_web_url(remote: str, expected: str) -> None:
    assert edge.web_url(remote, Path("/work")) == expected


def test_web_url_of_a_relative_path_is_relative_to_the_repository() -> None:
    assert edge.web_url("../mirror/tasker.git", Path("/srv/work/tasker")) == (
        "file:///srv/work/mirror/tasker.git")


@pytest.mark.parametrize(("url", "slug"), [
    ("https://github.com/acme/tasker", "acme/tasker"),
    ("https://github.com/acme", None),
    ("https://gitlab.com/acme/tasker", None),
    ("file:///srv/git/tasker.git", None),
])
def test_github_slug(url: str, slug: str | None) -> None:
    assert edge.github_slug(url) == slug


# --- where the URL comes from ------------------------------------------------------------------

def test_without_origin_the_built_in_layout_names_the_repository(example_repo: Repo,
                                                                   run_cli: RunCli) -> None:
    data = guide_json(run_cli, example_repo.root)
    assert data["url"] == BUILT_IN
    assert data["url_source"] == "the built-in Tasker layout"
    assert (data["ref"], data["ref_kind"]) == ("main", "branch")
    assert [c["component"] for c in data["components"]] == ["core", "ruby", "python", "typescript"]
    assert code_of(data, "core").splitlines() == ["[dependencies]"] + [
        f'{crate} = {{ git = "{BUILT_IN}", branch = "main" }}' for crate in CRATES]
    assert code_of(data, "ruby") == ('gem "tasker-worker-rb", github: "tasker-systems/tasker-core", '
                                     'branch: "main", glob: "workers/ruby/*.gemspec"')
    assert code_of(data, "python").splitlines()[0] == (
        f'pip install "tasker-worker-py @ git+{BUILT_IN}@main#subdirectory=workers/python"')


def test_origin_wins_over_the_built_in_layout(example_repo: Repo, run_cli: RunCli) -> None:
    example_repo.out("remote", "add", "origin", "git@github.com:acme/tasker-fork.git")
    data = guide_json(run_cli, example_repo.root)
    assert data["url"] == "https://github.com/acme/tasker-fork"
    assert data["url_source"] == "the origin remote"
    assert 'github: "acme/tasker-fork"' in code_of(data, "ruby")
    assert 'tasker-cli = { git = "https://github.com/acme/tasker-fork", branch = "main" }' in (
        code_of(data, "core"))


def test_credentials_in_the_origin_url_are_never_printed(example_repo: Repo,
                                                         run_cli: RunCli) -> None:
    example_repo.out("remote", "add", "origin",
                     "https://x-access-token:ghs_secretvalue42@github.com/acme/fork.git")
    result = run_cli("edge", "--repo", str(example_repo.root))
    assert result.code == 0
    assert "ghs_secretvalue42" not in result.out + result.err
    assert "https://github.com/acme/fork" in result.out


def test_release_toml_repository_wins_over_origin(example_repo: Repo, run_cli: RunCli) -> None:
    example_repo.out("remote", "add", "origin", "git@github.com:acme/tasker-fork.git")
    write_config(example_repo, "https://github.com/tasker-systems/tasker-core.git")
    data = guide_json(run_cli, example_repo.root)
    assert data["url"] == BUILT_IN
    assert data["url_source"] == "project.repository in release.toml"


def test_release_toml_without_repository_uses_origin(example_repo: Repo,
                                                    run_cli: RunCli) -> None:
    write_config(example_repo, None)
    example_repo.out("remote", "add", "origin", "ssh://git@github.com/acme/tasker-fork.git")
    assert guide_json(run_cli, example_repo.root)["url"] == "https://github.com/acme/tasker-fork"


def test_no_repository_and_no_origin_is_a_config_error(example_repo: Repo,
                                                      run_cli: RunCli) -> None:
    write_config(example_repo, None)
    result = run_cli("edge", "--repo", str(example_repo.root))
    assert result.code == 3
    assert result.out == ""
    assert "project.repository is not set" in result.err
    assert "git remote add origin URL" in result.err


# --- refs and notes ------------------------------------------------------------------------------

def test_a_tag_a_commit_and_an_unknown_branch(example_repo: Repo, run_cli: RunCli) -> None:
    repo = example_repo
    sandbox.tag(repo, "release-20261102-0900", "a release\n")
    data = guide_json(run_cli, repo.root, "--ref", "release-20261102-0900")
    assert data["ref_kind"] == "tag"
    assert 'tag = "release-20261102-0900"' in code_of(data, "core")
    assert 'tag: "release-20261102-0900"' in code_of(data, "ruby")
    assert "@release-20261102-0900#subdirectory" in code_of(data, "python")

    sha = repo.out("rev-parse", "HEAD")
    data = guide_json(run_cli, repo.root, "--ref", sha)
    assert data["ref_kind"] == "rev"
    assert f'rev = "{sha}"' in code_of(data, "core")
    assert f'ref: "{sha}"' in code_of(data, "ruby")
    assert f"git -C tasker-core-edge checkout {sha}" in code_of(data, "typescript")
    assert "#<commit>::path:workers/typescript" in notes_of(data, "typescript")

    result = run_cli("edge", "--repo", str(repo.root), "--ref", "no-such-branch")
    assert result.code == 0
    assert "'no-such-branch' is not a branch, tag or commit here" in result.err
    assert 'branch = "no-such-branch"' in result.out


def test_npm_is_honest_about_subdirectories(example_repo: Repo, run_cli: RunCli) -> None:
    data = guide_json(run_cli, example_repo.root)
    code = code_of(data, "typescript").splitlines()
    assert code[:3] == [f"git clone --branch main {BUILT_IN} tasker-core-edge",
                        "cd tasker-core-edge", "cargo build --release -p tasker-worker-ts"]
    assert "bun install && bun run build" in code
    assert code[-1] == ("npm install /path/to/tasker-core-edge/workers/typescript/"
                        "tasker-systems-worker-0.1.0.tgz")
    notes = notes_of(data, "typescript")
    assert "npm cannot install @tasker-systems/worker from a branch" in notes
    assert "package.json must be at the repository root" in notes


def test_native_extension_notes_follow_the_gemspec(example_repo: Repo, run_cli: RunCli) -> None:
    repo = example_repo
    notes = notes_of(guide_json(run_cli, repo.root), "ruby")
    assert "declares no spec.extensions" in notes
    assert 'bundle info tasker-worker-rb --path' in notes
    assert "{,*,*/*}.gemspec" in notes

    gemspec = repo.root / "workers/ruby/tasker-worker-rb.gemspec"
    text = gemspec.read_text(encoding="utf-8").replace(
        "  spec.require_paths", "  spec.extensions = ['ext/tasker_core/extconf.rb']\n"
        "  spec.require_paths")
    sandbox.change(repo, "build the extension with rb_sys", {
        "workers/ruby/tasker-worker-rb.gemspec": text})
    notes = notes_of(guide_json(run_cli, repo.root), "ruby")
    assert "Bundler compiles the gem's native extension" in notes
    assert "Rust toolchain" in notes


def test_python_notes_name_maturin_and_rust(example_repo: Repo, run_cli: RunCli) -> None:
    notes = notes_of(guide_json(run_cli, example_repo.root), "python")
    assert "with maturin" in notes and "Rust toolchain" in notes


def test_text_output(example_repo: Repo, run_cli: RunCli) -> None:
    result = run_cli("edge", "--repo", str(example_repo.root))
    assert result.code == 0
    text = result.out
    assert text.startswith(f"Edge: depend on branch main of {BUILT_IN} instead of a release\n")
    for title in ("== Rust crates (Cargo.toml) ==",
                  "== ruby binding: tasker-worker-rb (Gemfile) ==",
                  "== python binding: tasker-worker-py (pip / uv) ==",
                  "== typescript binding: @tasker-systems/worker (npm) =="):
        assert title in text
    assert max(len(line) for line in text.splitlines() if line.startswith(("  - ", "    "))
               and "git" not in line) <= 100


# --- the snippets, resolved by the real tools --------------------------------------------------

@pytest.fixture
def published_clone(example_repo: Repo, tmp_path: Path) -> tuple[Repo, str]:
    """The sandbox with ``origin`` set to a bare clone of it; returns the repo and the URL."""
    bare = tmp_path / "origin.git"
    example_repo.out("clone", "--quiet", "--bare", str(example_repo.root), str(bare))
    example_repo.out("remote", "add", "origin", str(bare))
    return example_repo, bare.as_uri()


def test_cargo_resolves_the_git_dependencies(published_clone: tuple[Repo, str], tmp_path: Path,
                                             run_cli: RunCli) -> None:
    cargo = require("cargo")
    repo, url = published_clone
    data = guide_json(run_cli, repo.root)
    assert data["url"] == url
    consumer = tmp_path / "consumer"
    (consumer / "src").mkdir(parents=True)
    (consumer / "src" / "lib.rs").write_text("", encoding="utf-8")
    (consumer / "Cargo.toml").write_text(
        '[package]\nname = "consumer"\nversion = "0.0.0"\nedition = "2021"\n\n'
        + code_of(data, "core") + "\n", encoding="utf-8")
    cmd.run([cargo, "generate-lockfile"], cwd=consumer, capture=True)
    lock = tomlkit.parse((consumer / "Cargo.lock").read_text(encoding="utf-8"))
    head = repo.out("rev-parse", "HEAD")
    sources = {str(p["name"]): str(p.get("source", "")) for p in lock["package"]}
    for crate in CRATES:
        assert sources[crate] == f"git+{url}?branch=main#{head}"


def test_bundler_finds_the_gem_with_glob_and_not_without(published_clone: tuple[Repo, str],
                                                        tmp_path: Path, run_cli: RunCli) -> None:
    bundle = require("bundle")
    repo, url = published_clone
    line = code_of(guide_json(run_cli, repo.root), "ruby")
    assert line == (f'gem "tasker-worker-rb", git: "{url}", branch: "main", '
                    'glob: "workers/ruby/*.gemspec"')
    env = {**os.environ, "BUNDLE_USER_HOME": str(tmp_path / "bundle-home")}

    def lock(name: str, gem_line: str) -> cmd.Result:
        app = tmp_path / name
        app.mkdir()
        (app / "Gemfile").write_text(f'source "https://rubygems.org"\n{gem_line}\n',
                                     encoding="utf-8")
        return cmd.run([bundle, "lock"], cwd=app, env={**env, "BUNDLE_GEMFILE":
                                                       str(app / "Gemfile")},
                       capture=True, check=False)

    found = lock("with-glob", line)
    assert found.returncode == 0, found.stdout + found.stderr
    locked = (tmp_path / "with-glob" / "Gemfile.lock").read_text(encoding="utf-8")
    assert "tasker-worker-rb (0.1.0)" in locked
    assert f"revision: {repo.out('rev-parse', 'HEAD')}" in locked

    missing = lock("without-glob", line.replace(', glob: "workers/ruby/*.gemspec"', ""))
    assert missing.returncode != 0
    assert "Could not find gem 'tasker-worker-rb'" in missing.stdout + missing.stderr


def test_pip_builds_the_metadata_from_the_subdirectory(published_clone: tuple[Repo, str],
                                                       tmp_path: Path, run_cli: RunCli) -> None:
    """pip clones, finds workers/python and asks maturin for the metadata (no compile)."""
    require("cargo")
    probe = cmd.run([sys.executable, "-c", "import maturin"], capture=True, check=False)
    if probe.returncode != 0:
        if IN_CI:
            pytest.fail("maturin is not installed in the test environment")
        pytest.skip("maturin is not installed in the test environment")
    repo, url = published_clone
    first = code_of(guide_json(run_cli, repo.root), "python").splitlines()[0]
    requirement = first.removeprefix('pip install "').removesuffix('"')
    assert requirement == f"tasker-worker-py @ git+{url}@main#subdirectory=workers/python"
    report = tmp_path / "report.json"
    cmd.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
             "--no-build-isolation", "--quiet", "--disable-pip-version-check",
             "--report", str(report), requirement], cwd=tmp_path, capture=True)
    (item,) = json.loads(report.read_text(encoding="utf-8"))["install"]
    assert item["metadata"]["name"] == "tasker-worker-py"
    assert item["metadata"]["version"] == "0.1.0"
    assert item["download_info"]["url"] == url
    assert item["download_info"]["subdirectory"] == "workers/python"
