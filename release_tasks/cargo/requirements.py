"""Cargo version requirements (``=0.1.8``, ``0.1``, ``>=0.1, <0.3``, ``0.1.*``), for pins.

A pin that names one full version (``=0.1.8``, ``^0.1.8``, ``~0.1.8``, bare ``0.1.8``) is kept
in step with the crate it pins, operator and all; any other requirement is left as written,
and only checked: does the crate's next version still satisfy it? Release versions only:
the versions this tool writes have no pre-release part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMPARATOR = re.compile(
    r"^\s*(?P<op>=|>=|<=|>|<|~|\^)?\s*"
    r"(?P<major>\d+|\*)(?:\.(?P<minor>\d+|\*))?(?:\.(?P<patch>\d+|\*))?"
    r"(?P<rest>[-+][0-9A-Za-z.+-]*)?\s*$")

Version = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Pin:
    """A requirement naming one full version with one operator: the kind kept in step."""

    op: str  # "", "=", "^" or "~"
    version: str  # X.Y.Z

    def __str__(self) -> str:
        return f"{self.op}{self.version}"

    def moved_to(self, version: str) -> str:
        return f"{self.op}{version}"


def parse_pin(req: str) -> Pin | None:
    """The :class:`Pin` ``req`` is, or ``None`` for any other requirement."""
    match = _COMPARATOR.match(req)
    if (match is None or "," in req or match["rest"] or match["patch"] in (None, "*")
            or match["minor"] in (None, "*") or match["major"] == "*"
            or (match["op"] or "") not in ("", "=", "^", "~")):
        return None
    return Pin(match["op"] or "", f"{match['major']}.{match['minor']}.{match['patch']}")


def _parse_version(text: str) -> Version:
    major, minor, patch = (int(p) for p in text.split("."))
    return major, minor, patch


def _bounds(op: str, parts: list[int]) -> tuple[Version | None, bool, Version | None]:
    """``(lower, lower inclusive, upper exclusive)`` of one comparator."""
    filled = (*parts, *[0] * (3 - len(parts)))
    low: Version = (filled[0], filled[1], filled[2])

    def bump(index: int) -> Version:
        head = [*parts[:index], parts[index] + 1, 0, 0][:3]
        return head[0], head[1], head[2]

    if op in ("", "^"):
        # The left-most non-zero part given may not change; all given parts zero: the last.
        index = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
        return low, True, bump(index)
    if op == "~":
        return low, True, bump(min(1, len(parts) - 1))
    if op == "=":
        return low, True, bump(len(parts) - 1)
    if op == ">=":
        return low, True, None
    if op == ">":
        return (bump(len(parts) - 1), True, None) if len(parts) < 3 else (low, False, None)
    if op == "<":
        return None, True, low
    # "<="
    return None, True, bump(len(parts) - 1)


def satisfies(req: str, version: str) -> bool | None:
    """Whether release ``version`` (X.Y.Z) meets cargo requirement ``req``; ``None`` when
    ``req`` cannot be read (it is then left alone, unjudged)."""
    wanted = _parse_version(version)
    for comparator in req.split(","):
        if comparator.strip() == "*":
            continue
        match = _COMPARATOR.match(comparator)
        if match is None or match["rest"]:
            return None
        parts: list[int] = []
        for name in ("major", "minor", "patch"):
            value = match[name]
            if value is None or value == "*":
                break
            parts.append(int(value))
        op = match["op"] or ""
        if not parts:
            continue  # a bare wildcard
        if any(match[n] == "*" for n in ("major", "minor", "patch")):
            op = "="  # X.* and X.Y.* mean the given parts are fixed
        low, inclusive, high = _bounds(op, parts)
        if low is not None and (wanted < low or (wanted == low and not inclusive)):
            return False
        if high is not None and wanted >= high:
            return False
    return True
