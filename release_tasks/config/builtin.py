"""The built-in Tasker layout: the config of a repository shaped like the design document's.

The layout is a ``release.toml`` shipped with the package (``release_tasks/data/tasker.toml``),
read like any other. It applies only to a repository without ``release.toml`` whose tree has
that shape (its core crate directories and binding directories are tracked by git); any other
repository must describe itself, or its changes would be matched against paths it does not
have.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_tasks.errors import ConfigError

if TYPE_CHECKING:
    from release_tasks.git.repository import Tree

    #: The Tasker layout of the design document, as raw ``release.toml`` data.
    DEFAULT_CONFIG: Mapping[str, Any]

SOURCE = "built-in Tasker layout"
DATA_FILE = "data/tasker.toml"


@cache
def default_config() -> Mapping[str, Any]:
    """The layout's raw ``release.toml`` data, read from the package on first use (a stage
    in a repository with its own ``release.toml`` never reads it)."""
    # The file sits next to this module in a checkout, a wheel and an editable install alike.
    path = Path(__file__).resolve().parent.parent / DATA_FILE
    return tomllib.loads(path.read_text(encoding="utf-8"))


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_CONFIG":
        return default_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def missing(tree: Tree) -> list[str]:
    """The directories of the layout (core crates, bindings) that ``tree`` does not have."""
    data = default_config()
    groups = data["core"]["groups"].values()
    wanted = [*(c for g in groups for c in g["crates"]),
              *(b["directory"] for b in data["bindings"].values())]
    return [d for d in wanted if not tree.is_directory(d)]


def require(root: Path, tree: Tree) -> None:
    """Refuse a repository without ``release.toml`` whose tree is not the Tasker layout."""
    absent = missing(tree)
    if absent:
        raise ConfigError([
            f"not found at the top level of {root}, and the tree does not have the built-in "
            f"Tasker layout (no {', '.join(d + '/' for d in absent)}): write a release.toml "
            "there that describes the repository's crates and bindings (see README.md, "
            '"Using it in a real monorepo")'], "release.toml")
