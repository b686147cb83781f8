"""The canonical platforms as npm names them: one package per platform, as napi-rs
publishes native addons (``NAME-linux-x64-gnu``), each with its ``os``, ``cpu`` and (on
Linux) ``libc``; npm installs the one that fits from the main package's
``optionalDependencies``. npm has no source package.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from release_tasks.model.platforms import RUST_TARGETS

__all__ = ["FIELDS", "TAGS", "from_setup", "package_of", "platform_of"]

#: Each platform as napi-rs's triple (the suffix of its package's name).
TAGS: Final = {
    "linux-x86_64": "linux-x64-gnu",
    "linux-aarch64": "linux-arm64-gnu",
    "linux-x86_64-musl": "linux-x64-musl",
    "linux-aarch64-musl": "linux-arm64-musl",
    "macos-x86_64": "darwin-x64",
    "macos-arm64": "darwin-arm64",
    "windows-x86_64": "win32-x64-msvc",
    "windows-arm64": "win32-arm64-msvc",
}
#: Each platform as its package.json's ``os``, ``cpu`` and ``libc`` (None: no ``libc``).
FIELDS: Final = {
    "linux-x86_64": ("linux", "x64", "glibc"),
    "linux-aarch64": ("linux", "arm64", "glibc"),
    "linux-x86_64-musl": ("linux", "x64", "musl"),
    "linux-aarch64-musl": ("linux", "arm64", "musl"),
    "macos-x86_64": ("darwin", "x64", None),
    "macos-arm64": ("darwin", "arm64", None),
    "windows-x86_64": ("win32", "x64", None),
    "windows-arm64": ("win32", "arm64", None),
}


def package_of(package: str, platform: str) -> str:
    """The name of ``package``'s package for ``platform`` (``@s/n`` -> ``@s/n-darwin-arm64``)."""
    return f"{package}-{TAGS[platform]}"


def platform_of(os: Sequence[str], cpu: Sequence[str], libc: Sequence[str]) -> str | None:
    """The platform a package.json's ``os``/``cpu``/``libc`` restrict it to; None when they
    do not name exactly one."""
    found = [name for name, (o, c, lib) in FIELDS.items()
             if list(os) == [o] and list(cpu) == [c] and (list(libc) == ([lib] if lib else []))]
    return found[0] if len(found) == 1 else None


def from_setup(package_json: str | None) -> tuple[tuple[str, ...], str]:
    """napi-rs v3's ``napi.targets``, or v2's ``napi.triples`` (``defaults`` and
    ``additional``), as platforms."""
    try:
        napi = json.loads(package_json or "{}").get("napi", {})
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
    found = tuple(dict.fromkeys(n for t in targets if (n := RUST_TARGETS.get(str(t)))))
    left = [str(t) for t in targets if str(t) not in RUST_TARGETS]
    why = "napi's targets in package.json" if found else ""
    if found and left:
        why += f" (left out, not a platform the release knows: {', '.join(left)})"
    return found, why
