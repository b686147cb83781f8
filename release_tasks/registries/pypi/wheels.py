"""Building a Python binding: wheels and an sdist with maturin, checked, uploaded with uv.

Wheels are built with a ``--compatibility`` that yields a manylinux/musllinux tag (default
``pypi``: the lowest manylinux tag the binary meets, and only tags PyPI takes), and every
wheel's tags are checked before upload. An older manylinux than the host's glibc needs zig
(``pip install ziglang``), which is then used. A Linux wheel of another platform than this
Linux machine's (``build --platform linux-aarch64``) is cross-built with
``maturin build --target TRIPLE --zig``, ``musllinux_1_2`` for musl (see
:mod:`~release_tasks.registries.cross`); each Linux wheel's libraries are read back for the
CPU and C library of its tag. ``uv publish`` uploads (``maturin upload`` is
deprecated): it reads the token from ``UV_PUBLISH_TOKEN`` (the configured variable is copied
there for the child only), never from argv, and never asks a keyring.
"""

from __future__ import annotations

import re
import sys
import sysconfig
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from release_tasks import cmd
from release_tasks.errors import PublishError, ToolMissing, UsageError
from release_tasks.model import platforms
from release_tasks.registries import cross
from release_tasks.registries.common import (
    CARGO_HINT,
    TRUSTED,
    artifacts_in,
    fresh_dir,
    require_tools,
)
from release_tasks.registries.interface import Artifact, Build, ExpectedFile, PublishContext
from release_tasks.registries.pypi import attest
from release_tasks.registries.pypi import platforms as platform_names
from release_tasks.registries.pypi.dists import (
    DistInfo,
    host_glibc,
    needs_zig,
    pypi_refuses,
    read_dist,
    read_toml,
    readme_problems,
)
from release_tasks.registries.pypi.index import equal

COMPATIBILITY_VAR = "RELEASE_TASKS_MATURIN_COMPATIBILITY"
DEFAULT_COMPATIBILITY = "pypi"
#: The musllinux of a cross-built musl wheel (musl 1.2, what Alpine 3.13 and newer have).
MUSL_COMPATIBILITY = "musllinux_1_2"
MATURIN_HINT = "pip install maturin (the nox session installs it)"
UV_HINT = "pip install uv (the nox session installs it)"
ZIG_HINT = cross.ZIG_HINT
CFFI_HINT = "pip install cffi (the nox session installs it)"
#: The build steps: the wheel of this platform (``maturin build``), the sdist (``maturin sdist``).
WHEEL, SDIST = "wheel", "sdist"


def resolve_compatibility(ctx: PublishContext) -> str:
    """``--compatibility``, else the env variable, else ``[tool.maturin]``, else ``pypi``."""
    maturin = read_toml(ctx.directory / "pyproject.toml").get("tool", {}).get("maturin", {})
    chosen = (ctx.options.get("compatibility") or ctx.env.get(COMPATIBILITY_VAR, "").strip()
              or str(maturin.get("compatibility", "")) or DEFAULT_COMPATIBILITY)
    if chosen == "linux" or chosen.startswith("linux_"):
        raise UsageError(f"compatibility {chosen!r} makes linux_* wheels, which PyPI refuses; "
                         f"use {DEFAULT_COMPATIBILITY!r} or a manylinux/musllinux tag")
    return str(chosen)


def build_options(ctx: PublishContext) -> tuple[str, bool]:
    """The wheels' ``--compatibility``, and whether they are built with zig (``--zig``, a
    manylinux older than this machine's glibc, or a cross build)."""
    compatibility = resolve_compatibility(ctx)
    if cross.triple_of(ctx) is not None:
        return cross_compatibility(compatibility, str(ctx.platform)), True
    zig = bool(ctx.options.get("zig")) or (sys.platform.startswith("linux")
                                            and needs_zig(compatibility, host_glibc()))
    return compatibility, zig


def cross_compatibility(chosen: str, platform: str) -> str:
    """The ``--compatibility`` of a cross-built wheel for ``platform``: the chosen one where
    it names the platform's C library, else ``musllinux_1_2`` for musl and ``pypi`` for
    glibc (maturin's ``pypi`` gives a manylinux tag even for a musl target)."""
    musl = platforms.get(platform).libc == "musl"
    if musl:
        return chosen if chosen.startswith("musllinux") else MUSL_COMPATIBILITY
    return DEFAULT_COMPATIBILITY if chosen.startswith("musllinux") else chosen


