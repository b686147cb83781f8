"""Benchmark of ``publish_crates``: run as ``python -m tests.bench_publish``.

Publishes the example's six crates to the local cargo registry with 1 s of upload latency
and 2 s of index propagation, twice, each time from a fresh sandbox, cargo home, target
directory and empty registry:

* ``python -m release_tasks publish_crates`` (phases in parallel, waits until visible), and
* the design document's approach: one ``cargo publish`` at a time in the document's order,
  with a 15 s sleep after each.

Prints both wall times, the ratio (target: 3x or better) and the floor, the critical path of
four phases x (upload latency + index delay). The exit code is non-zero only for a wrong
result (a crate missing, or published before a dependency was visible), never for a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from release_tasks import cmd, sandbox
from release_tasks.standins.cargo_registry import CargoRegistry

#: The design document's hard-coded order, as its publish-crates.sh walks it.
DOCUMENT_ORDER = ("tasker-pgmq", "tasker-shared", "tasker-client", "tasker-orchestration",
                  "tasker-worker", "tasker-cli")
PHASES = 4
PROJECT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0


def _prepare(registry: CargoRegistry, work: Path, upload_latency: float,
             index_delay: float) -> tuple[Path, dict[str, str]]:
    """A fresh sandbox and cargo environment, and an empty registry with the delays set."""
    registry.reset()
    registry.faults.set_upload_latency(upload_latency)
    registry.set_index_delay(index_delay)
    repo = sandbox.create(work / "tasker-core")
    env = {**os.environ, **registry.configure_cargo("local", work / "cargo-home"),
           "CARGO_TARGET_DIR": str(work / "target")}
    return repo.root, env


def ours(root: Path, env: dict[str, str]) -> None:
    """``publish_crates`` as CI would run it, token in ``CARGO_REGISTRY_TOKEN`` only."""
    child = {k: v for k, v in env.items() if k != "CARGO_REGISTRIES_LOCAL_TOKEN"}
    child["CARGO_REGISTRY_TOKEN"] = env["CARGO_REGISTRIES_LOCAL_TOKEN"]
    cmd.run([sys.executable, "-m", "release_tasks", "publish_crates", "--repo", str(root),
             "--registry", "local"], cwd=PROJECT, env=child, capture=True, echo=False)


def documents(root: Path, env: dict[str, str], sleep: float) -> None:
    """One crate at a time, a fixed sleep after each (the token stays out of argv here too)."""
    for crate in DOCUMENT_ORDER:
        cmd.run(["cargo", "publish", "-p", crate, "--registry", "local"], cwd=root, env=env,
                capture=True, echo=False)
        time.sleep(sleep)


def _timed(registry: CargoRegistry, label: str, run: Callable[[Path, dict[str, str]], None],
           args: argparse.Namespace) -> tuple[float, list[str]]:
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        root, env = _prepare(registry, Path(tmp), args.upload_latency, args.index_delay)
        print(f"{label}: publishing...", file=sys.stderr, flush=True)
        start = time.monotonic()
        run(root, env)
        elapsed = time.monotonic() - start
    problems = registry.order_violations()
    published = sorted(name for name, _ in registry.log.published())
    if published != sorted(DOCUMENT_ORDER):
        problems.append(f"{label}: published {published}, expected all six crates once")
    return elapsed, problems


def run(upload_latency: float, index_delay: float, sleep: float) -> tuple[list[str], bool]:
    """Both publishes, timed; the summary lines, and whether both published right."""
    cmd.which("cargo", "Install Rust: https://rustup.rs")
    args = argparse.Namespace(upload_latency=upload_latency, index_delay=index_delay)
    with CargoRegistry() as registry:
        fast, problems = _timed(registry, "publish_crates", ours, args)
        slow, more = _timed(registry, "document",
                            lambda root, env: documents(root, env, sleep), args)
    floor = PHASES * (upload_latency + index_delay)
    ratio = slow / fast
    print(f"six crates, upload latency {upload_latency:g} s, index delay {index_delay:g} s")
    print(f"  {'publish_crates (phases in parallel, wait until visible)':<58} {fast:7.1f} s")
    print(f"  {f'document (one at a time, sleep {sleep:g} s after each)':<58} {slow:7.1f} s")
    print(f"  {'ratio':<58} {ratio:7.1f}x  (target >= {TARGET_RATIO:g}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'MISSED'})")
    print(f"  {'floor: 4 phases x (upload latency + index delay)':<58} {floor:7.1f} s  "
          f"(publish_crates is {fast - floor:.1f} s above it)")
    for problem in problems + more:
        print(f"WRONG: {problem}", file=sys.stderr)
    summary = [f"publish_crates: {fast:.1f} s, critical path {floor:.1f} s "
               f"(+{fast - floor:.1f} s); the document's {slow:.1f} s = {ratio:.1f}x slower"]
    return summary, not (problems or more)


def bench_crates(args: argparse.Namespace, work: Path) -> tuple[list[str], bool]:
    """The crates part of ``python -m tests.bench``."""
    print("== the six-crate publish against its critical path and the document's approach")
    return run(1.0, 2.0, args.sleep)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_publish", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upload-latency", type=float, default=1.0, metavar="SECONDS")
    parser.add_argument("--index-delay", type=float, default=2.0, metavar="SECONDS")
    parser.add_argument("--sleep", type=float, default=15.0, metavar="SECONDS",
                        help="the document's sleep after each crate (default: 15)")
    args = parser.parse_args(argv)
    _, ok = run(args.upload_latency, args.index_delay, args.sleep)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
