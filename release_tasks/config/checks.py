"""What :mod:`release_tasks.config.load` checks beyond each key's own value: what no two
components may share, and that every path the config names is in the tree git tracks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from release_tasks import registries as kinds

if TYPE_CHECKING:
    from release_tasks.git.repository import Tree
    from release_tasks.model.components import Binding, Config, Core
    from release_tasks.model.version import Registry


def tree_problems(config: Config, tree: Tree) -> list[str]:
    """Every path pattern and binding directory of ``config`` that names nothing in ``tree``.

    A typo there would not fail anywhere else: the component's changes would silently
    stop counting, and ``detect`` would call it unchanged.
    """
    problems = []
    hint = "matches no file tracked by git; a typo here hides the component's changes"
    for group in config.core.groups:
        for pattern in group.paths.patterns:
            if not tree.matches(pattern):
                problems.append(f"core.groups.{group.name}.paths: {pattern!r} {hint}")
    for binding in config.bindings:
        if binding.directory and not tree.is_directory(binding.directory):
            problems.append(f"bindings.{binding.name}.directory: {binding.directory!r} is not "
                            "a directory holding files tracked by git")
        for pattern in binding.paths.patterns:
            if pattern != binding.directory and not tree.matches(pattern):
                problems.append(f"bindings.{binding.name}.paths: {pattern!r} {hint}")
    return problems



def _package_key(registry: Registry, package: str) -> str:
    """``package`` as its registry compares names (PyPI normalizes them, PEP 503)."""
    return kinds.kind_of(registry).package_key(package)


def across_components(core: Core, bindings: Sequence[Binding]) -> list[str]:
    """What no two components may share: env keys, tag prefixes, crates, packages."""
    problems: list[str] = []
    names = [b.name for b in bindings]
    keys = [g.env_key for g in core.groups] + [b.env_key for b in bindings] + ["CORE"]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"env-key {key!r} is used by more than one component")
    prefixes = [core.tag_prefix] + [b.tag_prefix for b in bindings]
    for prefix in sorted({p for p in prefixes if prefixes.count(p) > 1}):
        problems.append(f"tag-prefix {prefix!r} is used by more than one component")
    crates = core.crates
    for crate in sorted({c for c in crates if crates.count(c) > 1}):
        problems.append(f"core.groups: crate {crate!r} is listed in more than one group")
    published: dict[tuple[Registry, str], list[str]] = {}
    for binding in bindings:
        if binding.package:
            owner = (binding.registry, _package_key(binding.registry, binding.package))
            published.setdefault(owner, []).append(binding.name)
    for (registry, package), owners in published.items():
        if len(owners) > 1:
            problems.append(
                f"bindings {' and '.join(owners)} all publish {package!r} to {registry}: "
                "a package belongs to one binding")
    for group in core.groups:
        for target in group.propagates_to:
            if target not in names:
                problems.append(
                    f"core.groups.{group.name}.propagates-to: {target!r} is not a binding "
                    f"(bindings: {', '.join(names) or 'none'})")
    return problems
