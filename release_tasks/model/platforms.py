"""The platforms a binding is built for, by their canonical names (``linux-x86_64``,
``macos-arm64``, ``source``): frozen values, no I/O.

A platform is a system, a CPU and, on Linux, a C library; ``source`` is the registry's
source package (an sdist, a source gem), which every system installs by compiling. Each
registry kind says what a platform is called there (a wheel's platform tag, a RubyGems
platform, npm's ``os``/``cpu``/``libc`` and napi's triple); this module knows only the names.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

System = Literal["linux", "macos", "windows"]
Arch = Literal["x86_64", "aarch64", "arm64"]
Libc = Literal["gnu", "musl"]

SOURCE: Final = "source"
#: What ``--platform host`` stands for: the platform of the machine that runs the tool.
HOST: Final = "host"
#: What ``build --platform`` calls the main package of a registry with a package per
#: platform (npm's, which lists them in ``optionalDependencies``): built on any runner.
MAIN: Final = "main"


@dataclass(frozen=True, kw_only=True)
class Platform:
    """One platform: its canonical name and what it is made of."""

    name: str
    system: System | None  # None: the source package
    arch: Arch | None = None
    libc: Libc | None = None

    @property
    def is_source(self) -> bool:
        return self.system is None

    @property
    def cpu(self) -> str:
        """The CPU as most tools spell it without the system's dialect: ``x86_64``, ``arm64``."""
        return "arm64" if self.arch in ("aarch64", "arm64") else str(self.arch)

    def __str__(self) -> str:
        return self.name


def _native(name: str, system: System, arch: Arch, libc: Libc | None = None) -> Platform:
    return Platform(name=name, system=system, arch=arch, libc=libc)


#: Every canonical platform, in the order reports list them.
PLATFORMS: Final[Mapping[str, Platform]] = {p.name: p for p in (
    _native("linux-x86_64", "linux", "x86_64", "gnu"),
    _native("linux-aarch64", "linux", "aarch64", "gnu"),
    _native("linux-x86_64-musl", "linux", "x86_64", "musl"),
    _native("linux-aarch64-musl", "linux", "aarch64", "musl"),
    _native("macos-x86_64", "macos", "x86_64"),
    _native("macos-arm64", "macos", "arm64"),
    _native("windows-x86_64", "windows", "x86_64"),
    _native("windows-arm64", "windows", "arm64"),
    Platform(name=SOURCE, system=None),
)}

#: What each name means, for the config's reference.
DOCS: Final[Mapping[str, str]] = {
    "linux-x86_64": "Linux x86_64, glibc (manylinux wheels, `x86_64-linux` gems, "
                    "`linux-x64-gnu` npm packages)",
    "linux-aarch64": "Linux aarch64, glibc",
    "linux-x86_64-musl": "Linux x86_64, musl (musllinux wheels, Alpine)",
    "linux-aarch64-musl": "Linux aarch64, musl",
    "macos-x86_64": "macOS on Intel",
    "macos-arm64": "macOS on Apple silicon",
    "windows-x86_64": "Windows x64",
    "windows-arm64": "Windows on Arm",
    SOURCE: "the source package (an sdist, a source gem), compiled on install; npm has none",
}


class UnknownPlatform(ValueError):
    """A name that is not one of :data:`PLATFORMS`."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown platform {name!r} (known: {', '.join(PLATFORMS)})")
        self.name = name


def get(name: str) -> Platform:
    """The platform called ``name``; :class:`UnknownPlatform` otherwise."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise UnknownPlatform(name) from None


def ordered(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` without repeats, in :data:`PLATFORMS` order (unknown ones last)."""
    known = list(PLATFORMS)
    unique = set(names)
    return tuple(sorted(unique, key=lambda n: (known.index(n) if n in known else len(known), n)))


def host(system: str | None = None, machine: str | None = None,
         libc: str | None = None) -> Platform:
    """The platform of this machine (or of the given ``sys.platform``, ``platform.machine()``
    and C library name); :class:`UnknownPlatform` on one that has no canonical name."""
    import platform as _platform  # only the stages that build ask for the host

    system = sys.platform if system is None else system
    machine = (_platform.machine() if machine is None else machine).lower()
    arch = {"amd64": "x86_64", "x64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64",
            "aarch64": "aarch64"}.get(machine)
    if system.startswith("linux"):
        if libc is None:
            # glibc names itself; musl's loader does not (libc_ver gives "")
            libc = "gnu" if _platform.libc_ver()[0] == "glibc" else "musl"
        name = f"linux-{arch}" + ("-musl" if libc == "musl" else "")
    elif system == "darwin":
        name = f"macos-{'arm64' if arch == 'aarch64' else arch}"
    elif system in ("win32", "cygwin"):
        name = f"windows-{'arm64' if arch == 'aarch64' else arch}"
    else:
        name = f"{system}-{machine}"
    return get(name)


#: Rust's target triples (napi's ``targets``, rb-sys's and maturin's ``--target``).
RUST_TARGETS: Final[Mapping[str, str]] = {
    "x86_64-unknown-linux-gnu": "linux-x86_64",
    "aarch64-unknown-linux-gnu": "linux-aarch64",
    "x86_64-unknown-linux-musl": "linux-x86_64-musl",
    "aarch64-unknown-linux-musl": "linux-aarch64-musl",
    "x86_64-apple-darwin": "macos-x86_64",
    "aarch64-apple-darwin": "macos-arm64",
    "x86_64-pc-windows-msvc": "windows-x86_64",
    "aarch64-pc-windows-msvc": "windows-arm64",
}
#: Each platform's Rust target triple (what ``rustup target add`` installs).
RUST_TRIPLES: Final[Mapping[str, str]] = {name: triple for triple, name in RUST_TARGETS.items()}

#: The GitHub-hosted runner of each platform's build: one of its system and CPU (the source
#: package and npm's main package: any). GitHub has no musl runner: a musl platform gets the
#: glibc runner of its CPU, where only a kind that cross-builds it builds it. A platform a
#: registry kind cross-builds on Linux is built on :data:`CROSS_RUNNER` instead (see
#: ``RegistryKind.cross_builds``).
RUNNERS: Final[Mapping[str, str]] = {
    "linux-x86_64": "ubuntu-latest",
    "linux-aarch64": "ubuntu-24.04-arm",
    "linux-x86_64-musl": "ubuntu-latest",
    "linux-aarch64-musl": "ubuntu-24.04-arm",
    "macos-x86_64": "macos-15-intel",  # the last Intel image (macos-13 is retired)
    "macos-arm64": "macos-latest",
    "windows-x86_64": "windows-latest",
    "windows-arm64": "windows-11-arm",
    SOURCE: "ubuntu-latest",
    MAIN: "ubuntu-latest",
}
#: The runner of cross builds, and its platform.
CROSS_RUNNER: Final = "ubuntu-latest"
CROSS_HOST: Final = "linux-x86_64"
