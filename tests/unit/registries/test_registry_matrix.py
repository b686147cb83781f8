"""Every registry client against the same answers: present, absent, flaky, down, malformed.

Each case serves a realistic document for one published version; the failures are
injected in front of it, so a client is held to the same contract whatever its API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest

from release_tasks.errors import RegistryError, RegistryUnavailable
from release_tasks.registries import REGISTRIES, Endpoints, RegistryKind, crates_io, endpoints_for
from release_tasks.registries.http import BACKOFF_BASE, DEFAULT_RETRIES

from .helpers import Failure, Recorder, Sleeps, client_for, json_response, routes

SPARSE = "http://127.0.0.1:8000/index/"
PYPI_JSON = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class Case:
    id: str
    client: RegistryKind
    endpoints: Endpoints
    name: str
    present: dict[str, httpx.Response]  # the registry, with NAME@VERSION published
    malformed: dict[str, httpx.Response]  # the registry, answering nonsense
    label: str


VERSION = "1.2.3"
CONFIG_JSON = {f"{SPARSE}config.json": json_response({"dl": f"{SPARSE}dl", "api": SPARSE})}

CASES = [
    Case(
        "crates-io-api",
        REGISTRIES["crates-io"],
        crates_io.make_endpoints(),
        "foo-sys",
        {
            "https://crates.io/api/v1/crates/foo-sys/1.2.3": json_response(
                {"version": {"num": VERSION}}
            ),
            "https://crates.io/api/v1/crates/foo-sys/versions": json_response(
                {"versions": [{"num": VERSION}], "meta": {"total": 1, "next_page": None}}
            ),
        },
        {
            "https://crates.io/api/v1/crates/foo-sys/1.2.3": httpx.Response(200, text="{"),
            "https://crates.io/api/v1/crates/foo-sys/versions": httpx.Response(200, text="{"),
        },
        "crates.io",
    ),
    Case(
        "crates-io-sparse",
        REGISTRIES["crates-io"],
        crates_io.make_endpoints(registry="local", index=SPARSE),
        "foo-sys",
        {
            **CONFIG_JSON,
            f"{SPARSE}fo/o-/foo-sys": httpx.Response(
                200, text=f'{{"name":"foo-sys","vers":"{VERSION}","yanked":false}}\n'
            ),
        },
        {**CONFIG_JSON, f"{SPARSE}fo/o-/foo-sys": httpx.Response(200, text="not json\n")},
        "cargo registry local",
    ),
    Case(
        "rubygems",
        REGISTRIES["rubygems"],
        endpoints_for("rubygems"),
        "foo",
        {
            "https://rubygems.org/api/v1/versions/foo.json": json_response(
                [{"number": VERSION, "platform": "ruby"}]
            )
        },
        {"https://rubygems.org/api/v1/versions/foo.json": httpx.Response(200, text="[{,]")},
        "RubyGems",
    ),
    Case(
        "pypi",
        REGISTRIES["pypi"],
        endpoints_for("pypi"),
        "foo",
        {
            "https://pypi.org/simple/foo/": json_response(
                {
                    "meta": {"api-version": "1.1"},
                    "name": "foo",
                    "files": [{"filename": f"foo-{VERSION}.tar.gz"}],
                },
                content_type=PYPI_JSON,
            )
        },
        {
            "https://pypi.org/simple/foo/": httpx.Response(
                200, text="{files", headers={"Content-Type": PYPI_JSON}
            )
        },
        "PyPI",
    ),
    Case(
        "npm",
        REGISTRIES["npm"],
        endpoints_for("npm"),
        "foo",
        {
            "https://registry.npmjs.org/foo": json_response(
                {"name": "foo", "versions": {VERSION: {}}}
            )
        },
        {"https://registry.npmjs.org/foo": httpx.Response(200, text="<html>")},
        "npm",
    ),
]
BY_ID = pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])


def _exists(case: Case, recorder: Recorder, sleeps: Sleeps, version: str = VERSION) -> bool:
    with client_for(recorder) as client:
        return case.client.exists(client, case.endpoints, case.name, version, sleep=sleeps)


def _flaky(case: Case, failure: Failure, times: int) -> Recorder:
    return Recorder(routes(case.present), failure, fail_times=times)


def test_every_registry_has_a_client() -> None:
    assert {case.client.name for case in CASES} == set(REGISTRIES)


@BY_ID
def test_present(case: Case, sleeps: Sleeps) -> None:
    recorder = Recorder(routes(case.present))
    assert _exists(case, recorder, sleeps)
    assert not _exists(case, recorder, sleeps, version="9.9.9")
    with client_for(recorder) as client:
        assert case.client.versions(client, case.endpoints, case.name) == [VERSION]
    assert sleeps == []


@BY_ID
def test_absent_on_404(case: Case, sleeps: Sleeps) -> None:
    # Only the package is missing: a sparse registry still has its config.json.
    recorder = Recorder(routes(CONFIG_JSON))
    assert not _exists(case, recorder, sleeps)
    with client_for(recorder) as client:
        assert case.client.versions(client, case.endpoints, case.name, sleep=sleeps) == []
    assert sleeps == []


@BY_ID
def test_500_then_success(case: Case, sleeps: Sleeps) -> None:
    assert _exists(case, _flaky(case, httpx.Response(500), times=1), sleeps)
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= BACKOFF_BASE


@BY_ID
def test_500_forever_is_unavailable(case: Case, sleeps: Sleeps) -> None:
    with pytest.raises(RegistryUnavailable, match=re.escape(case.label)):
        _exists(case, _flaky(case, httpx.Response(500), times=999), sleeps)
    assert len(sleeps) == DEFAULT_RETRIES


@BY_ID
def test_429_retry_after_is_honoured(case: Case, sleeps: Sleeps) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "4"})
    assert _exists(case, _flaky(case, limited, times=2), sleeps)
    assert sleeps == [4.0, 4.0]


@BY_ID
@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), httpx.ConnectError("connection refused")],
    ids=["timeout", "connection-error"],
)
def test_transport_failure_then_success(case: Case, failure: Exception, sleeps: Sleeps) -> None:
    assert _exists(case, _flaky(case, failure, times=2), sleeps)
    assert len(sleeps) == 2


@BY_ID
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (httpx.ReadTimeout("timed out"), "timed out"),
        (httpx.ConnectError("connection refused"), "connection failed"),
    ],
    ids=["timeout", "connection-error"],
)
def test_transport_failure_forever_is_unavailable(
    case: Case, failure: Exception, reason: str, sleeps: Sleeps
) -> None:
    with pytest.raises(RegistryUnavailable, match=reason):
        _exists(case, _flaky(case, failure, times=999), sleeps)


@BY_ID
def test_forbidden_is_an_error_not_absent(case: Case, sleeps: Sleeps) -> None:
    with pytest.raises(RegistryError, match="HTTP 403"):
        _exists(case, _flaky(case, httpx.Response(403), times=999), sleeps)
    assert sleeps == []


@BY_ID
def test_malformed_answer_is_an_error(case: Case, sleeps: Sleeps) -> None:
    recorder = Recorder(routes(case.malformed))
    with pytest.raises(RegistryError, match=rf"{re.escape(case.label)} .*malformed.* for http"):
        _exists(case, recorder, sleeps)
    with client_for(recorder) as client, pytest.raises(RegistryError, match="malformed"):
        case.client.versions(client, case.endpoints, case.name, sleep=sleeps)
