"""The publish stages read the registry's whole version list and judge it by its rules.

The registry is an ``httpx.MockTransport`` speaking each registry's real API; programs are
forbidden (the shared flow runs with a recording fake target).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from release_tasks.errors import VersionError
from release_tasks.publish import flow as publish
from release_tasks.publish.builds import Head
from release_tasks.publish.flow import PublishContext
from release_tasks.registries import REGISTRIES, endpoints_for, make_client
from tests.unit.test_publish_common import context
from tests.unit.test_publish_flow import KEY, FakeKind

LOCAL = {"rubygems": endpoints_for("rubygems", host="http://127.0.0.1:9"),
         "pypi": endpoints_for("pypi", index="http://127.0.0.1:9/simple/"),
         "npm": endpoints_for("npm", registry="http://127.0.0.1:9/npm/")}


def listing(binding: str, versions: list[str]) -> httpx.Response:
    """What each registry's API answers for a package with ``versions``."""
    if binding == "ruby":
        return httpx.Response(200, json=[{"number": v, "platform": "ruby"} for v in versions])
    if binding == "python":
        files = [{"filename": f"tasker_worker_py-{v}.tar.gz", "url": f"x/{v}",
                  "hashes": {}} for v in versions]
        return httpx.Response(200, json={"meta": {"api-version": "1.0"}, "files": files},
                              headers={"Content-Type": "application/vnd.pypi.simple.v1+json"})
    return httpx.Response(200, json={"name": "@tasker-systems/worker",
                                     "versions": {v: {} for v in versions}})


LISTED: dict[str, list[str]] = {}


def _handle(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    binding = ("ruby" if "/api/v1/versions/" in path else
               "python" if path.startswith("/simple/") else "typescript")
    return listing(binding, LISTED.get(binding, []))


@pytest.fixture
def registry() -> dict[str, list[str]]:
    """The versions the mock registry lists, per binding (the run's one client asks it)."""
    LISTED.clear()
    return LISTED


def ctx(tmp_path: Path, binding: str, version: str, **kw: Any) -> PublishContext:
    made = context(tmp_path, binding, version, env=KEY, **kw)
    return replace(made, endpoints=LOCAL[made.binding.registry],
                   http=make_client(transport=httpx.MockTransport(_handle)))


@pytest.mark.parametrize(("binding", "version", "listed", "answer"), [
    ("ruby", "0.1.8.0", ["0.1.7", "0.1.8.0"], True),
    ("ruby", "0.1.8.2", ["0.1.8.2", "0.1.10"], True),  # ours is there: a re-run, not a refusal
    ("ruby", "0.1.9.0", ["0.1.8", "0.1.9.0.rc1"], False),
    ("python", "0.1.8.1", ["0.1.8"], False),
    ("typescript", "0.1.8.2", ["0.1.10", "0.1.8001"], False),  # npm 0.1.8002 > 0.1.10
    ("typescript", "0.1.8.2", ["0.1.8002"], True),
])
def test_the_answer_when_nothing_is_in_the_way(tmp_path: Path, registry: dict[str, list[str]],
                                               binding: str, version: str, listed: list[str],
                                               answer: bool) -> None:
    registry[binding] = listed
    assert publish.already_published(ctx(tmp_path, binding, version)) is answer


@pytest.mark.parametrize(("binding", "version", "listed", "message"), [
    ("ruby", "0.1.8.0", ["0.1.8"],
     "tasker-worker-rb 0.1.8.0: RubyGems already has 0.1.8, the same version under its rules "
     "but spelled differently"),
    ("ruby", "0.1.9.0", ["0.1.8", "0.1.10"],
     "tasker-worker-rb 0.1.9.0: RubyGems already has 0.1.10, which is greater; versions only "
     "go up. Nothing was built, published or tagged. Release ruby above it"),
    ("python", "0.1.8.0", ["0.1.8"],
     "tasker-worker-py 0.1.8.0: PyPI already has 0.1.8, the same version"),
    ("python", "0.1.8.0", ["0.1.8.0.1"], "PyPI already has 0.1.8.0.1, which is greater"),
    ("typescript", "0.1.8.0", ["0.1.9000"],
     "@tasker-systems/worker 0.1.8000: npm already has 0.1.9000, which is greater"),
])
def test_the_same_version_spelled_otherwise_or_a_greater_one_is_an_error(
        tmp_path: Path, registry: dict[str, list[str]], binding: str, version: str,
        listed: list[str], message: str) -> None:
    registry[binding] = listed
    with pytest.raises(VersionError) as caught:
        publish.already_published(ctx(tmp_path, binding, version))
    assert message in str(caught.value)
    assert "already exists" not in str(caught.value)


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("on_duplicate", ["skip", "warn", "fail"])
def test_the_flow_stops_before_building_and_never_tags(
        tmp_path: Path, registry: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch,
        dry_run: bool, on_duplicate: str) -> None:
    tagged: list[str] = []
    monkeypatch.setattr("release_tasks.plan.drift.check", lambda root, config, **kw: None)
    monkeypatch.setattr(publish, "tag_component", lambda c, files=None, notes=(): tagged.append(c.tag))
    monkeypatch.setattr(publish, "require_clean_tree", lambda root, **kw: None)
    monkeypatch.setattr(publish, "head_of", lambda root: Head(commit="c0ffee", time=0))
    registry["ruby"] = ["0.1.8"]
    target = FakeKind()
    target.real = REGISTRIES["rubygems"]
    monkeypatch.setitem(REGISTRIES, "rubygems", target)
    with pytest.raises(VersionError, match="spelled differently"):
        publish.publish_binding(
            ctx(tmp_path, "ruby", "0.1.8.0", dry_run=dry_run, on_duplicate=on_duplicate))
    assert target.calls == ["preflight"] and tagged == []
