"""Where a registry lives: the public default, or a local, staging or private registry.

Each registry kind declares its URLs as :class:`EndpointField` values; :func:`resolve` reads
them for one component, in this order: the field's environment variable, the component's own
``endpoints`` table in ``release.toml``, the ``[registries]`` table, the public default. It is
*given* the environment rather than reading ``os.environ``, so callers decide what it sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from release_tasks.errors import UsageError


@dataclass(frozen=True, kw_only=True)
class EndpointField:
    """One URL of a registry kind."""

    key: str  # in :class:`Endpoints` and in a binding's ``endpoints`` table
    config_key: str  # in the ``[registries]`` table
    variable: str | None  # the environment variable that overrides both
    default: str
    #: Indexes and registries end with "/", so names are appended as their clients do;
    #: hosts do not, so paths are appended as ``/api/...``.
    trailing_slash: bool


@dataclass(frozen=True)
class Endpoints(Mapping[str, str]):
    """A registry's URLs for one component, validated and normalized (field key -> URL)."""

    urls: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.urls[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.urls)

    def __len__(self) -> int:
        return len(self.urls)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.urls.items())))


def normalized(url: str, spec: EndpointField, what: str) -> str:
    """``url`` checked (HTTPS, or HTTP to loopback) and given its trailing-slash form."""
    check_url(url, what)
    if spec.trailing_slash:
        return url if url.endswith("/") else url + "/"
    return url.rstrip("/")


def resolve(fields: tuple[EndpointField, ...], env: Mapping[str, str],
            given: Mapping[str, str]) -> dict[str, str]:
    """Each field's URL: its variable in ``env``, else ``given`` (keyed by config key: a
    binding's own ``endpoints`` already merged over ``[registries]``), else its default.

    An empty value counts as unset: CI systems often define a variable as ``""``.
    """
    values = {}
    for spec in fields:
        value, what = spec.default, spec.variable or f"[registries] {spec.config_key}"
        if given.get(spec.config_key, "").strip():
            value = given[spec.config_key].strip()
        if spec.variable and env.get(spec.variable, "").strip():
            value = env[spec.variable].strip()
        values[spec.key] = normalized(value, spec, what)
    return values


def with_values(fields: tuple[EndpointField, ...], given: Mapping[str, str]) -> dict[str, str]:
    """The defaults of ``fields`` with ``given`` (by field key) put in, each one checked;
    a bad URL is a UsageError naming its field."""
    unknown = sorted(set(given) - {spec.key for spec in fields})
    if unknown:
        raise UsageError(f"unknown endpoint(s) {', '.join(unknown)}; known: "
                         + ", ".join(spec.key for spec in fields))
    return {spec.key: normalized(given.get(spec.key, spec.default), spec, spec.key)
            for spec in fields}


def merged_given(fields: tuple[EndpointField, ...], registries: Mapping[str, str],
                 own: Mapping[str, str]) -> dict[str, str]:
    """``[registries]`` with a binding's own ``endpoints`` (keyed by field key) over it."""
    given = {k: v for k, v in registries.items() if v.strip()}
    given.update({spec.config_key: own[spec.key] for spec in fields
                  if own.get(spec.key, "").strip()})
    return given


def is_loopback_host(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ``::1``: where local registries live."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str) -> str:
    """Return ``url`` if it is HTTPS (or plain HTTP to a loopback host), else UsageError.

    Registry answers decide whether a package is published, so they must not be open to
    tampering on the way; local test registries are the only plain-HTTP exception.
    """
    import httpx  # loaded with the first URL checked: only a publish or a check has one

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UsageError(f"{what}: {url!r} is not a valid URL ({exc})") from exc
    if not parsed.host:
        raise UsageError(f"{what}: {url!r} has no host; expected e.g. https://host/path")
    if parsed.scheme == "https" or (parsed.scheme == "http" and is_loopback_host(parsed.host)):
        return url
    raise UsageError(
        f"{what}: {url!r} is refused: use https:// "
        "(plain http:// is allowed only for localhost, 127.0.0.0/8 and ::1)"
    )
