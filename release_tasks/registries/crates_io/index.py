"""The version list of crates.io, or of an alternative cargo registry read through its
sparse index, and the one file of each version: its ``.crate`` and that file's sha256.

crates.io is asked through its web API, which is authoritative the moment a publish
returns (each version carries ``checksum``). An alternative registry
(``RELEASE_TASKS_CARGO_REGISTRY``) is read the way cargo reads it: ``config.json`` and the
newline-delimited JSON index file of the crate, whose lines carry ``cksum``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

import httpx

from release_tasks.errors import RegistryError, RegistryUnavailable, UsageError
from release_tasks.registries import http
from release_tasks.registries.endpoints import Endpoints
from release_tasks.registries.interface import RemoteFile

REGISTRY: Final = "crates-io"
#: How the registry is named in messages (the HTTP layer is handed it).
LABEL: Final = "crates.io"
# What crates.io accepts as a crate name; anything else cannot be in any cargo index.
_CRATE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
# crates.io hands out every version when no per_page is given, and a ``next_page`` query
# otherwise; the bound stops a registry that keeps answering "next" from looping forever.
_MAX_PAGES = 100
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Listed:
    """One version of a crate as the registry lists it, with its ``.crate``'s sha256
    (``None`` when the registry gives none)."""

    version: str
    sha256: str | None


def crate_file(name: str, version: str) -> str:
    """The name of the one file of a crate version, as cargo writes and registries keep it."""
    return f"{name}-{version}.crate"


def listing(client: httpx.Client, endpoints: Endpoints, name: str, *,
            sleep: http.Sleep = time.sleep) -> list[Listed]:
    """Every version of crate ``name`` with its checksum (yanked ones too); ``[]`` if the
    crate is absent. One request for an index, one per page of crates.io's API."""
    _check_name(name)
    if endpoints.get("index") is not None:
        return _index_listing(client, endpoints, name, sleep)
    url: str | None = f"{endpoints['api']}/api/v1/crates/{name}/versions"
    found: list[Listed] = []
    for _ in range(_MAX_PAGES):
        if url is None:
            return found
        response = http.get(client, LABEL, url, sleep=sleep)
        if response is None:
            return found
        document = http.json_body(response, LABEL)
        found.extend(_api_versions(document, url))
        url = _next_page(document, url)
    raise RegistryError(f"crates.io: more than {_MAX_PAGES} pages of versions for {name}")


def versions(client: httpx.Client, endpoints: Endpoints, name: str, *,
             sleep: http.Sleep = time.sleep) -> list[str]:
    """Every version of crate ``name`` (yanked ones too); ``[]`` if the crate is absent."""
    return [entry.version for entry in listing(client, endpoints, name, sleep=sleep)]


def files(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
          sleep: http.Sleep = time.sleep) -> list[RemoteFile]:
    """The files of ``version`` on the registry: its ``NAME-VERSION.crate`` with the sha256
    the registry lists for it (no digest when it lists none), or ``[]`` when that version is
    not there (build metadata aside: registries refuse ``1.0.0+b`` once ``1.0.0+a`` is
    published, so it would be the same file name)."""
    return files_in(listing(client, endpoints, name, sleep=sleep), name, version)


def files_in(listed: list[Listed], name: str, version: str) -> list[RemoteFile]:
    """:func:`files` from a listing already read."""
    wanted = _without_build_metadata(version)
    return [RemoteFile(name=crate_file(name, entry.version),
                       digests={"sha256": entry.sha256} if entry.sha256 else {})
            for entry in listed if _without_build_metadata(entry.version) == wanted]


def exists(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
           sleep: http.Sleep = time.sleep) -> bool:
    """Whether crate ``name`` has ``version`` (yanked counts: a version is never reusable)."""
    _check_name(name)
    if endpoints.get("index") is not None:
        return bool(files_in(_index_listing(client, endpoints, name, sleep), name, version))
    url = f"{endpoints['api']}/api/v1/crates/{name}/{quote(version, safe='')}"
    response = http.get(client, LABEL, url, sleep=sleep)
    if response is None:
        return False
    document = http.json_body(response, LABEL)
    if not isinstance(document, dict) or not isinstance(document.get("version"), dict):
        raise http.malformed(LABEL, url, 'expected an object with a "version" object')
    return True


def index_path(name: str) -> str:
    """Where cargo's index keeps crate ``name``: ``1/a``, ``2/ab``, ``3/a/abc``, ``se/rd/serde``."""
    lowered = name.lower()
    if len(lowered) <= 2:
        return f"{len(lowered)}/{lowered}"
    if len(lowered) == 3:
        return f"3/{lowered[0]}/{lowered}"
    return f"{lowered[0:2]}/{lowered[2:4]}/{lowered}"


