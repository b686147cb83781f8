"""Packing an npm binding's package for one platform, as napi-rs publishes native addons:
the binding crate's library as ``BINARY.TRIPLE.node`` in a package of its own
(``NAME-TRIPLE``, with ``os``, ``cpu`` and ``libc``), packed with ``npm pack``. The main
package lists these in ``optionalDependencies`` (see :mod:`release_tasks.apply.surfaces`).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from release_tasks import cmd
from release_tasks.errors import PublishError, UsageError
from release_tasks.registries.common import fresh_dir
from release_tasks.registries.interface import Build, PublishContext
from release_tasks.registries.npm import platforms as platform_names

#: The build step of one platform's package: ``platform-linux-x86_64``.
PREFIX = "platform-"

__all__ = ["PREFIX", "build_platform_package", "platform_of_steps", "step_of"]


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
    cmd.run(["cargo", "build", "-p", crate, "--release"], cwd=ctx.root, env=env,
            prefix="typescript")
    target = Path(env.get("CARGO_TARGET_DIR") or ctx.root / "target")
    if not target.is_absolute():
        target = ctx.root / target
    library = target / "release" / library_name(crate)
    if not library.is_file():
        raise PublishError(f"cargo build -p {crate} wrote no {library}")
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
                     env=env, capture=True, prefix="typescript")
    [entry] = json.loads(result.stdout)
    return Build(artifacts=(out / str(entry["filename"]),))


def _manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path}: cannot be read: {exc}") from exc
    return data if isinstance(data, dict) else {}
