"""The platforms ``init`` proposes for a binding, from its own setup (its room:
``init/platforms.py``): napi's ``targets`` in ``package.json``, a gemspec's ``platform`` or
rb-sys's ``cross_platform`` in the Rakefile, maturin's ``[tool.maturin] compatibility``;
else the machine's own platform, and ``source`` where the registry has a source package.
Pure: it is given the tree's files and the host platform.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Iterable

from release_tasks import platforms
from release_tasks.init_model import FoundBinding, Sources
from release_tasks.registries.rubygems import platforms as gem_platforms

#: Rust's target triples (napi's ``targets``, rb-sys's and maturin's ``--target``).
RUST_TARGETS = {
    "x86_64-unknown-linux-gnu": "linux-x86_64",
    "aarch64-unknown-linux-gnu": "linux-aarch64",
    "x86_64-unknown-linux-musl": "linux-x86_64-musl",
    "aarch64-unknown-linux-musl": "linux-aarch64-musl",
    "x86_64-apple-darwin": "macos-x86_64",
    "aarch64-apple-darwin": "macos-arm64",
    "x86_64-pc-windows-msvc": "windows-x86_64",
    "aarch64-pc-windows-msvc": "windows-arm64",
}
_GEM_PLATFORM = re.compile(r"""\.platform\s*=\s*(['"])([^'"\n]+)\1""")
_CROSS = re.compile(r"cross_platform\s*=\s*(%w[\[(]([^\])]*)[\])]|\[([^\]]*)\])")

__all__ = ["RUST_TARGETS", "with_platforms"]


def with_platforms(binding: FoundBinding, src: Sources) -> FoundBinding:
    """``binding`` with the platforms its setup names, and why."""
    found, why = _declared(binding, src)
    if not found and src.host is not None:
        found = (src.host,) + (("source",) if binding.registry != "npm" else ())
        why = (f"this machine's platform ({src.host})"
               + (" and the source package" if binding.registry != "npm" else "")
               + ": its setup names no other; add the platforms its users need")
    return dataclasses.replace(binding, platforms=platforms.ordered(found), platforms_why=why)


def _declared(binding: FoundBinding, src: Sources) -> tuple[tuple[str, ...], str]:
    directory = binding.directory
    if binding.registry == "npm":
        return _napi(src.read(f"{directory}/package.json"))
    if binding.registry == "rubygems":
        gemspecs = sorted(f for f in src.tree.files
                          if f.startswith(f"{directory}/") and f.count("/") ==
                          directory.count("/") + 1 and f.endswith(".gemspec"))
        return _gem(src.read(f"{directory}/Rakefile"),
                    [src.read(g) or "" for g in gemspecs])
    if binding.registry == "pypi":
        return _maturin(src.read(f"{directory}/pyproject.toml"), src.host)
    return (), ""


def _napi(text: str | None) -> tuple[tuple[str, ...], str]:
    """napi-rs v3's ``napi.targets``, or v2's ``napi.triples`` (``defaults`` and
    ``additional``)."""
    try:
        napi = json.loads(text or "{}").get("napi", {})
    except (ValueError, AttributeError):
        return (), ""
    if not isinstance(napi, dict):
        return (), ""
    targets = napi.get("targets")
    if not isinstance(targets, list):
        triples = napi.get("triples", {})
        targets = []
        if isinstance(triples, dict):
            if triples.get("defaults", False):
                targets += ["x86_64-apple-darwin", "x86_64-pc-windows-msvc",
                            "x86_64-unknown-linux-gnu"]
            targets += [t for t in triples.get("additional", []) if isinstance(t, str)]
    found = _known(RUST_TARGETS.get(str(t)) for t in targets)
    return found, ("napi's targets in package.json" if found else "")


def _gem(rakefile: str | None, gemspecs: list[str]) -> tuple[tuple[str, ...], str]:
    """rb-sys's ``cross_platform`` (platform gems beside the source gem), else a gemspec's
    literal ``platform``."""
    cross = _CROSS.search(rakefile or "")
    if cross:
        words = (cross.group(2) or "").split() or re.findall(r"""['"]([^'"]+)['"]""",
                                                            cross.group(3) or "")
        found = _known(gem_platforms.platform_of(w) for w in words)
        if found:
            return (*found, "source"), "rb-sys's cross_platform in the Rakefile, and the source gem"
    for text in gemspecs:
        literal = _GEM_PLATFORM.search(text)
        if literal and (name := gem_platforms.platform_of(literal.group(2))):
            return (name,), "the gemspec's platform"
    if gemspecs and not any(".platform" in text for text in gemspecs):
        return ("source",), "a gemspec without a platform: a source gem, compiled on install"
    return (), ""


def _maturin(text: str | None, host: str | None) -> tuple[tuple[str, ...], str]:
    """``[tool.maturin] compatibility`` says which C library the Linux wheels are for."""
    try:
        maturin = tomllib.loads(text or "").get("tool", {}).get("maturin")
    except tomllib.TOMLDecodeError:
        return (), ""
    if not isinstance(maturin, dict) or host is None or not host.startswith("linux-"):
        return (), ""
    compatibility = str(maturin.get("compatibility", ""))
    arch = platforms.get(host).arch
    name = f"linux-{arch}" + ("-musl" if compatibility.startswith("musllinux") else "")
    return (name, "source"), ("[tool.maturin]: a wheel for this machine's Linux"
                              f"{' (musllinux)' if name.endswith('musl') else ''} "
                              "and the sdist")


def _known(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))
