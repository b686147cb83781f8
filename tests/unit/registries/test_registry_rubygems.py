"""RubyGems: the versions API, compared with RubyGems' equality."""

from __future__ import annotations

import re

import pytest

from release_tasks.errors import RegistryError, UsageError
from release_tasks.registries import endpoints_for, rubygems

from .helpers import Recorder, client_for, json_response, routes

URL = "https://rubygems.org/api/v1/versions/tasker-rb.json"


def _registry(*entries: object) -> Recorder:
    return Recorder(routes({URL: json_response(list(entries))}))


@pytest.mark.parametrize(
    ("published", "asked"),
    [("0.1.8", "0.1.8.0"), ("0.1.8.0", "0.1.8"), ("0.1.8.2", "0.1.8.2")],
)
def test_trailing_zero_segments_are_the_same_version(published: str, asked: str) -> None:
    with client_for(_registry({"number": published, "platform": "ruby"})) as client:
        assert rubygems.exists(client, endpoints_for("rubygems"), "tasker-rb", asked)


@pytest.mark.parametrize("asked", ["0.1.8.1", "0.1.80", "0.1"])
def test_different_versions_are_not_equal(asked: str) -> None:
    with client_for(_registry({"number": "0.1.8", "platform": "ruby"})) as client:
        assert not rubygems.exists(client, endpoints_for("rubygems"), "tasker-rb", asked)


def test_platform_builds_are_listed_once() -> None:
    recorder = _registry(
        {"number": "0.1.8.1", "platform": "x86_64-linux"},
        {"number": "0.1.8.1", "platform": "ruby"},
        {"number": "0.1.8.0", "platform": "ruby"},
    )
    with client_for(recorder) as client:
        assert rubygems.versions(client, endpoints_for("rubygems"), "tasker-rb") == ["0.1.8.1", "0.1.8.0"]


def test_custom_host_keeps_its_path() -> None:
    endpoints = endpoints_for("rubygems", host="http://localhost:9292/private/")
    url = "http://localhost:9292/private/api/v1/versions/tasker-rb.json"
    recorder = Recorder(routes({url: json_response([{"number": "1.0.0"}])}))
    with client_for(recorder) as client:
        assert rubygems.versions(client, endpoints, "tasker-rb") == ["1.0.0"]


@pytest.mark.parametrize(
    "document", [{"number": "1.0"}, [{"version": "1.0"}], [None], [{"number": 1}]]
)
def test_wrong_shape_is_malformed(document: object) -> None:
    expected = f"RubyGems returned a malformed answer for {re.escape(URL)}"
    recorder = Recorder(routes({URL: json_response(document)}))
    with client_for(recorder) as client, pytest.raises(RegistryError, match=expected):
        rubygems.versions(client, endpoints_for("rubygems"), "tasker-rb")


@pytest.mark.parametrize("name", ["", "foo/bar", "../x", "foo bar"])
def test_invalid_gem_names_are_refused(name: str) -> None:
    recorder = Recorder(routes({}))
    with client_for(recorder) as client, pytest.raises(UsageError, match="gem name"):
        rubygems.exists(client, endpoints_for("rubygems"), name, "1.0.0")
    assert recorder.requests == []


def test_files_are_every_platform_build_with_its_sha() -> None:
    entries = [{"number": "0.1.8.2", "platform": "ruby", "sha": "AA" * 32},
               {"number": "0.1.8.2", "platform": "x86_64-linux", "sha": "bb" * 32},
               {"number": "0.1.8.1", "platform": "ruby", "sha": "cc" * 32}]
    with client_for(_registry(*entries)) as client:
        found = rubygems.files(client, endpoints_for("rubygems"), "tasker-rb", "0.1.8.2")
    assert [(f.name, dict(f.digests)) for f in found] == [
        ("tasker-rb-0.1.8.2.gem", {"sha256": "aa" * 32}),
        ("tasker-rb-0.1.8.2-x86_64-linux.gem", {"sha256": "bb" * 32})]
