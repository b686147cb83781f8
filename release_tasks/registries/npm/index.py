"""The npm registry's version list (registry.npmjs.org, or any registry speaking its protocol,
such as Verdaccio).

``exists`` compares exact strings: the caller passes the npm rendering of the version
(``0.1.8002`` for ``0.1.8.2``), and npm, unlike PyPI and RubyGems, has no looser equality.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from typing import Final

import httpx

from release_tasks.errors import UsageError
from release_tasks.registries import http
from release_tasks.registries.endpoints import Endpoints
from release_tasks.registries.interface import RemoteFile

REGISTRY: Final = "npm"
#: How the registry is named in messages (the HTTP layer is handed it).
LABEL: Final = "npm"
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
    return [str(version) for version in _versions(client, endpoints, name, sleep)]


def tarball_name(name: str, version: str) -> str:
    """The file ``npm pack`` writes: ``@scope/pkg`` 1.2.3 -> ``scope-pkg-1.2.3.tgz``."""
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def files(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
          sleep: http.Sleep = time.sleep) -> list[RemoteFile]:
    """The tarball of ``version`` (npm's rendering), named as ``npm pack`` names it, with
    its ``dist.integrity`` (SHA-512) and ``dist.shasum`` (SHA-1)."""
    entry = _versions(client, endpoints, name, sleep).get(version)
    if entry is None:
        return []
    dist = entry.get("dist") if isinstance(entry, dict) else None
    digests: dict[str, str] = {}
    if isinstance(dist, dict):
        integrity = dist.get("integrity")
        if isinstance(integrity, str):
            digests.update(_integrity_digests(integrity))
        if isinstance(dist.get("shasum"), str):
            digests["sha1"] = str(dist["shasum"]).lower()
    attestations = dist.get("attestations") if isinstance(dist, dict) else None
    provenance = attestations.get("url") if isinstance(attestations, dict) else None
    return [RemoteFile(name=tarball_name(name, version), digests=digests,
                       provenance=str(provenance) if provenance else None)]


def _integrity_digests(integrity: str) -> dict[str, str]:
    """Subresource Integrity (``sha512-BASE64 ...``) as hex digests by algorithm."""
    found = {}
    for item in integrity.split():
        algorithm, _, encoded = item.partition("-")
        try:
            found[algorithm.lower()] = base64.b64decode(encoded.split("?")[0],
                                                        validate=True).hex()
        except (binascii.Error, ValueError):
            continue
    return found


def _versions(client: httpx.Client, endpoints: Endpoints, name: str,
              sleep: http.Sleep) -> dict[str, object]:
    url = f"{endpoints['registry']}{package_path(name)}"
    response = http.get(client, LABEL, url, headers={"Accept": ACCEPT}, sleep=sleep)
    if response is None:
        return {}
    document = http.json_body(response, LABEL)
    if not isinstance(document, dict):
        raise http.malformed(LABEL, url, "expected a package document (a JSON object)")
    listed = document.get("versions")
    if listed is None and _fully_unpublished(document):
        return {}
    if not isinstance(listed, dict):
        raise http.malformed(LABEL, url, 'expected a "versions" object')
    return {str(k): v for k, v in listed.items()}


def exists(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
           sleep: http.Sleep = time.sleep) -> bool:
    """Whether package ``name`` has exactly ``version`` (already in npm's rendering)."""
    return version in versions(client, endpoints, name, sleep=sleep)


def _fully_unpublished(document: dict[str, object]) -> bool:
    # A package whose every version was unpublished keeps a stub with only "time".
    time_field = document.get("time")
    return isinstance(time_field, dict) and "unpublished" in time_field
