"""The benchmarks, all in one run: ``nox -s bench`` (or ``python -m tests.bench``).

Against the design document's own scripts (``tests/document``, patched only so that they
run) wherever they have a counterpart, in the same run:

* ``versions``: ``versions`` on 5,000 commits changing 20,000 files, against the document's
  ``calculate-versions.sh`` (ratio of medians, runs interleaved), the programs each starts,
  and what the package's imports add to the interpreter's start-up;
* ``release``: ``release --dry-run`` on the demo's history, against ``release.sh --dry-run``
  (time and programs started);
* ``sessions``: a cold and a warm ``nox -s versions``, nox installed as README.md says;
* ``crates``: the six-crate publish against its critical path and the document's approach
  (:mod:`tests.bench_publish`);
* ``republish``: an idempotent re-publish of all four components through nox against the
  local registries (:mod:`tests.bench_republish`).

``--only PART,...`` runs some of them. Timings are reported, never asserted: the exit code is
non-zero only for a wrong answer.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from release_tasks import sandbox
from tests import bench_history
from tests.bench_common import DOCUMENT, ROOT, Command, child_env, interleaved, programs_started, ratio_line

PARTS = ("versions", "release", "sessions", "crates", "republish")
TARGET_RATIO = 1.0
IMPORT_BUDGET_MS = 30.0
_ENV_LINE = re.compile(r"[A-Z][A-Z0-9_]*=[^\n]*")
#: Where the document's sketch is wrong on this history: a binding-only change is numbered
#: on the current core, not on the one it is released with (VERSIONING.md has the rule).
DOCUMENT_DEFECTS = {"NEXT_RUBY_VERSION", "NEXT_PYTHON_VERSION"}
#: What the document's calculate-versions.sh does not print at all.
DOCUMENT_SILENT = {"CURRENT_CORE_VERSION"}


def _env_lines(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def check_answer(label: str, stdout: str, skip: Collection[str] = ()) -> bool:
    """The answer is right (but for ``skip``), and stdout holds only ``KEY=VALUE`` lines."""
    found = _env_lines(stdout)
    wrong = {k: (found.get(k), v) for k, v in bench_history.EXPECTED.items()
             if k not in skip and found.get(k) != v}
    if wrong:
        print(f"  WRONG ANSWER from {label}: " + ", ".join(
            f"{k}={got} (expected {want})" for k, (got, want) in wrong.items()))
    stray = [line for line in stdout.splitlines() if not _ENV_LINE.fullmatch(line)]
    if stray:
        print(f"  WRONG OUTPUT from {label}: stdout is not only KEY=VALUE lines: {stray[:3]}")
    return not wrong and not stray


def import_ms(argv: Sequence[str], cwd: Path, runs: int) -> float:
    """What the imports of ``python argv`` add to the interpreter's own start-up (ms): the
    median over runs of ``-X importtime``'s top-level imports that ``python -c pass`` does
    not make."""
    def top_level(args: Sequence[str]) -> dict[str, int]:
        err = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=cwd,
                             env=child_env(), capture_output=True, text=True, check=False).stderr
        found = {}
        for line in err.splitlines():
            parts = line.split("|")
            if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
                name = parts[2]
                if len(name) - len(name.lstrip()) == 1:  # one space: imported at top level
                    found[name.strip()] = int(parts[1])
        return found

    start_up = set(top_level(["-c", "pass"]))
    totals = [sum(us for name, us in top_level(argv).items() if name not in start_up)
              for _ in range(runs)]
    return statistics.median(totals) / 1000


def git_programs(repo: Path) -> int:
    """The git programs one in-process ``versions`` run starts (``cmd.ARGV_LOG``)."""
    import contextlib
    import io

    from release_tasks import cli, cmd

    cmd.ARGV_LOG.clear()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli.main(["versions", "--repo", str(repo), "--format", "env"])
    return sum(1 for argv in cmd.ARGV_LOG if Path(argv[0]).name == "git")


def bench_versions(args: argparse.Namespace, work: Path) -> tuple[list[str], bool]:
    print(f"== versions on {args.commits:,} commits / {args.files:,} files, against the "
          "document's calculate-versions.sh")
    dest = work / "tasker-core"
    start = time.perf_counter()
    if (dest / ".git").is_dir():  # kept from an earlier run (--keep)
        print(f"Reusing {dest}")
    else:
        bench_history.build(dest, args.commits, args.files)
    count = subprocess.run(["git", "-C", str(dest), "rev-list", "--count",
                            f"{bench_history.BASE_TAG}..HEAD"], capture_output=True, text=True,
                           check=True).stdout.strip()
    print(f"Repository {dest}: {count} commits since {bench_history.BASE_TAG} "
          f"(built in {time.perf_counter() - start:.1f} s)")
    ours = Command("release-tasks versions", [sys.executable, "-m", "release_tasks", "versions",
                                              "--repo", str(dest), "--format", "env"], ROOT)
    theirs = Command("calculate-versions.sh", [str(DOCUMENT / "calculate-versions.sh")], dest)
    mine, document = interleaved([ours, theirs], args.runs)
    ok = check_answer(ours.label, mine.stdout)
    check_answer(theirs.label, document.stdout, skip=DOCUMENT_DEFECTS | DOCUMENT_SILENT)
    ratio = ratio_line(mine, document, TARGET_RATIO)
    print(f"  {'release-tasks versions --format env':<40} {mine.line()}")
    print(f"  {'calculate-versions.sh (the document)':<40} {document.line()}")
    print(f"  ratio of medians, runs interleaved: {ratio}")
    started, theirs_started = programs_started(ours), programs_started(theirs)
    gits = git_programs(dest)
    if started is not None and theirs_started is not None:
        print(f"  programs started: ours {started} (python and {gits} git), the document's "
              f"{theirs_started}")
    else:
        print(f"  programs started: ours {gits} git (strace is not installed: no total)")
    wrong = [f"{k}={v}" for k, v in _env_lines(document.stdout).items() if k in DOCUMENT_DEFECTS
             and v != bench_history.EXPECTED[k]]
    if wrong:
        print(f"  the document answers {', '.join(wrong)}: a binding-only change numbered on "
              "the current core (its defect; ours is right)")
    run_ms = import_ms(["-m", "release_tasks", "versions", "--repo", str(dest), "--format",
                        "env"], ROOT, args.runs)
    help_ms = import_ms(["-m", "release_tasks", "versions", "--help"], ROOT, args.runs)
    print(f"  the package's imports add {run_ms:.1f} ms to start-up for `versions` "
          f"({help_ms:.1f} ms for `versions --help`; budget {IMPORT_BUDGET_MS:.0f} ms; "
          "python -X importtime, which adds its own overhead)")
    summary = [f"versions (5,000 commits): {mine.median:.3f} s vs the document's "
               f"{document.median:.3f} s = {ratio}",
               f"versions imports: {run_ms:.1f} ms ({help_ms:.1f} ms for --help), budget "
               f"{IMPORT_BUDGET_MS:.0f} ms"]
    if started is not None:
        summary.append(f"versions programs: ours {started} ({gits} git), the document's "
                       f"{theirs_started}")
    return summary, ok


def _part(name: str) -> Callable[[argparse.Namespace, Path], tuple[list[str], bool]]:
    if name == "versions":
        return bench_versions
    if name == "release":
        from tests.bench_release import bench_release
        return bench_release
    if name == "sessions":
        from tests.bench_sessions import bench_sessions
        return bench_sessions
    if name == "crates":
        from tests.bench_publish import bench_crates
        return bench_crates
    from tests.bench_republish import bench_republish
    return bench_republish


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run (default: {','.join(PARTS)})")
    parser.add_argument("--commits", type=int, default=5_000)
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=11, help="timed runs per command")
    parser.add_argument("--keep", type=Path, help="build the repositories in this directory")
    parser.add_argument("--sleep", type=float, default=15.0,
                        help="the document's sleep after each crate (crates part; default 15)")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; known: {', '.join(PARTS)}")
    print("Timed programs run with PYTHONDONTWRITEBYTECODE unset (bytecode written, as in an "
          "installed package); medians of interleaved runs.\n")
    summary: list[str] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="release-tasks-bench-") as tmp:
        for name in parts:
            work = (args.keep or Path(tmp)) / name
            work.mkdir(parents=True, exist_ok=True)
            lines, right = _part(name)(args, work)
            summary += lines
            ok &= right
            print()
    print("== summary")
    print("".join(f"  {line}\n" for line in summary), end="")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.update(sandbox.GIT_IDENTITY)
    sys.exit(main())
