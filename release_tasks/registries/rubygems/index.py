"""RubyGems' version list (rubygems.org, or any host serving its ``/api/v1/versions`` API).

Versions are compared with RubyGems' own equality, under which ``0.1.8.0`` *is* ``0.1.8``:
pushing one when the other exists is refused, so either counts as published. The list has
one entry per platform build of a version (``ruby``, ``x86_64-linux``, ...).
"""

from __future__ import annotations

import re
import time
from typing import Final
from urllib.parse import quote

import httpx

from release_tasks.errors import UsageError, VersionError
from release_tasks.registries import http
from release_tasks.registries.endpoints import Endpoints
from release_tasks.registries.interface import RemoteFile
from release_tasks.registries.rubygems.order import gem_key

REGISTRY: Final = "rubygems"
#: How the registry is named in messages (the HTTP layer is handed it).
LABEL: Final = "RubyGems"
# Gem::Specification's name rule: what can appear in a gem's name and so in its URL.
_GEM_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def _versions_url(endpoints: Endpoints, name: str) -> str:
    if not _GEM_NAME.match(name):
        raise UsageError(f"{name!r} is not a valid gem name (letters, digits, ., - and _)")
    return f"{endpoints['host']}/api/v1/versions/{quote(name, safe='')}.json"


def _documents(client: httpx.Client, endpoints: Endpoints, name: str,
               sleep: http.Sleep) -> list[dict[str, object]]:
    """The entries of ``/api/v1/versions/NAME.json``, each with a ``number`` string."""
    url = _versions_url(endpoints, name)
    response = http.get(client, LABEL, url, sleep=sleep)
    if response is None:
        return []
    document = http.json_body(response, LABEL)
    if not isinstance(document, list):
        raise http.malformed(LABEL, url, "expected a list of versions")
    for entry in document:
        if not isinstance(entry, dict) or not isinstance(entry.get("number"), str):
            raise http.malformed(LABEL, url, 'a version entry has no "number" string')
    return document


def entries(client: httpx.Client, endpoints: Endpoints, name: str, *,
            sleep: http.Sleep = time.sleep) -> list[tuple[str, str | None]]:
    """``(number, platform)`` of every build of gem ``name``; ``[]`` if the gem is absent.
    The platform is ``None`` where the entry has no readable one."""
    found: list[tuple[str, str | None]] = []
    for entry in _documents(client, endpoints, name, sleep):
        platform = entry.get("platform", "ruby")
        build = (str(entry["number"]), platform if isinstance(platform, str) else None)
        if build not in found:
            found.append(build)
    return found


def gem_file_name(name: str, number: str, platform: str) -> str:
    """``name-number.gem``, or ``name-number-platform.gem`` for a platform gem (the
    ``Gem::Specification#file_name`` of that build)."""
    return f"{name}-{number}.gem" if platform == "ruby" else f"{name}-{number}-{platform}.gem"


def files(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
          sleep: http.Sleep = time.sleep) -> list[RemoteFile]:
    """Every build (source gem, platform gems) of ``version``, with the ``sha`` (SHA-256)
    RubyGems lists for it."""
    found = []
    for entry in _documents(client, endpoints, name, sleep):
        number, platform, sha = entry["number"], entry.get("platform", "ruby"), entry.get("sha")
        if not isinstance(platform, str):
            raise http.malformed(LABEL, _versions_url(endpoints, name),
                                 'a version entry without a "platform" string')
        if isinstance(number, str) and equal(number, version):
            digests = {"sha256": sha.lower()} if isinstance(sha, str) and sha else {}
            found.append(RemoteFile(name=gem_file_name(name, number, platform), digests=digests))
    return found


def versions(client: httpx.Client, endpoints: Endpoints, name: str, *,
             sleep: http.Sleep = time.sleep) -> list[str]:
    """Every version number of gem ``name`` (once each, across platforms); ``[]`` if absent."""
    return list(dict.fromkeys(number for number, _ in entries(client, endpoints, name,
                                                               sleep=sleep)))


def builds(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
           sleep: http.Sleep = time.sleep) -> list[tuple[str, str]]:
    """``(number, platform)`` of every live build of ``version`` (RubyGems' equality)."""
    found = []
    for number, platform in entries(client, endpoints, name, sleep=sleep):
        if platform is None:
            url = _versions_url(endpoints, name)
            raise http.malformed(LABEL, url, 'a version entry without "number" and '
                                 '"platform" strings')
        if equal(number, version):
            found.append((number, platform))
    return found


def exists(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
           sleep: http.Sleep = time.sleep) -> bool:
    """Whether gem ``name`` has a version equal to ``version`` in RubyGems' sense."""
    return any(equal(found, version) for found in versions(client, endpoints, name, sleep=sleep))


def equal(a: str, b: str) -> bool:
    """RubyGems' equality (``0.1.8.0 == 0.1.8``); an unparsable string equals nothing."""
    try:
        return gem_key(a) == gem_key(b)
    except VersionError:
        return False
