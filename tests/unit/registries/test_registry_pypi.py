"""PyPI and its kin through the simple API: PEP 691 JSON, PEP 503 HTML, PEP 440 equality."""

from __future__ import annotations

import re

import httpx
import pytest
from packaging.utils import canonicalize_name

from release_tasks.errors import RegistryError, UsageError
from release_tasks.registries import endpoints_for, pypi

from .helpers import Recorder, client_for, json_response, routes

PAGE = "https://pypi.org/simple/tasker-worker-py/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def _anchor(href: str, filename: str, attributes: str = "") -> str:
    return f'<a href="{href}{filename}#sha256=00"{attributes}>{filename}</a><br />'


WHEEL = "tasker_worker_py-0.1.8.1-cp311-cp311-manylinux_2_28_x86_64.whl"
SDIST = "tasker_worker_py-0.1.8.2.tar.gz"
# pypi.org: absolute hrefs to the file host, PEP 592/503 attributes on the anchors.
PYPI_HTML = f"""<!DOCTYPE html>
<html>
  <head><meta name="pypi:repository-version" content="1.1"><title>Links</title></head>
  <body>
    <h1>Links for tasker-worker-py</h1>
    {_anchor("https://files.example/a1/", WHEEL, ' data-requires-python="&gt;=3.11"')}
    {_anchor("https://files.example/b2/", SDIST, ' data-yanked=""')}
  </body>
</html>
"""
# pypiserver: relative hrefs, and the anchor text is the file name.
PYPISERVER_HTML = f"""<html><body><h1>Links for tasker-worker-py</h1>
{_anchor("../../packages/", "tasker_worker_py-0.1.9-py3-none-any.whl")}
</body></html>"""


def _html(page: str, text: str) -> Recorder:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    return Recorder(routes({page: httpx.Response(200, text=text, headers=headers)}))


def test_pep503_html_page() -> None:
    with client_for(_html(PAGE, PYPI_HTML)) as client:
        assert pypi.versions(client, endpoints_for("pypi"), "tasker-worker-py") == ["0.1.8.1", "0.1.8.2"]


def test_pypiserver_html_page() -> None:
    endpoints = endpoints_for("pypi", index="http://127.0.0.1:8080/simple/")
    recorder = _html("http://127.0.0.1:8080/simple/tasker-worker-py/", PYPISERVER_HTML)
    with client_for(recorder) as client:
        assert pypi.exists(client, endpoints, "tasker_worker_py", "0.1.9")


def test_pep691_json_page_with_versions_list() -> None:
    document = {
        "meta": {"api-version": "1.1"},
        "name": "tasker-worker-py",
        "versions": ["0.1.7", "0.1.8.1"],
        "files": [
            {"filename": "tasker_worker_py-0.1.8.1-cp311-abi3-manylinux_2_28_x86_64.whl"},
            {"filename": "tasker_worker_py-0.1.8.2.tar.gz", "yanked": "broken build"},
        ],
    }
    recorder = Recorder(routes({PAGE: json_response(document, content_type=JSON_TYPE)}))
    with client_for(recorder) as client:
        found = pypi.versions(client, endpoints_for("pypi"), "tasker-worker-py")
    assert found == ["0.1.7", "0.1.8.1", "0.1.8.2"]
    assert recorder.requests[0].headers["Accept"] == (
        "application/vnd.pypi.simple.v1+json, "
        "application/vnd.pypi.simple.v1+html;q=0.2, "
        "text/html;q=0.01"
    )


@pytest.mark.parametrize(
    ("published", "asked", "expected"),
    [
        ("0.1.8", "0.1.8.0", True),
        ("0.1.8.0", "0.1.8", True),
        ("0.1.8.2", "0.1.8.2", True),
        ("0.1.8.2", "0.1.8.02", True),
        ("0.1.8.2", "0.1.8.3", False),
        ("0.1.8", "0.1.80", False),
    ],
)
def test_pep440_equality(published: str, asked: str, expected: bool) -> None:
    page = _anchor("x/", f"tasker_worker_py-{published}.tar.gz")
    with client_for(_html(PAGE, page)) as client:
        assert pypi.exists(client, endpoints_for("pypi"), "tasker-worker-py", asked) is expected


