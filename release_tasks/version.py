"""Version value objects: the core version ``X.Y.Z`` and the binding version ``X.Y.Z.P``.

Strings are parsed once, at the edge, into these immutable objects; each registry then gets
a *rendering* valid in its own grammar (see VERSIONING.md). Constructors validate and raise
:class:`~release_tasks.errors.VersionError` with the bad value quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering
from typing import Literal, get_args

from release_tasks.errors import VersionError

Registry = Literal["crates-io", "rubygems", "pypi", "npm"]
REGISTRIES: tuple[Registry, ...] = get_args(Registry)
Bump = Literal["minor", "major"]
BUMPS: tuple[Bump, ...] = get_args(Bump)

# No leading zeros, no sign, no pre-release: what cargo, npm, PyPI and RubyGems all accept.
# (Patterns, not compiled ones: ``re`` compiles each on first use, never at import.)
_NUM = r"(?:0|[1-9][0-9]*)"
_CORE_RE = rf"({_NUM})\.({_NUM})\.({_NUM})"
_BINDING_RE = rf"({_NUM})\.({_NUM})\.({_NUM})\.({_NUM})"
# Numbers only, without leading zeros: valid and already in normal form in every registry's
# grammar that takes that many parts, so no registry's own parser needs to be asked.
_PLAIN_RE = rf"{_NUM}(?:\.{_NUM})*"
# RubyGems' Gem::Version::ANCHORED_VERSION_PATTERN, for the release versions we make.
_GEM_RE = r"[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z.-]+)?"

NPM_PATCH_FACTOR = 1000
MAX_PATCH_LEVEL = NPM_PATCH_FACTOR - 1


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

    def render(self, registry: Registry) -> str:
        """This version as ``registry`` spells it (validated in that registry's grammar)."""
        if registry == "npm":
            text = (
                f"{self.core.major}.{self.core.minor}."
                f"{self.core.patch * NPM_PATCH_FACTOR + self.patch_level}"
            )
        else:
            text = str(self)
        validate_for_registry(text, registry)
        return text

    @classmethod
    def from_rendering(cls, text: str, registry: Registry, source: str = "version") -> BindingVersion:
        """Inverse of :meth:`render`: read a registry's spelling back into ``X.Y.Z.P``."""
        if registry != "npm":
            return cls.parse(text, source)
        core = CoreVersion.parse(text, source)
        return cls(
            CoreVersion(core.major, core.minor, core.patch // NPM_PATCH_FACTOR),
            core.patch % NPM_PATCH_FACTOR,
        )

    def _key(self) -> tuple[int, int, int, int]:
        return (*self.core._key(), self.patch_level)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, BindingVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.core}.{self.patch_level}"


def validate_for_registry(text: str, registry: Registry) -> None:
    """Raise :class:`VersionError` if ``registry`` would reject ``text`` as a version."""
    # X.Y.Z is semver; any such N.N... is PEP 440 in normal form. Every version this tool
    # renders is one of these, so `versions` never loads semver or packaging.
    plain = registry != "rubygems" and re.fullmatch(_PLAIN_RE, text) is not None
    if plain and (registry == "pypi" or text.count(".") == 2):
        return
    if registry in ("npm", "crates-io"):
        import semver

        try:
            semver.Version.parse(text)
        except ValueError as exc:
            raise VersionError(
                f"{text!r} is not a valid {registry} version (semver X.Y.Z required)"
            ) from exc
    elif registry == "pypi":
        from packaging.version import InvalidVersion, Version

        try:
            parsed = Version(text)
        except InvalidVersion as exc:
            raise VersionError(f"{text!r} is not a valid PEP 440 version for PyPI") from exc
        if str(parsed) != text:
            raise VersionError(
                f"{text!r} is not in PEP 440 normal form (PyPI would show {parsed})"
            )
    elif registry == "rubygems":
        if not re.fullmatch(_GEM_RE, text):
            raise VersionError(f"{text!r} is not a valid RubyGems version")
    else:  # pragma: no cover - Literal exhausts the cases
        raise VersionError(f"unknown registry {registry!r}")


def rubygems_equal(a: str, b: str) -> bool:
    """RubyGems' equality (``0.1.8.0 == 0.1.8``); an unparsable string equals nothing."""
    return _registry_equal("rubygems", a, b)


def pep440_equal(a: str, b: str) -> bool:
    """PEP 440 equality (``0.1.8.0 == 0.1.8``); an unparsable string equals nothing."""
    return _registry_equal("pypi", a, b)


def _registry_equal(registry: Registry, a: str, b: str) -> bool:
    from release_tasks import ordering  # ordering builds on this module's Registry

    try:
        return ordering.equal(registry, a, b)
    except VersionError:
        return False
