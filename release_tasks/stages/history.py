"""``history``: every release and every published version, from the annotated tags."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.stages._args import add_repo, emit, load_config

HELP = "every release and every published version, from the annotated tags"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import history

    config = load_config(args)
    result = history.build(args.repo, config)
    emit(result.to_json() if args.format == "json" else result.text())
    return 0
