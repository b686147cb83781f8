"""Just enough of cargo's version-requirement semantics to check publish ordering.

Pre-release matching rules are simplified to plain ordering; the ordering check only needs
to tell "a matching release was visible" from "it was not".
"""

from __future__ import annotations

import re

_PART = re.compile(r"^(\^|~|=|>=|<=|>|<)?\s*(.*)$")

Key = tuple[int, int, int, tuple[tuple[int, int, str], ...]]


def version_key(version: str) -> Key:
    core, _, pre = version.split("+", 1)[0].partition("-")
    nums = [int(p) for p in core.split(".")]
    major, minor, patch = ([*nums, 0, 0, 0])[:3]
    if not pre:
        # A release sorts after every pre-release of the same core version.
        return major, minor, patch, ((2, 0, ""),)
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split("."))
    return major, minor, patch, ids


def _bump(parts: list[int], index: int) -> Key:
    bumped = [*parts[:index], parts[index] + 1] + [0] * (2 - index)
    # The smallest pre-release of the next version: excludes all its pre-releases too.
    return bumped[0], bumped[1], bumped[2], ((0, -1, ""),)


def _comparator(text: str, version: Key) -> bool:
    match = _PART.match(text.strip())
    if match is None:
        return False
    op, raw = match.group(1) or "^", match.group(2).strip()
    if raw in ("*", ""):
        return True
    fields = raw.split(".")
    wildcard = any(f in ("*", "x", "X") for f in fields)
    given = [int(f) for f in fields if f not in ("*", "x", "X")]
    parts = ([*given, 0, 0, 0])[:3]
    if len(given) == 3 and not wildcard:
        low = version_key(raw)
    else:
        low = (parts[0], parts[1], parts[2], ((0, -1, ""),))
    if op in (">", ">=", "<", "<="):
        full = version_key(".".join(map(str, parts)))
        return {
            ">": version > full,
            ">=": version >= low,
            "<": version < low,
            "<=": version <= full,
        }[op]
    if op == "=" and len(given) == 3 and not wildcard:
        return version == low
    if op == "~":
        return low <= version < _bump(parts, 1 if len(given) >= 2 else 0)
    if op == "=" or wildcard:
        # =1.2 and 1.2.* pin every field that was given.
        return low <= version < _bump(parts, len(given) - 1)
    # Caret: the left-most non-zero given field must stay the same.
    index = next((i for i, p in enumerate(given) if p != 0), len(given) - 1)
    return low <= version < _bump(parts, index)


def matches(version: str, requirement: str) -> bool:
    """Whether ``version`` satisfies the cargo requirement ``requirement``."""
    try:
        key = version_key(version)
        return all(_comparator(part, key) for part in requirement.split(","))
    except ValueError:
        return False
