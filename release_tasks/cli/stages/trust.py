"""``trust``: the trusted-publisher settings to enter on each registry, per component, and
what each package still needs there (a publisher, a pending publisher, or a first version
published with a token)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping

from release_tasks.cli.stages._args import add_components, add_repo, components, emit, load_config

HELP = ("the trusted-publisher settings to enter on each registry, and whether each package "
        "exists there (configure, pending publisher, or first version with a token)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    add_components(p)
    p.add_argument("--repository", metavar="OWNER/NAME",
                   help="the GitHub repository (default: GITHUB_REPOSITORY, project.repository "
                        "or the origin remote)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    import dataclasses

    from release_tasks.registries import make_client
    from release_tasks.trust import publishers

    config = load_config(args)
    names = components(args, config)
    owner_repo = publishers.owner_repository(args.repo, config, env, args.repository)
    with make_client() as http:
        found = publishers.survey(config, names, owner_repo, env, http)
    if args.format == "json":
        emit(json.dumps([dataclasses.asdict(c) for c in found], indent=2))
    else:
        emit("\n".join(line for c in found for line in c.text()))
    return 0
