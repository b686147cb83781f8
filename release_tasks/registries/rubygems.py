"""RubyGems (rubygems.org, or any host serving its ``/api/v1/versions`` API).

Versions are compared with RubyGems' own equality, under which ``0.1.8.0`` *is* ``0.1.8``:
pushing one when the other exists is refused, so either counts as published.
"""

from __future__ import annotations

import re
import time
from typing import Final
from urllib.parse import quote

import httpx

from release_tasks.errors import UsageError
from release_tasks.registries import http
from release_tasks.registries.endpoints import Endpoints
from release_tasks.version import rubygems_equal

REGISTRY: Final = "rubygems"
# Gem::Specification's name rule: what can appear in a gem's name and so in its URL.
_GEM_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def versions(
    client: httpx.Client, endpoints: Endpoints, name: str, *, sleep: http.Sleep = time.sleep
) -> list[str]:
    """Every version number of gem ``name`` (once each, across platforms); ``[]`` if absent."""
    if not _GEM_NAME.match(name):
        raise UsageError(f"{name!r} is not a valid gem name (letters, digits, ., - and _)")
    url = f"{endpoints.rubygems_host}/api/v1/versions/{quote(name, safe='')}.json"
    response = http.get(client, REGISTRY, url, sleep=sleep)
    if response is None:
        return []
    document = http.json_body(response, REGISTRY)
    if not isinstance(document, list):
        raise http.malformed(REGISTRY, url, "expected a list of versions")
    found: list[str] = []
    for entry in document:
        number = entry.get("number") if isinstance(entry, dict) else None
        if not isinstance(number, str):
            raise http.malformed(REGISTRY, url, 'a version entry has no "number" string')
        # Each platform build (ruby, x86_64-linux, ...) is listed separately.
        if number not in found:
            found.append(number)
    return found


def exists(
    client: httpx.Client,
    endpoints: Endpoints,
    name: str,
    version: str,
    *,
    sleep: http.Sleep = time.sleep,
) -> bool:
    """Whether gem ``name`` has a version equal to ``version`` in RubyGems' sense."""
    return any(
        rubygems_equal(found, version) for found in versions(client, endpoints, name, sleep=sleep)
    )
