"""``preflight`` runs the repository's own checks from release.toml, all of them."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import tomlkit

from release_tasks.config import load as config
from release_tasks.git.repo import Repo
from tests.registries.tools import require_tool
from tests.support import RunCli


def write_checks(root: Path, checks: list[list[str]]) -> None:
    data = copy.deepcopy(dict(config.DEFAULT_CONFIG))
    data["project"] = {**data["project"], "preflight": checks}
    (root / "release.toml").write_text(tomlkit.dumps(data), encoding="utf-8")


def test_every_check_runs_and_every_failure_is_listed(example_repo: Repo,
                                                      run_cli: RunCli) -> None:
    root = example_repo.root
    ok = [sys.executable, "-c", "print('fine')"]
    bad = [sys.executable, "-c", "raise SystemExit(3)"]
    write_checks(root, [bad, ok, bad])
    result = run_cli("preflight", "--repo", str(root))
    assert result.code == 1
    assert "2 of 3 pre-flight check(s) failed" in result.err
    assert "[preflight] fine" in result.err  # the passing check ran between the failures
    write_checks(root, [ok])
    assert run_cli("preflight", "--repo", str(root)).out == "All 1 pre-flight check(s) passed.\n"


def test_dry_run_lists_and_runs_nothing(example_repo: Repo, run_cli: RunCli) -> None:
    write_checks(example_repo.root, [["no-such-checker", "--all"]])
    result = run_cli("preflight", "--repo", str(example_repo.root), "--dry-run")
    assert result.code == 0
    assert result.out == "Pre-flight checks that would run:\n  no-such-checker --all\n"


def test_bad_preflight_config_is_reported(example_repo: Repo, run_cli: RunCli) -> None:
    write_checks(example_repo.root, [])
    text = (example_repo.root / "release.toml").read_text().replace(
        "preflight = []", 'preflight = "cargo test"')
    (example_repo.root / "release.toml").write_text(text)
    result = run_cli("preflight", "--repo", str(example_repo.root))
    assert result.code == 3
    assert "project.preflight: expected a list of commands" in result.err


def test_the_example_passes_the_default_checks(example_repo: Repo, run_cli: RunCli,
                                               tmp_path: Path) -> None:
    for tool in ("cargo", "cargo-clippy", "rustfmt"):
        require_tool(tool)
    result = run_cli("preflight", "--repo", str(example_repo.root),
                     env={"CARGO_TARGET_DIR": str(tmp_path / "target"), "CARGO_NET_OFFLINE": "true"})
    assert result.code == 0, result.err
    assert result.out == "All 3 pre-flight check(s) passed.\n"
