"""A cold and a warm ``nox -s versions``, nox installed exactly as README.md says.

A fresh virtual environment gets ``pip install 'nox[uv]'`` (the README's line; its time is
printed too), and that nox runs this checkout's noxfile on a sandbox of the example:

* cold: a fresh ``--envdir`` each run (no session environment), uv's cache as this machine
  has it; once more with an empty uv cache too, where everything is downloaded;
* warm: the same ``--envdir`` again, as a second session or a second run makes it, with and
  without ``-R``.

Without network (the pip install fails) the nox on PATH is used, and the output says so.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

from release_tasks import sandbox
from tests.bench_common import ROOT, Command, Timing, child_env, interleaved

README_INSTALL = "nox[uv]"
COLD_TARGET = 3.0
WARM_TARGET = 1.0


@cache
def readme_nox(where: Path) -> tuple[str, str]:
    """A nox installed as README.md says, in a venv under ``where``, and how it was got."""
    venv = where / "readme-venv"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                          README_INSTALL], capture_output=True, text=True, check=False)
    if pip.returncode == 0:
        return (str(venv / "bin" / "nox"),
                f"pip install '{README_INSTALL}' into a fresh venv: {time.perf_counter() - start:.1f} s")
    found = shutil.which("nox")
    if found is None:
        raise SystemExit(f"pip install '{README_INSTALL}' failed and no nox is on PATH:\n"
                         f"{pip.stderr[-1000:]}")
    return found, f"pip install '{README_INSTALL}' failed (offline?): using {found} instead"


def _session(nox: str, envdir: Path, repo: Path, *flags: str, env: dict[str, str] | None = None,
             label: str = "") -> Command:
    return Command(label or f"nox {' '.join(flags)} -s versions",
                   [nox, "-f", str(ROOT / "noxfile.py"), "--envdir", str(envdir), *flags, "-s",
                    "versions", "--", "--repo", str(repo), "--format", "env"], ROOT,
                   child_env(env))


def _timed_once(command: Command) -> tuple[float, str]:
    elapsed, done = command.run()
    return elapsed, done.stdout


def bench_sessions(args: argparse.Namespace, work: Path) -> tuple[list[str], bool]:
    print("== nox -s versions, cold and warm, nox installed as README.md says")
    nox, how = readme_nox(work.parent)
    print(f"  {how}")
    repo = sandbox.create(work / "tasker-core").root
    cold = []
    answer = ""
    for index in range(3):
        elapsed, answer = _timed_once(_session(nox, work / f"envdir-cold-{index}", repo))
        cold.append(elapsed)
    empty_cache = _session(nox, work / "envdir-cold-nocache", repo,
                           env={"UV_CACHE_DIR": str(work / "uv-cache-empty")})
    nothing_cached, _ = _timed_once(empty_cache)
    warm_dir = work / "envdir-cold-0"  # made by the first cold run
    warm, reuse = interleaved([_session(nox, warm_dir, repo, label="nox -s versions"),
                               _session(nox, warm_dir, repo, "-R", label="nox -R -s versions")],
                              max(5, args.runs // 2))
    ok = "NEXT_CORE_VERSION=" in answer and all("=" in line for line in answer.splitlines())
    if not ok:
        print(f"  WRONG OUTPUT from nox -s versions:\n{answer}")
    cold_timing = Timing("cold", tuple(cold), answer)
    print(f"  {'cold (fresh --envdir, uv cache kept)':<44} {cold_timing.line()}; "
          f"{_verdict(cold_timing.median, COLD_TARGET)}")
    print(f"  {'cold, and an empty uv cache (downloads)':<44} {nothing_cached:.3f} s, one run")
    for timing in (warm, reuse):
        print(f"  {'warm: ' + timing.label:<44} {timing.line()}; "
              f"{_verdict(timing.median, WARM_TARGET)}")
    return [f"nox -s versions: cold {cold_timing.median:.2f} s "
            f"({_verdict(cold_timing.median, COLD_TARGET)}), "
            f"warm {warm.median:.2f} s / with -R {reuse.median:.2f} s "
            f"({_verdict(max(warm.median, reuse.median), WARM_TARGET)}); "
            f"{nothing_cached:.1f} s with an empty uv cache"], ok


def _verdict(seconds: float, target: float) -> str:
    return f"target <= {target:g} s: {'met' if seconds <= target else 'MISSED'}"
