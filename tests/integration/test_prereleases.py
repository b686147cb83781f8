"""Prereleases end to end on the example monorepo: ``--pre`` planned, written in each
registry's spelling, checked, reproduced at the release tag, then the final.

Also a repository whose ``VERSION`` already holds a prerelease (as ``init`` writes it from
crates at ``0.38.0-beta.4``): every planning stage reads it.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta

import pytest

from release_tasks import release, sandbox
from release_tasks.git.repo import Repo
from release_tasks.project import open_project
from tests.support import RunCli, stage_env

pytestmark = pytest.mark.integration

FFI = "tasker-shared/src/lib.rs"
PYTHON = "workers/python/python/tasker_worker/__init__.py"


def _release(repo: Repo, *, pre: str | None = None, bump: str | None = None) -> str:
    done = len(repo.out("tag", "--list", "release-*").split())
    summary, message = release.run_release(
        open_project(repo.root), {}, dry_run=False, from_ref=None, yes=True, push=False,
        confirm=None, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=7 * done),
        pre=pre, bump=bump)
    assert summary is not None, message
    sandbox.mark_published(repo, summary.release_tag)
    return summary.release_tag


def _files(repo: Repo) -> dict[str, str]:
    """The version each registry's file holds, and the core's."""
    root = repo.root
    rb = (root / "workers/ruby/lib/tasker_core/version.rb").read_text(encoding="utf-8")
    py = tomllib.loads((root / "workers/python/pyproject.toml").read_text(encoding="utf-8"))
    ts = json.loads((root / "workers/typescript/package.json").read_text(encoding="utf-8"))
    shared = tomllib.loads((root / "tasker-shared/Cargo.toml").read_text(encoding="utf-8"))
    return {"VERSION": (root / "VERSION").read_text(encoding="utf-8").strip(),
            "version.rb": rb.split("VERSION = '", 1)[1].split("'", 1)[0],
            "RUST_CORE_VERSION": rb.split("RUST_CORE_VERSION = '", 1)[1].split("'", 1)[0],
            "pyproject.toml": py["project"]["version"], "package.json": ts["version"],
            "tasker-shared": shared["package"].get("version", "(workspace)")}


def _check_clean(run_cli: RunCli, repo: Repo) -> None:
    result = run_cli("versions", "--repo", str(repo.root), "--check")
    assert result.code == 0, result.err


def test_a_beta_then_the_next_beta_then_the_final(run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    _release(repo)
    sandbox.touch(repo, "ffi change", FFI)

    planned = stage_env(run_cli, "versions", repo.root, "--pre", "beta")
    assert planned["NEXT_CORE_VERSION"] == "0.1.1-beta.0"
    assert planned["NEXT_PYTHON_VERSION"] == "0.1.1-beta.0.0"
    assert planned["NEXT_PYTHON_PYPI_VERSION"] == "0.1.1b0"
    assert planned["NEXT_RUBY_RUBYGEMS_VERSION"] == "0.1.1.beta.0"
    assert planned["NEXT_TYPESCRIPT_NPM_VERSION"] == "0.1.1000-beta.0"
    tag = _release(repo, pre="beta")
    assert _files(repo) == {"VERSION": "0.1.1-beta.0", "version.rb": "0.1.1.beta.0",
                            "RUST_CORE_VERSION": "0.1.1-beta.0", "pyproject.toml": "0.1.1b0",
                            "package.json": "0.1.1000-beta.0", "tasker-shared": "0.1.1-beta.0"}
    _check_clean(run_cli, repo)
    tags = set(repo.out("tag", "--list").split())
    assert {"core-v0.1.1-beta.0", "python-v0.1.1-beta.0.0", "ruby-v0.1.1-beta.0.0",
            "typescript-v0.1.1-beta.0.0"} <= tags
    # At the release commit, CI plans the same without being told --pre.
    repo.out("checkout", "--quiet", tag)
    assert stage_env(run_cli, "versions", repo.root) == planned
    repo.out("checkout", "--quiet", "main")

    # A Python fix on the beta carries it; then the next beta; then the final.
    sandbox.touch(repo, "python fix", PYTHON)
    fix = stage_env(run_cli, "versions", repo.root)
    assert (fix["NEXT_CORE_VERSION"], fix["NEXT_PYTHON_VERSION"],
            fix["NEXT_PYTHON_PYPI_VERSION"]) == ("0.1.1-beta.0", "0.1.1-beta.0.1", "0.1.1b0.post1")
    _release(repo)
    assert _files(repo)["pyproject.toml"] == "0.1.1b0.post1"
    sandbox.touch(repo, "ffi change", FFI)
    _release(repo, pre="beta")
    assert _files(repo)["VERSION"] == "0.1.1-beta.1"
    assert _files(repo)["pyproject.toml"] == "0.1.1b1"
    sandbox.touch(repo, "ffi change", FFI)
    final = stage_env(run_cli, "versions", repo.root)
    assert (final["NEXT_CORE_VERSION"], final["NEXT_PYTHON_VERSION"],
            final["NEXT_TYPESCRIPT_NPM_VERSION"]) == ("0.1.1", "0.1.1.0", "0.1.1000")
    _release(repo)
    assert _files(repo) == {"VERSION": "0.1.1", "version.rb": "0.1.1.0",
                            "RUST_CORE_VERSION": "0.1.1", "pyproject.toml": "0.1.1.0",
                            "package.json": "0.1.1000", "tasker-shared": "0.1.1"}
    _check_clean(run_cli, repo)


def test_a_prerelease_version_file_is_read_by_every_planning_stage(
        run_cli: RunCli, example_repo: Repo) -> None:
    """``VERSION`` at ``0.1.0-beta.4`` (what init writes from crates at that version)."""
    repo = example_repo
    update = run_cli("update", "--repo", str(repo.root), "--core", "0.1.0-beta.4",
                     "--ruby", "0.1.0-beta.4.0", "--python", "0.1.0-beta.4.0",
                     "--typescript", "0.1.0-beta.4.0")
    assert update.code == 0, update.err
    repo.out("commit", "--quiet", "--all", "-m", "beta 4")
    assert _files(repo)["pyproject.toml"] == "0.1.0b4"
    _check_clean(run_cli, repo)
    first = stage_env(run_cli, "versions", repo.root)
    assert (first["NEXT_CORE_VERSION"], first["NEXT_RUBY_VERSION"]) == (
        "0.1.0-beta.4", "0.1.0-beta.4.0")
    _release(repo)
    sandbox.touch(repo, "ffi change", FFI)
    assert stage_env(run_cli, "versions", repo.root, "--pre", "rc")["NEXT_CORE_VERSION"] == (
        "0.1.0-rc.0")
    assert stage_env(run_cli, "versions", repo.root)["NEXT_CORE_VERSION"] == "0.1.0"
    refused = run_cli("versions", "--repo", str(repo.root), "--pre", "alpha", "--format", "env")
    assert refused.code != 0 and "already past alpha" in refused.err
