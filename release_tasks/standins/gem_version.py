"""RubyGems version ordering and requirement matching (``Gem::Version``/``Requirement``)."""

from __future__ import annotations

import re

_SEGMENT = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)
_WIDTH = 16

Key = tuple[tuple[int, int, str], ...]


def _segments(version: str) -> list[int | str]:
    return [int(s) if s.isdigit() else s for s in _SEGMENT.findall(version.replace("-", ".pre."))]


def version_key(version: str) -> Key:
    """Sort key: numbers beat letters, so ``1.0.a`` (a pre-release) sorts before ``1.0``."""
    key = [(1, s, "") if isinstance(s, int) else (0, 0, s) for s in _segments(version)]
    # Gem::Version pads the shorter side with zeros, making 1.0 == 1.0.0.
    return tuple(key + [(1, 0, "")] * (_WIDTH - len(key)))


def _bump(version: str) -> Key:
    """The exclusive upper bound of ``~> version``."""
    segments = [s for s in _segments(version) if isinstance(s, int)]
    if len(segments) > 1:
        segments.pop()
    segments[-1] += 1
    return version_key(".".join(map(str, segments)))


def matches(version: str, requirement: str) -> bool:
    """``requirement`` as written in the compact index: ``>= 1&< 2``, or ``, ``-joined."""
    key = version_key(version)
    for part in re.split(r"&|,", requirement):
        op, _, target = part.strip().partition(" ")
        if not target:
            op, target = "=", op
        other = version_key(target)
        ok = {
            "=": key == other,
            "!=": key != other,
            ">": key > other,
            "<": key < other,
            ">=": key >= other,
            "<=": key <= other,
            "~>": other <= key < _bump(target),
        }.get(op, False)
        if not ok:
            return False
    return True
