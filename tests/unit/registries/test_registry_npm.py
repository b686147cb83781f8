"""npm: the package document, scoped names escaped as npm does, exact version strings."""

from __future__ import annotations

import httpx
import pytest

from release_tasks.errors import RegistryError, UsageError
from release_tasks.registries import endpoints_for, npm

from .helpers import Recorder, client_for, json_response, routes

SCOPED_URL = "https://registry.npmjs.org/@tasker-systems%2fworker"


def _document(*versions: str) -> httpx.Response:
    return json_response(
        {"name": "@tasker-systems/worker", "versions": {v: {"version": v} for v in versions}}
    )


def test_scoped_name_is_escaped_as_npm_sends_it() -> None:
    recorder = Recorder(routes({SCOPED_URL: _document("0.1.8002")}))
    with client_for(recorder) as client:
        assert npm.versions(client, endpoints_for("npm"), "@tasker-systems/worker") == ["0.1.8002"]
    request = recorder.requests[0]
    assert request.url.raw_path == b"/@tasker-systems%2fworker"
    assert request.headers["Accept"] == (
        "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
    )


def test_local_registry_path() -> None:
    endpoints = endpoints_for("npm", registry="http://127.0.0.1:4873")
    recorder = Recorder(routes({"http://127.0.0.1:4873/@s%2fp": _document("1.0.0")}))
    with client_for(recorder) as client:
        assert npm.exists(client, endpoints, "@s/p", "1.0.0")


@pytest.mark.parametrize(
    ("asked", "expected"),
    [("0.1.8002", True), ("0.1.8.2", False), ("0.1.8", False), ("0.1.8002+build", False)],
)
def test_exists_compares_the_exact_rendering(asked: str, expected: bool) -> None:
    recorder = Recorder(routes({SCOPED_URL: _document("0.1.8000", "0.1.8002")}))
    with client_for(recorder) as client:
        assert npm.exists(client, endpoints_for("npm"), "@tasker-systems/worker", asked) is expected


def test_fully_unpublished_package_has_no_versions() -> None:
    stub = json_response({"name": "gone", "time": {"unpublished": {"versions": ["1.0.0"]}}})
    with client_for(routes({"https://registry.npmjs.org/gone": stub})) as client:
        assert npm.versions(client, endpoints_for("npm"), "gone") == []


@pytest.mark.parametrize("document", [[], {"name": "x"}, {"versions": ["1.0.0"]}])
def test_wrong_shape_is_malformed(document: object) -> None:
    handler = routes({"https://registry.npmjs.org/x": json_response(document)})
    with client_for(handler) as client, pytest.raises(RegistryError, match="npm returned a mal"):
        npm.versions(client, endpoints_for("npm"), "x")


@pytest.mark.parametrize("name", ["", "@scope", "@scope/", "a/b", "@a/b/c", "has space", "../x"])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="npm package name"):
        npm.package_path(name)


def test_files_name_the_tarball_as_npm_pack_does_with_integrity_and_shasum() -> None:
    import base64
    import hashlib

    data = b"the tarball"
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    document = {"name": "@tasker-systems/worker", "versions": {"0.1.8002": {"dist": {
        "integrity": integrity, "shasum": hashlib.sha1(data).hexdigest().upper()}}}}
    with client_for(Recorder(routes({SCOPED_URL: json_response(document)}))) as client:
        [found] = npm.files(client, endpoints_for("npm"), "@tasker-systems/worker", "0.1.8002")
        assert npm.files(client, endpoints_for("npm"), "@tasker-systems/worker", "0.1.8003") == []
    assert found.name == "tasker-systems-worker-0.1.8002.tgz"
    assert dict(found.digests) == {"sha512": hashlib.sha512(data).hexdigest(),
                                   "sha1": hashlib.sha1(data).hexdigest()}
