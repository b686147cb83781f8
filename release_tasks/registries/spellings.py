"""How each registry spells a binding version, prereleases included: the functions behind
each kind's ``render``, ``read_rendering`` and ``read_plain`` (:mod:`.ordering` calls them).

A final two-tier version ``X.Y.Z.P`` is ``X.Y.Z.P`` on PyPI and RubyGems and
``X.Y.(Z*1000+P)`` on npm. On a prerelease core (``0.38.0-beta.4``) each registry gets a
spelling in its own grammar that sorts below every version of the final there, and, for a
binding patch ``P``, above the same prerelease without it:

========  =====================  ======================  ==========================
registry  ``0.38.0-beta.4.0``    ``0.38.0-beta.4.2``     order below ``0.38.0.0``
========  =====================  ======================  ==========================
PyPI      ``0.38.0b4``           ``0.38.0b4.post2``      PEP 440: a prerelease
RubyGems  ``0.38.0.beta.4``      ``0.38.0.beta.4.2``     a letter segment
npm       ``0.38.0-beta.4``      ``0.38.0-beta.4.2``     semver prerelease
========  =====================  ======================  ==========================

PEP 440 has no place for a patch on a ``dev`` prerelease (``.devN`` comes last): such a
version is refused with the way out. Each reader is the inverse of its writer.

A binding versioned ``lockstep`` or ``independent`` has a plain ``X.Y.Z[-LABEL.N]``, spelled
as each registry spells a release or prerelease: ``0.38.0b4`` on PyPI, ``0.38.0.beta.4`` on
RubyGems, ``0.38.0-beta.4`` on npm (no ``Z*1000`` there).
"""

from __future__ import annotations

import re

from release_tasks.errors import VersionError
from release_tasks.model.version import (
    PRE_LABELS,
    BindingVersion,
    CoreVersion,
    PreLabel,
    Prerelease,
)

#: npm's rendering of ``X.Y.Z.P`` is ``X.Y.(Z*1000+P)``.
PATCH_FACTOR = 1000
_NUM = r"(?:0|[1-9][0-9]*)"
_LABELS = "|".join(PRE_LABELS)
_PEP440_PRE = {"alpha": "a", "beta": "b", "rc": "rc"}
_PEP440_LABEL = {short: label for label, short in _PEP440_PRE.items()}


def _label(text: str) -> PreLabel:
    return next(label for label in PRE_LABELS if label == text)


def _core(major: str, minor: str, patch: str, label: str | None,
          number: str | None) -> CoreVersion:
    pre = Prerelease(_label(label), int(number)) if label is not None and number else None
    return CoreVersion(int(major), int(minor), int(patch), pre)


# --- PyPI --------------------------------------------------------------------------------


def core_pep440(core: CoreVersion) -> str:
    """``0.38.0-beta.4`` as PEP 440 spells it: ``0.38.0b4`` (``dev``: ``0.38.0.dev4``)."""
    final = str(core.final)
    if core.pre is None:
        return final
    if core.pre.label == "dev":
        return f"{final}.dev{core.pre.number}"
    return f"{final}{_PEP440_PRE[core.pre.label]}{core.pre.number}"


def pep440(version: BindingVersion) -> str:
    """The PyPI spelling of a binding version (see the module's table)."""
    core, level = version.core, version.patch_level
    if level is None:
        return core_pep440(core)
    if core.pre is None:
        return str(version)
    if level == 0:
        return core_pep440(core)
    if core.pre.label == "dev":
        raise VersionError(
            f"{version}: PEP 440 has no spelling for a binding patch on a dev prerelease "
            f"({core_pep440(core)} is a dev release, and .devN comes last); release the next "
            "prerelease instead (--pre dev)")
    return f"{core_pep440(core)}.post{level}"


def read_pep440(text: str, source: str) -> BindingVersion:
    """Inverse of :func:`pep440`."""
    match = re.fullmatch(rf"({_NUM})\.({_NUM})\.({_NUM})(?:(a|b|rc)({_NUM})(?:\.post({_NUM}))?"
                         rf"|\.dev({_NUM}))", text)
    if match is None:
        return BindingVersion.parse(text, source)
    major, minor, patch, short, number, post, dev = match.groups()
    if dev is not None:
        return BindingVersion(_core(major, minor, patch, "dev", dev), 0)
    return BindingVersion(_core(major, minor, patch, _PEP440_LABEL[short], number),
                          int(post) if post else 0)


# --- RubyGems ------------------------------------------------------------------------------