def index_config(
    client: httpx.Client, index: str, *, sleep: http.Sleep = time.sleep
) -> dict[str, str]:
    """The sparse index's ``config.json`` (``dl``, ``api``, ...).

    Read before any index file: if the index URL is wrong, every crate would otherwise look
    absent, and a missing ``config.json`` tells that apart from a crate not yet published.
    """
    url = f"{index}config.json"
    response = http.get(client, LABEL, url, sleep=sleep)
    if response is None:
        raise RegistryError(
            f"{http.shown_url(url)} does not exist, so this is not a cargo sparse index; "
            "check the registry's CARGO_REGISTRIES_<NAME>_INDEX value"
        )
    document = http.json_body(response, LABEL)
    if not isinstance(document, dict) or not isinstance(document.get("dl"), str):
        raise http.malformed(LABEL, url, 'expected an object with a "dl" string')
    api = document.get("api")
    if api is not None and not isinstance(api, str):
        raise http.malformed(LABEL, url, '"api" must be a string')
    return {key: value for key, value in document.items() if isinstance(value, str)}


def parse_index_file(text: str, url: str) -> list[str]:
    """The ``vers`` of every line of an index file; yanked entries are kept."""
    return [entry.version for entry in parse_index_entries(text, url)]


def parse_index_entries(text: str, url: str) -> list[Listed]:
    """The ``vers`` and ``cksum`` of every line of an index file; yanked entries are kept."""
    found: list[Listed] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise http.malformed(LABEL, url, f"line {number} is not JSON ({exc})") from exc
        if not isinstance(entry, dict) or not isinstance(entry.get("vers"), str):
            raise http.malformed(LABEL, url, f'line {number} has no "vers" string')
        found.append(Listed(entry["vers"], _sha256(entry.get("cksum"), url, number)))
    return found


def _index_listing(client: httpx.Client, endpoints: Endpoints, name: str,
                   sleep: http.Sleep) -> list[Listed]:
    index = endpoints["index"]
    try:
        index_config(client, index, sleep=sleep)
        url = f"{index}{index_path(name)}"
        response = http.get(client, LABEL, url, sleep=sleep)
        if response is None:
            return []
        return parse_index_entries(response.text, url)
    except (RegistryUnavailable, RegistryError) as exc:
        # The registry a component really publishes to, as cargo names it: not crates.io.
        where = f"cargo registry {endpoints.get('registry', index)}"
        if isinstance(exc, RegistryUnavailable):
            raise RegistryUnavailable(where, exc.url, exc.reason) from None
        said = str(exc)
        if not said.startswith(LABEL):
            raise
        raise RegistryError(where + said.removeprefix(LABEL)) from None


def _api_versions(document: object, url: str) -> list[Listed]:
    versions = document.get("versions") if isinstance(document, dict) else None
    if not isinstance(versions, list):
        raise http.malformed(LABEL, url, 'expected an object with a "versions" list')
    found = []
    for number, entry in enumerate(versions, start=1):
        num = entry.get("num") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(num, str):
            raise http.malformed(LABEL, url, 'a "versions" entry has no "num" string')
        found.append(Listed(num, _sha256(entry.get("checksum"), url, number)))
    return found


def _sha256(value: object, url: str, number: int) -> str | None:
    # A checksum that is there but not a sha256 is a broken answer, not "no checksum".
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256.fullmatch(value.lower()):
        raise http.malformed(LABEL, url, f"entry {number} has a checksum that is not a "
                                            f"sha256: {value!r}")
    return value.lower()


def _next_page(document: object, url: str) -> str | None:
    meta = document.get("meta") if isinstance(document, dict) else None
    next_page = meta.get("next_page") if isinstance(meta, dict) else None
    if not next_page:
        return None
    if not isinstance(next_page, str):
        raise http.malformed(LABEL, url, '"meta.next_page" must be a string')
    # crates.io gives only the query string ("?per_page=..&seek=..") of the next page.
    return str(httpx.URL(url).join(next_page))


def _without_build_metadata(version: str) -> str:
    # Registries refuse 1.0.0+b once 1.0.0+a is published: build metadata is not a new version.
    return version.partition("+")[0]


def _check_name(name: str) -> None:
    if not _CRATE_NAME.match(name):
        raise UsageError(f"{name!r} is not a valid crate name (letters, digits, - and _)")
