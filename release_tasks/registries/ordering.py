"""Each registry's own version order and equality, as pure functions over version strings.

A next version is compared with every version string seen for its component (its version
file, its tags in any scheme, what the registry lists), each in the terms of the registry
that will judge it. Each registry kind owns its order (its ``sort_key``): RubyGems'
``Gem::Version`` (``0.1.8.0 == 0.1.8``, ``0.1.9.0 < 0.1.10``), PEP 440 for PyPI, semver 2.0
precedence for npm and crates.io (where npm holds renderings: ``0.1.9000 > 0.1.10``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from release_tasks.errors import VersionError
from release_tasks.model.version import BindingVersion, CoreVersion, Registry, Scheme
from release_tasks.registries import kind_of


@lru_cache(maxsize=8192)
def key(registry: Registry, text: str) -> Any:
    """A sort key of ``text`` in ``registry``'s order; equal keys are equal versions.

    Raises :class:`VersionError` when the registry would not read ``text`` as a version.
    Keys of one registry compare with each other only.
    """
    return kind_of(registry).sort_key(text)


def is_version(registry: Registry, text: str) -> bool:
    """Whether ``registry`` reads ``text`` as a version at all."""
    try:
        key(registry, text)
    except VersionError:
        return False
    return True


def compare(registry: Registry, a: str, b: str) -> int:
    """-1, 0 or 1: ``a`` below, equal to or above ``b`` in ``registry``'s order."""
    ka, kb = key(registry, a), key(registry, b)
    return -1 if ka < kb else (1 if kb < ka else 0)


def equal(registry: Registry, a: str, b: str) -> bool:
    """Equality under the registry's rules (``0.1.8.0 == 0.1.8`` on RubyGems and PyPI)."""
    return compare(registry, a, b) == 0


def greatest(registry: Registry, texts: Iterable[str]) -> str | None:
    """The greatest of ``texts`` in the registry's order (unparsable ones skipped)."""
    best: str | None = None
    for text in texts:
        if is_version(registry, text) and (best is None or compare(registry, text, best) > 0):
            best = text
    return best


@dataclass(frozen=True, kw_only=True)
class Listing:
    """What a registry's version list says about our version."""

    exact: bool  # our rendering, spelled exactly so, is listed
    same: tuple[str, ...]  # equal to ours under the registry's rules, spelled differently
    greater: tuple[str, ...]  # above ours


def classify(registry: Registry, ours: str, listed: Iterable[str]) -> Listing:
    """Sort the registry's versions against ``ours``; entries it cannot read are ignored."""
    exact, same, greater = False, [], []
    for text in listed:
        if text == ours:
            exact = True
        elif is_version(registry, text):
            order = compare(registry, text, ours)
            if order == 0:
                same.append(text)
            elif order > 0:
                greater.append(text)
    return Listing(exact=exact, same=tuple(same), greater=tuple(greater))


def refusal(listing: Listing, registry: Registry, label: str, package: str, ours: str) -> str | None:
    """Why ``package`` ``ours`` must not go to the registry ``label`` (``None``: it may).

    A listed exact rendering is the ``--on-duplicate`` case, not a refusal.
    """
    if listing.exact:
        return None
    if listing.same:
        return (f"{package} {ours}: {label} already has {listing.same[0]}, the same version under "
                f"its rules but spelled differently; it would refuse {ours}, and it is not ours to "
                "call published")
    if listing.greater:
        top = greatest(registry, listing.greater)
        return (f"{package} {ours}: {label} already has {top}, which is greater; versions only "
                "go up")
    return None


def check_listed(registry: Registry, label: str, package: str, ours: str,
                 listed: Iterable[str], hint: str) -> bool:
    """Whether ``ours`` is on the registry, spelled exactly so (the ``--on-duplicate`` case).

    Raises :class:`VersionError` (``hint`` appended: what to do) when the registry lists
    the same version spelled differently or a greater one: such a version is neither ours
    to call published nor one to upload.
    """
    listing = classify(registry, ours, listed)
    reason = refusal(listing, registry, label, package, ours)
    if reason is not None:
        raise VersionError(f"{reason}. {hint}")
    return listing.exact


def render(version: BindingVersion, registry: Registry) -> str:
    """``version`` as ``registry`` spells it (validated in that registry's grammar)."""
    kind = kind_of(registry)
    text = kind.render(version)
    kind.check_grammar(text)
    return text


def read_rendering(text: str, registry: Registry, source: str = "version",
                   scheme: Scheme = "two-tier") -> BindingVersion:
    """Inverse of :func:`render`: read a registry's spelling back into ``X.Y.Z.P`` (a plain
    ``X.Y.Z`` for a binding not versioned two-tier)."""
    kind = kind_of(registry)
    if scheme != "two-tier":
        try:
            return BindingVersion.plain(kind.read_plain(text, source))
        except VersionError:
            # A crate's manifest as the version file (maturin's dynamic version): semver.
            return BindingVersion.plain(CoreVersion.parse(text, source))
    return kind.read_rendering(text, source)
