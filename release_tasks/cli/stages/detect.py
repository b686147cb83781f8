"""``detect``: what changed since the last release, per component."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import (
    add_format,
    add_from,
    add_repo,
    emit,
    open_project,
    resolve_format,
)

HELP = "what changed since the last release, per component"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    add_from(p)
    add_format(p)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    project = open_project(args, detecting=args.from_ref is None)
    from release_tasks.plan import detect  # imported while git walks the history
    config = project.config
    changes = detect.detect(project.repo, config, args.from_ref)
    fmt = resolve_format(args)
    if fmt == "env":
        emit("\n".join(detect.env_lines(changes, config)))
    elif fmt == "json":
        emit(detect.to_json(changes, config))
    else:
        emit(detect.to_text(changes, config))
    return 0
