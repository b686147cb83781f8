"""``update``: write every version file (VERSION, manifests, pins, lockfiles)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_tasks.cli.stages._args import Parser, add_repo, emit, open_project
from release_tasks.config import load as config_mod
from release_tasks.errors import ReleaseError
from release_tasks.git import repository

HELP = "write every version file (VERSION, manifests, pins, lockfiles)"
#: Its options depend on the config (one --<binding> option per binding): the rest of the
#: command line is parsed once the config of --repo is known (see :func:`binding_versions`).
TAKES_EXTRAS = True


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--core", required=True, metavar="X.Y.Z", help="the core version")
    p.add_argument("--dry-run", action="store_true",
                   help="print a unified diff of every file that would change; write nothing")


_METAVARS = {"two-tier": "X.Y.Z.P", "lockstep": "X.Y.Z", "independent": "X.Y.Z"}
_MEANING = {"two-tier": "its X.Y.Z.P, on the --core value",
            "lockstep": "the --core value (versioned in lockstep with the core)",
            "independent": "its own X.Y.Z"}


def describe_options(argv: Sequence[str]) -> str:
    """The per-binding options, by binding name, from the config of ``--repo`` (or of the
    current directory): what ``update --help`` lists after the fixed ones."""
    repo = Path()
    for i, word in enumerate(argv):
        if word == "--repo" and i + 1 < len(argv):
            repo = Path(argv[i + 1])
        elif word.startswith("--repo="):
            repo = Path(word.split("=", 1)[1])
    try:
        root = repository.top_level(repo)
        config = config_mod.load(root)
    except ReleaseError as exc:
        return ("per-binding options: --NAME VERSION for each binding of release.toml "
                f"(none read here: {exc})")
    lines = [f"per-binding options (the bindings of {config.source}):"]
    for binding in config.bindings:
        option = f"--{binding.name} {_METAVARS[binding.versioning]}"
        lines.append(f"  {option:<28} {binding.package}: {_MEANING[binding.versioning]}")
    return "\n".join(lines)


def binding_versions(args: argparse.Namespace, config: config_mod.Config) -> dict[str, str]:
    """Parse the ``--<binding> VERSION`` options left over by the stage parser."""
    parser = Parser(prog="release-tasks update", add_help=False)
    for binding in config.bindings:
        parser.add_argument(f"--{binding.name}", metavar=_METAVARS[binding.versioning],
                            dest=binding.name)
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
