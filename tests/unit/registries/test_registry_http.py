"""The shared GET: definite answers, retries with backoff, Retry-After, redirects, URL policy."""

from __future__ import annotations

import logging
import re
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_tasks.errors import RegistryError, RegistryUnavailable, UsageError
from release_tasks.registries import http
from release_tasks.registries.endpoints import check_url
from release_tasks.registries.http import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    DEFAULT_RETRIES,
    RETRY_AFTER_CAP,
    backoff_delay,
    get,
    make_client,
    parse_retry_after,
)

from .conftest import RealNetworkUsed
from .helpers import Recorder, Sleeps, always, client_for, json_response

URL = "https://registry.example/thing"


def _get(recorder: Recorder, sleeps: Sleeps, retries: int = DEFAULT_RETRIES) -> object:
    with client_for(recorder) as client:
        return get(client, "PyPI", URL, retries=retries, sleep=sleeps)


@pytest.mark.parametrize("status", [200, 203])
def test_2xx_returns_the_response(status: int, sleeps: Sleeps) -> None:
    recorder = Recorder(always(httpx.Response(status, text="ok")))
    response = _get(recorder, sleeps)
    assert isinstance(response, httpx.Response)
    assert response.text == "ok"
    assert sleeps == []


@pytest.mark.parametrize("status", [404, 410])
def test_definite_not_found_is_none(status: int, sleeps: Sleeps) -> None:
    assert _get(Recorder(always(httpx.Response(status))), sleeps) is None
    assert sleeps == []


def test_500_then_success_retries_with_jittered_backoff(sleeps: Sleeps) -> None:
    recorder = Recorder(always(httpx.Response(200)), httpx.Response(500), fail_times=2)
    assert isinstance(_get(recorder, sleeps), httpx.Response)
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= BACKOFF_BASE
    assert 0 <= sleeps[1] <= BACKOFF_BASE * 2


def test_500_forever_is_unavailable_after_every_retry(sleeps: Sleeps) -> None:
    recorder = Recorder(always(httpx.Response(503)))
    with pytest.raises(RegistryUnavailable) as caught:
        _get(recorder, sleeps, retries=3)
    assert len(recorder.requests) == 4
    assert len(sleeps) == 3
    assert caught.value.registry == "PyPI"
    assert caught.value.url == URL
    assert "HTTP 503" in caught.value.reason
    assert "after 4 attempt(s)" in str(caught.value)


def test_retry_after_seconds_is_honoured(sleeps: Sleeps) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "7"})
    recorder = Recorder(always(httpx.Response(200)), limited, fail_times=2)
    assert isinstance(_get(recorder, sleeps), httpx.Response)
    assert sleeps == [7.0, 7.0]


def test_retry_after_is_capped(sleeps: Sleeps) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "86400"})
    recorder = Recorder(always(httpx.Response(200)), limited, fail_times=1)
    _get(recorder, sleeps)
    assert sleeps == [RETRY_AFTER_CAP]


def test_retry_after_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=12), usegmt=True), now) == 12
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0
    assert parse_retry_after(format_datetime(now + timedelta(days=2), usegmt=True), now) == (
        RETRY_AFTER_CAP
    )


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5e3"])
def test_unreadable_retry_after_falls_back_to_backoff(value: str | None) -> None:
    assert parse_retry_after(value) is None


@given(st.integers(min_value=0, max_value=60))
def test_backoff_is_full_jitter_under_the_cap(attempt: int) -> None:
    delay = backoff_delay(attempt)
    assert 0 <= delay <= min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (httpx.ReadTimeout("read timed out"), "timed out (ReadTimeout)"),
        (httpx.ConnectTimeout("connect timed out"), "timed out (ConnectTimeout)"),
        (httpx.ConnectError("connection refused"), "connection failed (ConnectError"),
        (httpx.RemoteProtocolError("peer closed"), "connection failed (RemoteProtocolError"),
    ],
)
def test_transport_failures_are_retried_then_unavailable(
    failure: Exception, reason: str, sleeps: Sleeps
) -> None:
    recorder = Recorder(always(httpx.Response(200)), failure, fail_times=99)
    with pytest.raises(RegistryUnavailable, match=re.escape(reason)):
        _get(recorder, sleeps, retries=2)
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2


def test_timeout_once_then_success(sleeps: Sleeps) -> None:
    recorder = Recorder(always(httpx.Response(200)), httpx.ReadTimeout("slow"), fail_times=1)
    assert isinstance(_get(recorder, sleeps), httpx.Response)
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 405, 418])
def test_other_4xx_is_an_error_never_absent_and_not_retried(status: int, sleeps: Sleeps) -> None:
    recorder = Recorder(always(httpx.Response(status, text="go away")))
    with pytest.raises(RegistryError, match=rf"HTTP {status} .*go away.*neither") as caught:
        _get(recorder, sleeps)
    assert not isinstance(caught.value, RegistryUnavailable)
    assert len(recorder.requests) == 1
    assert sleeps == []


