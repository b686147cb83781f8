"""``Cargo.toml``: the crate's own version, ``[package] version``, and the root manifest's
``[workspace.package] version``.

A crate whose version is inherited (``version.workspace = true`` or
``version = { workspace = true }``) has no version of its own to edit: the reader answers
``None`` and the writer returns the text unchanged, because the workspace root carries it.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from release_tasks.edit._common import check_semver, fail
from release_tasks.edit._toml import TomlEdit, is_table, parse_toml


def cargo_package_version(text: str, *, source: str | None = None) -> str | None:
    """``[package] version``, or ``None`` when it is inherited from the workspace."""
    package = _package(parse_toml(text, source), source)
    return None if _inherits(package, source) else str(package["version"])


def set_cargo_package_version(text: str, version: str, *, source: str | None = None) -> str:
    """Set ``[package] version``; an inherited version is left alone (text unchanged)."""
    check_semver(version, source)
    edit = TomlEdit(text, source)
    package = _package(edit.doc, source)
    if _inherits(package, source):
        return text
    edit.replace(package, "version", version, ("package", "version"))
    return edit.result()


def workspace_package_version(text: str, *, source: str | None = None) -> str | None:
    """``[workspace.package] version``, or ``None`` when the manifest has none."""
    table = _workspace_package(parse_toml(text, source), source)
    return None if table is None else str(table["version"])


def set_workspace_package_version(text: str, version: str, *, source: str | None = None) -> str:
    """Set ``[workspace.package] version``; raise when there is none to set."""
    check_semver(version, source)
    edit = TomlEdit(text, source)
    table = _workspace_package(edit.doc, source)
    if table is None:
        raise fail(source, "has no [workspace.package] version to set")
    edit.replace(table, "version", version, ("workspace", "package", "version"))
    return edit.result()


# Readers take the document as tomllib parses it, writers as tomlkit does: the checks are
# the same, and reading a version never loads tomlkit.
def _package(doc: Mapping[str, Any], source: str | None) -> MutableMapping[str, Any]:
    package = doc.get("package")
    if not is_table(package):
        raise fail(source, "has no [package] table (is it a virtual workspace manifest?)")
    if "version" not in package:
        raise fail(
            source,
            '[package] has no version; add version = "X.Y.Z" or version.workspace = true',
        )
    return package


def _inherits(package: MutableMapping[str, Any], source: str | None) -> bool:
    value = package["version"]
    if isinstance(value, str):
        return False
    if is_table(value) and value.get("workspace") is True and len(value) == 1:
        return True
    raise fail(source, "[package] version must be a string or { workspace = true }")


def _workspace_package(doc: Mapping[str, Any], source: str | None
                       ) -> MutableMapping[str, Any] | None:
    workspace = doc.get("workspace")
    table = workspace.get("package") if is_table(workspace) else None
    if not is_table(table) or "version" not in table:
        return None
    if not isinstance(table["version"], str):
        raise fail(source, "[workspace.package] version must be a string")
    return table
