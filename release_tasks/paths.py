"""Path patterns of components: globs that match by whole path components.

``tasker-pgmq/**`` and the bare ``tasker-pgmq`` both match ``tasker-pgmq/src/lib.rs`` and
never ``tasker-pgmq-extra/x``. ``**`` spans any number of components (zero included), ``*``
and ``?`` stay inside one component. A component's patterns compile into one regular
expression, so matching 20,000 changed paths stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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
    """A compiled set of patterns; ``matches(path)`` is one regular-expression test."""

    patterns: tuple[str, ...]
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.patterns:
            joined = "|".join(f"(?:{pattern_regex(p)})" for p in self.patterns)
            regex = re.compile(f"(?:{joined})\\Z")
        else:
            regex = re.compile(r"(?!)")
        object.__setattr__(self, "_regex", regex)

    def matches(self, path: str) -> bool:
        """True when ``path`` (repository-relative, '/'-separated) belongs to the set."""
        return self._regex.match(path) is not None

    def select(self, paths: Iterable[str]) -> tuple[str, ...]:
        """The paths of ``paths`` that belong to the set, in their order."""
        match = self._regex.match
        return tuple(p for p in paths if match(p) is not None)
