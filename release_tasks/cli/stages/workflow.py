"""``workflow``: write the release workflow the repository's config makes, and the requirement
its jobs install the tool from (``--check``: only say whether both committed files are
current, the pinned version the installed one; exit 1 when not)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from release_tasks.cli.stages._args import add_repo, emit, load_config

HELP = ("write .github/workflows/release.yml from release.toml, and .github/release-tasks.txt "
        "(--check: are they current?)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the committed workflow differs from the "
                        "config's, or .github/release-tasks.txt from this version's")
    p.add_argument("--output", type=Path, metavar="PATH",
                   help="where to write it (default: .github/workflows/release.yml at the top level)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.log import get_logger
    from release_tasks.workflow import generate as workflow
    from release_tasks.workflow import requirement as workflow_requirement

    if args.output is not None:
        check_output(args.output)  # before anything is read: nothing to undo
    config = load_config(args)
    current, message = workflow.write(args.repo, config, check=args.check, path=args.output)
    tool = workflow_requirement.write(args.repo, env, check=args.check)
    if args.check and not (current and tool.current):
        for ok, said in ((current, message), (tool.current, tool.message)):
            if not ok:
                get_logger("workflow").error("error: %s", said)
        return 1
    emit(message)
    emit(tool.message)
    return 0


def check_output(path: Path) -> None:
    """A UsageError when ``--output`` cannot be a file: a directory, or under a file."""
    from release_tasks.errors import UsageError

    if path.is_dir():
        raise UsageError(f"--output {path}: a directory; give the workflow file's path "
                         f"(e.g. {path / 'release.yml'})")
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise UsageError(f"--output {path}: {blocking} is a file, so no directory can hold it")
