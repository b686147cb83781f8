"""Building an npm binding: the native library and the package, packed, checked, published.

``package.json`` holds the npm rendering of the binding version (``X.Y.(Z*1000+P)``): npm
refuses four-part versions. The package is packed with ``npm pack --json`` (``--dry-run``
on a dry run), whose report is what the name, version and entry points are checked against;
a real run publishes exactly the tarball that was checked. The token is never in argv: it
goes into a temporary ``userconfig`` (mode 0600, removed afterwards) that refers to
``${NPM_TOKEN}``, so not even that file holds the secret.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from release_tasks import cmd
from release_tasks.errors import PublishError, ToolMissing
from release_tasks.log import get_logger
from release_tasks.registries import cross, secrets
from release_tasks.registries.common import CARGO_HINT, TRUSTED, fresh_dir, require_tools
from release_tasks.registries.interface import (
    Artifact,
    Build,
    ExpectedFile,
    PublishContext,
    ToolEnv,
)
from release_tasks.registries.npm import platform_package
from release_tasks.registries.npm import platforms as platform_names
from release_tasks.registries.npm.index import tarball_name

log = get_logger("publish.npm")

BUN_HINT = "npm install --global bun (the nox session installs it), or see https://bun.sh"
NPM_HINT = "Install Node.js 20 or newer, which ships npm: https://nodejs.org"
#: npm's trusted publishing (OIDC, with provenance) needs at least this npm.
TRUSTED_NPM = Version("11.5.1")
#: The build step: the native library, ``bun run build``, ``npm pack``.
STEP = "tarball"


@dataclass(frozen=True, kw_only=True)
class PackReport:
    """One entry of ``npm pack --json``."""

    name: str
    version: str
    filename: str
    files: tuple[str, ...]
    size: int


@dataclass(frozen=True, kw_only=True)
class PackedBuild(Build):
    """A packed package: the tarball (the package directory on a dry run) and npm's report."""

    report: PackReport