def check_tools(ctx: PublishContext) -> None:
    tools = {"maturin": MATURIN_HINT}
    if not ctx.dry_run:
        tools["uv"] = UV_HINT
    if ctx.artifacts_dir is None:
        tools["cargo"] = CARGO_HINT
    require_tools(ctx, tools)
    if ctx.artifacts_dir is not None:
        return
    problems = readme_problems(ctx)
    if problems:
        raise UsageError("nothing was built:\n" + "\n".join(f"  - {p}" for p in problems))
    env = ctx.build_env()
    compatibility, zig = build_options(ctx)
    if compatibility == DEFAULT_COMPATIBILITY:
        found = cmd.run(["maturin", "--version"], capture=True, echo=False, env=env)
        version = re.search(r"(\d+)\.(\d+)", found.stdout)
        if version is None or (int(version[1]), int(version[2])) < (1, 9):
            raise ToolMissing(f"--compatibility pypi needs maturin 1.9 or newer, found "
                              f"{found.stdout.strip()!r}: pip install 'maturin>=1.9'")
    bindings = read_toml(ctx.directory / "pyproject.toml").get("tool", {}).get("maturin", {})
    if bindings.get("bindings") == "cffi" and not _python_runs(env, "-c", "import cffi"):
        raise ToolMissing(f"{ctx.binding.directory} has cffi bindings and maturin generates "
                          f"them with this Python, which lacks cffi: {CFFI_HINT}")
    triple = cross.triple_of(ctx)
    if triple is not None:
        if not cross.zig_available(env):
            raise ToolMissing(f"{ctx.binding.name}: nothing was built: the wheel for "
                              f"{ctx.platform} is cross-built with zig: {ZIG_HINT}")
        cross.require_rust_target(ctx, triple)
    elif zig and not cross.zig_available(env):
        raise ToolMissing(f"{compatibility} wheels need zig on this machine (glibc "
                          f"{'.'.join(map(str, host_glibc() or ()))}): {ZIG_HINT}; or use "
                          f"--compatibility {DEFAULT_COMPATIBILITY}")


def platform_pattern(platform: str | None = None) -> tuple[str, str]:
    """The platform tags of a wheel built here, as a file-name pattern, and in words
    (``sysconfig.get_platform()``: ``linux-x86_64``, ``macosx-11.0-arm64``, ``win-amd64``)."""
    found = platform or sysconfig.get_platform()
    system, _, arch = found.partition("-")
    arch = arch.rpartition("-")[2] or arch
    if system == "linux":
        # manylinux or musllinux, never plain linux_* (which PyPI refuses)
        return f"*[a-z]linux_*_{arch}*", f"linux {arch}"
    if system == "macosx":
        return "macosx_*", "macOS"
    return found.replace("-", "_").replace(".", "_"), found


def expected_files(ctx: PublishContext) -> list[ExpectedFile]:
    """A wheel for this platform (its tags are maturin's to choose) and the sdist."""
    dist = str(canonicalize_name(ctx.binding.package)).replace("-", "_")
    platform, words = platform_pattern()
    return [ExpectedFile(step=WHEEL, name=f"{dist}-{ctx.rendering}-*-*-{platform}.whl",
                         what=f"a wheel for {words}"),
            ExpectedFile(step=SDIST, name=f"{dist}-{ctx.rendering}.tar.gz")]


def build(ctx: PublishContext) -> Build:
    """``maturin build --release --compatibility ...`` and ``maturin sdist``, each into its
    own directory (``ctx.build_steps`` says which)."""
    env = ctx.build_env()
    found: list[Path] = []
    if ctx.wants(WHEEL):
        out = fresh_dir(ctx.step_dir(WHEEL))
        compatibility, zig = build_options(ctx)
        triple = cross.triple_of(ctx)
        argv = ["maturin", "build", "--release", "--compatibility", compatibility,
                "--out", str(out), *(["--target", triple] if triple else []),
                *(["--zig"] if zig else [])]
        cmd.run(argv, cwd=ctx.directory, env=env, prefix=ctx.binding.name)
        found += artifacts_in(out)
    if ctx.wants(SDIST):
        out = fresh_dir(ctx.step_dir(SDIST))
        cmd.run(["maturin", "sdist", "--out", str(out)], cwd=ctx.directory, env=env,
                prefix=ctx.binding.name)
        found += artifacts_in(out)
    return Build(artifacts=tuple(found))


