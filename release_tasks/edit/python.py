"""Python: ``pyproject.toml``'s ``[project] version`` and the project's own entry in
``uv.lock``."""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

from release_tasks.edit._common import DocPath, check_only_changed, check_version, fail, split_bom
from release_tasks.edit._toml import TomlEdit, is_table, parse_toml

# uv marks the project itself (not a dependency) with one of these sources.
_OWN_SOURCES = ({"editable": "."}, {"virtual": "."})


def pyproject_version(text: str, *, source: str | None = None) -> str:
    """``[project] version``; a dynamic version is an error (see :func:`set_pyproject_version`)."""
    return str(_project(parse_toml(text, source), source)["version"])


def set_pyproject_version(text: str, version: str, *, source: str | None = None) -> str:
    """Set ``[project] version``; raise if the project declares its version dynamic."""
    check_version(version, source)
    edit = TomlEdit(text, source)
    edit.replace(_project(edit.doc, source), "version", version, ("project", "version"))
    return edit.result()


# The reader passes tomllib's document, the writer tomlkit's: reading loads no tomlkit.
def _project(doc: Mapping[str, Any], source: str | None) -> MutableMapping[str, Any]:
    project = doc.get("project")
    if not is_table(project):
        raise fail(source, "has no [project] table")
    if "version" in project.get("dynamic", []):
        raise fail(
            source,
            "[project] version is dynamic; the release tool writes the version itself and "
            'needs a static one: remove "version" from dynamic and add version = "X.Y.Z.P"',
        )
    if not isinstance(project.get("version"), str):
        raise fail(source, '[project] has no version; add version = "X.Y.Z.P"')
    return project


def uv_lock_version(text: str, name: str, *, source: str | None = None) -> str | None:
    """The version uv.lock records for project ``name`` itself (``None`` if it records none)."""
    _, _, entry, _ = _own_package(text, name, source)
    version = entry.get("version")
    return version if isinstance(version, str) else None


def set_uv_lock_version(text: str, name: str, version: str, *, source: str | None = None) -> str:
    """Set the version of project ``name``'s own entry in uv.lock, if uv recorded one."""
    check_version(version, source)
    bom, body = split_bom(text)
    data, index, entry, blocks = _own_package(body, name, source)
    if "version" not in entry or entry["version"] == version:
        return text  # uv leaves the version out for a dynamic one; nothing to keep in step.
    field = blocks[index].strings.get("version")
    if field is None or field[0] != entry["version"]:
        raise fail(source, "is not laid out the way uv writes uv.lock; run `uv lock` and retry")
    from release_tasks.edit._lockscan import splice

    out = splice(body, [(field[1], field[2], version)])
    changes: dict[DocPath, object] = {("package", index, "version"): version}
    check_only_changed(data, parse_toml(out, source), changes, source)
    return bom + out


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503: uv writes names normalised.


def _own_package(
    text: str, name: str, source: str | None
) -> tuple[dict[str, Any], int, dict[str, Any], list[Any]]:
    body = split_bom(text)[1]
    data = parse_toml(body, source)
    packages = data.get("package", [])
    from release_tasks.edit._lockscan import scan_blocks  # uv.lock only: not for pyproject

    blocks = scan_blocks(body, None, source)
    if not isinstance(packages, list) or len(packages) != len(blocks):
        raise fail(source, "is not laid out the way uv writes uv.lock; run `uv lock` and retry")
    found = [
        i
        for i, pkg in enumerate(packages)
        if _normalize(str(pkg.get("name", ""))) == _normalize(name)
        and pkg.get("source") in _OWN_SOURCES
    ]
    if len(found) != 1:
        raise fail(
            source,
            f"has {len(found)} entries for project {name!r} itself "
            '(source = { editable = "." } or { virtual = "." }); expected one',
        )
    return data, found[0], packages[found[0]], blocks
