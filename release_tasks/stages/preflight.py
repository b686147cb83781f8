"""``preflight``: the repository's own checks from release.toml."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.stages._args import add_repo, emit, load_config

HELP = "the repository's own checks from release.toml (fmt, lints, tests)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--dry-run", action="store_true", help="list the checks; run nothing")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import preflight

    config = load_config(args)
    emit(preflight.run_preflight(args.repo, config, dry_run=args.dry_run))
    return 0
