"""The canonical platforms as RubyGems names them (``Gem::Platform``): ``x86_64-linux``,
``arm64-darwin``, ``x64-mingw-ucrt``, and ``ruby`` (the source gem) for ``source``.

A gem's platform may carry more than its CPU and system (``x86_64-linux-gnu``,
``arm64-darwin-23``): what RubyGems installs on the platform counts as it.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["TAGS", "platform_of", "platforms_of_file"]

#: Each platform as the ``platform`` of its gem (``Gem::Platform#to_s``).
TAGS: Final = {
    "linux-x86_64": "x86_64-linux",
    "linux-aarch64": "aarch64-linux",
    "linux-x86_64-musl": "x86_64-linux-musl",
    "linux-aarch64-musl": "aarch64-linux-musl",
    "macos-x86_64": "x86_64-darwin",
    "macos-arm64": "arm64-darwin",
    "windows-x86_64": "x64-mingw-ucrt",
    "windows-arm64": "aarch64-mingw-ucrt",
    "source": "ruby",
}
_SPELLINGS: Final = {
    "x86_64-linux-gnu": "linux-x86_64", "aarch64-linux-gnu": "linux-aarch64",
    "x64-mingw32": "windows-x86_64",  # Ruby before 3.1 on Windows
    "": "source",
}
_BY_TAG: Final = {tag: name for name, tag in TAGS.items()}


def platform_of(gem_platform: str) -> str | None:
    """The canonical platform of a gem's ``platform`` (``arm64-darwin-23``: macos-arm64)."""
    if gem_platform in _BY_TAG:
        return _BY_TAG[gem_platform]
    if gem_platform in _SPELLINGS:
        return _SPELLINGS[gem_platform]
    without_version = re.sub(r"-\d+$", "", gem_platform)  # darwin's OS version
    return _BY_TAG.get(without_version)


def platforms_of_file(filename: str, package: str, version: str) -> frozenset[str]:
    """The platform of a ``.gem`` by its name (``NAME-VERSION[-PLATFORM].gem``)."""
    stem = f"{package}-{version}"
    if not filename.endswith(".gem") or not filename.startswith(stem):
        return frozenset()
    rest = filename[len(stem):].removesuffix(".gem")
    if rest and not rest.startswith("-"):
        return frozenset()
    found = platform_of(rest.removeprefix("-"))
    return frozenset({found}) if found else frozenset()
