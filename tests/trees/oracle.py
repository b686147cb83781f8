"""Check a tree after a release against the fixture's edits, file by file.

A file with edits is compared as data (TOML, JSON) or as text (everything else) with the
old content plus exactly those edits; a TOML file must also keep every comment line. Every
other file must be byte-identical. The edits are checked against the old content too, so a
fixture whose oracle does not match its own tree fails loudly instead of passing.
"""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tests.trees.model import SELECT, Edit, Key

_IGNORED_DIRS = (".git", "target", "node_modules")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the work tree (not .git, target or node_modules), by relative path."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not set(rel.parts) & set(_IGNORED_DIRS):
            files[rel.as_posix()] = path.read_bytes()
    return files


def _format(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".toml") or name in ("Cargo.lock", "uv.lock"):
        return "toml"
    if name.endswith(".json"):
        return "json"
    return "text"


def _parse(path: str, data: bytes) -> Any:
    text = data.decode("utf-8")
    return tomllib.loads(text) if _format(path) == "toml" else json.loads(text)


def _step(node: Any, part: str, where: str) -> Any:
    if part.startswith(SELECT):
        matches = [item for item in node if isinstance(item, Mapping)
                   and item.get("name") == part[len(SELECT):]]
        assert len(matches) == 1, f"{where}: {len(matches)} entries named {part[1:]!r}"
        return matches[0]
    assert isinstance(node, Mapping) and part in node, f"{where}: no key {part!r}"
    return node[part]


def _get(doc: Any, key: Key, where: str) -> Any:
    node = doc
    for part in key:
        node = _step(node, part, where)
    return node


def _set(doc: Any, key: Key, old: str | None, new: str, where: str) -> None:
    parent = _get(doc, key[:-1], where)
    last = key[-1]
    if old is None:
        assert last not in parent, f"{where}: {last!r} is already there ({parent[last]!r})"
    else:
        assert parent.get(last) == old, f"{where}: expected {old!r}, found {parent.get(last)!r}"
    parent[last] = new


def expected_file(path: str, before: bytes, edits: Iterable[Edit]) -> Any:
    """What ``path`` must hold after the edits: bytes for text, data for TOML and JSON."""
    edits = list(edits)
    if _format(path) == "text":
        data = before
        for e in edits:
            assert not e.key, f"{path}: a text edit has no key"
            assert e.old is not None and data.count(e.old.encode()) == 1, (
                f"{path}: {e.old!r} must occur exactly once")
            data = data.replace(e.old.encode(), e.new.encode())
        return data
    doc = copy.deepcopy(_parse(path, before))
    for e in edits:
        _set(doc, e.key, e.old, e.new, f"{path} {'.'.join(e.key)}")
    return doc


def _comments(data: bytes) -> list[str]:
    return [line.strip() for line in data.decode("utf-8").splitlines()
            if line.strip().startswith("#")]


def _leaf_differences(expected: Any, found: Any, at: str) -> list[str]:
    """The keys where two parsed documents differ, with both values."""
    if isinstance(expected, dict) and isinstance(found, dict):
        out = []
        for key in sorted(set(expected) | set(found)):
            where = f"{at}.{key}" if at else str(key)
            if key not in found:
                out.append(f"{where}: expected {expected[key]!r}, missing")
            elif key not in expected:
                out.append(f"{where}: unexpected {found[key]!r}")
            else:
                out += _leaf_differences(expected[key], found[key], where)
        return out
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        return [d for i, (e, f) in enumerate(zip(expected, found, strict=True))
                for d in _leaf_differences(e, f, f"{at}[{_label(e, i)}]")]
    return [] if expected == found else [f"{at or '(document)'}: expected {expected!r}, "
                                         f"found {found!r}"]


def _label(item: Any, index: int) -> str:
    return f"@{item['name']}" if isinstance(item, dict) and "name" in item else str(index)


def check_oracle(before: Mapping[str, bytes], edits: Iterable[Edit]) -> None:
    """Fail when an edit does not match the tree it is meant for (a broken fixture)."""
    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    for path, file_edits in by_path.items():
        assert path in before, f"fixture edit for a file that does not exist: {path}"
        expected_file(path, before[path], file_edits)


def differences(before: Mapping[str, bytes], after: Mapping[str, bytes],
                edits: Iterable[Edit]) -> list[str]:
    """Every way ``after`` is not ``before`` plus ``edits``; empty when it is exactly that."""
    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    problems = []
    for path in sorted(set(before) | set(after)):
        if path not in after:
            problems.append(f"{path}: deleted")
            continue
        if path not in before:
            problems.append(f"{path}: created")
            continue
        if path not in by_path:
            if before[path] != after[path]:
                problems.append(f"{path}: changed, but the release must leave it byte-identical")
            continue
        expected = expected_file(path, before[path], by_path[path])
        if _format(path) == "text":
            if after[path] != expected:
                problems.append(f"{path}: expected {expected!r}, found {after[path]!r}")
            continue
        try:
            found = _parse(path, after[path])
        except ValueError as exc:
            problems.append(f"{path}: no longer parses: {exc}")
            continue
        if found != expected:
            problems += [f"{path}: {d}" for d in _leaf_differences(expected, found, "")]
        if _format(path) == "toml":
            lost = [c for c in _comments(before[path]) if c not in _comments(after[path])]
            if lost:
                problems.append(f"{path}: comments lost: {lost}")
    return problems


def apply(root: Path, edits: Iterable[Edit]) -> None:
    """Write ``edits`` into the tree at ``root`` (tomlkit for TOML): the fixture's own idea of
    the released tree, for cargo to judge without any release stage involved."""
    import tomlkit

    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    for path, file_edits in by_path.items():
        file = root / path
        if _format(path) == "text":
            file.write_bytes(expected_file(path, file.read_bytes(), file_edits))
            continue
        text = file.read_text(encoding="utf-8")
        doc: Any = tomlkit.parse(text) if _format(path) == "toml" else json.loads(text)
        for e in file_edits:
            _set(doc, e.key, e.old, e.new, path)
        file.write_text(tomlkit.dumps(doc) if _format(path) == "toml"
                        else json.dumps(doc, indent=2) + "\n", encoding="utf-8")


CHANGELOG = "CHANGELOG.md"


def release_differences(before: Mapping[str, bytes], after: Mapping[str, bytes],
                        edits: Iterable[Edit]) -> list[str]:
    """:func:`differences` of a release: ``edits``, plus ``CHANGELOG.md`` with one new
    release section on top of everything it held before."""
    problems = []
    text = after.get(CHANGELOG, b"").decode()
    old = before.get(CHANGELOG, b"").decode()
    if text.count("\n## release-") != old.count("\n## release-") + 1:
        problems.append(f"{CHANGELOG}: no new release section: {text[:200]!r}")
    old_sections = old[old.index("\n## "):] if "\n## " in old else ""
    if not text.endswith(old_sections):
        problems.append(f"{CHANGELOG}: the earlier sections were not kept below the new one")
    rest = {k: v for k, v in after.items() if k != CHANGELOG}
    kept = {k: v for k, v in before.items() if k != CHANGELOG}
    return problems + differences(kept, rest, edits)
