"""``release``: plan the release, then commit the version bump and tag it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from release_tasks.cli.stages._args import add_core_choice, add_from, add_repo, emit, open_project

if TYPE_CHECKING:
    from release_tasks.model.components import Config

HELP = "plan the release, then commit the version bump and tag it"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be released; change nothing")
    add_from(p)
    p.add_argument("--yes", action="store_true",
                   help="do not ask for confirmation (required without a terminal)")
    p.add_argument("--push", action="store_true", help="push the commit and the tag")
    p.add_argument("--skip", action="append", default=[], metavar="BINDING",
                   help="leave BINDING out of this release on purpose (carried forward)")
    add_core_choice(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--registries", action="store_true",
                   help="with --dry-run: ask each registry whether its packages exist, for "
                        "the trusted-publishing line of each component")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import release

    project = open_project(args, detecting=args.from_ref is None)
    confirm = release.ask if sys.stdin.isatty() else None
    summary, message = release.run_release(
        project, env, dry_run=args.dry_run, from_ref=args.from_ref, yes=args.yes,
        push=args.push, confirm=confirm, skip=tuple(args.skip), core=args.core, bump=args.bump,
        pre=args.pre)
    trust = (_trust_lines(project.config, summary.components, env, registries=args.registries)
             if args.dry_run and summary is not None else [])
    emit(release.render(summary, message, args.format, trust=trust))
    return 0


def _trust_lines(config: Config, components: list[str], env: Mapping[str, str], *,
                 registries: bool) -> list[str]:
    from release_tasks.registries import make_client
    from release_tasks.trust import publishers

    if not registries:
        return publishers.lines(config, components, env, None)
    with make_client() as http:
        return publishers.lines(config, components, env, http)
