"""``build BINDING VERSION --platform P --out DIR``: one platform's files of a binding, built
and checked, for the publish job's ``--artifacts DIR`` (what a build matrix job runs)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from release_tasks.cli.stages._args import add_repo, emit, load_config

HELP = "build one platform's files of a binding and check them (a build matrix job)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("binding", metavar="BINDING", help="the binding's name in release.toml")
    p.add_argument("version", metavar="VERSION",
                   help="the binding version X.Y.Z.P; must be what its version files say")
    p.add_argument("--platform", default="host", metavar="P",
                   help="a platform of the binding (linux-x86_64, macos-arm64, source, ...; "
                        "main: the main package of an npm binding with a package per platform); "
                        "default host: this machine's")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="where the files go (the publish job gathers them for --artifacts)")
    add_repo(p)
    p.add_argument("--allow-dirty", action="store_true",
                   help="build even with uncommitted changes to tracked files")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish.build import build_platform
    from release_tasks.registries import make_client

    config = load_config(args)
    with make_client() as http:
        built = build_platform(args.repo, config, args.binding, args.version, args.platform,
                               args.out, env, http=http, allow_dirty=args.allow_dirty)
    emit("\n".join(str(path) for path in built))
    return 0
