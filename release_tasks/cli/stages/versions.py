"""``versions``: the next version of every component, or ``--check`` for version drift."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks import log
from release_tasks.cli.stages._args import (
    add_core_choice,
    add_format,
    add_from,
    add_repo,
    emit,
    open_project,
    resolve_format,
)

HELP = "next version of every component (or --check for version drift)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    add_from(p)
    p.add_argument("--check", action="store_true",
                   help="report every version site the next release would write that is in "
                        "conflict with it (drift), and exit")
    add_core_choice(p)
    add_format(p)


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    # Opened first: git walks the history while the version rules are imported. The base
    # is looked for whatever --from says, as the plan asks whether this is a first release.
    project = open_project(args, detecting=True)
    from release_tasks.plan import versions
    if args.check:
        from release_tasks.errors import UpdateError, VersionError
        from release_tasks.plan import drift as consistency

        try:
            planned = versions.compute_plan(project, args.from_ref)
        except (VersionError, UpdateError) as exc:
            log.get_logger().warning("warning: no release plan (%s); checking the files "
                                     "against their current versions", exc)
            planned = None
        consistency.check(project.root, project.config, planned, tree=project.repo.tree.files,
                          env=env)
        return 0
    plan = versions.compute_plan(project, args.from_ref, core=args.core, bump=args.bump,
                                   pre=args.pre)
    fmt = resolve_format(args)
    if fmt == "env":
        emit("\n".join(plan.env_lines()))
    elif fmt == "json":
        emit(plan.to_json())
    else:
        emit(plan.text())
    return 0
