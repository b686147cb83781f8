"""``demo``: a sandbox of the example monorepo with history, and a dry-run release on it."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from release_tasks.cli.stages._args import emit

HELP = "build a sandbox of the example monorepo with history; dry-run a release"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", type=Path, metavar="DIR",
                   help="build the sandbox in DIR and keep it (default: a temporary directory)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import demo

    text, _ = demo.run_demo(env, args.keep)
    emit(text)
    return 0
