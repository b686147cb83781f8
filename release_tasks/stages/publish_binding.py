"""``publish_ruby``, ``publish_python``, ``publish_typescript``: one binding's publish."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from release_tasks.stages._args import add_on_duplicate, add_repo, emit, load_config

if TYPE_CHECKING:
    from release_tasks.publish_common import Target
    from release_tasks.version import Registry

HELP_RUBY = "build the gem, check it, push it to RubyGems, tag it"
HELP_PYTHON = "build wheels and sdist with maturin, check, upload to PyPI, tag"
HELP_TYPESCRIPT = "build and pack the npm package, check it, publish it, tag it"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("version", metavar="VERSION",
                   help="the binding version X.Y.Z.P; must be what its version files say")
    add_repo(p)
    p.add_argument("--binding", metavar="NAME",
                   help="the binding to publish (default: the one on this stage's registry)")
    p.add_argument("--dry-run", action="store_true",
                   help="build and check, show what would be uploaded; upload and tag nothing")
    add_on_duplicate(p, "VERSION")
    p.add_argument("--push-tags", action="store_true", help="push the component tag to origin")


def add_python_arguments(p: argparse.ArgumentParser) -> None:
    add_arguments(p)
    p.add_argument("--artifacts", type=Path, metavar="DIR",
                   help="upload the wheels and sdist in DIR instead of building")
    p.add_argument("--compatibility", metavar="TAG",
                   help="maturin --compatibility (default: $RELEASE_TASKS_MATURIN_COMPATIBILITY, "
                        "[tool.maturin] compatibility, else pypi)")
    p.add_argument("--zig", action="store_true",
                   help="build with zig (automatic for a manylinux older than this glibc)")


def _publish(args: argparse.Namespace, env: Mapping[str, str], registry: Registry,
             target: Target) -> int:
    from release_tasks import publish_common
    from release_tasks.registries.duplicates import parse_on_duplicate

    mode = parse_on_duplicate(args.on_duplicate)
    config = load_config(args)
    name = publish_common.binding_for(config, registry, args.binding)
    ctx = publish_common.make_context(
        args.repo, config, name, args.version, env, dry_run=args.dry_run, on_duplicate=mode,
        push_tags=args.push_tags, artifacts_dir=getattr(args, "artifacts", None))
    emit(publish_common.publish_binding(target, ctx))
    return 0


def run_ruby(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish_ruby import RubyTarget

    return _publish(args, env, "rubygems", RubyTarget())


def run_python(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish_python import PythonTarget

    return _publish(args, env, "pypi", PythonTarget(args.compatibility, args.zig))


def run_typescript(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish_typescript import TypeScriptTarget

    return _publish(args, env, "npm", TypeScriptTarget())
