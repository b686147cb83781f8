"""``rehearse``: publish the release to local stand-ins of the four registries, then install
and load every package (see :mod:`release_tasks.rehearse`)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from release_tasks.cli.stages._args import add_repo, emit, open_project

HELP = ("publish the release to local stand-ins of the four registries, install and load "
        "every package; change nothing real")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--keep", action="store_true",
                   help="keep the rehearsal's directory (the clone, the stand-ins' storage)")
    p.add_argument("--work-dir", type=Path, metavar="DIR",
                   help="make the rehearsal's directory in DIR (default: the system's temp)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.errors import RehearsalError
    from release_tasks.log import get_logger
    from release_tasks.rehearse import flow

    project = open_project(args)
    report, kept = flow.rehearse(project.root, project.config, env, keep=args.keep,
                                 parent=args.work_dir)
    emit(report.json() if args.format == "json" else report.text())
    if kept is not None:
        get_logger("rehearse").info("The rehearsal's directory is kept: %s", kept)
    if not report.ok:
        failed = ", ".join(s.name for s in report.steps if s.status == "failed")
        raise RehearsalError(f"rehearsal failed at: {failed} (the report above says why; "
                             "nothing real was published or changed)")
    return 0
