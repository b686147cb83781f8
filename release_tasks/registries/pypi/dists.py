"""What a wheel or an sdist says about itself, and what PyPI and ``maturin sdist`` refuse.

PyPI refuses Linux wheels tagged ``linux_x86_64``; a manylinux tag older than the host's glibc
cannot be met by a native build (zig can); a README outside the package cannot be packed
into its sdist.
"""

from __future__ import annotations

import os
import re
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from typing import Any

from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

from release_tasks.errors import PublishError, UsageError
from release_tasks.registries.interface import PublishContext
from release_tasks.registries.pypi import platforms as platform_names

# Platform tags PyPI takes; a plain linux_* tag is refused at upload.
_PYPI_PLATFORMS = ("any", "manylinux", "musllinux", "macosx", "win", "ios", "android")
_MANYLINUX = re.compile(r"^manylinux_?(?:(?P<major>\d+)_(?P<minor>\d+)|(?P<year>2014))")


@dataclass(frozen=True, kw_only=True)
class DistInfo:
    """A wheel's or an sdist's own metadata."""

    path: Path
    kind: str
    name: str
    version: str
    tags: tuple[str, ...]
    requires_python: str


def read_dist(path: Path) -> DistInfo:
    """Read ``METADATA`` (wheel) or ``PKG-INFO`` (sdist) from ``path``."""
    try:
        if path.name.endswith(".whl"):
            _, _, _, tags = parse_wheel_filename(path.name)
            with zipfile.ZipFile(path) as archive:
                [meta] = [n for n in archive.namelist()
                          if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
                text = archive.read(meta).decode("utf-8")
            kind, tag_names = "wheel", tuple(sorted(str(t) for t in tags))
        else:
            parse_sdist_filename(path.name)
            top = path.name.removesuffix(".tar.gz")
            with tarfile.open(path, "r:gz") as archive:
                member = archive.extractfile(f"{top}/PKG-INFO")
                if member is None:
                    raise KeyError(f"{top}/PKG-INFO")
                text = member.read().decode("utf-8")
            kind, tag_names = "sdist", ()
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion) as exc:
        raise UsageError(f"{path.name}: not a wheel or sdist file name: {exc}") from exc
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise PublishError(f"{path.name}: cannot read its metadata: {exc}") from exc
    fields = Parser().parsestr(text)
    return DistInfo(path=path, kind=kind, name=fields.get("Name", ""),
                    version=fields.get("Version", ""), tags=tag_names,
                    requires_python=fields.get("Requires-Python", ""))


def pypi_refuses(tag: str) -> bool:
    """Whether PyPI refuses a wheel with this tag (``py3-none-linux_x86_64``: yes)."""
    platform = tag.rsplit("-", 1)[-1]
    return not any(p.startswith(prefix) for p in platform.split(".") for prefix in _PYPI_PLATFORMS)


def host_glibc() -> tuple[int, int] | None:
    """The running glibc's version, ``None`` off Linux or on musl."""
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        return None
    match = re.fullmatch(r"glibc (\d+)\.(\d+)", found)
    return (int(match[1]), int(match[2])) if match else None


def needs_zig(compatibility: str, glibc: tuple[int, int] | None) -> bool:
    """A manylinux tag older than the host's glibc cannot be met by a native build."""
    match = _MANYLINUX.match(compatibility)
    if match is None or glibc is None:
        return False
    wanted = (2, 17) if match["year"] else (int(match["major"]), int(match["minor"]))
    return wanted < glibc


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read as TOML: {exc}") from exc


def readme_problems(ctx: PublishContext) -> list[str]:
    """READMEs outside the package: what makes ``maturin sdist`` fail or pack the wrong one."""
    pkg = ctx.directory.resolve()
    pyproject = read_toml(ctx.directory / "pyproject.toml")
    found: list[tuple[str, Path]] = []
    readme = pyproject.get("project", {}).get("readme")
    file = readme.get("file") if isinstance(readme, dict) else readme
    if isinstance(file, str):
        found.append((f"pyproject.toml: [project] readme = {file!r}", ctx.directory / file))
    maturin = pyproject.get("tool", {}).get("maturin", {})
    manifest = ctx.directory / str(maturin.get("manifest-path", "Cargo.toml"))
    crate = read_toml(manifest).get("package", {}).get("readme") if manifest.is_file() else None
    where = f"{manifest.relative_to(ctx.root)}: [package] readme"
    if isinstance(crate, str):
        found.append((f"{where} = {crate!r}", manifest.parent / crate))
    elif isinstance(crate, dict) and crate.get("workspace"):
        ws_root = ctx.root / ctx.config.core.workspace
        inherited = read_toml(ws_root / "Cargo.toml").get("workspace", {}).get("package", {})
        if isinstance(inherited.get("readme"), str):
            found.append((f"{where} is inherited from the workspace "
                          f"({inherited['readme']!r})", ws_root / inherited["readme"]))
    problems = []
    for origin, path in found:
        resolved = path.resolve()
        if not resolved.is_relative_to(pkg):
            problems.append(
                f"{origin} resolves to {os.path.relpath(resolved, ctx.root)}, outside "
                f"{ctx.binding.directory}: `maturin sdist` cannot pack it next to the package's "
                f"own files. Point it at a README inside {ctx.binding.directory} "
                f"(e.g. readme = \"README.md\" in [package] of {manifest.name}).")
        elif not resolved.is_file():
            problems.append(f"{origin}: {os.path.relpath(resolved, ctx.root)} does not exist")
    return problems


def wheel_tags(filename: str) -> frozenset[Tag]:
    """The tags of a wheel file name (empty for anything else)."""
    try:
        return parse_wheel_filename(filename)[3]
    except (InvalidWheelFilename, InvalidVersion):
        return frozenset()


def platforms_of_file(filename: str) -> frozenset[str]:
    """The platforms a file on PyPI serves: a wheel's by its tags, ``source`` for the sdist."""
    if filename.endswith(".whl"):
        return frozenset(p for tag in wheel_tags(filename)
                         for p in platform_names.platforms_of_tag(tag.platform))
    try:
        parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidVersion):
        return frozenset()
    return frozenset({"source"})


def dist_name(package: str) -> str:
    """The distribution name as file names spell it (``my_pkg``)."""
    return str(canonicalize_name(package)).replace("-", "_")
