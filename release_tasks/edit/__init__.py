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

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        platform_dependencies,
        set_bun_lock_version,
        set_json_version,
        set_package_lock_version,
        set_platform_dependencies,
    )
    from release_tasks.edit.python import (
        pyproject_version,
        set_pyproject_version,
        set_uv_lock_version,
        uv_lock_version,
    )
    from release_tasks.edit.ruby import ruby_constant, set_ruby_constant
    from release_tasks.edit.version_file import version_file_text, version_file_value

# Each name is imported from its module when first used: reading a Ruby constant does not
# load tomlkit, and `versions` loads no editor it does not read with.
_MODULES = {
    "Pin": "cargo_pins", "cargo_pins": "cargo_pins", "edit_cargo_pins": "cargo_pins",
    "set_cargo_pins": "cargo_pins", "edit_cargo_pin_registries": "cargo_pins",
    "cargo_lock_versions": "cargo_lock", "set_cargo_lock_versions": "cargo_lock",
    "cargo_package_version": "cargo_toml", "set_cargo_package_version": "cargo_toml",
    "set_workspace_package_version": "cargo_toml", "workspace_package_version": "cargo_toml",
    "bun_lock_version": "node", "json_version": "node", "package_lock_version": "node",
    "set_bun_lock_version": "node", "set_json_version": "node",
    "set_package_lock_version": "node", "platform_dependencies": "node",
    "set_platform_dependencies": "node",
    "pyproject_version": "python", "set_pyproject_version": "python",
    "set_uv_lock_version": "python", "uv_lock_version": "python",
    "ruby_constant": "ruby", "set_ruby_constant": "ruby",
    "version_file_text": "version_file", "version_file_value": "version_file",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = import_module(f"{__name__}.{module}")
    # Every name of that module at once: importing ``cargo_pins`` made the package's
    # ``cargo_pins`` the module, and the function of that name must win, as it did when
    # this package imported everything.
    globals().update({n: getattr(loaded, n) for n, m in _MODULES.items() if m == module})
    return globals()[name]


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
    "platform_dependencies",
    "pyproject_version",
    "ruby_constant",
    "set_bun_lock_version",
    "set_cargo_lock_versions",
    "set_cargo_package_version",
    "set_cargo_pins",
    "set_json_version",
    "set_package_lock_version",
    "set_platform_dependencies",
    "set_pyproject_version",
    "set_ruby_constant",
    "set_uv_lock_version",
    "set_workspace_package_version",
    "uv_lock_version",
    "version_file_text",
    "version_file_value",
    "workspace_package_version",
]
