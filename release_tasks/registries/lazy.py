"""Names a module lends from another, loaded when first asked for (a PEP 562 ``__getattr__``).

A registry kind's package offers its index client's functions (``npm.versions``) without
importing the client, which speaks HTTP, until one is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any


def lend(owner: str, source: str, names: Iterable[str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of module ``owner``: each of ``names`` from module ``source``."""
    lent = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name in lent:
            return getattr(importlib.import_module(source), name)
        raise AttributeError(f"module {owner!r} has no attribute {name!r}")

    return __getattr__
