"""``publish_python``: build wheels and an sdist with maturin, check them, upload them.

PyPI refuses Linux wheels tagged ``linux_x86_64``: wheels are built with a ``--compatibility``
that yields a manylinux/musllinux tag (default ``pypi``: the lowest manylinux tag the
binary meets, and only tags PyPI takes), and every wheel's tags are checked before upload.
An older manylinux than the host's glibc needs zig (``pip install ziglang``), which is then
used. ``maturin upload`` reads the token from ``MATURIN_PYPI_TOKEN`` (``PYPI_TOKEN`` is
mapped to it for the child only), never from argv.
"""

from __future__ import annotations

import os
import re
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

from release_tasks import cmd
from release_tasks.errors import PublishError, ToolMissing, UsageError
from release_tasks.publish_common import CARGO_HINT, PublishContext, fresh_dir, require_tools
from release_tasks.version import pep440_equal

COMPATIBILITY_VAR = "RELEASE_TASKS_MATURIN_COMPATIBILITY"
DEFAULT_COMPATIBILITY = "pypi"
MATURIN_HINT = "pip install maturin (the nox session installs it)"
ZIG_HINT = "pip install ziglang (or put zig on PATH)"
CFFI_HINT = "pip install cffi (the nox session installs it)"
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


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read as TOML: {exc}") from exc


def readme_problems(ctx: PublishContext) -> list[str]:
    """READMEs outside the package: what makes ``maturin sdist`` fail or pack the wrong one."""
    pkg = ctx.directory.resolve()
    pyproject = _toml(ctx.directory / "pyproject.toml")
    found: list[tuple[str, Path]] = []
    readme = pyproject.get("project", {}).get("readme")
    file = readme.get("file") if isinstance(readme, dict) else readme
    if isinstance(file, str):
        found.append((f"pyproject.toml: [project] readme = {file!r}", ctx.directory / file))
    maturin = pyproject.get("tool", {}).get("maturin", {})
    manifest = ctx.directory / str(maturin.get("manifest-path", "Cargo.toml"))
    crate = _toml(manifest).get("package", {}).get("readme") if manifest.is_file() else None
    where = f"{manifest.relative_to(ctx.root)}: [package] readme"
    if isinstance(crate, str):
        found.append((f"{where} = {crate!r}", manifest.parent / crate))
    elif isinstance(crate, dict) and crate.get("workspace"):
        ws_root = ctx.root / ctx.config.core.workspace
        inherited = _toml(ws_root / "Cargo.toml").get("workspace", {}).get("package", {})
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


