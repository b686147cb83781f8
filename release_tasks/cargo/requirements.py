"""Cargo version requirements (``=0.1.8``, ``0.1``, ``>=0.1, <0.3``, ``0.1.*``), for pins.

A pin that names one full version (``=0.1.8``, ``^0.1.8``, ``~0.1.8``, bare ``0.1.8``) is kept
in step with the crate it pins, operator and all; any other requirement is left as written,
and only checked: does the crate's next version still satisfy it? A prerelease
(``=0.38.0-beta.4``) is a pin too, and follows cargo's rule: a prerelease version meets a
requirement only through a comparator that names a prerelease of the same ``X.Y.Z``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMPARATOR = re.compile(
    r"^\s*(?P<op>=|>=|<=|>|<|~|\^)?\s*"
    r"(?P<major>\d+|\*)(?:\.(?P<minor>\d+|\*))?(?:\.(?P<patch>\d+|\*))?"
    r"(?P<rest>[-+][0-9A-Za-z.+-]*)?\s*$")

Version = tuple[int, int, int]
#: A version's order: ``X.Y.Z`` and its prerelease identifiers (a final sorts above them all).
Key = tuple[int, int, int, tuple[tuple[int, int | str], ...]]
_FINAL: tuple[tuple[int, int | str], ...] = ((2, 0),)
_PRE = r"-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"


@dataclass(frozen=True, slots=True)
class Pin:
    """A requirement naming one full version with one operator: the kind kept in step."""

    op: str  # "", "=", "^" or "~"
    version: str  # X.Y.Z, or X.Y.Z-PRE

    def __str__(self) -> str:
        return f"{self.op}{self.version}"

    def moved_to(self, version: str) -> str:
        return f"{self.op}{version}"


def parse_pin(req: str) -> Pin | None:
    """The :class:`Pin` ``req`` is, or ``None`` for any other requirement."""
    match = _COMPARATOR.match(req)
    rest = match["rest"] if match is not None else None
    if rest is not None and not re.fullmatch(_PRE, rest):
        return None  # build metadata, or no prerelease
    if (match is None or "," in req or match["patch"] in (None, "*")
            or match["minor"] in (None, "*") or match["major"] == "*"
            or (match["op"] or "") not in ("", "=", "^", "~")):
        return None
    return Pin(match["op"] or "", f"{match['major']}.{match['minor']}.{match['patch']}{rest or ''}")


def _pre_key(rest: str | None) -> tuple[tuple[int, int | str], ...]:
    """semver's order of prerelease identifiers: numbers below words, numbers as numbers."""
    if not rest:
        return _FINAL
    return tuple((0, int(i)) if i.isdigit() else (1, i) for i in rest[1:].split("."))


def _parse_version(text: str) -> Key:
    release, _, pre = text.partition("-")
    major, minor, patch = (int(p) for p in release.split("."))
    return major, minor, patch, _pre_key(f"-{pre}" if pre else None)


def _bounds(op: str, parts: list[int], rest: str | None = None) -> tuple[Key | None, bool, Key | None]:
    """``(lower, lower inclusive, upper exclusive)`` of one comparator."""
    filled = (*parts, *[0] * (3 - len(parts)))
    low: Key = (filled[0], filled[1], filled[2], _pre_key(rest))

    def bump(index: int) -> Key:
        head = [*parts[:index], parts[index] + 1, 0, 0][:3]
        return head[0], head[1], head[2], ((0, 0),)  # below the bound's own prereleases

    if op == "=" and rest:
        return low, True, (*low[:3], (*low[3], (2, 0)))  # that prerelease exactly

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
    """Whether ``version`` (X.Y.Z or X.Y.Z-PRE) meets cargo requirement ``req``; ``None``
    when ``req`` cannot be read (it is then left alone, unjudged)."""
    wanted = _parse_version(version)
    admits_pre = wanted[3] == _FINAL
    for comparator in req.split(","):
        if comparator.strip() == "*":
            continue
        match = _COMPARATOR.match(comparator)
        rest = match["rest"] if match is not None else None
        if match is None or (rest is not None and not re.fullmatch(_PRE, rest)):
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
        low, inclusive, high = _bounds(op, parts, rest)
        if rest and len(parts) == 3 and tuple(parts) == wanted[:3]:
            admits_pre = True
        if low is not None and (wanted < low or (wanted == low and not inclusive)):
            return False
        if high is not None and wanted >= high:
            return False
    return admits_pre
