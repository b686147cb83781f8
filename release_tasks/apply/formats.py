"""Read and write one version field of one file, by the file's format.

The editing itself lives in :mod:`release_tasks.edit` (format-preserving, pure text in,
text out); this module maps a :class:`~release_tasks.model.components.VersionFile` to its
editor. Files are read as UTF-8, strictly: a byte that is not is an error naming the file
and the byte's offset, never a traceback and never a silently replaced character.
"""

from __future__ import annotations

from pathlib import Path

from release_tasks import edit
from release_tasks.git import repository
from release_tasks.model.components import VersionFile
from release_tasks.model.version import clean_version_text


def read_text(root: Path, spec: VersionFile) -> str | None:
    """The text of ``spec``'s file under ``root`` (``None`` when there is no such file)."""
    path = root / spec.path
    return repository.decode(path.read_bytes(), spec.path) if path.is_file() else None


def read_at(root: Path, spec: VersionFile) -> str | None:
    """The version ``spec``'s field holds in its file under ``root`` (``None`` when the file
    or the field is absent)."""
    text = read_text(root, spec)
    return None if text is None else read(spec, text)


def read(spec: VersionFile, text: str) -> str | None:
    """The version that ``spec``'s field holds in ``text`` (``None`` when not set there)."""
    if spec.format == "version":
        return clean_version_text(text) or None
    if spec.format == "cargo":
        return edit.cargo_package_version(text, source=spec.path)
    if spec.format == "ruby":
        assert spec.key is not None
        return edit.ruby_constant(text, spec.key, source=spec.path)
    if spec.format == "pyproject":
        return edit.pyproject_version(text, source=spec.path)
    if spec.format == "package-json-platforms":
        return edit.platform_dependencies(text, source=spec.path)
    return edit.json_version(text, source=spec.path)


def write(spec: VersionFile, text: str, value: str) -> str:
    """``text`` with ``spec``'s field set to ``value``; every other byte kept."""
    if spec.format == "version":
        return edit.version_file_text(text, value, source=spec.path)
    if spec.format == "cargo":
        return edit.set_cargo_package_version(text, value, source=spec.path)
    if spec.format == "ruby":
        assert spec.key is not None
        return edit.set_ruby_constant(text, spec.key, value, source=spec.path)
    if spec.format == "pyproject":
        return edit.set_pyproject_version(text, value, source=spec.path)
    if spec.format == "package-json-platforms":
        return edit.set_platform_dependencies(text, value, source=spec.path)
    return edit.set_json_version(text, value, source=spec.path)
