"""``history``: every release and every published version, from the annotated tags."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.stages._args import add_repo, emit, open_project

HELP = "every release and every published version, from the annotated tags"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import history, history_render

    result = history.build(open_project(args))
    emit(history_render.to_json(result) if args.format == "json"
         else history_render.to_text(result))
    return 0
