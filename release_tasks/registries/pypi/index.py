"""The version list of PyPI and the indexes that speak its simple API: TestPyPI, pypiserver,
devpi.

The simple API (PEP 503 HTML, PEP 691 JSON) is the one every index serves; the JSON API
(``/pypi/<name>/json``) is PyPI-only. Versions are read from the file names, the way pip
reads them, and compared with PEP 440 equality, under which ``0.1.8.0`` *is* ``0.1.8``.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import unquote, urlsplit

import httpx
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from release_tasks.errors import UsageError
from release_tasks.registries import http
from release_tasks.registries.endpoints import Endpoints
from release_tasks.registries.interface import RemoteFile

REGISTRY: Final = "pypi"
#: How the registry is named in messages (the HTTP layer is handed it).
LABEL: Final = "PyPI"
# JSON first; HTML for indexes that have no JSON (pypiserver); bare text/html for old ones.
ACCEPT: Final = ", ".join(
    (
        "application/vnd.pypi.simple.v1+json",
        "application/vnd.pypi.simple.v1+html;q=0.2",
        "text/html;q=0.01",
    )
)
# PEP 508's name rule; it also keeps "/" and ".." out of the URL.
_PROJECT_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
# Archive types once uploaded as sdists, which parse_sdist_filename (.tar.gz/.zip) refuses.
_LEGACY_SDIST_SUFFIXES: Final = (".tar.bz2", ".tar.xz", ".tgz", ".tar")


def project_url(endpoints: Endpoints, name: str) -> str:
    """The project's page on the index: ``{index}{normalized-name}/`` (PEP 503)."""
    if not _PROJECT_NAME.match(name):
        raise UsageError(f"{name!r} is not a valid Python project name (PEP 508)")
    return f"{endpoints['index']}{canonicalize_name(name)}/"


def versions(client: httpx.Client, endpoints: Endpoints, name: str, *,
             sleep: http.Sleep = time.sleep) -> list[str]:
    """Every version with at least one file on the index; ``[]`` if the project is absent."""
    links, listed = _project_page(client, endpoints, name, sleep)
    project = canonicalize_name(name)
    found: list[str] = []
    for candidate in [*listed, *(version_of(f, project) for f, _, _ in links)]:
        if candidate is not None and candidate not in found:
            found.append(candidate)
    return found


def files(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
          sleep: http.Sleep = time.sleep) -> list[RemoteFile]:
    """The distributions (wheels, sdist) of a version PEP 440-equal to ``version``, with the
    SHA-256 the index gives (PEP 691 ``hashes``; PEP 503 ``#sha256=`` fragments)."""
    links, _ = _project_page(client, endpoints, name, sleep)
    project = canonicalize_name(name)
    found: dict[str, RemoteFile] = {}
    for filename, digests, provenance in links:
        listed = version_of(filename, project)
        mine = listed is not None and equal(listed, version)
        if mine and (filename not in found or digests):  # an anchor's text has no digest
            found[filename] = RemoteFile(name=filename, digests=digests, provenance=provenance)
    return list(found.values())


#: A file of a project page: its name, digests and provenance URL (PEP 740), if any.
_Link = tuple[str, dict[str, str], str | None]


def _project_page(client: httpx.Client, endpoints: Endpoints, name: str, sleep: http.Sleep,
                  ) -> tuple[list[_Link], list[str]]:
    """The project page's files (name, digests, provenance URL) and its listed versions
    (PEP 700)."""
    url = project_url(endpoints, name)
    response = http.get(client, LABEL, url, headers={"Accept": ACCEPT}, sleep=sleep)
    if response is None:
        return [], []
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type.endswith("json"):
        return _json_files(http.json_body(response, LABEL), url)
    return _html_files(response.text), []


def exists(client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
           sleep: http.Sleep = time.sleep) -> bool:
    """Whether the project has a file of a version PEP 440-equal to ``version``."""
    return any(
        equal(found, version) for found in versions(client, endpoints, name, sleep=sleep)
    )


def equal(a: str, b: str) -> bool:
    """PEP 440 equality (``0.1.8.0 == 0.1.8``); an unparsable string equals nothing."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False


def version_of(filename: str, project: NormalizedName) -> str | None:
    """The version in a distribution's file name, if the file belongs to ``project``.

    Returns ``None`` for files that are not distributions (signatures, metadata) or belong
    to another project, and for names too odd to read: they cannot be our upload anyway.
    """
    try:
        if filename.endswith(".whl"):
            wheel_name, wheel_version, _, _ = parse_wheel_filename(filename)
            return str(wheel_version) if wheel_name == project else None
        sdist_name, sdist_version = parse_sdist_filename(filename)
        return str(sdist_version) if sdist_name == project else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return _legacy_sdist_version(filename, project)


def _legacy_sdist_version(filename: str, project: NormalizedName) -> str | None:
    for suffix in _LEGACY_SDIST_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename.removesuffix(suffix)
            break
    else:
        return None
    # Old sdists did not normalize the name, so the version is after the last "-" whose
    # left side is the project: "my-pkg-1.0.tgz" -> ("my-pkg", "1.0").
    name_part, _, version_part = stem.rpartition("-")
    if canonicalize_name(name_part) != project:
        return None
    try:
        return str(Version(version_part))
    except InvalidVersion:
        return None


def _json_files(document: object, url: str) -> tuple[list[_Link], list[str]]:
    """Files (name, digests, PEP 740 provenance) and (API 1.1, PEP 700) listed versions of a
    PEP 691 page."""
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise http.malformed(LABEL, url, 'expected a PEP 691 object with a "files" list')
    found: list[_Link] = []
    for entry in document["files"]:
        filename = entry.get("filename") if isinstance(entry, dict) else None
        if not isinstance(filename, str):
            raise http.malformed(LABEL, url, 'a "files" entry has no "filename" string')
        hashes = entry.get("hashes")
        digests = ({str(k).lower(): v.lower() for k, v in hashes.items() if isinstance(v, str)}
                   if isinstance(hashes, dict) else {})
        provenance = entry.get("provenance")
        found.append((filename, digests, provenance if isinstance(provenance, str) else None))
    listed = document.get("versions", [])
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        raise http.malformed(LABEL, url, '"versions" must be a list of strings')
    return found, [_normal(v) for v in listed]


def _normal(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _html_files(text: str) -> list[_Link]:
    """Files of a PEP 503 page: the last segment of each anchor's href, with the digest of
    its ``#sha256=...`` fragment and its ``data-provenance`` (PEP 740), and the anchor's text
    where it names another file."""
    parser = _AnchorParser()
    parser.feed(text)
    parser.close()
    return parser.files


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.files: list[_Link] = []
        self._text: list[str] | None = None
        self._href_name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        self._text = []
        self._href_name = ""
        found = dict(attrs)
        href = found.get("href")
        if href:
            # The href names the file even when an index shows something else as text.
            parts = urlsplit(href)
            last = PurePosixPath(unquote(parts.path)).name
            algorithm, _, digest = parts.fragment.partition("=")
            if last:
                self._href_name = last
                self.files.append((last, {algorithm.lower(): digest.lower()} if digest else {},
                                   found.get("data-provenance") or None))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._text is not None:
            text = "".join(self._text).strip()
            if text and text != self._href_name:
                self.files.append((text, {}, None))
            self._text = None
