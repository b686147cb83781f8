"""The canonical platforms as RubyGems names them (``Gem::Platform``): ``x86_64-linux``,
``arm64-darwin``, ``x64-mingw-ucrt``, and ``ruby`` (the source gem) for ``source``.

A gem's platform may carry more than its CPU and system (``x86_64-linux-gnu``,
``arm64-darwin-23``): what RubyGems installs on the platform counts as it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

__all__ = ["TAGS", "from_setup", "platform_of", "platforms_of_file"]

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


_GEM_PLATFORM = re.compile(r"""\.platform\s*=\s*(['"])([^'"\n]+)\1""")
_CROSS = re.compile(r"cross_platform\s*=\s*(%w[\[(]([^\])]*)[\])]|\[([^\]]*)\])")


def from_setup(rakefile: str | None, gemspecs: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """rb-sys's ``cross_platform`` in the Rakefile (platform gems beside the source gem), else
    a gemspec's literal ``platform``; a gemspec without one builds a source gem."""
    cross = _CROSS.search(rakefile or "")
    if cross:
        words = (cross.group(2) or "").split() or re.findall(r"""['"]([^'"]+)['"]""",
                                                            cross.group(3) or "")
        found = tuple(dict.fromkeys(n for w in words if (n := platform_of(w))))
        if found:
            return (*found, "source"), "rb-sys's cross_platform in the Rakefile, and the source gem"
    for text in gemspecs:
        literal = _GEM_PLATFORM.search(text)
        if literal and (name := platform_of(literal.group(2))):
            return (name,), "the gemspec's platform"
    if gemspecs and not any(".platform" in text for text in gemspecs):
        return ("source",), "a gemspec without a platform: a source gem, compiled on install"
    return (), ""
