"""Each registry's own version order and equality, as pure functions over version strings.

A next version is compared with every version string seen for its component (its version
file, its tags in any scheme, what the registry lists), each in the terms of the registry
that will judge it:

* RubyGems (``Gem::Version``): numbers and letters are separate segments; trailing zero
  segments do not count, so ``0.1.8.0 == 0.1.8``; ``0.1.9.0 < 0.1.10``; a letter segment
  sorts below any number, so ``1.0.a`` and ``1.0-rc1`` (prereleases) are below ``1.0``.
* PyPI: PEP 440, through ``packaging`` (``0.1.8.0 == 0.1.8``).
* npm and crates.io: semver 2.0 precedence (three parts, prereleases below their release,
  build metadata ignored). npm holds renderings: ``0.1.9000 > 0.1.10``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache, total_ordering
from typing import Any

from release_tasks.errors import VersionError
from release_tasks.version import Registry

# Gem::Version::ANCHORED_VERSION_PATTERN (an empty version, which RubyGems reads as "0",
# is refused here: no version file or tag means that).
_GEM_VERSION = r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)\s*"
_GEM_SEGMENT = r"[0-9]+|[a-z]+"


@total_ordering
@dataclass(frozen=True, slots=True)
class GemKey:
    """``Gem::Version#canonical_segments`` with ``Gem::Version#<=>`` as its order."""

    segments: tuple[int | str, ...]

    def _cmp(self, other: GemKey) -> int:
        left, right = self.segments, other.segments
        for index in range(max(len(left), len(right))):
            lhs = left[index] if index < len(left) else 0
            rhs = right[index] if index < len(right) else 0
            if lhs == rhs:
                continue
            if isinstance(lhs, int) and isinstance(rhs, int):
                return -1 if lhs < rhs else 1
            if isinstance(lhs, str) and isinstance(rhs, str):
                return -1 if lhs < rhs else 1
            return -1 if isinstance(lhs, str) else 1  # a letter sorts below any number
        return 0

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, GemKey):
            return NotImplemented
        return self._cmp(other) < 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GemKey):
            return NotImplemented
        return self._cmp(other) == 0

    def __hash__(self) -> int:
        return hash(self.segments)


def gem_key(text: str) -> GemKey:
    """Parse a RubyGems version the way ``Gem::Version.new`` does."""
    match = re.fullmatch(_GEM_VERSION, text)
    if not match:
        raise VersionError(f"{text!r} is not a RubyGems version")
    # RubyGems reads "1.0-rc1" as the prerelease "1.0.pre.rc1".
    found = re.findall(_GEM_SEGMENT, match[1].replace("-", ".pre."), re.IGNORECASE)
    segments: list[int | str] = [int(s) if s.isdigit() else s for s in found]
    first_letter = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    # Trailing zeros are dropped from the release part and from the prerelease part apiece.
    return GemKey((*_drop_zeros(segments[:first_letter]), *_drop_zeros(segments[first_letter:])))


def _drop_zeros(part: list[int | str]) -> list[int | str]:
    while part and part[-1] == 0:
        part.pop()
    return part


@lru_cache(maxsize=8192)
def key(registry: Registry, text: str) -> Any:
    """A sort key of ``text`` in ``registry``'s order; equal keys are equal versions.

    Raises :class:`VersionError` when the registry would not read ``text`` as a version.
    Keys of one registry compare with each other only.
    """
    if registry == "rubygems":
        return gem_key(text)
    if registry == "pypi":
        from packaging.version import InvalidVersion, Version

        try:
            return Version(text)
        except InvalidVersion as exc:
            raise VersionError(f"{text!r} is not a PEP 440 version") from exc
    import semver

    try:
        # semver's own comparison already ignores build metadata, as npm and cargo do.
        return semver.Version.parse(text)
    except (ValueError, TypeError) as exc:
        raise VersionError(f"{text!r} is not a semver version (X.Y.Z)") from exc


@lru_cache(maxsize=8192)
def _plain(registry: Registry, text: str) -> tuple[int, ...] | None:
    """The order of a plain release version (numbers and dots only) as a tuple of ints, or
    ``None`` when ``text`` is anything else.

    Such versions, which are all the tool writes and nearly all it reads, are ordered here
    without the registries' own parsers (packaging, semver: slow to import), and exactly as
    they order them: PEP 440 pads the shorter release with zeros (``0.1.8.0 == 0.1.8``);
    semver takes exactly three numbers without leading zeros. RubyGems' order is computed
    here in any case (:func:`gem_key`).
    """
    if registry == "rubygems" or not re.fullmatch(r"[0-9]+(?:\.[0-9]+)*", text):
        return None
    parts = text.split(".")
    if registry == "pypi":
        numbers = [int(p) for p in parts]
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        return tuple(numbers)
    if len(parts) != 3 or any(len(p) > 1 and p[0] == "0" for p in parts):
        return None  # semver refuses it (or it is for the parser to say)
    return tuple(int(p) for p in parts)


def is_version(registry: Registry, text: str) -> bool:
    """Whether ``registry`` reads ``text`` as a version at all."""
    if _plain(registry, text) is not None:
        return True
    try:
        key(registry, text)
    except VersionError:
        return False
    return True


def compare(registry: Registry, a: str, b: str) -> int:
    """-1, 0 or 1: ``a`` below, equal to or above ``b`` in ``registry``'s order."""
    pa, pb = _plain(registry, a), _plain(registry, b)
    if pa is not None and pb is not None:
        return -1 if pa < pb else (1 if pb < pa else 0)
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
