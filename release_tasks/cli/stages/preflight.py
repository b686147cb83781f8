"""``preflight``: the repository's own checks from release.toml."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_repo, emit, open_project

HELP = "the repository's own checks from release.toml (fmt, lints, tests)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--dry-run", action="store_true", help="list the checks; run nothing")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import preflight

    project = open_project(args)
    emit(preflight.run_preflight(project.root, project.config, dry_run=args.dry_run))
    return 0
