"""Path patterns of components: globs that match by whole path components.

``tasker-pgmq/**`` and the bare ``tasker-pgmq`` both match ``tasker-pgmq/src/lib.rs`` and
never ``tasker-pgmq-extra/x``. ``**`` spans any number of components (zero included), ``*``
and ``?`` stay inside one component. A component's patterns compile into one regular
expression; plain paths over a sorted list need none (:meth:`PathSet.select`), so sorting
20,000 changed paths into components stays cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

_SPECIAL = set("*?[")


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable component pattern, or ``None`` when it is."""
    if not pattern or pattern.strip() != pattern:
        return "must be a non-empty path without surrounding spaces"
    if pattern.startswith("/") or "\\" in pattern:
        return "must be a relative POSIX path (no leading '/', no backslash)"
    parts = pattern.split("/")
    if any(p in ("", ".", "..") for p in parts[:-1]) or parts[-1] in (".", ".."):
        return "must not contain empty, '.' or '..' components"
    if any("**" in p and p != "**" for p in parts):
        return "'**' must be a whole path component"
    if any("[" in p for p in parts):
        return "character classes '[...]' are not supported"
    return None


def _component_regex(part: str) -> str:
    out = []
    for ch in part:
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def pattern_regex(pattern: str) -> str:
    """The regular expression (unanchored text) for one pattern."""
    parts = pattern.rstrip("/").split("/")
    pieces: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            pieces.append(".*" if last else "(?:[^/]+/)*")
        else:
            pieces.append(_component_regex(part) + ("" if last else "/"))
    body = "".join(pieces)
    if parts[-1] != "**":
        # A pattern naming a directory also covers everything below it.
        body += "(?:/.*)?"
    return body


@dataclass(frozen=True)
class PathSet:
    """A set of patterns; ``matches(path)`` is one regular-expression test.

    The expression is compiled on first use. :meth:`select` over a sorted list (what git
    lists) of plain paths (no ``*`` or ``?``, the usual case) uses no expression at all: the
    paths below ``a/b`` are one slice of a sorted list, found by bisection.
    """

    patterns: tuple[str, ...]

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        if not self.patterns:
            return re.compile(r"(?!)")
        joined = "|".join(f"(?:{pattern_regex(p)})" for p in self.patterns)
        return re.compile(f"(?:{joined})\\Z")

    @cached_property
    def _literals(self) -> tuple[str, ...] | None:
        """The patterns as plain paths, or ``None`` when one of them is a glob."""
        literals = tuple(p.rstrip("/") for p in self.patterns)
        return None if any(_SPECIAL & set(p) for p in literals) else literals

    def matches(self, path: str) -> bool:
        """True when ``path`` (repository-relative, '/'-separated) belongs to the set."""
        return self._regex.match(path) is not None

    def select(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The paths of ``paths`` that belong to the set, in their order."""
        literals = self._literals
        if literals is not None and isinstance(paths, list | tuple) and len(paths) > 64:
            listed = list(paths)
            ordered = sorted(listed)  # one pass when they are sorted already
            if ordered == listed:
                return _slices(ordered, literals)
        match = self._regex.match
        return tuple(p for p in paths if match(p) is not None)


def _slices(paths: list[str], literals: tuple[str, ...]) -> tuple[str, ...]:
    """The paths of sorted ``paths`` that are one of ``literals`` or below one."""
    spans = []
    for literal in literals:
        # `a` itself, then everything from `a/` up to `a0` ('0' follows '/'): below `a`.
        spans.append((bisect_left(paths, literal), bisect_right(paths, literal)))
        spans.append((bisect_left(paths, literal + "/"), bisect_left(paths, literal + "0")))
    picked: list[str] = []
    end = 0
    for start, stop in sorted(spans):
        start = max(start, end)
        if start < stop:
            picked += paths[start:stop]
            end = stop
    return tuple(picked)
