"""``init``: write a ``release.toml`` inferred from the workspace and the tree, and the
requirement the release workflow installs the tool from (``.github/release-tasks.txt``)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_repo, emit

HELP = "write a release.toml inferred from cargo's workspace and the tree (--print: show it)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--print", "--dry-run", dest="print_only", action="store_true",
                   help="print the proposed release.toml on stdout; write nothing")
    p.add_argument("--workspace", default=".", metavar="DIR",
                   help="the directory of the core crates' Cargo workspace, relative to the "
                        "top level (default: the top level)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.git import repository
    from release_tasks.init import infer as init
    from release_tasks.init import render as init_render
    from release_tasks.log import get_logger
    from release_tasks.workflow import requirement as workflow_requirement

    log = get_logger("init")
    root = repository.top_level(args.repo)
    if not args.print_only:
        init.refuse_existing(root)  # before any work: nothing to undo
    result = init.propose(root, args.workspace)
    for line in init_render.report(result.proposal):
        log.info("init: %s", line)
    if args.print_only:
        emit(result.text)
        if result.proposal.version_file_missing:
            log.info("init: a real run would also write %s (%s)", result.proposal.version_file,
                     result.proposal.core_version)
        return 0
    for path in init.write(result):
        log.info("init: wrote %s", path)
    # What the release workflow's jobs install the tool from (kept when it is current).
    log.info("init: %s", workflow_requirement.write(root, env, check=False).message)
    for offer in init.sbom_offers(root, result):
        log.warning("init: %s", offer)
    for line in init.next_steps(root, result):
        log.info("init: %s", line)
    return 0
