"""``release --dry-run`` on the demo's history, against the document's ``release.sh --dry-run``.

The demo's sandbox (three releases, then an FFI-facing change and a Python fix), built once;
both dry runs plan core 0.1.2 with every binding at 0.1.2.0 there. Prints the median times
of interleaved runs and the programs each starts (strace's count of ``execve``; ours also
by ``cmd.ARGV_LOG``, the figure the test suite bounds).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import time
from pathlib import Path

from release_tasks import cli, cmd, demo
from release_tasks.log import LOGGER_NAME
from tests.bench_common import DOCUMENT, ROOT, Command, interleaved, programs_started

PLANNED = "core 0.1.1 -> 0.1.2"


def _in_process(root: Path) -> list[list[str]]:
    cmd.ARGV_LOG.clear()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(["release", "--repo", str(root), "--dry-run"])
    if code != 0:
        raise SystemExit(f"release --dry-run failed in process ({code})")
    return list(cmd.ARGV_LOG)


def bench_release(args: argparse.Namespace, work: Path) -> tuple[list[str], bool]:
    print("== release --dry-run on the demo, against the document's release.sh --dry-run")
    root = work / "tasker-core"
    start = time.perf_counter()
    quiet = logging.getLogger(LOGGER_NAME)
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # the history's own releases are not what is measured
    try:
        demo.build_history(root, dict(os.environ))
    finally:
        quiet.setLevel(level)
    print(f"Demo {root} built in {time.perf_counter() - start:.1f} s")
    ours = Command("release-tasks release --dry-run",
                   [sys.executable, "-m", "release_tasks", "release", "--repo", str(root),
                    "--dry-run"], ROOT)
    theirs = Command("release.sh --dry-run", [str(DOCUMENT / "release.sh"), "--dry-run"], root)
    mine, document = interleaved([ours, theirs], args.runs)
    ok = PLANNED in mine.stdout
    if not ok:
        print(f"  WRONG ANSWER from {ours.label}: no {PLANNED!r} in\n{mine.stdout}")
    logged = _in_process(root)
    started, theirs_started = programs_started(ours), programs_started(theirs)
    print(f"  {'release-tasks release --dry-run':<40} {mine.line()}")
    print(f"  {'release.sh --dry-run (the document)':<40} {document.line()}")
    print(f"  ratio of medians: {mine.median / document.median:.2f}x the document's")
    names = sorted({" ".join(a[3:4] if Path(a[0]).name == "git" else a[1:2]) for a in logged})
    print(f"  programs: ours {len(logged)} by cmd.ARGV_LOG ({', '.join(names)}); by strace, "
          f"ours {_shown(started)} (python included), the document's {_shown(theirs_started)}")
    return [f"release --dry-run (demo): {mine.median:.3f} s, {len(logged)} programs "
            f"({_shown(started)} by strace); the document's {document.median:.3f} s, "
            f"{_shown(theirs_started)} programs"], ok


def _shown(count: int | None) -> str:
    return "n/a (no strace)" if count is None else str(count)
