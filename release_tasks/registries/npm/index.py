"""The npm registry's version list (registry.npmjs.org, or any registry speaking its protocol,
such as Verdaccio).

``exists`` compares exact strings: the caller passes the npm rendering of the version
(``0.1.8002`` for ``0.1.8.2``), and npm, unlike PyPI and RubyGems, has no looser equality.
"""

from __future__ import annotations

import re
import time
from typing import Final

import httpx

from release_tasks.errors import UsageError
from release_tasks.registries import http
from release_tasks.registries.endpoints import Endpoints

REGISTRY: Final = "npm"
# The abbreviated "corgi" document lists versions without every README: far smaller.
ACCEPT: Final = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
# URL-safe package names, optionally scoped; legacy names may carry capitals.
_PACKAGE_NAME = re.compile(r"^(?:@[A-Za-z0-9~][A-Za-z0-9._~-]*/)?[A-Za-z0-9~][A-Za-z0-9._~-]*$")


def package_path(name: str) -> str:
    """The document path of package ``name``: ``@scope/pkg`` -> ``@scope%2fpkg``, as npm sends."""
    if not _PACKAGE_NAME.match(name):
        raise UsageError(f"{name!r} is not a valid npm package name (e.g. pkg or @scope/pkg)")
    return name.replace("/", "%2f")


def versions(client: httpx.Client, endpoints: Endpoints, name: str, *,
             sleep: http.Sleep = time.sleep) -> list[str]:
    """Every version of package ``name`` as npm spells it; ``[]`` if the package is absent."""
    url = f"{endpoints['registry']}{package_path(name)}"
    response = http.get(client, REGISTRY, url, headers={"Accept": ACCEPT}, sleep=sleep)
    if response is None:
        return []
    document = http.json_body(response, REGISTRY)
    if not isinstance(document, dict):
        raise http.malformed(REGISTRY, url, "expected a package document (a JSON object)")
    listed = document.get("versions")
    if listed is None and _fully_unpublished(document):
        return []
    if not isinstance(listed, dict):
        raise http.malformed(REGISTRY, url, 'expected a "versions" object')
    return [str(version) for version in listed]


def exists(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
           sleep: http.Sleep = time.sleep) -> bool:
    """Whether package ``name`` has exactly ``version`` (already in npm's rendering)."""
    return version in versions(client, endpoints, name, sleep=sleep)


def _fully_unpublished(document: dict[str, object]) -> bool:
    # A package whose every version was unpublished keeps a stub with only "time".
    time_field = document.get("time")
    return isinstance(time_field, dict) and "unpublished" in time_field
