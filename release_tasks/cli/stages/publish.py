"""``publish BINDING VERSION``: one binding's publish, whatever its registry.

``publish_ruby``, ``publish_python`` and ``publish_typescript``
(:mod:`release_tasks.cli.stages.publish_binding`) are the same stage with the binding picked by
its registry.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from release_tasks.cli.stages._args import add_on_duplicate, add_repo, emit, load_config
from release_tasks.publish.bytes import ACCEPT_HELP

if TYPE_CHECKING:
    from release_tasks.registries.interface import RegistryKind

HELP = "build a binding, check it, upload it to its registry, tag it"


def add_publish_options(p: argparse.ArgumentParser, *, dry_run: str, what: str,
                        tag: str) -> None:
    """What every publish stage takes (crates and bindings alike)."""
    add_repo(p)
    p.add_argument("--dry-run", action="store_true", help=dry_run)
    add_on_duplicate(p, what)
    p.add_argument("--push-tags", action="store_true", help=f"push the {tag} tag to origin")
    p.add_argument("--allow-dirty", action="store_true",
                   help="publish even with uncommitted changes to tracked files (which the tag "
                        "on HEAD will not hold)")
    p.add_argument("--accept-registry-bytes", action="store_true", help=ACCEPT_HELP)


def add_common(p: argparse.ArgumentParser) -> None:
    """What every binding's publish takes, after its positional arguments."""
    add_publish_options(
        p, dry_run="build and check, show what would be uploaded; upload and tag nothing",
        what="VERSION", tag="component")
    p.add_argument("--artifacts", type=Path, metavar="DIR",
                   help="upload the files in DIR (a build matrix's) instead of building; with "
                        "declared platforms, only one complete set per platform")
    p.add_argument("--backfill", action="store_true",
                   help="complete an already published version (PyPI, RubyGems): upload only "
                        "the platforms it lacks from --artifacts DIR")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from release_tasks.registries import REGISTRIES

    p.add_argument("binding", metavar="BINDING", help="the binding's name in release.toml")
    p.add_argument("version", metavar="VERSION",
                   help="the binding version X.Y.Z.P; must be what its version files say")
    add_common(p)
    for kind in REGISTRIES.values():
        kind.add_arguments(p.add_argument_group(f"{kind.label} bindings"))


def run_publish(args: argparse.Namespace, env: Mapping[str, str], kind_name: str | None) -> int:
    """The flow for ``args.binding`` (or, with ``kind_name``, the binding on that registry)."""
    from release_tasks.model.duplicates import parse_on_duplicate
    from release_tasks.publish import flow as publish
    from release_tasks.registries import REGISTRIES, kind_of, make_client

    mode = parse_on_duplicate(args.on_duplicate)
    config = load_config(args)
    name = args.binding
    if kind_name is not None:
        name = publish.binding_for(config, kind_name, name, version=args.version,
                                   root=args.repo)
    kind = kind_of(config.binding(name).registry)
    _refuse_other_options(args, name, kind, REGISTRIES.values())
    with make_client() as http:
        ctx = publish.make_context(
            args.repo, config, name, args.version, env, dry_run=args.dry_run,
            on_duplicate=mode, push_tags=args.push_tags, artifacts_dir=args.artifacts,
            options=kind.options(args), http=http, allow_dirty=args.allow_dirty,
            backfill=args.backfill, accept_registry_bytes=args.accept_registry_bytes)
        emit(publish.publish_binding(ctx))
    return 0


def _refuse_other_options(args: argparse.Namespace, name: str, kind: RegistryKind,
                          kinds: Iterable[RegistryKind]) -> None:
    """An option of another registry's bindings is an error, not silently ignored."""
    from release_tasks.errors import UsageError

    for other in kinds:
        given = other.options(args) if other is not kind else {}
        if given:
            options = ", ".join(f"--{key.replace('_', '-')}" for key in given)
            raise UsageError(f"{options}: for {other.label} bindings; {name} publishes to "
                             f"{kind.label}")


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    return run_publish(args, env, None)
