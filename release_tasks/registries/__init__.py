"""The registry kinds, as cibuildwheel lists its platforms: one module each behind one
Protocol (:class:`~release_tasks.registries.interface.RegistryKind`), in one dict keyed by the
name ``release.toml`` uses. Everything else loops over :data:`REGISTRIES` or asks
:func:`kind_of`; a new kind is one module and one entry here.

Each kind's version list is read over one shared ``httpx.Client`` per run (see
:func:`~release_tasks.registries.http.make_client`). A definite "absent" is the only answer
that reads as not published; every other failure raises.

Importing a kind is light: its name, its version grammar and order, its URLs' fields. What
speaks HTTP, builds or uploads is loaded when first used, so the version stages start without
it (``http``, the index clients and the targets; :data:`~release_tasks.registries.http.get`
and the other HTTP names below are looked up on first use).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Final

from release_tasks.errors import ConfigError
from release_tasks.registries import crates_io, npm, pypi, rubygems
from release_tasks.registries.endpoints import Endpoints, check_url, merged_given, with_values
from release_tasks.registries.interface import RegistryKind
from release_tasks.registries.lazy import lend

if TYPE_CHECKING:
    from release_tasks.registries.http import Sleep, get, make_client

REGISTRIES: Final[dict[str, RegistryKind]] = {
    "crates-io": crates_io.KIND,
    "rubygems": rubygems.KIND,
    "pypi": pypi.KIND,
    "npm": npm.KIND,
}

__all__ = ["REGISTRIES", "REGISTRY_LABELS", "Endpoints", "RegistryKind", "Sleep", "binding_kinds",
           "check_url", "config_keys", "core_kinds", "endpoints_for", "endpoints_from_env", "get", "kind_of",
           "make_client"]


class _Labels(Mapping[str, str]):
    """How each registry kind is named in messages (crates.io, RubyGems, PyPI, npm): a live
    view of :data:`REGISTRIES`, read when asked."""

    def __getitem__(self, name: str) -> str:
        return REGISTRIES[name].label

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRIES)

    def __len__(self) -> int:
        return len(REGISTRIES)


#: How each registry is named in messages and in the ``--on-duplicate`` log lines.
REGISTRY_LABELS: Final[Mapping[str, str]] = _Labels()
# The HTTP names, from :mod:`release_tasks.registries.http` when first asked for.
__getattr__ = lend(__name__, "release_tasks.registries.http", {"Sleep", "get", "make_client"})


def kind_of(name: str) -> RegistryKind:
    """The registry kind called ``name``; a ConfigError listing the known ones otherwise."""
    try:
        return REGISTRIES[name]
    except KeyError:
        raise ConfigError([f"unknown registry {name!r} (known: {', '.join(REGISTRIES)})"],
                          "release.toml") from None


def binding_kinds() -> tuple[str, ...]:
    """The names a binding's ``registry`` may take."""
    return tuple(name for name, kind in REGISTRIES.items() if kind.for_bindings)


def core_kinds() -> tuple[str, ...]:
    """The names the core's ``registry`` may take: the registries crates go to."""
    return tuple(name for name, kind in REGISTRIES.items() if not kind.for_bindings)


def config_keys() -> dict[str, str | None]:
    """Every ``[registries]`` key of the config, and the variable that overrides it."""
    return {spec.config_key: spec.variable for kind in REGISTRIES.values()
            for spec in kind.endpoint_fields}


def given_endpoints(name: str, registries: Mapping[str, str],
                    own: Mapping[str, str] | None = None) -> dict[str, str]:
    """What the config says of kind ``name``'s URLs: ``[registries]``, with a binding's own
    ``endpoints`` table (``own``) over it."""
    return merged_given(kind_of(name).endpoint_fields, registries, own or {})


def endpoints_for(name: str, **values: str) -> Endpoints:
    """Kind ``name``'s URLs: its defaults, with ``values`` (by field key) put in, checked."""
    return Endpoints(with_values(kind_of(name).endpoint_fields, values))


def endpoints_from_env(env: Mapping[str, str],
                       registries: Mapping[str, str] | None = None) -> dict[str, Endpoints]:
    """Every kind's URLs from ``env`` over the config's ``[registries]`` table."""
    given = {k: v for k, v in (registries or {}).items() if v.strip()}
    unknown = sorted(set(given) - set(config_keys()))
    if unknown:
        from release_tasks.errors import UsageError

        raise UsageError(f"unknown [registries] key(s) {', '.join(unknown)}; known: "
                         + ", ".join(config_keys()))
    return {name: kind.endpoints(env, given) for name, kind in REGISTRIES.items()}
