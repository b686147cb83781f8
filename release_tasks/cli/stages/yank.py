"""``yank``: withdraw a released version from its registry."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_repo, emit, load_config

HELP = "withdraw a released version: yank crates and gems, deprecate on npm, PyPI steps"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("component", metavar="COMPONENT", help="core, or a binding of the config")
    p.add_argument("version", metavar="VERSION", help="X.Y.Z for core, X.Y.Z.P for a binding")
    add_repo(p)
    p.add_argument("--dry-run", action="store_true",
                   help="print the commands that would run; run none (no credential needed)")
    p.add_argument("--undo", action="store_true",
                   help="un-yank (crates) or un-deprecate (npm); RubyGems has no un-yank")
    p.add_argument("--registry", metavar="NAME",
                   help="core only: an alternative cargo registry, as for publish_crates "
                        "(default: $RELEASE_TASKS_CARGO_REGISTRY, else crates.io)")
    p.add_argument("--message", metavar="TEXT",
                   help="npm's deprecation message, or the reason to give on PyPI "
                        "(default: '0.1.8.2 (npm 0.1.8002) is withdrawn; upgrade to a newer "
                        "release')")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish import yank

    request = yank.YankRequest(component=args.component, version=args.version, undo=args.undo,
                               dry_run=args.dry_run, registry=args.registry,
                               message=args.message)
    config = load_config(args)
    emit(yank.run(args.repo, config, env, request))
    return 0
