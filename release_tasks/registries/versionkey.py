"""Sort keys that order plain release numbers without loading a registry's version parser.

Almost every version a release compares is a plain release number (``0.1.8``, ``0.1.9.0``),
and on those every registry's order is the order of the numbers (PEP 440 and RubyGems after
dropping trailing zeros, semver with exactly three). :class:`PlainFirst` compares two plain
numbers so; as soon as one side is anything else (a prerelease, a local version, a leading
``v``) both sides are compared by the registry's own parser, loaded then. Start-up of the
version stages thus never imports ``packaging`` or ``semver``, and their answers are those of
the parsers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import total_ordering
from typing import Any


def plain_numbers(text: str, parts: int | None = None) -> tuple[int, ...] | None:
    """``text`` as numbers when it is plain ASCII digits joined by dots, none with a leading
    zero (``parts``: exactly that many); ``None`` otherwise."""
    pieces = text.split(".")
    if parts is not None and len(pieces) != parts:
        return None
    for piece in pieces:
        if not (piece.isascii() and piece.isdigit()) or (len(piece) > 1 and piece[0] == "0"):
            return None
    return tuple(int(piece) for piece in pieces)


def without_trailing_zeros(numbers: tuple[int, ...]) -> tuple[int, ...]:
    """``0.1.8.0`` and ``0.1.8`` are one version under PEP 440 and RubyGems."""
    end = len(numbers)
    while end > 1 and numbers[end - 1] == 0:
        end -= 1
    return numbers[:end]


@total_ordering
class PlainFirst:
    """A registry sort key: plain numbers compared as numbers, all else by ``parse``.

    ``parse`` is the registry's own parser; it is called for a plain version only when that
    version meets one that is not plain (``__hash__`` asks it too, so that equal keys hash
    alike however they were made).
    """

    __slots__ = ("_full", "_parse", "_plain", "_text")

    def __init__(self, text: str, plain: tuple[int, ...] | None,
                 parse: Callable[[str], Any]) -> None:
        self._text, self._plain, self._parse = text, plain, parse
        # A version that is not plain is parsed at once: a bad one is refused when keyed.
        self._full: Any = None if plain is not None else parse(text)

    def full(self) -> Any:
        """The registry parser's own key."""
        if self._full is None:
            self._full = self._parse(self._text)
        return self._full

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PlainFirst):
            return NotImplemented
        if self._plain is not None and other._plain is not None:
            return self._plain < other._plain
        return bool(self.full() < other.full())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlainFirst):
            return NotImplemented
        if self._plain is not None and other._plain is not None:
            return self._plain == other._plain
        return bool(self.full() == other.full())

    def __hash__(self) -> int:
        return hash(self.full())

    def __repr__(self) -> str:
        return f"PlainFirst({self._text!r})"