def read_pack_report(stdout: str) -> PackReport:
    """Parse ``npm pack --json`` output (a list with one entry per packed package)."""
    try:
        [entry] = json.loads(stdout)
        return PackReport(name=str(entry["name"]), version=str(entry["version"]),
                          filename=str(entry["filename"]), size=int(entry["size"]),
                          files=tuple(str(f["path"]) for f in entry["files"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"cannot read the output of `npm pack --json`: {exc}: "
                           f"{stdout[:300]!r}") from exc


def read_tarball(path: Path) -> PackReport:
    """What a packed ``.tgz`` says about itself (a kept or prebuilt tarball): its
    ``package/package.json`` and the files under ``package/``."""
    names, manifest = _read(path)
    files = tuple(sorted(n.removeprefix("package/") for n in names if n.startswith("package/")))
    return PackReport(name=str(manifest.get("name", "")), version=str(manifest.get("version", "")),
                      filename=path.name, files=files, size=path.stat().st_size)


def read_manifest(path: Path) -> dict[str, Any]:
    """The ``package/package.json`` of a packed ``.tgz``."""
    return _read(path)[1]


def _read(path: Path) -> tuple[list[str], dict[str, Any]]:
    """The files of a packed ``.tgz`` and its ``package/package.json``, read in one pass."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            names = [m.name for m in archive.getmembers() if m.isfile()]
            member = archive.extractfile("package/package.json")
            if member is None:
                raise KeyError("package/package.json")
            manifest = json.loads(member.read().decode("utf-8"))
    except (OSError, KeyError, ValueError, tarfile.TarError) as exc:
        raise PublishError(f"{path.name}: not an npm package tarball: {exc}") from exc
    if not isinstance(manifest, dict):
        raise PublishError(f"{path.name}: its package.json is not an object")
    return names, manifest


def identify(ctx: PublishContext, path: Path) -> Artifact:
    """A tarball by its package.json: a platform package by ``os``/``cpu``/``libc``; the
    main package (none of them) serves no platform of its own."""
    manifest = read_manifest(path)
    fields = [_listed(manifest.get(k)) for k in ("os", "cpu", "libc")]
    found = platform_names.platform_of(*fields) if any(fields) else None
    tag = "/".join(",".join(f) for f in fields if f) or "main package"
    pins = manifest.get("optionalDependencies")
    return Artifact(path=path, package=str(manifest.get("name", "")),
                    version=str(manifest.get("version", "")),
                    platforms=frozenset({found}) if found else frozenset(), tag=tag,
                    requires={str(k): str(v) for k, v in pins.items()}
                    if isinstance(pins, dict) else {})


def _listed(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def report_of(built: Build) -> PackReport | None:
    """npm's report of the package: from ``npm pack``, else read from the one tarball."""
    if isinstance(built, PackedBuild):
        return built.report
    tarballs = [a for a in built.artifacts if a.name.endswith(".tgz") and a.is_file()]
    return read_tarball(tarballs[0]) if len(tarballs) == 1 else None


def entry_points(manifest: dict[str, Any]) -> list[str]:
    """Files ``package.json`` promises (main, module, types, exports), as packed paths."""
    found: list[str] = []

    def walk(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    values = [manifest.get(k) for k in ("main", "module", "types", "typings")]
    for value in [*values, *walk(manifest.get("exports"))]:
        if isinstance(value, str) and "*" not in value:
            path = os.path.normpath(value.removeprefix("./"))
            if path not in found:
                found.append(path)
    return found


def registry_key(url: str) -> str:
    """The ``.npmrc`` key npm matches a registry's token to: ``//host:port/path/``."""
    rest = url.split("://", 1)[-1]
    return "//" + (rest if rest.endswith("/") else rest + "/")


def uses_provenance(ctx: PublishContext) -> bool:
    """``--provenance``: a token upload from a job that offers an OIDC token. npm's trusted
    publishing adds provenance by itself (for a public repository), so it takes no flag."""
    source = ctx.credential()
    return source is not None and source != TRUSTED and secrets.oidc_available(ctx.env)


def check_tools(ctx: PublishContext) -> None:
    tools = {"bun": BUN_HINT, "npm": NPM_HINT}
    if ctx.binding.crate:
        tools["cargo"] = CARGO_HINT
    triple = cross.triple_of(ctx) if ctx.artifacts_dir is None else None
    if triple is not None:
        tools["cargo-zigbuild"] = platform_package.ZIGBUILD_HINT
    require_tools(ctx, tools)
    if triple is not None:
        if not cross.zig_available(ctx.build_env()):
            raise ToolMissing(f"{ctx.binding.name}: nothing was built: the package for "
                              f"{ctx.platform} is cross-built with cargo-zigbuild, which needs "
                              f"zig: {cross.ZIG_HINT}")
        cross.require_rust_target(ctx, triple)
    if ctx.credential() == TRUSTED and not ctx.dry_run:
        found = cmd.run(["npm", "--version"], capture=True, echo=False, env=ctx.build_env())
        try:
            too_old = Version(found.stdout.strip()) < TRUSTED_NPM
        except InvalidVersion:
            too_old = True
        if too_old:
            raise ToolMissing(f"npm trusted publishing needs npm {TRUSTED_NPM} or newer, "
                              f"found {found.stdout.strip()!r}: npm install --global npm@latest")


def expected_files(ctx: PublishContext) -> list[ExpectedFile]:
    """The one tarball, named as ``npm pack`` names it."""
    return [ExpectedFile(step=STEP, name=tarball_name(ctx.binding.package, ctx.rendering))]


def build(ctx: PublishContext) -> Build:
    """``cargo build``, ``bun install`` + ``bun run build``, ``npm pack``; or one platform's
    package (:mod:`~release_tasks.registries.npm.platform_package`)."""
    env = ctx.build_env()
    platform = platform_package.platform_of_steps(ctx.build_steps)
    if platform is not None:
        return platform_package.build_platform_package(ctx, platform, env)
    if ctx.binding.crate:
        cmd.run(["cargo", "build", "-p", ctx.binding.crate, "--release"], cwd=ctx.root,
                env=env, prefix=ctx.binding.name)
    install = ["bun", "install"]
    if (ctx.directory / "bun.lock").is_file() or (ctx.directory / "bun.lockb").is_file():
        install.append("--frozen-lockfile")
    cmd.run(install, cwd=ctx.directory, env=env, prefix=ctx.binding.name)
    cmd.run(["bun", "run", "build"], cwd=ctx.directory, env=env, prefix=ctx.binding.name)
    out = fresh_dir(ctx.step_dir(STEP))
    argv = ["npm", "pack", "--json", "--pack-destination", str(out)]
    if ctx.dry_run:
        argv.insert(2, "--dry-run")
    result = cmd.run(argv, cwd=ctx.directory, env=env, capture=True, prefix=ctx.binding.name)
    for line in result.stderr.splitlines():
        log.debug("[%s] %s", ctx.binding.name, line)
    report = read_pack_report(result.stdout)
    artifact = ctx.directory if ctx.dry_run else out / report.filename
    return PackedBuild(artifacts=(artifact,), report=report)


def tarballs(built: Build) -> list[Path]:
    return [a for a in built.artifacts if a.name.endswith(".tgz") and a.is_file()]


def verify_set(ctx: PublishContext, built: Build) -> list[str]:
    """A package per platform and the main package (the gate checked names, versions and
    pins): each packs the files its package.json points at."""
    problems = [f"{a.name}: not an npm package tarball (.tgz)" for a in built.artifacts
                if not a.name.endswith(".tgz")]
    for path in tarballs(built):
        try:
            manifest, packed = read_manifest(path), set(read_tarball(path).files)
        except PublishError as exc:
            problems.append(str(exc))
            continue
        problems += [f"{path.name}: package.json points at {entry}, which is not in the "
                     "package" for entry in entry_points(manifest) if entry not in packed]
    return problems


def verify(ctx: PublishContext, built: Build) -> list[str]:
    if ctx.binding.platforms and (ctx.artifacts_dir is not None or
                                  platform_package.platform_of_steps(ctx.build_steps)):
        return verify_set(ctx, built)
    try:
        report = report_of(built)
    except PublishError as exc:
        return [str(exc)]
    if report is None:
        return ["nothing was packed: expected one .tgz made by npm pack"]
    problems = []
    if report.name != ctx.binding.package:
        problems.append(f"{report.filename}: name {report.name!r}, expected "
                        f"{ctx.binding.package!r}")
    if report.version != ctx.rendering:
        problems.append(f"{report.filename}: version {report.version!r}, expected "
                        f"{ctx.rendering} (the npm rendering of {ctx.version})")
    manifest = json.loads((ctx.directory / "package.json").read_text(encoding="utf-8"))
    packed = set(report.files)
    for path in entry_points(manifest):
        if path not in packed:
            problems.append(f"{report.filename}: package.json points at {path}, which is not "
                            "in the package (did `bun run build` write it? is it in `files`?)")
    if not ctx.dry_run and not all(a.is_file() for a in built.artifacts):
        problems.append(f"npm pack did not write {report.filename}")
    return problems


def describe(ctx: PublishContext, built: Build) -> str:
    single = report_of(built) if len(built.artifacts) == 1 else None
    reports = [single] if single is not None else [read_tarball(p) for p in tarballs(built)]
    lines = [f"[dry-run] Would publish to {ctx.endpoints['registry']} "
             f"(npm publish --access public{' --provenance' if uses_provenance(ctx) else ''}):"]
    for report in reports:
        lines += [f"  {report.filename} ({report.size} bytes)",
                  f"    name:     {report.name}",
                  f"    version:  {report.version} (binding {ctx.version})",
                  f"    files ({len(report.files)}):",
                  *(f"      {f}" for f in report.files)]
    return "\n".join(lines)


def upload(ctx: PublishContext, built: Build) -> None:
    argv = ["npm", "publish", *map(str, built.artifacts), "--access", "public",
            "--registry", ctx.endpoints["registry"]]
    if uses_provenance(ctx):
        argv.append("--provenance")
    pre = ctx.version.core.pre
    if pre is not None:
        # A prerelease goes under its label's dist-tag: `latest` stays on the last final.
        argv += ["--tag", pre.label]
    with userconfig(ctx.endpoints["registry"], ctx.credential(), ctx.upload_env()) as tool:
        cmd.run(argv, cwd=ctx.directory, env=tool.env, prefix=ctx.binding.name)


@contextmanager
def userconfig(registry: str, source: str | None, env: Mapping[str, str]) -> Iterator[ToolEnv]:
    """npm's environment, with a temporary userconfig for ``registry``, and a scratch
    directory to run in (where no project ``.npmrc`` can override it).

    The file (mode 0600) refers to ``${source}``, which npm expands from its environment: it
    holds no secret. Both are removed on exit. Without a token (trusted publishing) a
    leftover ``NODE_AUTH_TOKEN`` is dropped: it defeats npm's OIDC exchange.
    """
    if source == TRUSTED:
        source = None
    lines = [f"registry={registry}"]
    if source is not None:
        lines.append(f"{registry_key(registry)}:_authToken=${{{source}}}")
    child = {k: v for k, v in env.items() if k.lower() != "npm_config_userconfig"}
    if source is None:
        child.pop("NODE_AUTH_TOKEN", None)
    scratch = Path(tempfile.mkdtemp(prefix="release-tasks-npm-"))
    try:
        path = scratch / "npmrc"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        child["npm_config_userconfig"] = str(path)
        yield ToolEnv(env=child, cwd=scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
