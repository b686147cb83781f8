"""RubyGems' version grammar and order (``Gem::Version``), as pure functions.

Numbers and letters are separate segments; trailing zero segments do not count, so
``0.1.8.0 == 0.1.8``; ``0.1.9.0 < 0.1.10``; a letter segment sorts below any number, so
``1.0.a`` and ``1.0-rc1`` (prereleases) are below ``1.0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from release_tasks.errors import VersionError
from release_tasks.registries.versionkey import plain_numbers

# Gem::Version::ANCHORED_VERSION_PATTERN (an empty version, which RubyGems reads as "0",
# is refused here: no version file or tag means that). Compiled on first use (re caches it):
# plain release numbers, nearly all a release sees, are read without it.
_GEM_VERSION = r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)\s*"
_GEM_SEGMENT = r"[0-9]+|[a-zA-Z]+"
# The release versions we make: what `gem build` takes in a gemspec without complaint.
_GEM_RE = r"^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z.-]+)?$"


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
    plain = plain_numbers(text)
    if plain is not None:
        return GemKey(tuple(_drop_zeros(list(plain))))
    match = re.fullmatch(_GEM_VERSION, text)
    if not match:
        raise VersionError(f"{text!r} is not a RubyGems version")
    # RubyGems reads "1.0-rc1" as the prerelease "1.0.pre.rc1".
    found = re.findall(_GEM_SEGMENT, match[1].replace("-", ".pre."))
    segments: list[int | str] = [int(s) if s.isdigit() else s for s in found]
    first_letter = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    # Trailing zeros are dropped from the release part and from the prerelease part apiece.
    return GemKey((*_drop_zeros(segments[:first_letter]), *_drop_zeros(segments[first_letter:])))


def _drop_zeros(part: list[int | str]) -> list[int | str]:
    while part and part[-1] == 0:
        part.pop()
    return part


def check_grammar(text: str) -> None:
    """VersionError when ``gem build`` would not take ``text`` as a release version."""
    if plain_numbers(text) is None and not re.fullmatch(_GEM_RE, text):
        raise VersionError(f"{text!r} is not a valid RubyGems version")
