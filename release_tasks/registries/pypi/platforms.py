"""The canonical platforms as PyPI names them: a wheel's platform tag (manylinux and
musllinux on Linux, ``macosx_*`` and ``win_*``), and the sdist for ``source``.

A plain ``linux_*`` tag names no platform, since PyPI refuses it. (A file's tags are read
with :mod:`packaging`, in :mod:`~release_tasks.registries.pypi.dists`: this module is
imported with the kind, which the version stages load without packaging.)
"""

from __future__ import annotations

import re
import tomllib
from typing import Final

from release_tasks.model import platforms

__all__ = ["TAGS", "from_setup", "platforms_of_tag"]

#: Each platform as the platform tag of its wheel (a pattern: the glibc/musl/macOS version
#: is the build's to choose); ``source``: the sdist.
TAGS: Final = {
    "linux-x86_64": "manylinux_*_x86_64",
    "linux-aarch64": "manylinux_*_aarch64",
    "linux-x86_64-musl": "musllinux_*_x86_64",
    "linux-aarch64-musl": "musllinux_*_aarch64",
    "macos-x86_64": "macosx_*_x86_64",
    "macos-arm64": "macosx_*_arm64",
    "windows-x86_64": "win_amd64",
    "windows-arm64": "win_arm64",
    "source": "sdist",
}

_LINUX = re.compile(r"^(?P<libc>many|musl)linux(?:_\d+_\d+|1|2010|2014)_(?P<arch>x86_64|aarch64)$")
_MACOS = re.compile(r"^macosx_\d+_\d+_(?P<arch>x86_64|arm64|universal2)$")
_WINDOWS = {"win_amd64": "windows-x86_64", "win_arm64": "windows-arm64"}


def platforms_of_tag(platform_tag: str) -> frozenset[str]:
    """The platforms a wheel's platform tag installs on (``universal2``: both macOS ones)."""
    if platform_tag in _WINDOWS:
        return frozenset({_WINDOWS[platform_tag]})
    if found := _LINUX.match(platform_tag):
        musl = "-musl" if found["libc"] == "musl" else ""
        return frozenset({f"linux-{found['arch']}{musl}"})
    if found := _MACOS.match(platform_tag):
        arches = ("x86_64", "arm64") if found["arch"] == "universal2" else (found["arch"],)
        return frozenset(f"macos-{arch}" for arch in arches)
    return frozenset()


def from_setup(pyproject: str | None, host: str | None) -> tuple[tuple[str, ...], str]:
    """``[tool.maturin] compatibility`` says which C library this Linux's wheel is for."""
    try:
        maturin = tomllib.loads(pyproject or "").get("tool", {}).get("maturin")
    except tomllib.TOMLDecodeError:
        return (), ""
    if not isinstance(maturin, dict) or host is None or not host.startswith("linux-"):
        return (), ""
    musl = str(maturin.get("compatibility", "")).startswith("musllinux")
    name = f"linux-{platforms.get(host).arch}" + ("-musl" if musl else "")
    return (name, "source"), ("[tool.maturin]: a wheel for this machine's Linux"
                              f"{' (musllinux)' if musl else ''} and the sdist")
