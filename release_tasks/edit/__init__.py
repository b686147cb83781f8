"""Format-preserving editors of the version files a release touches.

Each editor takes a file's text and returns the new text (no file I/O, no configuration), in
which only the intended version strings differ: comments, key order, quote style, CRLF line
endings, a BOM and the final newline (or its absence) stay byte for byte. Each has a reader
for the consistency check. Every failure is an :class:`~release_tasks.errors.UpdateError`
whose message starts with ``source`` (the file name) when one is given.

Callers must read and write the files without newline translation
(``path.read_bytes().decode()`` / ``open(path, newline="")``), or CRLF is lost before the
editor ever sees it.
"""

from __future__ import annotations

from release_tasks.edit.cargo_lock import cargo_lock_versions, set_cargo_lock_versions
from release_tasks.edit.cargo_pins import (
    Pin,
    cargo_pins,
    edit_cargo_pin_registries,
    edit_cargo_pins,
    set_cargo_pins,
)
from release_tasks.edit.cargo_toml import (
    cargo_package_version,
    set_cargo_package_version,
    set_workspace_package_version,
    workspace_package_version,
)
from release_tasks.edit.node import (
    bun_lock_version,
    json_version,
    package_lock_version,
    set_bun_lock_version,
    set_json_version,
    set_package_lock_version,
)
from release_tasks.edit.python import (
    pyproject_version,
    set_pyproject_version,
    set_uv_lock_version,
    uv_lock_version,
)
from release_tasks.edit.ruby import ruby_constant, set_ruby_constant
from release_tasks.edit.version_file import version_file_text, version_file_value

__all__ = [
    "Pin",
    "bun_lock_version",
    "cargo_lock_versions",
    "cargo_package_version",
    "cargo_pins",
    "edit_cargo_pin_registries",
    "edit_cargo_pins",
    "json_version",
    "package_lock_version",
    "pyproject_version",
    "ruby_constant",
    "set_bun_lock_version",
    "set_cargo_lock_versions",
    "set_cargo_package_version",
    "set_cargo_pins",
    "set_json_version",
    "set_package_lock_version",
    "set_pyproject_version",
    "set_ruby_constant",
    "set_uv_lock_version",
    "set_workspace_package_version",
    "uv_lock_version",
    "version_file_text",
    "version_file_value",
    "workspace_package_version",
]
