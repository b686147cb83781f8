"""The platforms ``init`` proposes for a binding: what its own setup names, as its registry
kind reads it (napi's ``targets`` in ``package.json``, rb-sys's ``cross_platform`` or a
gemspec's ``platform``, maturin's ``[tool.maturin] compatibility``); else the machine's own
platform, and ``source`` where the registry has a source package (not for npm, where
platforms mean a package per platform, which only napi's setup says a binding has). Pure:
it is given the tree's files and the host platform.
"""

from __future__ import annotations

import dataclasses

from release_tasks.init.model import FoundBinding, Sources
from release_tasks.model import platforms
from release_tasks.registries import kind_of

__all__ = ["with_platforms"]


def with_platforms(binding: FoundBinding, src: Sources) -> FoundBinding:
    """``binding`` with the platforms its setup names, and why."""
    kind = kind_of(binding.registry)
    found, why = kind.setup_platforms(src.read, src.tree.files, binding.directory, src.host)
    per_platform = any(kind.platform_package(binding.package, p) != binding.package
                       for p in kind.platform_tags)
    # Declared platforms make an npm binding a package per platform (napi-rs's layout): only
    # its own setup (napi's targets) says it is one.
    if not found and src.host is not None and not per_platform:
        source = platforms.SOURCE in kind.platform_tags
        found = (src.host, platforms.SOURCE) if source else (src.host,)
        why = (f"this machine's platform ({src.host}){' and the source package' if source else ''}"
               ": its setup names no other; add the platforms its users need")
    return dataclasses.replace(binding, platforms=platforms.ordered(found), platforms_why=why)
