"""What a cargo registry would refuse: read from the manifests before cargo runs
(:func:`metadata_problems`), then cargo's own verdict (:func:`package_all`).

crates.io refuses a crate without ``description`` or a license, a wildcard (``*``)
requirement, and a path or git dependency without a version; cargo refuses a registry that
``package.publish`` does not list. A dependency on a workspace crate that this release does
not publish (``publish = false``, or not in the config) could not be resolved either. Every
problem of every crate is collected, so that one run reports all of them.

Published to a registry other than crates.io, a dependency on another core crate resolves
there only if it says so (``registry = "NAME"``, which cargo turns into the index URL cargo
metadata reports) or if cargo fetches crates.io from that registry (source replacement);
otherwise the first crate is uploaded and the next one fails to resolve its dependencies
(:func:`registry_problems`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_tasks import cmd
from release_tasks.cargo.workspace import Crate, Dependency, Workspace
from release_tasks.errors import CommandError, PublishError
from release_tasks.log import get_logger
from release_tasks.registries.crates_io import cargo, cargo_config

log = get_logger("crate_checks")
_KIND_ORDER = {"normal": 0, "build": 1, "dev": 2}


def _package_problems(crate: Crate, registry: str) -> list[str]:
    problems = []
    if not (crate.description or "").strip():
        problems.append("no `description`: the registry requires one")
    if not (crate.license or crate.license_file):
        problems.append("no `license` or `license-file`: the registry requires one")
    if crate.registries and registry not in crate.registries:
        problems.append(f"`package.publish` lists {', '.join(crate.registries)}, "
                        f"not {registry}: cargo refuses to publish there")
    return problems


def _dependency_problems(dep: Dependency, unpublished: Mapping[str, str]) -> list[str]:
    where = f"[{dep.table}] {dep.key}"
    if dep.kind == "dev" and not dep.has_version and (dep.path or dep.git):
        return []  # cargo strips version-less path and git dev-dependencies when packaging
    if not dep.has_version and (dep.path or dep.git):
        kind = "path" if dep.path else "git"
        return [f"{where}: {kind} dependency without a version: the published crate could "
                'not resolve it; add version = "=X.Y.Z" (`nox -s update` writes the pins)']
    if dep.req.strip() == "*":
        return [f"{where}: wildcard (`*`) version requirement: crates.io refuses these; "
                "require a version"]
    if dep.name in unpublished:
        return [f"{where}: depends on {dep.name}, which is not published "
                f"({unpublished[dep.name]})"]
    return []


def metadata_problems(root: Path, ws: Workspace, crates: Sequence[str],
                      registry: str = cargo.NAME) -> list[str]:
    """Every reason the registry or cargo would refuse one of ``crates``, as messages
    ``crate (manifest): problem``; empty when all of them look publishable."""
    unpublished = {c.name: "publish = false" if not c.publish else "not in the release config"
                   for c in ws.members if c.name not in crates}
    problems: list[str] = []
    for name in crates:
        crate = ws.crate(name)
        found = _package_problems(crate, registry)
        # In the order a manifest lists its tables (cargo reports them by name).
        ordered = sorted(crate.dependencies, key=lambda d: (d.target is not None, d.target or "",
                                                           _KIND_ORDER[d.kind]))
        for dep in ordered:
            if dep.name != crate.name:
                found.extend(_dependency_problems(dep, unpublished))
        problems.extend(f"{name} ({crate.manifest}): {problem}" for problem in found)
    return problems


def registry_problems(ws: Workspace, crates: Sequence[str], registry: str | None,
                      index: str | None, crates_io_replaced: bool) -> list[str]:
    """Every dependency of one of ``crates`` on another that would not resolve on the
    registry they are published to (``registry``: a cargo registry name, None: crates.io,
    whose index is ``index``); ``crates_io_replaced``: cargo fetches crates.io from it."""
    problems = []
    for name in crates:
        crate = ws.crate(name)
        for dep in crate.dependencies:
            if dep.name not in crates or dep.name == name or (
                    dep.kind == "dev" and not dep.has_version):
                continue
            where = f"{name} ({crate.manifest}): [{dep.table}] {dep.key}"
            if registry is None and dep.registry is not None:
                problems.append(f"{where}: names registry {dep.registry}; crates.io refuses "
                                "dependencies on other registries")
            elif registry is not None and dep.registry is None and not crates_io_replaced:
                problems.append(f'{where}: has no registry = "{registry}", so once published '
                                f"it would be looked up on crates.io, not on {registry}")
            elif (registry is not None and dep.registry is not None and index is not None
                  and not cargo_config.same_index(dep.registry, index)):
                problems.append(f"{where}: names registry {dep.registry}, not {registry} "
                                f"({index})")
    return problems


def registry_fix(registry: str | None, version: str) -> str:
    """What to do about :func:`registry_problems`."""
    if registry is None:
        return ("Remove `registry` from those dependencies (and `cargo-registry` from [core] "
                "in release.toml), or publish to the registry they name (--registry NAME).")
    return (f'Set cargo-registry = "{registry}" in [core] of release.toml and run `nox -s '
            f'update -- --core {version}`: it writes registry = "{registry}" on every pin of a '
            f"core crate; commit. Or let cargo fetch crates.io from {registry}: "
            f'[source.crates-io] replace-with = "{registry}" in .cargo/config.toml.')


def package_all(workspace_dir: Path, crates: Sequence[str], version: str,
                env: Mapping[str, str], *, registry: str | None, offline: bool,
                verify: bool = True) -> dict[str, Path]:
    """``cargo package -p A -p B ...``: each crate verified against a local overlay of the
    others (``--workspace`` would also package ``publish = false`` members; ``verify=False``
    only writes the ``.crate`` files, the same bytes, quietly: their hashes are what counts).
    Returns the ``.crate`` file of each crate; a crate that fails is a PublishError with
    cargo's message.
    """
    argv = ["cargo", "package", *(a for crate in crates for a in ("-p", crate))]
    argv += ["--registry", registry] if registry else []
    argv += ["--offline"] if offline else []
    argv += [] if verify else ["--no-verify"]
    log.info("Packaging %d crate(s)%s...", len(crates), " against a local overlay of each "
             "other" if verify else ", to compare their bytes with the registry's")
    try:
        cmd.run(argv, cwd=workspace_dir, env=env, prefix="package ", capture=not verify,
                echo=verify)
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


def package_files(workspace_dir: Path, crates: Sequence[str], version: str,
                  env: Mapping[str, str], *, registry: str | None,
                  offline: bool) -> dict[str, Path]:
    """The ``.crate`` files of ``crates``, unverified: offline first (a tenth of a second),
    then, when that fails (a dependency not in cargo's cache), online."""
    if offline:
        try:
            return package_all(workspace_dir, crates, version, env, registry=registry,
                               offline=True, verify=False)
        except PublishError as exc:
            log.debug("offline packaging failed, packaging online: %s", exc)
    return package_all(workspace_dir, crates, version, env, registry=registry, offline=False,
                       verify=False)


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
