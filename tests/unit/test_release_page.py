"""The GitHub Release's text and its create-or-update, against a fake of the releases
endpoints (``httpx.MockTransport``)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from release_tasks.errors import RegistryError
from release_tasks.publish import release_page
from release_tasks.publish.release_page import Row

CHANGELOG = "## release-1 (2026-12-07)\n\n### ruby 0.1.9.0\n\n- fix (abc1234)\n"


def row(**kw: Any) -> Row:
    base: dict[str, Any] = {"component": "ruby", "package": "tasker-worker-rb",
                            "registry": "rubygems", "version": "0.1.9.0", "result": "success",
                            "state": "complete", "files": (), "carried": False}
    return Row(**{**base, **kw})


def test_component_tag_files_and_their_platforms() -> None:
    message = ("python 0.1.9.0 (tasker-worker-py 0.1.9.0)\n\nfiles on PyPI:\n"
               "  tasker_worker_py-0.1.9.0-cp311-abi3-manylinux_2_28_x86_64.whl  sha256:ab12\n"
               "  tasker_worker_py-0.1.9.0.tar.gz\n")
    files = release_page.tag_files(message)
    assert files == ("tasker_worker_py-0.1.9.0-cp311-abi3-manylinux_2_28_x86_64.whl",
                     "tasker_worker_py-0.1.9.0.tar.gz")
    assert [release_page.platform_of(f) for f in files] == ["manylinux_2_28_x86_64", "source"]
    assert release_page.platform_of("tasker-worker-rb-0.1.9.0-arm64-darwin.gem") == "arm64-darwin"
    assert release_page.platform_of("tasker-worker-rb-0.1.9.0.gem") == "ruby (source)"
    assert release_page.tag_files("ruby published\n") == ()


def test_the_text_has_the_table_links_failures_carried_changelog_and_edge() -> None:
    table = [row(files=("tasker-worker-rb-0.1.9.0.gem",)),
             row(component="python", package="tasker-worker-py", registry="pypi",
                 result="failure", state="partial", carried=True),
             row(component="core", package="tasker-shared", registry="crates-io",
                 version="0.1.9")]
    text = release_page.body("release-1", CHANGELOG, table, "== Cargo ==\n  git = ...")
    assert ("| [`tasker-worker-rb`](https://rubygems.org/gems/tasker-worker-rb/versions/0.1.9.0)"
            " | 0.1.9.0 | rubygems | yes | ruby (source) |") in text
    assert "| [`tasker-worker-py`](https://pypi.org/project/tasker-worker-py/0.1.9.0/) | 0.1.9.0 " \
           "| pypi | partial | - |" in text
    assert "https://crates.io/crates/tasker-shared/0.1.9" in text
    assert "**Not published (yet):** `tasker-worker-py` 0.1.9.0." in text
    assert "**Carried forward**" in text
    assert "## Changes\n\n### ruby 0.1.9.0\n\n- fix (abc1234)" in text
    assert "## release-1" not in text
    assert "```text\n== Cargo ==" in text
    assert text == release_page.body("release-1", CHANGELOG, table, "== Cargo ==\n  git = ...")
    private = release_page.body("release-1", "", table, "", redirected=frozenset({"rubygems"}))
    assert "| `tasker-worker-rb` |" in private and "rubygems.org" not in private


class FakeGitHub:
    def __init__(self) -> None:
        self.releases: dict[int, dict[str, Any]] = {}
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.method)
        path = request.url.path
        if request.method == "GET":
            tag = path.rsplit("/tags/", 1)[1]
            found = [r for r in self.releases.values() if r["tag_name"] == tag]
            return httpx.Response(200, json=found[0]) if found else httpx.Response(404)
        data = json.loads(request.content)
        if request.method == "POST":
            release = {"id": len(self.releases) + 1, **data}
            self.releases[release["id"]] = release
            return httpx.Response(201, json=release)
        release = self.releases[int(path.rsplit("/", 1)[1])]
        release.update(data)
        return httpx.Response(200, json=release)


def test_create_then_unchanged_then_updated() -> None:
    fake = FakeGitHub()
    with httpx.Client(transport=httpx.MockTransport(fake)) as client:
        releases = release_page.Releases(client, "o/r", "https://api.test")
        assert release_page.sync(releases, "release-1", "first") == "created"
        assert release_page.sync(releases, "release-1", "first") == "unchanged"
        assert fake.calls == ["GET", "POST", "GET"]
        assert release_page.sync(releases, "release-1", "second") == "updated"
    assert list(fake.releases.values()) == [{"id": 1, "tag_name": "release-1", "name": "release-1",
                                             "body": "second", "draft": False,
                                             "prerelease": False}]


def test_refused_credentials_are_an_error_naming_the_call() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "Bad credentials"})

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client, \
            pytest.raises(RegistryError, match=r"HTTP 401: .*Bad credentials"):
        release_page.sync(release_page.Releases(client, "o/r", "https://api.test"), "t", "x")
