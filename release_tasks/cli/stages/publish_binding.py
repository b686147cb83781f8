"""``publish_ruby``, ``publish_python``, ``publish_typescript``: ``publish`` of the binding on
that stage's registry (the one there; of several, ``--binding NAME`` or the only one whose
version file says VERSION)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

from release_tasks.cli.stages.publish import add_common, run_publish

if TYPE_CHECKING:
    from release_tasks.registries.interface import RegistryKind

HELP_RUBY = "build the gem, check it, push it to RubyGems, tag it"
HELP_PYTHON = "build wheels and sdist with maturin, check, upload to PyPI, tag"
HELP_TYPESCRIPT = "build and pack the npm package, check it, publish it, tag it"


def _kind(alias: str) -> RegistryKind:
    """The registry kind whose bindings the stage ``alias`` publishes."""
    from release_tasks.registries import REGISTRIES

    return next(kind for kind in REGISTRIES.values() if kind.alias == alias)


def _add(p: argparse.ArgumentParser, alias: str) -> None:
    p.add_argument("version", metavar="VERSION",
                   help="the binding version X.Y.Z.P; must be what its version files say")
    p.add_argument("--binding", metavar="NAME",
                   help="the binding to publish (default: the one on this stage's registry)")
    add_common(p)
    _kind(alias).add_arguments(p)


def add_ruby_arguments(p: argparse.ArgumentParser) -> None:
    _add(p, "publish_ruby")


def add_python_arguments(p: argparse.ArgumentParser) -> None:
    _add(p, "publish_python")


def add_typescript_arguments(p: argparse.ArgumentParser) -> None:
    _add(p, "publish_typescript")


def run_ruby(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    return run_publish(args, env, _kind("publish_ruby").name)


def run_python(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    return run_publish(args, env, _kind("publish_python").name)


def run_typescript(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    return run_publish(args, env, _kind("publish_typescript").name)
