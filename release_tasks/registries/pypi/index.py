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

REGISTRY: Final = "pypi"
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
    url = project_url(endpoints, name)
    response = http.get(client, REGISTRY, url, headers={"Accept": ACCEPT}, sleep=sleep)
    if response is None:
        return []
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type.endswith("json"):
        filenames, listed = _json_files(http.json_body(response, REGISTRY), url)
    else:
        filenames, listed = _html_files(response.text), []
    project = canonicalize_name(name)
    found: list[str] = []
    for candidate in [*listed, *(version_of(f, project) for f in filenames)]:
        if candidate is not None and candidate not in found:
            found.append(candidate)
    return found


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


def _json_files(document: object, url: str) -> tuple[list[str], list[str]]:
    """File names and (API 1.1, PEP 700) listed versions of a PEP 691 project page."""
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise http.malformed(REGISTRY, url, 'expected a PEP 691 object with a "files" list')
    filenames: list[str] = []
    for entry in document["files"]:
        filename = entry.get("filename") if isinstance(entry, dict) else None
        if not isinstance(filename, str):
            raise http.malformed(REGISTRY, url, 'a "files" entry has no "filename" string')
        filenames.append(filename)
    listed = document.get("versions", [])
    if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
        raise http.malformed(REGISTRY, url, '"versions" must be a list of strings')
    return filenames, [_normal(v) for v in listed]


def _normal(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _html_files(text: str) -> list[str]:
    """File names of a PEP 503 page: each anchor's text, and the last segment of its href."""
    parser = _AnchorParser()
    parser.feed(text)
    parser.close()
    return parser.filenames


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.filenames: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        self._text = []
        href = dict(attrs).get("href")
        if href:
            # The href names the file even when an index shows something else as text.
            last = PurePosixPath(unquote(urlsplit(href).path)).name
            if last:
                self.filenames.append(last)

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._text is not None:
            text = "".join(self._text).strip()
            if text:
                self.filenames.append(text)
            self._text = None
