"""``workflow``: write the release workflow the repository's config makes (``--check``:
only say whether the committed one is current; exit 1 when it is not)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from release_tasks.cli.stages._args import add_repo, emit, load_config

HELP = "write .github/workflows/release.yml from release.toml (--check: is it current?)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the committed workflow differs from the config's")
    p.add_argument("--output", type=Path, metavar="PATH",
                   help="where to write it (default: .github/workflows/release.yml at the top level)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.log import get_logger
    from release_tasks.workflow import generate as workflow

    config = load_config(args)
    current, message = workflow.write(args.repo, config, check=args.check, path=args.output)
    if args.check and not current:
        get_logger("workflow").error("error: %s", message)
        return 1
    emit(message)
    return 0
