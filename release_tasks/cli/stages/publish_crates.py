"""``publish_crates``: the core crates phase by phase, then the core tag."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from release_tasks.cli.stages._args import emit, load_config
from release_tasks.cli.stages.publish import add_publish_options

HELP = "publish the core crates phase by phase, then tag core-vX.Y.Z"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_publish_options(
        p, dry_run="package and verify every crate (cargo package -p ...); upload nothing",
        what="a crate's version", tag="core-vX.Y.Z")
    p.add_argument("--registry", metavar="NAME",
                   help="an alternative cargo registry, as cargo names it (default: "
                        "$RELEASE_TASKS_CARGO_REGISTRY, else crates.io); CARGO_REGISTRY_TOKEN "
                        "is handed to cargo as CARGO_REGISTRIES_<NAME>_TOKEN")
    p.add_argument("--index-timeout", type=float, metavar="SECONDS",
                   help="how long to wait for each version to show on the registry "
                        "(default: 600)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="crates published at once (default: all crates of a phase)")
    p.add_argument("--max-wait", type=float, metavar="SECONDS",
                   help="wait at most this long in all for the registry's rate limits; when "
                        "the next upload would take longer, stop in a resumable state and "
                        "say when to resume (default: wait as long as they say)")
    p.add_argument("--offline", action=argparse.BooleanOptionalAction, default=True,
                   help="run cargo package offline first (default: --offline; the real run then "
                        "packages online when offline fails)")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.model.duplicates import parse_on_duplicate
    from release_tasks.publish.crates import flow as publish_crates
    from release_tasks.publish.flow import require_clean_tree

    timeout = args.index_timeout
    options = publish_crates.CrateOptions(
        dry_run=args.dry_run, on_duplicate=parse_on_duplicate(args.on_duplicate),
        registry=args.registry, push_tags=args.push_tags, jobs=args.jobs, offline=args.offline,
        max_wait=args.max_wait, accept_registry_bytes=args.accept_registry_bytes,
        index_timeout=publish_crates.DEFAULT_INDEX_TIMEOUT if timeout is None else timeout)
    config = load_config(args)  # bad options are refused before the repository is read
    require_clean_tree(args.repo, allow_dirty=args.allow_dirty, dry_run=args.dry_run)
    emit(publish_crates.run(args.repo, config, env, options))
    return 0
