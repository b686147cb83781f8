"""What the benchmarks share: timing commands against each other, counting the programs a
command starts, and the environment the timed programs run in.

Runs of the commands compared are interleaved (A B, B A, A B, ...) after one untimed run of
each, so that a machine that is busier at one moment than another slows both alike; the
figures are medians. Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "tests" / "document"  # the design document's scripts, patched to run


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the timed programs: ours, without ``PYTHONDONTWRITEBYTECODE``
    (an installed package has its bytecode; without it every run would compile the tool
    anew), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


@dataclass(frozen=True)
class Command:
    """A program to time: its argv, the directory it runs in, its environment."""

    label: str
    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str] | None = None

    def run(self) -> tuple[float, subprocess.CompletedProcess[str]]:
        start = time.perf_counter()
        done = subprocess.run(list(self.argv), cwd=self.cwd, env=dict(self.env or child_env()),
                              capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{self.label} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return elapsed, done


@dataclass(frozen=True)
class Timing:
    label: str
    times: tuple[float, ...]
    stdout: str

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def line(self) -> str:
        return (f"median {self.median:.3f} s over {len(self.times)} runs "
                f"(min {min(self.times):.3f}, max {max(self.times):.3f})")


def interleaved(commands: Sequence[Command], runs: int) -> list[Timing]:
    """Each command ``runs`` times, in alternating order, after one untimed run of each."""
    times: list[list[float]] = [[] for _ in commands]
    outputs = [command.run()[1].stdout for command in commands]  # warm-up, and the answer
    for index in range(runs):
        order = list(range(len(commands)))
        if index % 2:
            order.reverse()
        for at in order:
            times[at].append(commands[at].run()[0])
    return [Timing(c.label, tuple(t), out) for c, t, out in zip(commands, times, outputs,
                                                                strict=True)]


def programs_started(command: Command) -> int | None:
    """How many programs ``command`` starts, itself included (successful ``execve`` calls,
    counted by strace); ``None`` without strace."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bench-strace-") as tmp:
        trace = Path(tmp) / "trace"
        subprocess.run([strace, "-f", "-qq", "-e", "trace=execve", "-o", str(trace),
                        *command.argv], cwd=command.cwd, env=dict(command.env or child_env()),
                       capture_output=True, check=False)
        if not trace.is_file():
            return None
        # A call interrupted by another process's line ends later in "<... execve resumed>".
        return sum(1 for line in trace.read_text(errors="replace").splitlines()
                   if ("execve(" in line or "execve resumed" in line)
                   and line.rstrip().endswith("= 0"))


def ratio_line(ours: Timing, theirs: Timing, target: float) -> str:
    ratio = ours.median / theirs.median
    verdict = "met" if ratio <= target else "MISSED"
    return f"{ratio:.2f}x the document's (target <= {target:.1f}x: {verdict})"
