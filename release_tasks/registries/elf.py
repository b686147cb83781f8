"""What a Linux shared library is built for, read from its ELF header and dynamic section:
its CPU (``e_machine``) and its C library (the ``libc`` it needs: glibc's ``libc.so.6``,
musl's ``libc.so``), so that a library built for another platform is never packed as this
one's. The standard library only: a few fixed-layout structs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

__all__ = ["MACHINES", "ElfError", "Library", "read_library"]

#: ``e_machine`` of the CPUs a Linux platform names.
MACHINES: Final = {62: "x86_64", 183: "aarch64"}
_SHT_DYNAMIC, _DT_NEEDED = 6, 1


class ElfError(ValueError):
    """Bytes that are no ELF shared library this module can read."""


@dataclass(frozen=True, kw_only=True)
class Library:
    """What a shared library says it is built for."""

    #: ``x86_64``, ``aarch64``, or ``e_machine N`` for another CPU.
    arch: str
    #: ``gnu`` (it needs ``libc.so.6``), ``musl`` (``libc.so`` or ``libc.musl-*``), or
    #: ``None`` when it needs no C library it names.
    libc: str | None
    needed: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.arch}{f' {self.libc}' if self.libc else ''}"


def read_library(data: bytes) -> Library:
    """The CPU and C library of the ELF file ``data``; :class:`ElfError` when it is none."""
    if data[:4] != b"\x7fELF" or len(data) < 64:
        raise ElfError("not an ELF file")
    bits, order = data[4], {1: "<", 2: ">"}.get(data[5])
    if bits not in (1, 2) or order is None:
        raise ElfError(f"an ELF file of an unknown class ({bits}) or byte order ({data[5]})")
    wide = bits == 2
    (machine,) = struct.unpack_from(f"{order}H", data, 18)
    try:
        needed = _needed(data, order, wide)
    except struct.error as exc:
        raise ElfError(f"a truncated ELF file: {exc}") from exc
    libc = None
    for name in needed:
        if name == "libc.so.6":
            libc = "gnu"
        elif name == "libc.so" or name.startswith("libc.musl-"):
            libc = "musl"
    return Library(arch=MACHINES.get(machine, f"e_machine {machine}"), libc=libc,
                   needed=needed)


def _needed(data: bytes, order: str, wide: bool) -> tuple[str, ...]:
    """The ``DT_NEEDED`` names of the dynamic section (its string table is the section its
    ``sh_link`` names)."""
    if wide:
        shoff, = struct.unpack_from(f"{order}Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(f"{order}HH", data, 0x3A)
        section, entry = f"{order}IIQQQQIIQQ", f"{order}qQ"
    else:
        shoff, = struct.unpack_from(f"{order}I", data, 0x20)
        shentsize, shnum = struct.unpack_from(f"{order}HH", data, 0x2E)
        section, entry = f"{order}IIIIIIIIII", f"{order}iI"
    headers = [struct.unpack_from(section, data, shoff + i * shentsize) for i in range(shnum)]
    found: list[str] = []
    for header in headers:
        if header[1] != _SHT_DYNAMIC:
            continue
        offset, size, link = header[4], header[5], header[6]
        strings_at = headers[link][4]
        step = struct.calcsize(entry)
        for at in range(offset, offset + size, step):
            tag, value = struct.unpack_from(entry, data, at)
            if tag == 0:
                break
            if tag == _DT_NEEDED:
                start = strings_at + value
                found.append(data[start:data.index(b"\0", start)].decode("utf-8", "replace"))
    return tuple(found)
