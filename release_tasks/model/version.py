"""Version value objects: the core version ``X.Y.Z`` and the binding version ``X.Y.Z.P``.

Strings are parsed once, at the edge, into these immutable objects; each registry then gets
a *rendering* valid in its own grammar (see VERSIONING.md), which its kind in
:mod:`release_tasks.registries` owns. Constructors validate and raise
:class:`~release_tasks.errors.VersionError` with the bad value quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering
from typing import Literal, get_args

from release_tasks.errors import VersionError

#: The name of a registry kind: a key of :data:`release_tasks.registries.REGISTRIES`.
Registry = str
Bump = Literal["minor", "major"]
BUMPS: tuple[Bump, ...] = get_args(Bump)

# No leading zeros, no sign, no pre-release: what cargo, npm, PyPI and RubyGems all accept.
# (Patterns, not compiled ones: ``re`` compiles each on first use, never at import.)
_NUM = r"(?:0|[1-9][0-9]*)"
_CORE_RE = rf"({_NUM})\.({_NUM})\.({_NUM})"
_BINDING_RE = rf"({_NUM})\.({_NUM})\.({_NUM})\.({_NUM})"
#: Numbers only, without leading zeros: valid and already in normal form in every registry's
#: grammar that takes that many parts (a registry kind may skip its own parser for these).
PLAIN_RE = rf"{_NUM}(?:\.{_NUM})*"
# The patch level P stays below 1000 in every registry: npm spells X.Y.Z.P as X.Y.(Z*1000+P).
MAX_PATCH_LEVEL = 999


def clean_version_text(text: str) -> str:
    """Strip what a VERSION file may carry around the version: BOM, whitespace, CRLF."""
    return text.lstrip("\ufeff").strip()


@total_ordering
@dataclass(frozen=True, slots=True)
class CoreVersion:
    """The core version ``X.Y.Z`` shared by every published crate."""

    major: int
    minor: int
    patch: int

    def __post_init__(self) -> None:
        for part in (self.major, self.minor, self.patch):
            if part < 0:
                raise VersionError(f"version parts must not be negative: {self}")

    @classmethod
    def parse(cls, text: str, source: str = "version") -> CoreVersion:
        """Parse ``X.Y.Z``; ``source`` names where the text came from, for the message."""
        match = re.fullmatch(_CORE_RE, text)
        if not match:
            raise VersionError(
                f"{source}: {text!r} is not a core version X.Y.Z (e.g. 0.1.8)"
            )
        return cls(int(match[1]), int(match[2]), int(match[3]))

    def bump_patch(self) -> CoreVersion:
        """``0.1.8`` -> ``0.1.9``."""
        return CoreVersion(self.major, self.minor, self.patch + 1)

    def bump(self, part: Bump) -> CoreVersion:
        """``--bump minor``: ``0.1.8`` -> ``0.2.0`` (leaving alpha); ``major``: -> ``1.0.0``."""
        if part == "minor":
            return CoreVersion(self.major, self.minor + 1, 0)
        return CoreVersion(self.major + 1, 0, 0)

    def binding(self, patch_level: int = 0) -> BindingVersion:
        """The binding version ``X.Y.Z.P`` on top of this core version."""
        return BindingVersion(self, patch_level)

    def _key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, CoreVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@total_ordering
@dataclass(frozen=True, slots=True)
class BindingVersion:
    """A binding version ``X.Y.Z.P``: core ``X.Y.Z`` plus a language-side patch level ``P``."""

    core: CoreVersion
    patch_level: int

    def __post_init__(self) -> None:
        if not 0 <= self.patch_level <= MAX_PATCH_LEVEL:
            raise VersionError(
                f"binding patch level {self.patch_level} of {self.core}.{self.patch_level} "
                f"is outside 0..{MAX_PATCH_LEVEL} (the npm rendering X.Y.(Z*1000+P) needs P < 1000)"
            )

    @classmethod
    def parse(cls, text: str, source: str = "version") -> BindingVersion:
        """Parse ``X.Y.Z.P``."""
        match = re.fullmatch(_BINDING_RE, text)
        if not match:
            raise VersionError(
                f"{source}: {text!r} is not a binding version X.Y.Z.P (e.g. 0.1.8.2)"
            )
        core = CoreVersion(int(match[1]), int(match[2]), int(match[3]))
        return cls(core, int(match[4]))

    def next_patch(self) -> BindingVersion:
        """``0.1.8.2`` -> ``0.1.8.3``."""
        return BindingVersion(self.core, self.patch_level + 1)

    def _key(self) -> tuple[int, int, int, int]:
        return (*self.core._key(), self.patch_level)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, BindingVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.core}.{self.patch_level}"
