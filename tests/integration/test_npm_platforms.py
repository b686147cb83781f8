"""napi-rs per-platform packages on the example monorepo: a release writes their version and
the main package's optionalDependencies on them; one left behind is drift that the suggested
``update`` clears."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import tomlkit

from release_tasks import release, sandbox
from release_tasks.config import load as config
from release_tasks.git.repo import Repo
from release_tasks.project import open_project
from tests.support import RunCli

pytestmark = pytest.mark.integration

TS = "workers/typescript"
PLATFORMS = ("linux-x64-gnu", "darwin-arm64")


def _with_platforms(repo: Repo) -> None:
    doc: dict[str, Any] = copy.deepcopy(dict(config.DEFAULT_CONFIG))
    files = doc["bindings"]["typescript"]["version-files"]
    files += [{"path": f"{TS}/npm/{p}/package.json", "format": "package-json", "value": "binding"}
              for p in PLATFORMS]
    files.append({"path": f"{TS}/package.json", "format": "package-json-platforms",
                  "value": "binding"})
    (repo.root / "release.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")
    main = repo.root / TS / "package.json"
    data = json.loads(main.read_text(encoding="utf-8"))
    name = data["name"]
    text = main.read_text(encoding="utf-8").rstrip().removesuffix("}").rstrip()
    optional = ", ".join(f'"{name}-{p}": "0.1.0"' for p in PLATFORMS)
    main.write_text(f'{text},\n  "optionalDependencies": {{{optional}}}\n}}\n', encoding="utf-8")
    for platform in PLATFORMS:
        path = repo.root / TS / "npm" / platform / "package.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"name": f"{name}-{platform}", "version": "0.1.0"}, indent=2)
                        + "\n", encoding="utf-8")
    repo.out("add", "--all")
    repo.out("commit", "--quiet", "-m", "napi-rs platform packages")


def _versions(repo: Repo) -> list[str]:
    main = json.loads((repo.root / TS / "package.json").read_text(encoding="utf-8"))
    found = [main["version"], *main["optionalDependencies"].values()]
    return found + [json.loads((repo.root / TS / "npm" / p / "package.json").read_text(
        encoding="utf-8"))["version"] for p in PLATFORMS]


def test_a_release_writes_the_platform_packages(run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    _with_platforms(repo)
    summary, message = release.run_release(open_project(repo.root), {}, dry_run=False,
                                           from_ref=None, yes=True, push=False, confirm=None,
                                           now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    assert summary is not None, message
    sandbox.mark_published(repo, summary.release_tag)
    sandbox.touch(repo, "ffi", "tasker-shared/src/lib.rs")
    summary, message = release.run_release(open_project(repo.root), {}, dry_run=False,
                                           from_ref=None, yes=True, push=False, confirm=None,
                                           now=datetime(2026, 11, 9, 9, 0, tzinfo=UTC))
    assert summary is not None, message
    assert _versions(repo) == ["0.1.1000"] * 5
    check = run_cli("versions", "--repo", str(repo.root), "--check")
    assert check.code == 0, check.err


def test_a_platform_package_left_behind_is_drift_the_suggestion_clears(
        run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    _with_platforms(repo)
    stale = repo.root / TS / "npm" / PLATFORMS[0] / "package.json"
    stale.write_text(stale.read_text(encoding="utf-8").replace('"0.1.0"', '"0.0.9"'),
                     encoding="utf-8")
    drift = run_cli("versions", "--repo", str(repo.root), "--check")
    assert drift.code == 6, drift.err
    assert f"{TS}/npm/{PLATFORMS[0]}/package.json: version: found 0.0.9" in drift.err
    suggested = re.search(r"`nox -s update -- ([^`]*)`", drift.err)
    assert suggested is not None, drift.err
    fixed = run_cli("update", "--repo", str(repo.root), *suggested[1].split())
    assert fixed.code == 0, fixed.err
    assert run_cli("versions", "--repo", str(repo.root), "--check").code == 0
    assert _versions(repo) == ["0.1.0"] * 5
