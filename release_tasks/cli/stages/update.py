"""``update``: write every version file (VERSION, manifests, pins, lockfiles)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import Parser, add_repo, emit, open_project
from release_tasks.config import load as config_mod

HELP = "write every version file (VERSION, manifests, pins, lockfiles)"
#: Its options depend on the config (one --<binding> option per binding): the rest of the
#: command line is parsed once the config of --repo is known (see :func:`binding_versions`).
TAKES_EXTRAS = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--core", required=True, metavar="X.Y.Z", help="the core version")
    p.add_argument("--dry-run", action="store_true",
                   help="print a unified diff of every file that would change; write nothing")


def binding_versions(args: argparse.Namespace, config: config_mod.Config) -> dict[str, str]:
    """Parse the ``--<binding> X.Y.Z.P`` options left over by the stage parser."""
    parser = Parser(prog="release-tasks update", add_help=False)
    for binding in config.bindings:
        parser.add_argument(f"--{binding.name}", metavar="X.Y.Z.P", dest=binding.name)
    given = vars(parser.parse_args(args.extras))
    return {name: value for name, value in given.items() if value is not None}


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.apply import update

    project = open_project(args)
    config = project.config
    core, bindings = update.parse_inputs(config, args.core, binding_versions(args, config))
    changes = update.run_update(project.root, config, core, bindings, dry_run=args.dry_run,
                                tree=project.repo.tree.files, git_dir=project.repo.git_dir,
                                env=env)
    if args.dry_run:
        emit("".join(c.diff() for c in changes if c.changed) or "# no file would change")
    return 0