def test_retries_are_logged(sleeps: Sleeps, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(always(httpx.Response(200)), httpx.Response(502), fail_times=1)
    with caplog.at_level(logging.WARNING, logger="release_tasks"):
        _get(recorder, sleeps)
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "PyPI: HTTP 502 Bad Gateway for https://registry.example/thing" in message
    assert "retry 1 of 5" in message


def test_same_origin_redirects_are_followed(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/simple/foo":
            return httpx.Response(301, headers={"Location": "/simple/foo/"})
        return httpx.Response(200, text="page")

    with client_for(handler) as client:
        response = get(client, "PyPI", "http://127.0.0.1:8080/simple/foo", sleep=sleeps)
    assert response is not None
    assert str(response.url) == "http://127.0.0.1:8080/simple/foo/"


def test_redirect_to_another_server_is_refused(sleeps: Sleeps) -> None:
    fallback = httpx.Response(302, headers={"Location": "https://pypi.org/simple/foo/"})
    recorder = Recorder(always(fallback))
    with client_for(recorder) as client, pytest.raises(RegistryError, match="disable-fallback"):
        get(client, "PyPI", "http://127.0.0.1:8080/simple/foo/", sleep=sleeps)
    assert recorder.urls == ["http://127.0.0.1:8080/simple/foo/"]


def test_redirect_loop_is_an_error(sleeps: Sleeps) -> None:
    loop = httpx.Response(302, headers={"Location": "/again"})
    with client_for(always(loop)) as client, pytest.raises(RegistryError, match="redirects"):
        get(client, "npm", URL, sleep=sleeps)


def test_client_sends_user_agent_and_has_timeouts() -> None:
    recorder = Recorder(always(json_response({})))
    with client_for(recorder) as client:
        assert client.timeout == httpx.Timeout(http.DEFAULT_TIMEOUT)
        get(client, "crates.io", URL)
    agent = recorder.requests[0].headers["User-Agent"]
    assert re.fullmatch(r"release-tasks/\S+ \(\+https://github\.com/\S+\)", agent)
    assert make_client(timeout=2.5).timeout == httpx.Timeout(2.5)


def test_malformed_json_names_registry_and_url() -> None:
    with client_for(always(httpx.Response(200, text="<html>oops"))) as client:
        response = get(client, "RubyGems", URL)
        assert response is not None
        with pytest.raises(RegistryError, match=f"RubyGems .*{re.escape(URL)}.*invalid JSON"):
            http.json_body(response, "RubyGems")


@pytest.mark.parametrize(
    "url",
    [
        "https://crates.io",
        "https://registry.example:8443/index/",
        "http://localhost:4873/",
        "http://127.0.0.1:8080/simple/",
        "http://127.1.2.3/",
        "http://[::1]:3141/root/dev/+simple/",
    ],
)
def test_check_url_accepts_https_and_loopback_http(url: str) -> None:
    assert check_url(url, "TEST_URL") == url


@pytest.mark.parametrize(
    "url",
    [
        "http://registry.example/",
        "http://10.0.0.1/",
        "http://localhost.example.com/",
        "ftp://registry.example/",
        "registry.example/simple/",
        "https:///nohost",
    ],
)
def test_check_url_refuses_everything_else(url: str) -> None:
    with pytest.raises(UsageError, match="TEST_URL"):
        check_url(url, "TEST_URL")


def test_the_no_network_guard_is_active() -> None:
    # Proves the autouse fixture: a real request fails the test instead of leaving the box.
    with pytest.raises(RealNetworkUsed):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    with pytest.raises(RealNetworkUsed), make_client(timeout=0.1) as client:
        client.get("https://crates.io/")


def test_credentials_in_urls_are_masked_in_messages(sleeps: Sleeps) -> None:
    url = "https://user:s3cr3t-token@pypi.example/simple/foo/"
    recorder = Recorder(always(httpx.Response(500)))
    with client_for(recorder) as client, pytest.raises(RegistryUnavailable) as caught:
        get(client, "PyPI", url, retries=1, sleep=sleeps)
    assert "s3cr3t-token" not in str(caught.value)
    assert "https://***@pypi.example/simple/foo/" in str(caught.value)
    assert http.shown_url("https://pypi.example/simple/") == "https://pypi.example/simple/"


def test_negative_retries_is_a_programming_error(sleeps: Sleeps) -> None:
    recorder = Recorder(always(httpx.Response(200)))
    with client_for(recorder) as client, pytest.raises(ValueError, match="retries"):
        get(client, "npm", URL, retries=-1, sleep=sleeps)
    assert recorder.requests == []