def core_gem(core: CoreVersion) -> str:
    """``0.38.0-beta.4`` as RubyGems spells a prerelease: ``0.38.0.beta.4``."""
    return str(core.final) if core.pre is None else f"{core.final}.{core.pre}"


def gem(version: BindingVersion) -> str:
    """The RubyGems spelling of a binding version (see the module's table)."""
    core, level = version.core, version.patch_level
    if level is None:
        return core_gem(core)
    if core.pre is None:
        return str(version)
    return core_gem(core) + (f".{level}" if level else "")


def read_gem(text: str, source: str) -> BindingVersion:
    """Inverse of :func:`gem`."""
    match = re.fullmatch(rf"({_NUM})\.({_NUM})\.({_NUM})\.({_LABELS})\.({_NUM})(?:\.({_NUM}))?",
                         text)
    if match is None:
        return BindingVersion.parse(text, source)
    major, minor, patch, label, number, level = match.groups()
    return BindingVersion(_core(major, minor, patch, label, number), int(level) if level else 0)


# --- npm -----------------------------------------------------------------------------------


def npm(version: BindingVersion) -> str:
    """``X.Y.(Z*1000+P)``; on a prerelease core ``X.Y.(Z*1000)-LABEL.N[.P]``."""
    core, level = version.core, version.patch_level
    if level is None:
        return str(core)
    if core.pre is None:
        return f"{core.major}.{core.minor}.{core.patch * PATCH_FACTOR + level}"
    spelled = f"{core.major}.{core.minor}.{core.patch * PATCH_FACTOR}-{core.pre}"
    return spelled + (f".{level}" if level else "")


def read_npm(text: str, source: str) -> BindingVersion:
    """Inverse of :func:`npm`."""
    match = re.fullmatch(rf"({_NUM})\.({_NUM})\.({_NUM})(?:-({_LABELS})\.({_NUM})(?:\.({_NUM}))?)?",
                         text)
    if match is None:
        raise VersionError(f"{source}: {text!r} is not an npm rendering X.Y.(Z*1000+P) of a "
                           "binding version (e.g. 0.1.8002, or 0.2.0-beta.1 on a prerelease core)")
    major, minor, patch, label, number, level = match.groups()
    rendered = int(patch)
    if label is None:
        return BindingVersion(CoreVersion(int(major), int(minor), rendered // PATCH_FACTOR),
                              rendered % PATCH_FACTOR)
    if rendered % PATCH_FACTOR:
        raise VersionError(f"{source}: {text!r} is no npm rendering of a binding version: on a "
                           f"prerelease core the patch is Z*1000 ({rendered // PATCH_FACTOR * 1000})")
    return BindingVersion(_core(major, minor, str(rendered // PATCH_FACTOR), label, number),
                          int(level) if level else 0)


# --- plain versions (lockstep, independent) -------------------------------------------------


def read_plain_pep440(text: str, source: str) -> CoreVersion:
    """Inverse of :func:`core_pep440`."""
    match = re.fullmatch(rf"({_NUM})\.({_NUM})\.({_NUM})(?:(a|b|rc)({_NUM})|\.dev({_NUM}))?", text)
    if match is None:
        raise VersionError(f"{source}: {text!r} is not a PyPI version X.Y.Z (or a prerelease "
                           "X.Y.ZbN, X.Y.ZrcN, X.Y.Z.devN)")
    major, minor, patch, short, number, dev = match.groups()
    if dev is not None:
        return _core(major, minor, patch, "dev", dev)
    return _core(major, minor, patch, _PEP440_LABEL[short] if short else None, number)


def read_plain_npm(text: str, source: str) -> CoreVersion:
    """A plain semver version as npm packages spell it: ``0.38.0-beta.4``, and napi-rs's
    ``0.15.3-dev0`` (read as ``0.15.3-dev.0``, the spelling a release writes)."""
    match = re.fullmatch(rf"({_NUM})\.({_NUM})\.({_NUM})(?:-({_LABELS})\.?({_NUM}))?", text)
    if match is None:
        return CoreVersion.parse(text, source)
    return _core(*match.groups())


def read_plain_gem(text: str, source: str) -> CoreVersion:
    """Inverse of :func:`core_gem`."""
    match = re.fullmatch(rf"({_NUM})\.({_NUM})\.({_NUM})(?:\.({_LABELS})\.({_NUM}))?", text)
    if match is None:
        raise VersionError(f"{source}: {text!r} is not a RubyGems version X.Y.Z (or a "
                           "prerelease X.Y.Z.beta.N)")
    return _core(*match.groups())