@pytest.mark.parametrize(
    ("filename", "version"),
    [
        ("foo-1.0.tar.gz", "1.0"),
        ("Foo-1.0.zip", "1.0"),
        ("foo-1.0-py3-none-any.whl", "1.0"),
        ("foo-1.0.tar.bz2", "1.0"),
        ("foo-1.0.tgz", "1.0"),
        ("foo-1.0.win32.exe", None),
        ("foo-1.0-py2.7.egg", None),
        ("foo-1.0.tar.gz.asc", None),
        ("foo-1.0.tar.gz.metadata", None),
        ("foo-not-a-version.tar.gz", None),
        ("foo.tar.gz", None),
        ("foo-bar-2.0.tar.gz", None),  # another project
        ("foo_bar-2.0-py3-none-any.whl", None),
        ("foo-1.0-broken.whl", None),
    ],
)
def test_version_of_file_names(filename: str, version: str | None) -> None:
    assert pypi.version_of(filename, canonicalize_name("foo")) == version


def test_project_url_is_normalized() -> None:
    assert pypi.project_url(endpoints_for("pypi"), "Tasker_Worker.Py") == PAGE


def test_same_origin_redirect_is_followed() -> None:
    # pypiserver and devpi redirect to their canonical project URL.
    endpoints = endpoints_for("pypi", index="http://127.0.0.1:3141/root/dev/+simple/")
    moved = httpx.Response(301, headers={"Location": "/root/dev/+simple/tasker-worker-py/v2/"})
    recorder = Recorder(
        routes(
            {
                "http://127.0.0.1:3141/root/dev/+simple/tasker-worker-py/": moved,
                "http://127.0.0.1:3141/root/dev/+simple/tasker-worker-py/v2/": httpx.Response(
                    200, text=PYPISERVER_HTML
                ),
            }
        )
    )
    with client_for(recorder) as client:
        assert pypi.versions(client, endpoints, "tasker-worker-py") == ["0.1.9"]


def test_pypiserver_fallback_redirect_is_refused() -> None:
    endpoints = endpoints_for("pypi", index="http://127.0.0.1:8080/simple/")
    fallback = httpx.Response(302, headers={"Location": "https://pypi.org/simple/foo/"})
    handler = routes({"http://127.0.0.1:8080/simple/foo/": fallback})
    with client_for(handler) as client, pytest.raises(RegistryError, match="--disable-fallback"):
        pypi.exists(client, endpoints, "foo", "1.0")


def test_project_page_without_files_has_no_versions() -> None:
    with client_for(_html(PAGE, "<html><body><h1>Links</h1></body></html>")) as client:
        assert pypi.versions(client, endpoints_for("pypi"), "tasker-worker-py") == []


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"files": {}},
        {"files": [{"url": "x"}]},
        {"files": [], "versions": "1.0"},
        {"files": [], "versions": [1]},
    ],
)
def test_pep691_wrong_shape_is_malformed(document: object) -> None:
    recorder = Recorder(routes({PAGE: json_response(document, content_type=JSON_TYPE)}))
    expected = f"PyPI returned a malformed answer for {re.escape(PAGE)}"
    with client_for(recorder) as client, pytest.raises(RegistryError, match=expected):
        pypi.versions(client, endpoints_for("pypi"), "tasker-worker-py")


@pytest.mark.parametrize("name", ["", "../x", "foo/bar", "-foo", "foo bar", "foo."])
def test_invalid_project_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="Python project name"):
        pypi.project_url(endpoints_for("pypi"), name)


def test_files_carry_the_sha256_of_pep503_fragments_and_pep691_hashes() -> None:
    sha = "ab" * 32
    html = (f'<a href="../../packages/{SDIST}#sha256={sha.upper()}">{SDIST}</a>'
            f'<a href="../../packages/{WHEEL}">{WHEEL}</a>')
    with client_for(_html(PAGE, html)) as client:
        found = pypi.files(client, endpoints_for("pypi"), "tasker-worker-py", "0.1.8.2")
    assert [(f.name, dict(f.digests)) for f in found] == [(SDIST, {"sha256": sha})]
    document = {"meta": {"api-version": "1.1"}, "files": [
        {"filename": WHEEL, "url": "w", "hashes": {"sha256": sha}},
        {"filename": SDIST, "url": "s", "hashes": {}}]}
    recorder = Recorder(routes({PAGE: json_response(document, content_type=JSON_TYPE)}))
    with client_for(recorder) as client:
        found = pypi.files(client, endpoints_for("pypi"), "tasker-worker-py", "0.1.8.1.0")
    assert [(f.name, dict(f.digests)) for f in found] == [(WHEEL, {"sha256": sha})]
