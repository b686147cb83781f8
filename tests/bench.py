"""Benchmark of ``versions`` on a large release: run as ``python -m tests.bench``.

Builds a sandbox of the example monorepo, tags it as a release, then writes a synthetic
history on top with ``git fast-import``: 5,000 commits touching 20,000 files across several
components (server core, Ruby, Python, docs and look-alike directories that belong to no
component), with some deletions and renames. It checks that ``versions`` still answers
correctly for that change set, then prints the median wall time of

* ``python -m release_tasks versions --repo R --format env`` (target: under 1 s), and
* ``nox -R -s versions -- --repo R --format env`` run from this project's root
  (skipped with a message when nox is not installed).

Timings are reported, never asserted: the exit code is non-zero only for a wrong answer.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from release_tasks import sandbox

ROOT = Path(__file__).resolve().parent.parent
BASE_TAG = "release-20260101-0000"
TARGET_SECONDS = 1.0

# Where the synthetic files go: a component each, or (None) no component at all. The FFI
# core stays untouched, so the answer depends on every component being seen correctly.
AREAS: tuple[str, ...] = (
    "tasker-orchestration/src/generated",
    "workers/ruby/lib/generated",
    "workers/python/python/generated",
    "docs/generated",
    "tasker-pgmq-extra/generated",
    "workers/rubyish/generated",
)

EXPECTED: dict[str, str] = {
    "CURRENT_CORE_VERSION": "0.1.0",
    "NEXT_CORE_VERSION": "0.1.1",
    "NEXT_RUBY_VERSION": "0.1.1.0",
    "NEXT_PYTHON_VERSION": "0.1.1.0",
    "NEXT_TYPESCRIPT_VERSION": "unchanged",
}


def _stream(base: str, when: int, commits: int, files: int) -> Iterator[bytes]:
    """A fast-import stream of ``commits`` commits adding ``files`` files in total.

    Every 50th commit also deletes one earlier file and renames another, so deletions
    and renames are in the change set too. Commit dates follow the base commit's.
    """
    per_commit = files // commits
    serial = 0
    for index in range(commits):
        lines = []
        for _ in range(per_commit):
            area = AREAS[serial % len(AREAS)]
            content = f"synthetic file {serial}\n".encode()
            lines.append(f"M 100644 inline {area}/d{serial // 100:03d}/f{serial:05d}.txt\n".encode()
                         + f"data {len(content)}\n".encode() + content)
            serial += 1
        if index % 50 == 49:
            victim = serial - per_commit * 10
            area = AREAS[victim % len(AREAS)]
            lines.append(f"D {area}/d{victim // 100:03d}/f{victim:05d}.txt\n".encode())
            moved = victim + 1
            old = f"{AREAS[moved % len(AREAS)]}/d{moved // 100:03d}/f{moved:05d}.txt"
            lines.append(f"R {old} {old}.moved\n".encode())
        message = f"synthetic change {index}\n".encode()
        stamp = f"{when + (index + 1) * 60} +0000"
        header = (f"commit refs/heads/main\n"
                  f"committer Bench <bench@example.invalid> {stamp}\n"
                  f"data {len(message)}\n").encode() + message
        if index == 0:
            # Files of the base commit too: a rename out of the root, a deletion.
            header += f"from {base}\n".encode()
            lines += [b"R README.md docs/README.md\n", b"D workers/python/README.md\n"]
        yield header + b"".join(lines) + b"\n"


def build(dest: Path, commits: int, files: int) -> Path:
    """The sandbox with its release tag and the synthetic history on top."""
    repo = sandbox.create(dest)
    sandbox.tag(repo, BASE_TAG)
    base = repo.out("rev-parse", "HEAD")
    when = int(repo.out("log", "-1", "--format=%ct", "HEAD"))
    proc = subprocess.Popen(["git", "-C", str(dest), "fast-import", "--quiet"],
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in _stream(base, when, commits, files):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(dest), "reset", "--quiet", "--hard", "main"], check=True)
    return dest


_ENV_LINE = re.compile(r"[A-Z][A-Z0-9_]*=[^\n]*")


def _env_lines(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def _time(argv: Sequence[str], runs: int, cwd: Path) -> tuple[float, list[float], str]:
    """Median and all wall times of ``argv`` (after one warm-up run), and its stdout."""
    times = []
    stdout = ""
    for attempt in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
        stdout = proc.stdout
        if attempt:
            times.append(elapsed)
    return statistics.median(times), times, stdout


def _check(label: str, stdout: str) -> bool:
    """The answer is right, and stdout holds nothing but ``KEY=VALUE`` lines."""
    found = _env_lines(stdout)
    wrong = {k: (found.get(k), v) for k, v in EXPECTED.items() if found.get(k) != v}
    if wrong:
        print(f"  WRONG ANSWER from {label}: " + ", ".join(
            f"{k}={got} (expected {want})" for k, (got, want) in wrong.items()))
    stray = [line for line in stdout.splitlines() if not _ENV_LINE.fullmatch(line)]
    if stray:
        print(f"  WRONG OUTPUT from {label}: stdout is not only KEY=VALUE lines: {stray[:3]}")
    return not wrong and not stray


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=5_000)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    parser.add_argument("--keep", type=Path, help="build the repository in this directory and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="release-tasks-bench-") as tmp:
        dest = (args.keep or Path(tmp)) / "tasker-core"
        start = time.perf_counter()
        build(dest, args.commits, args.files)
        count = subprocess.run(["git", "-C", str(dest), "rev-list", "--count", f"{BASE_TAG}..HEAD"],
                               capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "-C", str(dest), "diff", "--name-only", "--no-renames",
                                  BASE_TAG, "HEAD"], capture_output=True, text=True,
                                 check=True).stdout.count("\n")
        print(f"Repository {dest}: {count} commits and {changed} changed paths since {BASE_TAG} "
              f"(built in {time.perf_counter() - start:.1f} s)")

        ok = True
        argv_cli = [sys.executable, "-m", "release_tasks", "versions", "--repo", str(dest),
                    "--format", "env"]
        median, times, stdout = _time(argv_cli, args.runs, ROOT)
        ok &= _check("python -m release_tasks versions", stdout)
        verdict = "within" if median < TARGET_SECONDS else "OVER"
        print(f"python -m release_tasks versions --format env: median {median:.3f} s "
              f"over {len(times)} runs (min {min(times):.3f}, max {max(times):.3f}); "
              f"{verdict} the {TARGET_SECONDS:.0f} s target")
        print("".join(f"  {line}\n" for line in stdout.splitlines()), end="")

        nox = shutil.which("nox")
        if nox is None:
            print("nox -R -s versions: skipped, nox is not installed")
        else:
            argv_nox = [nox, "-R", "-s", "versions", "--", "--repo", str(dest), "--format", "env"]
            median, times, stdout = _time(argv_nox, args.runs, ROOT)
            ok &= _check("nox -s versions", stdout)
            print(f"nox -R -s versions -- --format env: median {median:.3f} s "
                  f"over {len(times)} runs (min {min(times):.3f}, max {max(times):.3f})")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.update(sandbox.GIT_IDENTITY)
    sys.exit(main())
