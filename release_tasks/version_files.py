"""Version files: which field of which file holds which version, as ``release.toml`` lists them.

A binding lists its ``version-files``: the file, its format (how the field is found and
edited, :mod:`release_tasks.formats`), the Ruby constant where the format needs one, and
which version the field holds (the core's, the binding's own, or the binding's core part).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from release_tasks.config_reader import Section

FileFormat = Literal["version", "cargo", "ruby", "pyproject", "package-json",
                     "package-json-platforms"]
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


def parse_version_files(binding: Section) -> tuple[VersionFile, ...]:
    """The ``version-files`` list of ``binding``; problems go to its reader."""
    files = []
    for e in binding.table_list("version-files"):
        files.append(VersionFile(path=e.path("path"), format=cast(FileFormat, e.choice("format")),
                                 key=e.dependent("key"), value=cast(ValueKind, e.choice("value"))))
    if files and not any(f.value == "binding" for f in files):
        binding.reader.problems.append(
            f"{binding.where}.version-files: one entry must hold value = \"binding\"")
    return tuple(files)
