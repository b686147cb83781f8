"""TypeScript/npm: ``package.json``, and the package's own entry in ``package-lock.json``
(lockfile v1-v3) and in ``bun.lock``.

Only the version values change: each is located by a real parse and spliced in place, so
indentation (spaces or tabs), key order, escapes, CRLF, a BOM and the final newline (or its
absence) stay as they were. A ``"version"`` nested in another object is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from release_tasks.edit._common import (
    DocPath,
    check_only_changed,
    check_version,
    fail,
    lookup,
    split_bom,
)
from release_tasks.edit._json import JsonDoc

_TOP: DocPath = ("version",)
_LOCK_ROOT: DocPath = ("packages", "", "version")
_BUN_ROOT: DocPath = ("workspaces", "", "version")


def json_version(text: str, *, source: str | None = None) -> str:
    """The top-level ``"version"`` of a ``package.json``."""
    return _required(_parse(text, [_TOP], False, source), source)


def set_json_version(text: str, version: str, *, source: str | None = None) -> str:
    """Set the top-level ``"version"`` of a ``package.json``."""
    doc = _parse(text, [_TOP], False, source)
    _required(doc, source)
    return _splice(text, doc, [_TOP], version, False, source)


def _platform_paths(text: str, source: str | None) -> list[DocPath]:
    """The ``optionalDependencies`` entries on the package's own per-platform packages: the
    ones named ``NAME-*`` (napi-rs: ``tokenizers-linux-x64-gnu``)."""
    doc = _parse(text, [("name",)], False, source)
    name, optional = lookup(doc.value, ("name",)), lookup(doc.value, ("optionalDependencies",))
    if not isinstance(name, str) or not isinstance(optional, dict):
        return []
    return [("optionalDependencies", key) for key in optional if key.startswith(f"{name}-")]


def platform_dependencies(text: str, *, source: str | None = None) -> str | None:
    """The version the main package's ``optionalDependencies`` require of its per-platform
    packages (``None``: it names none); two different ones are an error."""
    paths = _platform_paths(text, source)
    doc = _parse(text, paths, False, source)
    found = {v for p in paths if (v := _string(doc, p, source)) is not None}
    if len(found) > 1:
        raise fail(source, f"optionalDependencies name its platform packages at "
                           f"{', '.join(sorted(found))}: one version is expected")
    return found.pop() if found else None


def set_platform_dependencies(text: str, version: str, *, source: str | None = None) -> str:
    """Set every ``optionalDependencies`` entry on the package's per-platform packages."""
    paths = _platform_paths(text, source)
    return _splice(text, _parse(text, paths, False, source), paths, version, False, source)


def package_lock_version(text: str, name: str, *, source: str | None = None) -> str | None:
    """The version ``package-lock.json`` records for package ``name`` itself, if any."""
    doc = _parse(text, [_TOP, _LOCK_ROOT], False, source)
    _check_name(doc, ("name",), name, source)
    values = {path: _string(doc, path, source) for path in (_TOP, _LOCK_ROOT)}
    present = {v for v in values.values() if v is not None}
    if len(present) > 1:
        raise fail(
            source,
            f"records two versions for {name} ({', '.join(sorted(present))}); "
            "run `npm install --package-lock-only`",
        )
    return present.pop() if present else None


def set_package_lock_version(
    text: str, name: str, version: str, *, source: str | None = None
) -> str:
    """Set ``version`` and ``packages[""].version`` (where present) of package ``name``."""
    doc = _parse(text, [_TOP, _LOCK_ROOT], False, source)
    _check_name(doc, ("name",), name, source)
    return _splice(text, doc, [_TOP, _LOCK_ROOT], version, False, source)


def bun_lock_version(text: str, name: str, *, source: str | None = None) -> str | None:
    """The version ``bun.lock`` records for its root workspace, if it records one.

    ``workspaces[""]`` is the package next to the lockfile by definition; its ``name`` is
    not checked against ``name``, because bun keeps the old name after a rename (even
    ``bun install`` does not rewrite it)."""
    doc = _parse(text, [_BUN_ROOT], True, source)
    return _string(doc, _BUN_ROOT, source)


def set_bun_lock_version(text: str, name: str, version: str, *, source: str | None = None) -> str:
    """Set ``workspaces[""].version`` of ``bun.lock`` when bun recorded one (else unchanged)."""
    doc = _parse(text, [_BUN_ROOT], True, source)
    return _splice(text, doc, [_BUN_ROOT], version, True, source)


def _parse(text: str, wanted: Collection[DocPath], jsonc: bool, source: str | None) -> JsonDoc:
    doc = JsonDoc(split_bom(text)[1], wanted, jsonc=jsonc, source=source)
    if not isinstance(doc.value, dict):
        raise fail(source, "is not a JSON object")
    return doc


def _string(doc: JsonDoc, path: DocPath, source: str | None) -> str | None:
    value = lookup(doc.value, path)
    if path not in doc.spans:
        return None
    if not isinstance(value, str):
        raise fail(source, f"{_show(path)} is not a string")
    return value


def _required(doc: JsonDoc, source: str | None) -> str:
    value = _string(doc, _TOP, source)
    if value is None:
        raise fail(source, 'has no top-level "version"')
    return value


def _check_name(doc: JsonDoc, path: DocPath, name: str, source: str | None) -> None:
    found = lookup(doc.value, path)
    if found != name:
        # A lockfile of another package: editing it would be wrong, skipping it silent.
        raise fail(
            source,
            f"{_show(path)} is {found!r}, not {name!r}: is this the right lockfile?"
            if isinstance(found, str)
            else f"has no {_show(path)}",
        )


def _splice(
    text: str, doc: JsonDoc, paths: list[DocPath], version: str, jsonc: bool, source: str | None
) -> str:
    check_version(version, source)
    bom, body = split_bom(text)
    edits: list[tuple[int, int]] = []
    changes: dict[DocPath, Any] = {}
    for path in paths:
        current = _string(doc, path, source)
        if current is not None and current != version:
            edits.append(doc.spans[path])
            changes[path] = version
    if not edits:
        return text
    out = body
    for start, end in sorted(edits, reverse=True):
        out = out[:start] + json.dumps(version) + out[end:]
    # Re-parse the result (strict files with the C decoder) before anyone writes it.
    new = JsonDoc(out, [], jsonc=jsonc, source=source).value
    check_only_changed(doc.value, new, changes, source)
    return bom + out


def _show(path: DocPath) -> str:
    return "".join(f"[{p!r}]" if p == "" else f".{p}" for p in path).lstrip(".")
