"""crates.io: the web API, and an alternative registry's sparse index."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_tasks.errors import RegistryError, RegistryUnavailable, UsageError
from release_tasks.registries import crates_io, kind_of
from release_tasks.registries.interface import RemoteFile

from .helpers import Recorder, client_for, json_response, routes

INDEX = "https://crates.example/index/"
SPARSE = crates_io.make_endpoints(registry="mine", index=INDEX)
CONFIG = {f"{INDEX}config.json": json_response({"dl": "https://crates.example/dl", "api": None})}


def _index_file(*entries: dict[str, object]) -> httpx.Response:
    return httpx.Response(200, text="".join(json.dumps(e) + "\n" for e in entries))


def _sparse(path: str, response: httpx.Response) -> Recorder:
    return Recorder(routes({**CONFIG, f"{INDEX}{path}": response}))


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("a", "1/a"),
        ("ab", "2/ab"),
        ("abc", "3/a/abc"),
        ("serde", "se/rd/serde"),
        ("Serde_JSON", "se/rd/serde_json"),
        ("tasker-pgmq", "ta/sk/tasker-pgmq"),
    ],
)
def test_index_path_examples(name: str, path: str) -> None:
    assert crates_io.index_path(name) == path


CRATE_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,63}", fullmatch=True)


@given(CRATE_NAMES)
def test_index_path_follows_cargos_layout(name: str) -> None:
    path = crates_io.index_path(name)
    lowered = name.lower()
    *directories, file = path.split("/")
    assert file == lowered
    assert path == crates_io.index_path(name.upper())  # the index is case-insensitive
    if len(lowered) <= 3:
        assert directories[0] == str(len(lowered))
        assert directories[1:] == ([lowered[0]] if len(lowered) == 3 else [])
    else:
        assert directories == [lowered[0:2], lowered[2:4]]


def test_yanked_version_still_exists() -> None:
    recorder = _sparse(
        "ta/sk/tasker-pgmq",
        _index_file(
            {"name": "tasker-pgmq", "vers": "0.1.8", "yanked": False},
            {"name": "tasker-pgmq", "vers": "0.1.9", "yanked": True},
        ),
    )
    with client_for(recorder) as client:
        assert crates_io.exists(client, SPARSE, "tasker-pgmq", "0.1.9")
        assert crates_io.versions(client, SPARSE, "tasker-pgmq") == ["0.1.8", "0.1.9"]
        assert not crates_io.exists(client, SPARSE, "tasker-pgmq", "0.1.10")


def test_config_json_is_read_before_the_index_file() -> None:
    recorder = _sparse("3/f/foo", _index_file({"name": "foo", "vers": "1.0.0"}))
    with client_for(recorder) as client:
        crates_io.exists(client, SPARSE, "foo", "1.0.0")
    assert recorder.urls == [f"{INDEX}config.json", f"{INDEX}3/f/foo"]


def test_build_metadata_does_not_make_a_new_version() -> None:
    recorder = _sparse("3/f/foo", _index_file({"name": "foo", "vers": "1.0.0+build.1"}))
    with client_for(recorder) as client:
        assert crates_io.exists(client, SPARSE, "foo", "1.0.0")
        assert crates_io.exists(client, SPARSE, "foo", "1.0.0+build.2")


def test_blank_lines_in_the_index_are_ignored() -> None:
    text = '\n{"name":"foo","vers":"1.0.0"}\n\n{"name":"foo","vers":"1.1.0"}\n'
    assert crates_io.parse_index_file(text, INDEX) == ["1.0.0", "1.1.0"]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ('{"name":"foo","vers":"1.0.0"}\n{"name":"foo",\n', "line 2 is not JSON"),
        ('{"name":"foo"}\n', 'line 1 has no "vers" string'),
        ('["foo", "1.0.0"]\n', 'line 1 has no "vers" string'),
        ('{"name":"foo","vers":100}\n', 'line 1 has no "vers" string'),
    ],
)
def test_malformed_index_lines_are_errors(text: str, detail: str) -> None:
    recorder = _sparse("3/f/foo", httpx.Response(200, text=text))
    with client_for(recorder) as client, pytest.raises(RegistryError, match=detail):
        crates_io.exists(client, SPARSE, "foo", "1.0.0")


def test_missing_config_json_is_not_an_absent_crate() -> None:
    recorder = Recorder(routes({}))
    with client_for(recorder) as client, pytest.raises(RegistryError, match="not a cargo sparse"):
        crates_io.exists(client, SPARSE, "foo", "1.0.0")


@pytest.mark.parametrize("document", [{"api": INDEX}, [], {"dl": 3}, {"dl": "x", "api": 3}])
def test_malformed_config_json_is_an_error(document: object) -> None:
    recorder = Recorder(routes({f"{INDEX}config.json": json_response(document)}))
    with client_for(recorder) as client, pytest.raises(RegistryError, match=r"config\.json"):
        crates_io.versions(client, SPARSE, "foo")


def test_api_versions_follow_next_page() -> None:
    base = "https://crates.io/api/v1/crates/foo/versions"
    recorder = Recorder(
        routes(
            {
                base: json_response(
                    {"versions": [{"num": "1.1.0"}], "meta": {"next_page": "?per_page=1&seek=x"}}
                ),
                f"{base}?per_page=1&seek=x": json_response(
                    {"versions": [{"num": "1.0.0"}], "meta": {"next_page": None}}
                ),
            }
        )
    )
    with client_for(recorder) as client:
        assert crates_io.versions(client, crates_io.make_endpoints(), "foo") == ["1.1.0", "1.0.0"]


def test_the_kind_lists_a_versions_crate_file_with_its_sha256() -> None:
    """The registry kind's ``files`` (the protocol every registry follows): the one
    ``.crate`` of a version, with the sha256 of crates.io's ``checksum`` or the index's
    ``cksum``; no digest when none is listed; nothing for a version that is not there."""
    kind, sha = kind_of("crates-io"), "AB" * 32
    api = "https://crates.io/api/v1/crates/foo/versions"
    recorder = Recorder(routes({api: json_response({"versions": [
        {"num": "1.1.0", "checksum": sha}, {"num": "1.0.0", "checksum": None}]})}))
    with client_for(recorder) as client:
        endpoints = crates_io.make_endpoints()
        assert kind.files(client, endpoints, "foo", "1.1.0") == [
            RemoteFile(name="foo-1.1.0.crate", digests={"sha256": sha.lower()})]
        assert kind.files(client, endpoints, "foo", "1.0.0") == [RemoteFile(name="foo-1.0.0.crate")]
        assert kind.files(client, endpoints, "foo", "2.0.0") == []
    sparse = _sparse("3/f/foo", _index_file({"name": "foo", "vers": "1.0.0+b", "cksum": sha}))
    with client_for(sparse) as client:
        assert kind.files(client, SPARSE, "foo", "1.0.0") == [
            RemoteFile(name="foo-1.0.0+b.crate", digests={"sha256": sha.lower()})]


@pytest.mark.parametrize(
    "document",
    [[], {"versions": {}}, {"versions": [{"number": "1.0.0"}]}, {"versions": ["1.0.0"]}],
)
def test_api_versions_of_the_wrong_shape_are_errors(document: object) -> None:
    url = "https://crates.io/api/v1/crates/foo/versions"
    recorder = Recorder(routes({url: json_response(document)}))
    with client_for(recorder) as client, pytest.raises(RegistryError, match="malformed"):
        crates_io.versions(client, crates_io.make_endpoints(), "foo")


def test_api_exists_needs_a_version_object() -> None:
    url = "https://crates.io/api/v1/crates/foo/1.0.0"
    recorder = Recorder(routes({url: json_response({"errors": []})}))
    with client_for(recorder) as client, pytest.raises(RegistryError, match='"version" object'):
        crates_io.exists(client, crates_io.make_endpoints(), "foo", "1.0.0")


@pytest.mark.parametrize("name", ["", "1abc", "foo/bar", "../etc", "foo bar", "a" * 65])
def test_invalid_crate_names_are_refused_before_any_request(name: str) -> None:
    recorder = Recorder(routes({}))
    with client_for(recorder) as client, pytest.raises(UsageError, match="crate name"):
        crates_io.exists(client, crates_io.make_endpoints(), name, "1.0.0")
    assert recorder.requests == []


def test_an_alternative_registry_that_gives_no_answer_is_named_as_cargo_names_it() -> None:
    recorder = _sparse("3/f/foo", httpx.Response(503, text="down"))
    with client_for(recorder) as client, pytest.raises(RegistryUnavailable) as caught:
        crates_io.versions(client, SPARSE, "foo", sleep=lambda seconds: None)
    assert str(caught.value).startswith("cargo registry mine gave no definite answer for "
                                        f"{INDEX}3/f/foo")
    assert "crates.io" not in str(caught.value)
