"""What a cargo registry would refuse: read from the manifests before cargo runs
(:func:`metadata_problems`), then cargo's own verdict (:func:`package_all`).

crates.io refuses a crate without ``description`` or a license, a wildcard (``*``)
requirement, and a path or git dependency without a version; cargo refuses a registry that
``package.publish`` does not list. A dependency on a workspace crate that this release does
not publish (``publish = false``, or not in the config) could not be resolved either. Every
problem of every crate is collected, so that one run reports all of them.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_tasks import cmd
from release_tasks.errors import CommandError, PublishError, UpdateError
from release_tasks.log import get_logger
from release_tasks.workspace import Workspace

log = get_logger("crate_checks")

# Cargo still accepts the underscore spellings of old manifests.
_TABLES = {"dependencies": False, "build-dependencies": False, "build_dependencies": False,
           "dev-dependencies": True, "dev_dependencies": True}


@dataclass(frozen=True, kw_only=True)
class Dependency:
    """One dependency entry, with ``workspace = true`` resolved."""

    table: str
    key: str
    crate: str
    version: str | None
    path: bool
    git: bool
    dev: bool


def _load(root: Path, rel: str) -> dict[str, Any]:
    try:
        return tomllib.loads((root / rel).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UpdateError(f"{rel}: cannot be read as TOML: {exc}") from exc


def _tables(manifest: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    for name, dev in _TABLES.items():
        if isinstance(deps := manifest.get(name), dict):
            yield name, deps, dev
    for platform, spec in (manifest.get("target") or {}).items():
        for name, dev in _TABLES.items():
            if isinstance(spec, dict) and isinstance(deps := spec.get(name), dict):
                yield f"target.{platform}.{name}", deps, dev


def dependencies(manifest: Mapping[str, Any], ws_deps: Mapping[str, Any]) -> list[Dependency]:
    """Every dependency of ``manifest``; ``ws_deps`` is ``[workspace.dependencies]``."""
    found = []
    for table, deps, dev in _tables(manifest):
        for key, entry in deps.items():
            spec: Any = entry
            if isinstance(entry, dict) and entry.get("workspace") is True:
                inherited = ws_deps.get(key, {})
                spec = {"version": inherited} if isinstance(inherited, str) else inherited
                spec = {**spec, **{k: v for k, v in entry.items() if k == "package"}}
            if isinstance(spec, str):
                spec = {"version": spec}
            if not isinstance(spec, dict):
                continue
            version = spec.get("version")
            found.append(Dependency(
                table=table, key=key, crate=str(spec.get("package", key)),
                version=version if isinstance(version, str) else None,
                path="path" in spec, git="git" in spec, dev=dev))
    return found


def _field(package: Mapping[str, Any], ws_package: Mapping[str, Any], key: str) -> object:
    value = package.get(key)
    if isinstance(value, dict) and value.get("workspace") is True:
        return ws_package.get(key)
    return value


def _package_problems(package: Mapping[str, Any], ws_package: Mapping[str, Any],
                      registry: str) -> list[str]:
    problems = []
    description = _field(package, ws_package, "description")
    if not (isinstance(description, str) and description.strip()):
        problems.append("no `description`: the registry requires one")
    if not any(_field(package, ws_package, key) for key in ("license", "license-file")):
        problems.append("no `license` or `license-file`: the registry requires one")
    allowed = _field(package, ws_package, "publish")
    if isinstance(allowed, list) and allowed and registry not in allowed:
        problems.append(f"`package.publish` lists {', '.join(map(str, allowed))}, "
                        f"not {registry}: cargo refuses to publish there")
    return problems


def _dependency_problems(dep: Dependency, unpublished: Mapping[str, str]) -> list[str]:
    where = f"[{dep.table}] {dep.key}"
    if dep.dev and dep.version is None:
        return []  # cargo strips version-less dev-dependencies when packaging
    if dep.version is not None and dep.version.strip() == "*":
        return [f"{where}: wildcard (`*`) version requirement: crates.io refuses these; "
                "require a version"]
    if dep.version is None and (dep.path or dep.git):
        kind = "path" if dep.path else "git"
        return [f"{where}: {kind} dependency without a version: the published crate could "
                'not resolve it; add version = "=X.Y.Z" (`nox -s update` writes the pins)']
    if dep.crate in unpublished:
        return [f"{where}: depends on {dep.crate}, which is not published "
                f"({unpublished[dep.crate]})"]
    return []


def metadata_problems(root: Path, ws: Workspace, crates: Sequence[str],
                      registry: str = "crates-io") -> list[str]:
    """Every reason the registry or cargo would refuse one of ``crates``, as messages
    ``crate (manifest): problem``; empty when all of them look publishable."""
    top = _load(root, ws.root_manifest)
    workspace = top.get("workspace") or {}
    ws_package = workspace.get("package") or {}
    ws_deps = workspace.get("dependencies") or {}
    unpublished = {c.name: "publish = false" if not c.publish else "not in the release config"
                   for c in ws.members if c.name not in crates}
    problems: list[str] = []
    for name in crates:
        crate = ws.crate(name)
        manifest = top if crate.manifest == ws.root_manifest else _load(root, crate.manifest)
        found = _package_problems(manifest.get("package") or {}, ws_package, registry)
        for dep in dependencies(manifest, ws_deps):
            found.extend(_dependency_problems(dep, unpublished))
        problems.extend(f"{name} ({crate.manifest}): {problem}" for problem in found)
    return problems


def package_all(workspace_dir: Path, crates: Sequence[str], version: str,
                env: Mapping[str, str], *, registry: str | None, offline: bool) -> dict[str, Path]:
    """``cargo package -p A -p B ...``: each crate verified against a local overlay of the
    others (``--workspace`` would also package ``publish = false`` members). Returns the
    ``.crate`` file of each crate; a crate that fails is a PublishError with cargo's message.
    """
    argv = ["cargo", "package", *(a for crate in crates for a in ("-p", crate))]
    argv += ["--registry", registry] if registry else []
    argv += ["--offline"] if offline else []
    log.info("Packaging %d crate(s) against a local overlay of each other...", len(crates))
    try:
        cmd.run(argv, cwd=workspace_dir, env=env, prefix="package ")
    except CommandError as exc:
        crate = crate_named_last(exc.tail, crates)
        which = f"{crate} failed to package" if crate else "cargo could not package the crates"
        raise PublishError(f"{which}; nothing was published.\n{exc}") from exc
    package_dir = target_dir(workspace_dir, env) / "package"
    files = {crate: package_dir / f"{crate}-{version}.crate" for crate in crates}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise PublishError("cargo package succeeded but left no " + ", ".join(missing))
    return files


def target_dir(workspace_dir: Path, env: Mapping[str, str]) -> Path:
    """Cargo's target directory (``CARGO_TARGET_DIR``, ``build.target-dir`` or default)."""
    result = cmd.run(["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"],
                     cwd=workspace_dir, env=env, capture=True, echo=False, check=False)
    if result.returncode != 0:
        raise PublishError(f"cargo metadata failed in {workspace_dir}:\n{result.stderr}")
    return Path(json.loads(result.stdout)["target_directory"])


def crate_named_last(output: str, crates: Sequence[str]) -> str | None:
    """The crate cargo was packaging or verifying when it stopped, from its output."""
    for line in reversed(output.splitlines()):
        words = line.split()
        if len(words) >= 2 and words[0] in ("Packaging", "Verifying") and words[1] in crates:
            return words[1]
    return None
