"""The stage sessions share one environment, made by the first and reused by the others.

Real nox runs of this checkout's noxfile, from inside a sandbox monorepo (``nox -f``), each
with an ``--envdir`` of its own test: the first stage session installs the tool, every later
one (another stage, the same again, with or without ``-R``) installs nothing, and nox makes
no environment of its own for them. Timings are not asserted (``nox -s bench`` prints them).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from release_tasks.git.repo import Repo
from release_tasks.sessions import env as session_env

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _nox(envdir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV",)}
    result = subprocess.run([sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"),
                             "--envdir", str(envdir), *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_stage_sessions_share_one_environment(tmp_path: Path, example_repo: Repo) -> None:
    envdir = tmp_path / "nox"
    first = _nox(envdir, example_repo.root, "-s", "versions", "--", "--format", "env")
    assert "installing the release tool: -e " in first.stderr
    assert first.stdout.startswith("CURRENT_CORE_VERSION=0.1.0\n"), first.stdout
    assert all("=" in line for line in first.stdout.splitlines())  # data only on stdout

    for args in (("-s", "detect", "--", "--format", "env"),
                 ("-s", "versions", "--", "--format", "env"),
                 ("-R", "-s", "versions", "--", "--format", "env")):
        again = _nox(envdir, example_repo.root, *args)
        assert "installing the release tool" not in again.stderr, args
        assert "up to date" in again.stderr, args
    assert again.stdout == first.stdout

    # nox made no environment for these sessions: the shared one is the only one.
    made = sorted(p.name for p in envdir.iterdir())
    assert made == [".cache"], made
    shared = session_env.location_in(envdir)
    assert (shared / session_env.RECORD).is_file()


def test_install_only_makes_the_environment_and_runs_no_stage(tmp_path: Path,
                                                               example_repo: Repo) -> None:
    envdir = tmp_path / "nox"
    made = _nox(envdir, example_repo.root, "--install-only", "-s", "history")
    assert "installing the release tool" in made.stderr
    assert made.stdout == ""
    assert (session_env.location_in(envdir) / session_env.RECORD).is_file()
    used = _nox(envdir, example_repo.root, "-s", "history")
    assert "installing the release tool" not in used.stderr
