"""Version value objects: the core version ``X.Y.Z`` and the binding version ``X.Y.Z.P``.

A core version may be a prerelease, ``X.Y.Z-LABEL.N`` (``0.38.0-beta.4``, LABEL one of
:data:`PRE_LABELS`), which sorts below its final ``X.Y.Z``; a binding on it carries the
prerelease (``0.38.0-beta.4.2``) and sorts below every binding of the final.

Strings are parsed once, at the edge, into these immutable objects; each registry then gets
a *rendering* valid in its own grammar (see VERSIONING.md), which its kind in
:mod:`release_tasks.registries` owns. Constructors validate and raise
:class:`~release_tasks.errors.VersionError` with the bad value quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering
from typing import Literal, cast, get_args

from release_tasks.errors import VersionError

#: The name of a registry kind: a key of :data:`release_tasks.registries.REGISTRIES`.
Registry = str
Bump = Literal["minor", "major"]
BUMPS: tuple[Bump, ...] = get_args(Bump)
#: The prerelease labels ``--pre`` takes, lowest first (PEP 440's order: dev < a < b < rc).
PreLabel = Literal["dev", "alpha", "beta", "rc"]
PRE_LABELS: tuple[PreLabel, ...] = get_args(PreLabel)
#: How a binding is versioned: ``two-tier`` ``X.Y.Z.P`` on the core it is built with,
#: ``lockstep`` (the core's version itself), or ``independent`` (its own ``X.Y.Z``).
Scheme = Literal["two-tier", "lockstep", "independent"]
SCHEMES: tuple[Scheme, ...] = get_args(Scheme)

# No leading zeros, no sign, no pre-release: what cargo, npm, PyPI and RubyGems all accept.
# (Patterns, not compiled ones: ``re`` compiles each on first use, never at import.)
_NUM = r"(?:0|[1-9][0-9]*)"
_PRE = rf"(?:-({'|'.join(PRE_LABELS)})\.({_NUM}))?"
_CORE_RE = rf"({_NUM})\.({_NUM})\.({_NUM}){_PRE}"
_BINDING_RE = rf"({_NUM})\.({_NUM})\.({_NUM}){_PRE}\.({_NUM})"
#: Numbers only, without leading zeros: valid and already in normal form in every registry's
#: grammar that takes that many parts (a registry kind may skip its own parser for these).
PLAIN_RE = rf"{_NUM}(?:\.{_NUM})*"
# The patch level P stays below 1000 in every registry: npm spells X.Y.Z.P as X.Y.(Z*1000+P).
MAX_PATCH_LEVEL = 999


def clean_version_text(text: str) -> str:
    """Strip what a VERSION file may carry around the version: BOM, whitespace, CRLF."""
    return text.lstrip("\ufeff").strip()


@dataclass(frozen=True, slots=True)
class Prerelease:
    """The prerelease part ``LABEL.N`` of a core version (``beta.4``)."""

    label: PreLabel
    number: int

    def __post_init__(self) -> None:
        if self.label not in PRE_LABELS or self.number < 0:
            raise VersionError(f"{self.label}.{self.number} is not a prerelease LABEL.N "
                               f"(LABEL one of {', '.join(PRE_LABELS)})")

    @property
    def rank(self) -> int:
        return PRE_LABELS.index(self.label)

    def __str__(self) -> str:
        return f"{self.label}.{self.number}"


@total_ordering
@dataclass(frozen=True, slots=True)
class CoreVersion:
    """The core version ``X.Y.Z`` shared by every published crate, maybe a prerelease
    ``X.Y.Z-LABEL.N``."""

    major: int
    minor: int
    patch: int
    pre: Prerelease | None = None

    def __post_init__(self) -> None:
        for part in (self.major, self.minor, self.patch):
            if part < 0:
                raise VersionError(f"version parts must not be negative: {self}")

    @classmethod
    def parse(cls, text: str, source: str = "version") -> CoreVersion:
        """Parse ``X.Y.Z`` or ``X.Y.Z-LABEL.N``; ``source`` names where the text came from."""
        match = re.fullmatch(_CORE_RE, text)
        if not match:
            raise VersionError(
                f"{source}: {text!r} is not a core version X.Y.Z or X.Y.Z-LABEL.N (e.g. 0.1.8, "
                f"0.2.0-beta.1; LABEL one of {', '.join(PRE_LABELS)})"
            )
        return cls(int(match[1]), int(match[2]), int(match[3]), _pre(match[4], match[5]))

    @classmethod
    def parses(cls, text: str) -> bool:
        """Whether ``text`` is a core version (:meth:`parse` takes it)."""
        try:
            cls.parse(text)
        except VersionError:
            return False
        return True

    @property
    def final(self) -> CoreVersion:
        """The release this prerelease leads to (itself when it is no prerelease)."""
        return CoreVersion(self.major, self.minor, self.patch)

    def bump_patch(self) -> CoreVersion:
        """``0.1.8`` -> ``0.1.9``; a prerelease goes to its final (``0.2.0-rc.1`` -> ``0.2.0``)."""
        if self.pre is not None:
            return self.final
        return CoreVersion(self.major, self.minor, self.patch + 1)

    def bump(self, part: Bump) -> CoreVersion:
        """``--bump minor``: ``0.1.8`` -> ``0.2.0`` (leaving alpha); ``major``: -> ``1.0.0``."""
        if part == "minor":
            return CoreVersion(self.major, self.minor + 1, 0)
        return CoreVersion(self.major + 1, 0, 0)

    def prerelease(self, label: PreLabel) -> CoreVersion:
        """The next ``label`` prerelease: ``0.38.0-beta.4`` -> ``0.38.0-beta.5``;
        ``0.38.0-beta.4`` -> ``0.38.0-rc.0``; ``0.38.0`` -> ``0.38.1-beta.0``.

        A label below the current one (``--pre alpha`` after a beta) would go backwards: a
        VersionError says which labels are left.
        """
        if label not in PRE_LABELS:
            raise VersionError(f"--pre {label}: expected one of {', '.join(PRE_LABELS)}")
        if self.pre is None:
            return CoreVersion(self.major, self.minor, self.patch + 1, Prerelease(label, 0))
        if label == self.pre.label:
            return CoreVersion(self.major, self.minor, self.patch,
                               Prerelease(label, self.pre.number + 1))
        if PRE_LABELS.index(label) < self.pre.rank:
            later = ", ".join(PRE_LABELS[self.pre.rank:])
            raise VersionError(f"--pre {label}: {self} is already past {label} prereleases; "
                               f"take --pre {later.replace(', ', ' or --pre ')}, or the final "
                               f"{self.final} (no --pre)")
        return CoreVersion(self.major, self.minor, self.patch, Prerelease(label, 0))

    def binding(self, patch_level: int = 0) -> BindingVersion:
        """The binding version ``X.Y.Z.P`` on top of this core version."""
        return BindingVersion(self, patch_level)

    def _key(self) -> tuple[int, ...]:
        pre = (0, self.pre.rank, self.pre.number) if self.pre is not None else (1, 0, 0)
        return (self.major, self.minor, self.patch, *pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, CoreVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        pre = f"-{self.pre}" if self.pre is not None else ""
        return f"{self.major}.{self.minor}.{self.patch}{pre}"


def _pre(label: str | None, number: str | None) -> Prerelease | None:
    if label is None or number is None:
        return None
    return Prerelease(cast("PreLabel", label), int(number))


@total_ordering
@dataclass(frozen=True, slots=True)
class BindingVersion:
    """A binding version ``X.Y.Z.P``: core ``X.Y.Z`` plus a language-side patch level ``P``.

    On a prerelease core it is ``X.Y.Z-LABEL.N.P`` (``0.38.0-beta.4.2``): below every binding
    version of the final ``X.Y.Z``.

    A binding that is not versioned two-tier (``lockstep``, ``independent``) has no ``P``:
    its version is a plain ``X.Y.Z[-LABEL.N]``, held in ``core`` with ``patch_level`` None.
    """

    core: CoreVersion
    patch_level: int | None

    def __post_init__(self) -> None:
        if self.patch_level is not None and not 0 <= self.patch_level <= MAX_PATCH_LEVEL:
            raise VersionError(
                f"binding patch level {self.patch_level} of {self.core}.{self.patch_level} "
                f"is outside 0..{MAX_PATCH_LEVEL} (the npm rendering X.Y.(Z*1000+P) needs P < 1000)"
            )

    @classmethod
    def parse(cls, text: str, source: str = "version") -> BindingVersion:
        """Parse ``X.Y.Z.P`` or ``X.Y.Z-LABEL.N.P``."""
        match = re.fullmatch(_BINDING_RE, text)
        if not match:
            raise VersionError(
                f"{source}: {text!r} is not a binding version X.Y.Z.P (e.g. 0.1.8.2, or "
                "0.2.0-beta.1.0 on a prerelease core)"
            )
        core = CoreVersion(int(match[1]), int(match[2]), int(match[3]), _pre(match[4], match[5]))
        return cls(core, int(match[6]))

    @classmethod
    def plain(cls, version: CoreVersion) -> BindingVersion:
        """A binding version without ``P`` (a lockstep or independent binding's)."""
        return cls(version, None)

    @classmethod
    def parse_for(cls, text: str, scheme: Scheme, source: str = "version") -> BindingVersion:
        """Parse the canonical version of a binding versioned ``scheme``."""
        if scheme == "two-tier":
            return cls.parse(text, source)
        return cls.plain(CoreVersion.parse(text, source))

    @classmethod
    def parse_any(cls, text: str, source: str = "version") -> BindingVersion:
        """A canonical version of any scheme: ``X.Y.Z.P`` or a plain ``X.Y.Z`` (a plan's)."""
        if re.fullmatch(_BINDING_RE, text):
            return cls.parse(text, source)
        return cls.plain(CoreVersion.parse(text, source))

    @property
    def is_plain(self) -> bool:
        return self.patch_level is None

    def next_patch(self) -> BindingVersion:
        """``0.1.8.2`` -> ``0.1.8.3``; a plain ``0.49.7`` -> ``0.49.8``."""
        if self.patch_level is None:
            return BindingVersion.plain(self.core.bump_patch())
        return BindingVersion(self.core, self.patch_level + 1)

    def _key(self) -> tuple[int, ...]:
        return (*self.core._key(), -1 if self.patch_level is None else self.patch_level)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, BindingVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return str(self.core) if self.patch_level is None else f"{self.core}.{self.patch_level}"
