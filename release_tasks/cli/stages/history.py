"""``history``: every release and every published version, from the annotated tags."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_repo, emit, open_project

HELP = "every release and every published version, from the annotated tags"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--registries", action="store_true",
                   help="ask the registries what they hold of each planned version without a "
                        "tag: partial (some files) or planned (none)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.history import releases as history
    from release_tasks.history import render as history_render

    project = open_project(args)
    result = history.build(project)
    if args.registries:
        from release_tasks.history.registries import ask_registries
        from release_tasks.registries import make_client

        with make_client() as http:
            result = ask_registries(result, project.config, env, http)
    emit(history_render.to_json(result) if args.format == "json"
         else history_render.to_text(result))
    return 0
