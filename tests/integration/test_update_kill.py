"""``update`` under ``kill -9``: wherever the process dies, the next stage leaves the tree
entirely old or entirely new, with no leftover file and no journal.

Each run starts a real ``python -m release_tasks update`` on a sandbox of the example
monorepo, kills its process group with SIGKILL after a random delay, then runs
``versions --check``, which (like every stage) first rolls an interrupted update back. The
journal's test hook (``RELEASE_TASKS_TEST_RENAME_DELAY``) makes each rename wait, so that
kills land between renames too. The delays are drawn from three bands measured on a first
run that is not killed: before the journal is written, during the renames, after them.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import NoReturn

import pytest

from release_tasks.cli.stages._args import load_config
from release_tasks.edit import journal
from release_tasks.git.repo import Repo
from tests.registries.tools import require_tool
from tests.support import RunCli

RUNS = 30
RENAME_DELAY = 0.04  # seconds before each rename: 15 files, a window of 0.6 s
BUMP = ("--core", "0.1.8", "--ruby", "0.1.8.2", "--python", "0.1.8.1", "--typescript", "0.1.8.3")
ROLLED_BACK = "Rolled back an update that was interrupted"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the work tree but ``.git``: a leftover file shows up here too."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != ".git"}


def start_update(root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, journal.DELAY_HOOK: str(RENAME_DELAY)}
    return subprocess.Popen([sys.executable, "-m", "release_tasks", "update", "--repo",
                             str(root), *BUMP], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def calibrate(root: Path) -> tuple[float, float, float]:
    """One run that is not killed: when its manifest appears, when it goes, when it ends."""
    manifest = journal.journal_dir(root / ".git") / journal.MANIFEST
    start = time.monotonic()
    process = start_update(root)
    armed = done = None
    while process.poll() is None:
        now = time.monotonic() - start
        if manifest.exists():
            armed = armed or now
        elif armed is not None and done is None:
            done = now
        time.sleep(0.001)
    ended = time.monotonic() - start
    assert process.returncode == 0
    assert armed is not None, "the run never showed a journal"
    return armed, done or ended, ended


def landed(tree: dict[str, bytes], root: Path, old: dict[str, bytes],
           new: dict[str, bytes]) -> str:
    """Where the kill landed, read from the ``tree`` it left behind (before any rollback)."""
    changed = [p for p in new if new[p] != old[p]]
    renamed = sum(tree[p] == new[p] for p in changed)
    armed = (journal.journal_dir(root / ".git") / journal.MANIFEST).exists()
    if renamed == 0:
        return "before the renames (journal written)" if armed else "before the journal"
    if renamed < len(changed):
        return "during the renames"
    return "after the renames (journal left)" if armed else "after the run"


def test_update_killed_at_random_points_is_all_or_none(
        example_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    require_tool("cargo")
    root = example_repo.root
    old = snapshot(root)
    armed, done, ended = calibrate(root)
    new = snapshot(root)
    changed = {p for p in new if new[p] != old[p]}
    assert len(changed) >= 10, changed
    git(root, "checkout", "--quiet", "--", ".")
    bands = [(0.0, armed + RENAME_DELAY / 2), (armed + RENAME_DELAY, done - RENAME_DELAY / 2),
             (done - RENAME_DELAY / 2, ended + 0.05)]
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    kills: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    problems: list[str] = []
    started = time.monotonic()

    for run in range(RUNS):
        low, high = bands[run % len(bands)]
        delay = rng.uniform(low, high)
        process = start_update(root)
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        left = snapshot(root)
        where = landed(left, root, old, new)
        kills[where] += 1
        had_journal = journal.journal_dir(root / ".git").exists()
        label = f"run {run} (killed at {delay:.3f} s, {where})"
        if left.keys() != old.keys():  # staged files wait in the git directory, never here
            problems.append(f"{label}: the killed run left {sorted(left.keys() - old.keys())}")

        check = subprocess.run([sys.executable, "-m", "release_tasks", "versions", "--check",
                                "--repo", str(root)], capture_output=True, text=True)
        final = snapshot(root)
        status = git(root, "status", "--porcelain", "--untracked-files=all").splitlines()
        state = sorted(p.name for p in (root / ".git" / journal.STATE).iterdir())
        if check.returncode != 0:
            problems.append(f"{label}: versions --check exited {check.returncode}: {check.stderr}")
        if had_journal != (ROLLED_BACK in check.stderr or "Removed the journal" in check.stderr):
            problems.append(f"{label}: the rollback line does not match the journal: "
                            f"{check.stderr}")
        if final == old:
            ends["rolled back" if ROLLED_BACK in check.stderr else "old"] += 1
            expected_status: set[str] = set()
        elif final == new:
            ends["new"] += 1
            expected_status = {f" M {p}" for p in changed}
        else:
            ends["mixed"] += 1
            renamed = sorted(p for p in changed if final.get(p) == new[p])
            problems.append(f"{label}: mixed, new: {renamed}")
            expected_status = set(status)
        leftovers = set(status) - expected_status
        if leftovers or state != [journal.LOCK]:
            ends["leftovers"] += 1
            problems.append(f"{label}: left {sorted(leftovers)} in the tree, {state} in .git")
        git(root, "checkout", "--quiet", "--", ".")

    elapsed = time.monotonic() - started
    with capsys.disabled():
        sys.stderr.write(
            f"\nkill test: {RUNS} runs in {elapsed:.1f} s (seed {seed}; update takes "
            f"{ended:.2f} s, renames from {armed:.2f} s to {done:.2f} s)\n"
            + "".join(f"  killed {where}: {n}\n" for where, n in sorted(kills.items()))
            + f"  ended old: {ends['old']}, rolled back to old: {ends['rolled back']}, "
              f"new: {ends['new']}, mixed: {ends['mixed']}, leftovers: {ends['leftovers']}\n")
    assert not problems, "\n".join(problems)
    # The test means something only if the kills did land before, during and after.
    assert kills["during the renames"] >= 1, kills
    assert kills["before the journal"] + kills["before the renames (journal written)"] >= 1, kills
    assert kills["after the renames (journal left)"] + kills["after the run"] >= 1, kills


# --- every stage rolls back first -------------------------------------------------------------

@pytest.fixture
def interrupted(example_repo: Repo, run_cli: RunCli) -> tuple[Path, dict[str, bytes]]:
    """The example with an update that died after 5 of its renames; and the old tree."""
    require_tool("cargo")
    root = example_repo.root
    old = snapshot(root)
    assert run_cli("update", "--repo", str(root), *BUMP).code == 0
    new = snapshot(root)
    git(root, "checkout", "--quiet", "--", ".")
    files = [(p, data) for p, data in new.items() if data != old[p]]
    with journal.locked(root / ".git"):
        update = journal.Update(root, journal.journal_dir(root / ".git"), files)
        update.write_journal()
        update.stage()
        for entry, staged in list(zip(update.entries, update.staged, strict=True))[:5]:
            staged.replace(root / entry.path)
    assert sum(snapshot(root)[p] != old[p] for p in old) == 5
    return root, old


@pytest.mark.parametrize("args", [
    ("detect", "--format", "json"),
    ("versions", "--format", "json"),
    ("update", *BUMP, "--dry-run"),
    ("release", "--dry-run"),
    ("init", "--print"),
    ("history",),
    ("edge",),
    ("yank", "ruby", "not-a-version", "--dry-run"),
    ("publish_ruby", "not-a-version", "--dry-run"),
    ("publish_python", "not-a-version", "--dry-run"),
    ("publish_typescript", "not-a-version", "--dry-run"),
], ids=lambda args: args[0])
def test_every_stage_rolls_an_interrupted_update_back_before_anything_else(
        interrupted: tuple[Path, dict[str, bytes]], run_cli: RunCli,
        monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]) -> None:
    root, old = interrupted
    monkeypatch.setattr(socket.socket, "connect", no_network)  # a stage that went on
    monkeypatch.setattr(socket, "getaddrinfo", no_network)  # must not reach a registry
    result = run_cli(*args, "--repo", str(root))
    assert result.err.splitlines()[0].startswith(
        f"{ROLLED_BACK}: restored 5 of its 15 files"), result.err
    assert snapshot(root) == old
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert not journal.journal_dir(root / ".git").exists()


def test_the_publish_stages_opener_rolls_back_too(
        interrupted: tuple[Path, dict[str, bytes]], caplog: pytest.LogCaptureFixture) -> None:
    """``publish_crates`` reads its config through ``load_config`` (and never gets further
    here: it would ask a registry)."""
    root, old = interrupted
    with caplog.at_level(logging.INFO, logger="release_tasks"):
        load_config(argparse.Namespace(repo=root / "tasker-pgmq"))
    assert ROLLED_BACK in caplog.text
    assert snapshot(root) == old


def no_network(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError(f"a stage tried to use the network: {args!r}")
