"""``edge``: how to depend on a branch of the repository instead of a release."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_repo, emit, load_config

HELP = "how to depend on a branch of the repository instead of a release"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--ref", metavar="REF",
                   help="branch, tag or commit to depend on (default: the main branch)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import edge

    config = load_config(args)
    result = edge.guide(args.repo, config, args.ref)
    emit(result.to_json() if args.format == "json" else result.text())
    return 0
