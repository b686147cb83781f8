"""Version files: which field of which file holds which version, as ``release.toml`` lists them.

A binding lists its ``version-files``: the file, its format (how the field is found and
edited, :mod:`release_tasks.formats`), the Ruby constant where the format needs one, and
which version the field holds (the core's, the binding's own, or the binding's core part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from release_tasks.config_reader import Reader

FileFormat = Literal["version", "cargo", "ruby", "pyproject", "package-json"]
FILE_FORMATS: tuple[FileFormat, ...] = get_args(FileFormat)
ValueKind = Literal["core", "binding", "binding-core"]
VALUE_KINDS: tuple[ValueKind, ...] = get_args(ValueKind)


@dataclass(frozen=True, kw_only=True)
class VersionFile:
    """One version field in one file: which file, how to edit it, which version it holds."""

    path: str
    format: FileFormat
    value: ValueKind
    key: str | None = None  # the Ruby constant name for ``format = "ruby"``


def parse_version_files(r: Reader, raw: Any, where: str) -> tuple[VersionFile, ...]:
    """The ``version-files`` list of the binding at ``where``; problems go to ``r``."""
    if not isinstance(raw, list):
        r.problems.append(f"{where}.version-files: expected a list of tables, found {raw!r}")
        return ()
    files = []
    for index, entry in enumerate(raw):
        at = f"{where}.version-files[{index}]"
        e = r.table(entry, at, {"path", "format", "key", "value"}, {"path", "format", "value"})
        fmt = cast(FileFormat, r.choice(e, "format", at, FILE_FORMATS))
        key = e.get("key")
        if fmt == "ruby" and not (isinstance(key, str) and re.fullmatch(r"[A-Z][A-Z0-9_]*", key)):
            r.problems.append(f"{at}.key: a Ruby constant name is required, found {key!r}")
        elif fmt != "ruby" and "key" in e:
            r.problems.append(f'{at}.key: only format = "ruby" takes a key, found {key!r} '
                              f"with format = {fmt!r}")
        files.append(VersionFile(path=r.path(e, "path", at), format=fmt,
                                 value=cast(ValueKind, r.choice(e, "value", at, VALUE_KINDS)),
                                 key=key if isinstance(key, str) else None))
    if files and not any(f.value == "binding" for f in files):
        r.problems.append(f"{where}.version-files: one entry must hold value = \"binding\"")
    return tuple(files)
