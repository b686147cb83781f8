"""Already-published detection: one module per registry, all with the same interface.

Each module answers two questions over one shared ``httpx.Client`` (see
:func:`~release_tasks.registries.http.make_client`): which versions a package has, and
whether one version (already in the registry's own rendering) is among them. A definite
"absent" is the only answer that reads as not published; every other failure raises.
"""

from __future__ import annotations

from typing import Final, Protocol

import httpx

from release_tasks.registries import crates_io, npm, pypi, rubygems
from release_tasks.registries.endpoints import Endpoints, endpoints_from_env
from release_tasks.registries.http import REGISTRY_LABELS, Sleep, check_url, get, make_client
from release_tasks.version import Registry


class RegistryClient(Protocol):
    """What every registry module provides."""

    def versions(
        self, client: httpx.Client, endpoints: Endpoints, name: str, *, sleep: Sleep = ...
    ) -> list[str]:
        """Every version the registry has for ``name``; ``[]`` if the package is absent."""
        ...

    def exists(
        self,
        client: httpx.Client,
        endpoints: Endpoints,
        name: str,
        version: str,
        *,
        sleep: Sleep = ...,
    ) -> bool:
        """Whether ``version``, in the registry's rendering, is published for ``name``."""
        ...


REGISTRY_CLIENTS: Final[dict[Registry, RegistryClient]] = {
    "crates-io": crates_io,
    "rubygems": rubygems,
    "pypi": pypi,
    "npm": npm,
}

__all__ = [
    "REGISTRY_CLIENTS",
    "REGISTRY_LABELS",
    "Endpoints",
    "RegistryClient",
    "check_url",
    "endpoints_from_env",
    "get",
    "make_client",
]
