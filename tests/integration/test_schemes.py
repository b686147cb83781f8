"""Versioning schemes on the example monorepo: a lockstep Python binding and an independent
npm one, released, written and checked; the drift suggestion is one ``update`` accepts and
that clears the drift."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import tomlkit

from release_tasks import release, sandbox
from release_tasks.config import load as config
from release_tasks.git.repo import Repo
from release_tasks.project import open_project
from tests.support import RunCli, stage_env

pytestmark = pytest.mark.integration

PYTHON = "workers/python/python/tasker_worker/__init__.py"
TS = "workers/typescript/src/index.ts"


def _schemed(repo: Repo) -> None:
    doc: dict[str, Any] = copy.deepcopy(dict(config.DEFAULT_CONFIG))
    doc["bindings"]["python"]["versioning"] = "lockstep"
    doc["bindings"]["typescript"]["versioning"] = "independent"
    (repo.root / "release.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    package = repo.root / "workers/typescript/package.json"
    package.write_text(package.read_text(encoding="utf-8").replace('"version": "0.1.0"',
                                                                   '"version": "0.49.7"'))
    repo.out("add", "--all")
    repo.out("commit", "--quiet", "-m", "schemes")


def _release(repo: Repo, *, pre: str | None = None, published: bool = True) -> None:
    done = len(repo.out("tag", "--list", "release-*").split())
    summary, message = release.run_release(
        open_project(repo.root), {}, dry_run=False, from_ref=None, yes=True, push=False,
        confirm=None, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=7 * done),
        pre=pre)
    assert summary is not None, message
    if published:
        sandbox.mark_published(repo, summary.release_tag)


def _versions(repo: Repo) -> tuple[str, str]:
    py = tomllib.loads((repo.root / "workers/python/pyproject.toml").read_text(encoding="utf-8"))
    ts = json.loads((repo.root / "workers/typescript/package.json").read_text(encoding="utf-8"))
    return py["project"]["version"], ts["version"]


def test_lockstep_and_independent_bindings_released_and_checked(run_cli: RunCli,
                                                                example_repo: Repo) -> None:
    repo = example_repo
    _schemed(repo)
    first = stage_env(run_cli, "versions", repo.root)
    assert (first["NEXT_PYTHON_VERSION"], first["NEXT_TYPESCRIPT_VERSION"]) == ("0.1.0", "0.49.7")
    assert "NEXT_TYPESCRIPT_NPM_VERSION" not in first  # its own version, spelled as it is
    _release(repo)
    assert {"python-v0.1.0", "typescript-v0.49.7"} <= set(repo.out("tag", "--list").split())

    sandbox.touch(repo, "a Python fix", PYTHON)
    planned = stage_env(run_cli, "versions", repo.root)
    assert (planned["NEXT_CORE_VERSION"], planned["NEXT_PYTHON_VERSION"],
            planned["NEXT_TYPESCRIPT_VERSION"]) == ("0.1.1", "0.1.1", "unchanged")
    _release(repo)
    assert _versions(repo) == ("0.1.1", "0.49.7")

    sandbox.touch(repo, "a TypeScript fix", TS)
    _release(repo)
    assert _versions(repo) == ("0.1.1", "0.49.8")
    assert (repo.root / "VERSION").read_text(encoding="utf-8").strip() == "0.1.1"
    check = run_cli("versions", "--repo", str(repo.root), "--check")
    assert check.code == 0, check.err


def test_the_drift_suggestion_is_accepted_and_clears_the_drift(run_cli: RunCli,
                                                               example_repo: Repo) -> None:
    repo = example_repo
    _schemed(repo)
    _release(repo)
    shared = repo.root / "tasker-shared/Cargo.toml"
    shared.write_text(shared.read_text(encoding="utf-8").replace(
        'version = "0.1.0"', 'version = "0.0.9"', 1), encoding="utf-8")
    pyproject = repo.root / "workers/python/pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
        'version = "0.1.0"', 'version = "0.0.5"', 1), encoding="utf-8")
    repo.out("commit", "--quiet", "--all", "-m", "drift")
    drift = run_cli("versions", "--repo", str(repo.root), "--check")
    assert drift.code != 0 and "tasker-shared/Cargo.toml" in drift.err, drift.err
    assert re.search(r"pyproject\.toml: version: found 0\.0\.5, expected 0\.1\.0.*\(python is "
                     "versioned in lockstep with the core\\)", drift.err), drift.err
    suggested = re.search(r"`nox -s update -- ([^`]*)`", drift.err)
    assert suggested is not None, drift.err
    args = suggested[1].split()
    assert "--typescript" in args and args[args.index("--typescript") + 1] == "0.49.7"
    assert args[args.index("--python") + 1] == "0.1.0"
    fixed = run_cli("update", "--repo", str(repo.root), *args)
    assert fixed.code == 0, fixed.err
    after = run_cli("versions", "--repo", str(repo.root), "--check")
    assert after.code == 0, after.err


def test_update_help_lists_each_bindings_option_by_name(run_cli: RunCli, example_repo: Repo,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    repo = example_repo
    _schemed(repo)
    with pytest.raises(SystemExit):
        run_cli("update", "--repo", str(repo.root), "--help")
    shown = capsys.readouterr().out
    assert re.search(r"per-binding options \(the bindings of \S*release\.toml\):", shown), shown
    assert "--ruby X.Y.Z.P" in shown and "tasker-worker-rb: its X.Y.Z.P, on the --core value" in shown
    assert "--python X.Y.Z" in shown and "versioned in lockstep with the core" in shown
    assert "--typescript X.Y.Z" in shown and "its own X.Y.Z" in shown


def test_a_caret_requirement_the_version_meets_is_not_drift(run_cli: RunCli,
                                                            example_repo: Repo) -> None:
    """opendal's `opendal-core = "0.58.1"` with the core at 0.58.2: left as written until the
    next version no longer meets it, then moved, operator kept."""
    repo = example_repo
    manifest = repo.root / "tasker-orchestration/Cargo.toml"
    (repo.root / "VERSION").write_text("0.1.2\n", encoding="utf-8")
    moved = run_cli("update", "--repo", str(repo.root), "--core", "0.1.2", "--ruby", "0.1.2.0",
                    "--python", "0.1.2.0", "--typescript", "0.1.2.0")
    assert moved.code == 0, moved.err
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'tasker-pgmq = { path = "../tasker-pgmq", version = "=0.1.2" }',
        'tasker-pgmq = { path = "../tasker-pgmq", version = "0.1.1" }'), encoding="utf-8")
    assert 'version = "0.1.1"' in manifest.read_text(encoding="utf-8")
    repo.out("add", "--all")
    repo.out("commit", "--quiet", "-m", "a caret pin behind the version")
    check = run_cli("versions", "--repo", str(repo.root), "--check")
    assert check.code == 0, check.err
    same = run_cli("update", "--repo", str(repo.root), "--core", "0.1.3")
    assert same.code == 0, same.err
    assert 'version = "0.1.1" }' in manifest.read_text(encoding="utf-8")
    repo.out("checkout", "--quiet", "--", ".")
    leaves = run_cli("update", "--repo", str(repo.root), "--core", "0.2.0")
    assert leaves.code == 0, leaves.err
    assert 'tasker-pgmq = { path = "../tasker-pgmq", version = "0.2.0" }' in manifest.read_text(
        encoding="utf-8")


def test_an_independent_binding_goes_out_as_a_prerelease_with_a_pre_core(
        run_cli: RunCli, example_repo: Repo) -> None:
    """``release --pre beta``: the core and the lockstep binding at 0.1.1-beta.0, the
    independent npm binding at its own 0.49.8-beta.0; CI's plan at the release tag (no
    option: the tag recorded it) gives the same."""
    repo = example_repo
    _schemed(repo)
    _release(repo)
    sandbox.touch(repo, "a TypeScript fix", TS)
    sandbox.touch(repo, "a Python fix", PYTHON)
    _release(repo, pre="beta", published=False)
    assert _versions(repo) == ("0.1.1b0", "0.49.8-beta.0")
    at_tag = stage_env(run_cli, "versions", repo.root)
    assert (at_tag["NEXT_CORE_VERSION"], at_tag["NEXT_PYTHON_VERSION"],
            at_tag["NEXT_TYPESCRIPT_VERSION"]) == ("0.1.1-beta.0", "0.1.1-beta.0",
                                                   "0.49.8-beta.0")