def verify(ctx: PublishContext, build: Build) -> list[str]:
    problems: list[str] = []
    infos = []
    for path in build.artifacts:
        if not path.name.endswith((".whl", ".tar.gz")):
            problems.append(f"{path.name}: not a wheel (.whl) or an sdist (.tar.gz)")
            continue
        try:
            infos.append(read_dist(path))
        except (UsageError, PublishError) as exc:
            problems.append(str(exc))
    if ctx.wants(WHEEL) and not any(i.kind == "wheel" for i in infos):
        problems.append("no wheel to upload")
    wanted = canonicalize_name(ctx.binding.package)
    for info in infos:
        if canonicalize_name(info.name) != wanted:
            problems.append(f"{info.path.name}: Name {info.name!r}, expected "
                            f"{ctx.binding.package!r}")
        if not equal(info.version, ctx.rendering):
            problems.append(f"{info.path.name}: Version {info.version!r}, expected "
                            f"{ctx.rendering}")
        problems += _library_problems(info)
        refused = [t for t in info.tags if pypi_refuses(t)]
        if refused:
            problems.append(f"{info.path.name}: PyPI refuses the tag(s) {', '.join(refused)}; "
                            "build manylinux wheels (--compatibility pypi or manylinux_2_28 "
                            "with zig)")
    return problems


def _library_problems(info: DistInfo) -> list[str]:
    """A Linux wheel's shared libraries are built for the CPU and C library of its tag (a
    cross build's linker could have taken this machine's)."""
    linux = {p for tag in info.tags for p in platform_names.platforms_of_tag(tag.rsplit("-", 1)[-1])
             if p.startswith("linux-")}
    if info.kind != "wheel" or len(linux) != 1:
        return []
    [platform] = linux
    found = []
    with zipfile.ZipFile(info.path) as archive:
        for name in archive.namelist():
            if re.search(r"\.so(\.[0-9.]+)?$", name):
                problem = cross.library_problem(archive.read(name), name, platform)
                if problem:
                    found.append(f"{info.path.name}: {problem}")
    return found


def identify(ctx: PublishContext, path: Path) -> Artifact:
    """A wheel by its metadata and its platform tags, an sdist as ``source``."""
    info = read_dist(path)
    if info.kind == "sdist":
        return Artifact(path=path, package=info.name, version=info.version,
                        platforms=frozenset({"source"}), tag="sdist")
    tags = sorted({tag.rsplit("-", 1)[-1] for tag in info.tags})
    found = frozenset(p for tag in tags for p in platform_names.platforms_of_tag(tag))
    variant = ".".join(sorted({tag.rsplit("-", 1)[0] for tag in info.tags}))
    return Artifact(path=path, package=info.name, version=info.version, platforms=found,
                    tag=".".join(tags), variant=variant)


def describe(ctx: PublishContext, build: Build) -> str:
    lines = [f"[dry-run] Would upload to {ctx.endpoints['upload']} (uv publish):"]
    for path in build.artifacts:
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


def upload_argv(ctx: PublishContext, build: Build,
                attestations: Sequence[Path] = ()) -> list[str]:
    """``uv publish`` to the upload URL; OIDC only when trusted publishing is the credential,
    no keyring, and no project configuration that could send the files elsewhere. uv
    uploads each ``FILE.publish.attestation`` it is given with its file."""
    trusted = "always" if ctx.credential() == TRUSTED else "never"
    return ["uv", "publish", "--no-config", "--publish-url", ctx.endpoints["upload"],
            "--trusted-publishing", trusted, "--keyring-provider", "disabled",
            *map(str, build.artifacts), *map(str, attestations)]


def upload(ctx: PublishContext, build: Build) -> None:
    """Upload the files (each with its PEP 740 attestation on the trusted-publishing path),
    then read each attestation back from the index's integrity API."""
    attestations = attest.sign(ctx, build.artifacts) if attest.wanted(ctx) else []
    with ctx.kind.credential_env(ctx.upload_env(), ctx.credential(), ctx.endpoints) as tool:
        cmd.run(upload_argv(ctx, build, attestations), cwd=ctx.directory, env=tool.env,
                prefix=ctx.binding.name)
    if attestations:
        attest.check_listed(ctx.http, ctx.endpoints["index"], canonicalize_name(ctx.binding.package),
                            ctx.rendering, [a.name for a in build.artifacts])


def _python_runs(env: Mapping[str, str], *args: str) -> bool:
    """Whether the interpreter maturin will use (the active venv's, else ``python3``) can."""
    venv = env.get("VIRTUAL_ENV")
    python = str(Path(venv) / "bin" / "python") if venv else "python3"
    try:
        return cmd.run([python, *args], capture=True, check=False, echo=False,
                       env=env).returncode == 0
    except ToolMissing:
        return False
