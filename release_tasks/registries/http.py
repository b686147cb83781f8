"""The one way this tool asks a registry something over HTTP.

:func:`get` turns every answer into one of three outcomes: a response (2xx), ``None`` (a
definite "not found": 404 or 410), or an exception. Anything that is not a definite answer
(timeouts, dropped connections, 429, 5xx) is retried with backoff and then raised as
:class:`~release_tasks.errors.RegistryUnavailable`, because treating "no answer" as "not
published" is how a release ends up publishing twice or skipping a package.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

import httpx

from release_tasks import __version__
from release_tasks.errors import RegistryError, RegistryUnavailable
from release_tasks.log import get_logger

if TYPE_CHECKING:
    pass

log = get_logger("registries")

Sleep = Callable[[float], None]

#: Contact URL in the User-Agent (crates.io asks for one to reach the operator of a client).
PROJECT_URL: Final = "https://github.com/tasker-systems/tasker-core"
DEFAULT_TIMEOUT: Final = 10.0
DEFAULT_RETRIES: Final = 5
# Full-jitter backoff: attempt n waits uniform(0, min(CAP, BASE * 2**n)). With five retries
# the worst case is about 31 s, long enough to ride out a registry deploy or a CDN blip.
BACKOFF_BASE: Final = 1.0
BACKOFF_CAP: Final = 30.0
# A registry asking for minutes of patience is treated as down rather than waited for.
RETRY_AFTER_CAP: Final = 60.0
MAX_REDIRECTS: Final = 5
_BODY_EXCERPT = 200


def user_agent() -> str:
    """crates.io refuses anonymous clients; its policy asks for a name and a contact URL."""
    return f"release-tasks/{__version__} (+{PROJECT_URL})"


def make_client(
    timeout: float = DEFAULT_TIMEOUT, *, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The shared client: a timeout on every request and the tool's User-Agent.

    ``httpx.Client`` is thread-safe, so one client serves every concurrent check.
    ``transport`` lets tests substitute ``httpx.MockTransport``.
    """
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": user_agent()},
        transport=transport,
    )


def get(
    client: httpx.Client,
    label: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    retries: int = DEFAULT_RETRIES,
    sleep: Sleep = time.sleep,
) -> httpx.Response | None:
    """GET ``url``: the response for 2xx, ``None`` for 404/410; see the module docstring."""
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    shown = shown_url(url)
    for attempt in range(retries + 1):
        retry_after: float | None = None
        try:
            response = _fetch(client, label, url, headers)
        except httpx.TimeoutException as exc:
            reason = f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            reason = f"connection failed ({type(exc).__name__}: {exc})"
        else:
            status = response.status_code
            if 200 <= status < 300:
                return response
            if status in (404, 410):
                return None
            if status != 429 and status < 500:
                raise RegistryError(
                    f"{label} answered HTTP {status} {response.reason_phrase} for {shown}: "
                    f"{_excerpt(response)!r}. This is neither 'published' nor 'absent'; "
                    "check the URL, the registry's access rules and any proxy in between."
                )
            reason = f"HTTP {status} {response.reason_phrase}".rstrip()
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if attempt == retries:
            raise RegistryUnavailable(label, shown, f"{reason} after {retries + 1} attempt(s)")
        delay = backoff_delay(attempt) if retry_after is None else retry_after
        log.warning(
            "  %s: %s for %s; retry %d of %d in %.1fs",
            label,
            reason,
            shown,
            attempt + 1,
            retries,
            delay,
        )
        sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _fetch(
    client: httpx.Client, label: str, url: str, headers: Mapping[str, str] | None
) -> httpx.Response:
    """GET, following redirects only within the same scheme, host and port.

    A redirect elsewhere would make another server answer for this registry: pypiserver,
    for one, sends unknown projects to pypi.org unless started with ``--disable-fallback``.
    """
    current = httpx.URL(url)
    origin = _origin(current)
    for _ in range(MAX_REDIRECTS + 1):
        response = client.get(current, headers=headers, follow_redirects=False)
        if not response.has_redirect_location:
            return response
        try:
            target = current.join(response.headers["Location"])
        except httpx.InvalidURL as exc:
            raise RegistryError(f"{label} redirected {shown_url(url)} to a bad URL: {exc}") from exc
        if _origin(target) != origin:
            raise RegistryError(
                f"{label} redirected {shown_url(url)} to another server ({shown_url(target)}); "
                "refusing to take its answer. A pypiserver needs --disable-fallback; "
                "otherwise fix the URL."
            )
        current = target
    raise RegistryError(
        f"{label}: more than {MAX_REDIRECTS} redirects starting at {shown_url(url)}"
    )


def shown_url(url: str | httpx.URL) -> str:
    """``url`` fit for messages: credentials in it (``https://user:token@host``) are masked."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(userinfo=b"***")) if parsed.userinfo else str(parsed)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower(), url.port or default_port)


def backoff_delay(attempt: int) -> float:
    """Full jitter (uniform over [0, bound]) so concurrent checks do not retry in lockstep."""
    return random.uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), capped.

    ``None`` when absent or unreadable, so the caller falls back to its own backoff.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; tolerate a missing zone.
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def json_body(response: httpx.Response, label: str) -> object:
    """The response's JSON, or RegistryError naming the registry and URL."""
    try:
        return response.json()
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise malformed(label, response.url, f"invalid JSON ({exc})") from exc


def malformed(label: str, url: str | httpx.URL, detail: str) -> RegistryError:
    """The error for a document that parsed but does not have the expected shape."""
    return RegistryError(
        f"{label} returned a malformed answer for {shown_url(url)}: {detail}. "
        "Nothing is assumed about what is published; check that the URL points at the "
        "registry's API."
    )


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "..."
