"""Fixture repositories with the shapes real Rust-plus-bindings monorepos have.

``build(name, dest)`` gives a fresh copy of the shape ``name`` at ``dest``: each shape is
built once per test session (git history, real lockfiles) and copied per test, so a test
may change its copy freely. ``SHAPES`` lists every shape; ``FIVE_STAGE_SHAPES`` those that
release without an error (with their ``plan_args``).
"""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from tests.trees import nimbus, orbit, starting
from tests.trees.model import Blocked, Edit, Fixture

__all__ = ["FIVE_STAGE_SHAPES", "SHAPES", "Blocked", "Edit", "Fixture", "build"]

Builder = Callable[[Path], Fixture]

SHAPES: dict[str, Builder] = {
    "rooted": orbit.rooted,
    "virtual": nimbus.virtual,
    "starting-state": starting.starting_state,
    "adopted-ruby": partial(orbit.adopted, change="ruby"),
    "adopted-python": partial(orbit.adopted, change="python"),
    "adopted-typescript": partial(orbit.adopted, change="typescript"),
    "adopted-ffi": partial(orbit.adopted, change="ffi"),
    "by-hand": orbit.by_hand,
    "missing-tag": orbit.missing_tag,
    "renamed": orbit.renamed,
    "renamed-stale-lockfiles": partial(orbit.renamed, stale_lockfiles=True),
    "virtual-dynamic-python": nimbus.virtual_dynamic_python,
}

#: Shapes on which every stage must succeed (a blocked plan succeeds with its plan_args).
FIVE_STAGE_SHAPES = ("rooted", "virtual", "starting-state", "adopted-ruby", "adopted-ffi",
                     "adopted-python", "adopted-typescript", "by-hand", "missing-tag", "renamed")

_templates: dict[str, Fixture] = {}
_workdir: Path | None = None


def _template(name: str) -> Fixture:
    global _workdir
    if name not in _templates:
        if _workdir is None:
            _workdir = Path(tempfile.mkdtemp(prefix="release-trees-"))
            atexit.register(shutil.rmtree, _workdir, ignore_errors=True)
        target = _workdir / name
        if target.exists():  # a build that failed half-way
            shutil.rmtree(target)
        _templates[name] = SHAPES[name](target)
    return _templates[name]


def build(name: str, dest: Path) -> Fixture:
    """A fresh copy of shape ``name`` at ``dest`` (which must not exist)."""
    template = _template(name)
    shutil.copytree(template.root, dest, symlinks=True)
    return dataclasses.replace(template, root=dest)