class PythonTarget:
    """PyPI: ``maturin build`` + ``maturin sdist``, ``maturin upload``."""

    def __init__(self, compatibility: str | None = None, zig: bool = False) -> None:
        self.requested = compatibility
        self.zig = zig
        self.compatibility = DEFAULT_COMPATIBILITY

    def resolve_compatibility(self, ctx: PublishContext) -> str:
        """``--compatibility``, else the env variable, else ``[tool.maturin]``, else ``pypi``."""
        maturin = _toml(ctx.directory / "pyproject.toml").get("tool", {}).get("maturin", {})
        chosen = (self.requested or ctx.env.get(COMPATIBILITY_VAR, "").strip()
                  or str(maturin.get("compatibility", "")) or DEFAULT_COMPATIBILITY)
        if chosen == "linux" or chosen.startswith("linux_"):
            raise UsageError(f"compatibility {chosen!r} makes linux_* wheels, which PyPI refuses; "
                             f"use {DEFAULT_COMPATIBILITY!r} or a manylinux/musllinux tag")
        return chosen

    def preflight(self, ctx: PublishContext) -> None:
        tools = {"maturin": MATURIN_HINT}
        if ctx.artifacts_dir is None:
            tools["cargo"] = CARGO_HINT
        require_tools(ctx, tools)
        if ctx.artifacts_dir is not None:
            return
        problems = readme_problems(ctx)
        if problems:
            raise UsageError("nothing was built:\n" + "\n".join(f"  - {p}" for p in problems))
        self.compatibility = self.resolve_compatibility(ctx)
        if self.compatibility == "pypi":
            found = cmd.run(["maturin", "--version"], capture=True, echo=False, env=ctx.env)
            version = re.search(r"(\d+)\.(\d+)", found.stdout)
            if version is None or (int(version[1]), int(version[2])) < (1, 9):
                raise ToolMissing(f"--compatibility pypi needs maturin 1.9 or newer, found "
                                  f"{found.stdout.strip()!r}: pip install 'maturin>=1.9'")
        self.zig = self.zig or (sys.platform.startswith("linux")
                                and needs_zig(self.compatibility, host_glibc()))
        bindings = _toml(ctx.directory / "pyproject.toml").get("tool", {}).get("maturin", {})
        if bindings.get("bindings") == "cffi" and not _python_runs(ctx.env, "-c", "import cffi"):
            raise ToolMissing(f"{ctx.binding.directory} has cffi bindings and maturin generates "
                              f"them with this Python, which lacks cffi: {CFFI_HINT}")
        if self.zig and not _zig_available(ctx.env):
            raise ToolMissing(f"{self.compatibility} wheels need zig on this machine (glibc "
                              f"{'.'.join(map(str, host_glibc() or ()))}): {ZIG_HINT}; or use "
                              f"--compatibility {DEFAULT_COMPATIBILITY}")

    def build(self, ctx: PublishContext) -> list[Path]:
        out = fresh_dir(ctx.output_dir)
        env = ctx.build_env()
        argv = ["maturin", "build", "--release", "--compatibility", self.compatibility,
                "--out", str(out)]
        cmd.run([*argv, "--zig"] if self.zig else argv, cwd=ctx.directory, env=env,
                prefix="python")
        cmd.run(["maturin", "sdist", "--out", str(out)], cwd=ctx.directory, env=env,
                prefix="python")
        return sorted(p for p in out.iterdir() if p.is_file())

    def check(self, ctx: PublishContext, artifacts: Sequence[Path]) -> list[str]:
        problems: list[str] = []
        infos = []
        for path in artifacts:
            if not path.name.endswith((".whl", ".tar.gz")):
                problems.append(f"{path.name}: not a wheel (.whl) or an sdist (.tar.gz)")
                continue
            try:
                infos.append(read_dist(path))
            except (UsageError, PublishError) as exc:
                problems.append(str(exc))
        if not any(i.kind == "wheel" for i in infos):
            problems.append("no wheel to upload")
        wanted = canonicalize_name(ctx.binding.package)
        for info in infos:
            if canonicalize_name(info.name) != wanted:
                problems.append(f"{info.path.name}: Name {info.name!r}, expected "
                                f"{ctx.binding.package!r}")
            if not pep440_equal(info.version, ctx.rendering):
                problems.append(f"{info.path.name}: Version {info.version!r}, expected "
                                f"{ctx.rendering}")
            refused = [t for t in info.tags if pypi_refuses(t)]
            if refused:
                problems.append(f"{info.path.name}: PyPI refuses the tag(s) {', '.join(refused)}; "
                                "build manylinux wheels (--compatibility pypi or manylinux_2_28 "
                                "with zig)")
        return problems

    def describe(self, ctx: PublishContext, artifacts: Sequence[Path]) -> str:
        lines = [f"[dry-run] Would upload to {ctx.endpoints.pypi_upload} (maturin upload):"]
        for path in artifacts:
            info = read_dist(path)
            lines += [f"  {path.name} ({path.stat().st_size} bytes)",
                      f"    kind:     {info.kind}",
                      f"    name:     {info.name}",
                      f"    version:  {info.version}"]
            if info.tags:
                lines.append(f"    tags:     {', '.join(info.tags)}")
            if info.requires_python:
                lines.append(f"    python:   {info.requires_python}")
        return "\n".join(lines)

    def upload(self, ctx: PublishContext, artifacts: Sequence[Path]) -> None:
        cmd.run(["maturin", "upload", "--repository-url", ctx.endpoints.pypi_upload,
                 *map(str, artifacts)], env=upload_env(ctx), prefix="python")


def upload_env(ctx: PublishContext) -> dict[str, str]:
    """The child's environment: the token as ``MATURIN_PYPI_TOKEN``, never prompting."""
    env = dict(ctx.env)
    source = ctx.credential()
    if source is not None and source not in ("trusted publishing", "MATURIN_PYPI_TOKEN"):
        env["MATURIN_PYPI_TOKEN"] = ctx.env[source]
    env["MATURIN_NON_INTERACTIVE"] = "true"
    return env


def _zig_available(env: Mapping[str, str]) -> bool:
    """What maturin finds: ``zig`` on PATH or the ``ziglang`` package of ``python3``."""
    try:
        cmd.which("zig", ZIG_HINT, env)
        return True
    except ToolMissing:
        return _python_runs(env, "-m", "ziglang", "version")


def _python_runs(env: Mapping[str, str], *args: str) -> bool:
    """Whether the interpreter maturin will use (the active venv's, else ``python3``) can."""
    venv = env.get("VIRTUAL_ENV")
    python = str(Path(venv) / "bin" / "python") if venv else "python3"
    try:
        return cmd.run([python, *args], capture=True, check=False, echo=False,
                       env=env).returncode == 0
    except ToolMissing:
        return False
