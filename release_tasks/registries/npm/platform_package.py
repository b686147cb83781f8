"""Packing an npm binding's package for one platform, as napi-rs publishes native addons:
the binding crate's library as ``BINARY.TRIPLE.node`` in a package of its own
(``NAME-TRIPLE``, with ``os``, ``cpu`` and ``libc``), packed with ``npm pack``. The main
package lists these in ``optionalDependencies`` (see :mod:`release_tasks.apply.surfaces`).

A Linux platform other than this Linux machine's is cross-built as napi-rs's
``--cross-compile`` does: ``cargo zigbuild --target TRIPLE`` (zig as the C compiler and
linker), and on musl with ``-C target-feature=-crt-static``, since a musl target links the C
library statically by default and then cannot make a shared library. The library is read
back before it is packed: a CPU or C library other than the platform's is refused.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from release_tasks import cmd
from release_tasks.errors import PublishError, UsageError
from release_tasks.model import platforms
from release_tasks.registries import cross
from release_tasks.registries.common import fresh_dir
from release_tasks.registries.interface import Build, PublishContext
from release_tasks.registries.npm import platforms as platform_names

#: The build step of one platform's package: ``platform-linux-x86_64``.
PREFIX = "platform-"
ZIGBUILD_HINT = "pip install cargo-zigbuild (the nox session installs it on Linux)"
#: What a musl target's cdylib needs (napi-rs adds the same for its musl targets).
MUSL_RUSTFLAGS = "-C target-feature=-crt-static"

__all__ = ["MUSL_RUSTFLAGS", "PREFIX", "ZIGBUILD_HINT", "build_platform_package",
           "platform_of_steps", "step_of"]


def step_of(platform: str) -> str:
    return f"{PREFIX}{platform}"


def platform_of_steps(steps: frozenset[str] | None) -> str | None:
    """The platform whose package ``steps`` build, if they build one."""
    found = [s.removeprefix(PREFIX) for s in steps or () if s.startswith(PREFIX)]
    return found[0] if len(found) == 1 else None


def library_name(crate: str, platform: str = sys.platform) -> str:
    """The file cargo names a cdylib on this system (``libmy_crate.so``, ``my_crate.dll``)."""
    stem = crate.replace("-", "_")
    if platform == "win32":
        return f"{stem}.dll"
    return f"lib{stem}.{'dylib' if platform == 'darwin' else 'so'}"


def build_platform_package(ctx: PublishContext, platform: str, env: Mapping[str, str]) -> Build:
    """``cargo build`` of the binding crate, then the platform's package packed around it."""
    crate = ctx.binding.crate
    if not crate:
        raise UsageError(f"{ctx.binding.name}: a package per platform holds the library of "
                         "the binding's crate: set `crate` in release.toml")
    rust_target = cross.triple_for(platform)
    if rust_target is None:
        argv, release, system = ["cargo", "build", "-p", crate, "--release"], "release", \
            sys.platform
    else:
        argv = ["cargo", "zigbuild", "-p", crate, "--release", "--target", rust_target]
        release, system = f"{rust_target}/release", "linux"
        if platforms.get(platform).libc == "musl":
            env = {**env, "RUSTFLAGS": " ".join(filter(None, [env.get("RUSTFLAGS"),
                                                              MUSL_RUSTFLAGS]))}
    cmd.run(argv, cwd=ctx.root, env=env, prefix=ctx.binding.name)
    target = Path(env.get("CARGO_TARGET_DIR") or ctx.root / "target")
    if not target.is_absolute():
        target = ctx.root / target
    library = target / release / library_name(crate, system)
    if not library.is_file():
        raise PublishError(f"{shlex.join(argv)} wrote no {library}")
    problem = cross.library_problem(library.read_bytes(), library.name, platform)
    if problem:
        raise PublishError(f"{ctx.label}: nothing was packed for {platform}: {problem}")
    main = _manifest(ctx.directory / "package.json")
    triple = platform_names.TAGS[platform]
    napi = main.get("napi")
    named = napi.get("binaryName") if isinstance(napi, dict) else None
    binary = str(named) if named else ctx.binding.package.rsplit("/", 1)[-1]
    node = f"{binary}.{triple}.node"
    package = fresh_dir(ctx.step_dir(step_of(platform)) / "package")
    shutil.copyfile(library, package / node)
    system, cpu, libc = platform_names.FIELDS[platform]
    manifest: dict[str, Any] = {
        "name": platform_names.package_of(ctx.binding.package, platform),
        "version": ctx.rendering, "os": [system], "cpu": [cpu], "main": node, "files": [node]}
    if libc:
        manifest["libc"] = [libc]
    manifest |= {k: main[k] for k in ("license", "repository", "description") if k in main}
    (package / "package.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                          encoding="utf-8")
    out = ctx.step_dir(step_of(platform))
    result = cmd.run(["npm", "pack", "--json", "--pack-destination", str(out)], cwd=package,
                     env=env, capture=True, prefix=ctx.binding.name)
    [entry] = json.loads(result.stdout)
    return Build(artifacts=(out / str(entry["filename"]),))


def _manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path}: cannot be read: {exc}") from exc
    return data if isinstance(data, dict) else {}
