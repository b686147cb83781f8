"""The drift check: every version file agrees with ``VERSION`` and with its binding.

Reports every disagreement at once as ``file: key: found X, expected Y`` and raises
:class:`~release_tasks.errors.DriftError`. ``release`` and every publish stage run it first.
"""

from __future__ import annotations

import re
from pathlib import Path

from release_tasks import edit, formats, workspace
from release_tasks.config import Binding, Config, VersionFile
from release_tasks.errors import DriftError, UpdateError, VersionError
from release_tasks.log import get_logger
from release_tasks.version import BindingVersion, CoreVersion, clean_version_text

log = get_logger("consistency")


def _read(root: Path, rel: str, problems: list[str]) -> str | None:
    try:
        with (root / rel).open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        problems.append(f"{rel}: file not found")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{rel}: cannot be read: {exc}")
    return None


def _expect(problems: list[str], where: str, key: str, found: str | None, expected: str) -> None:
    if found != expected:
        problems.append(f"{where}: {key}: found {found or 'nothing'}, expected {expected}")


def check(root: Path, config: Config) -> CoreVersion:
    """Raise :class:`DriftError` listing every drift; return the core version when clean."""
    problems: list[str] = []
    text = _read(root, config.core.version_file, problems)
    if text is None:
        raise DriftError(problems)
    try:
        core = CoreVersion.parse(clean_version_text(text), source=config.core.version_file)
    except VersionError as exc:
        raise DriftError([str(exc)]) from exc
    core_text = str(core)
    try:
        ws = workspace.load(root, config.core.workspace)
    except UpdateError as exc:
        raise DriftError([str(exc)]) from exc
    published = set(config.core.crates)
    manifests: dict[str, str] = {}
    for rel in ws.manifests:
        content = _read(root, rel, problems)
        if content is not None:
            manifests[rel] = content
    inherited = edit.workspace_package_version(manifests.get(ws.root_manifest, ""))
    if inherited is not None:
        _expect(problems, ws.root_manifest, "workspace.package.version", inherited, core_text)
    for crate in ws.members:
        content = manifests.get(crate.manifest)
        if content is None:
            continue
        if crate.name in published or crate.manifest == ws.root_manifest:
            own = edit.cargo_package_version(content, source=crate.manifest)
            if own is not None:
                _expect(problems, crate.manifest, "package.version", own, core_text)
        for pin in edit.cargo_pins(content, published, source=crate.manifest):
            _expect(problems, crate.manifest, f"{pin.table}.{pin.key}.version", pin.version,
                    f"={core_text}")
    if not ws.members or ws.root_manifest not in {c.manifest for c in ws.members}:
        root_text = manifests.get(ws.root_manifest, "")
        for pin in edit.cargo_pins(root_text, published, source=ws.root_manifest):
            _expect(problems, ws.root_manifest, f"{pin.table}.{pin.key}.version", pin.version,
                    f"={core_text}")
    # Manifests that carry the core version: Cargo.lock must record it for their packages.
    core_manifests = {ws.root_manifest, *(c.manifest for c in ws.members if c.name in published),
                      *(spec.path for b in config.bindings for spec in b.version_files
                        if spec.format == "cargo" and spec.value == "core")}
    _check_cargo_lock(root, ws, manifests, inherited, core_manifests, core_text, problems)
    for binding in config.bindings:
        _check_binding(root, binding, core, problems)
        if binding.registry == "pypi":
            _warn_runtime_version(root, binding.directory)
    if problems:
        raise DriftError(problems)
    log.info("Version files agree: core %s", core_text)
    return core


def _check_cargo_lock(root: Path, ws: workspace.Workspace, manifests: dict[str, str],
                      inherited: str | None, core_manifests: set[str], core_text: str,
                      problems: list[str]) -> None:
    lock = "Cargo.lock" if ws.root_manifest == "Cargo.toml" else (
        ws.root_manifest.rsplit("/", 1)[0] + "/Cargo.lock")
    if not (root / lock).is_file():
        return
    text = _read(root, lock, problems)
    if text is None:
        return
    expected: dict[str, str] = {}
    for crate in ws.members:
        if crate.manifest in core_manifests:
            # What update writes, not what a drifted manifest says (reported on its own).
            expected[crate.name] = core_text
            continue
        content = manifests.get(crate.manifest, "")
        version = edit.cargo_package_version(content) or inherited
        if version:
            expected[crate.name] = version
    try:
        found = edit.cargo_lock_versions(text, expected, source=lock)
    except UpdateError as exc:
        problems.append(str(exc))
        return
    for name, version in expected.items():
        _expect(problems, lock, f"package {name}", found.get(name), version)


_VERSION_ASSIGNMENT = re.compile(r"^__version__\s*=\s*(.+)$", re.MULTILINE)
_SKIP_DIRS = {".venv", "venv", "target", "node_modules", "build", "dist", "__pycache__"}


def _warn_runtime_version(root: Path, directory: str) -> None:
    """Warn when a Python binding's ``__version__`` does not come from package metadata.

    The crate's ``env!("CARGO_PKG_VERSION")`` is the *core* version (0.1.8) while the wheel
    is 0.1.8.2: only ``importlib.metadata.version(...)`` reports the binding's own version.
    """
    for path in sorted((root / directory).rglob("*.py")):
        if _SKIP_DIRS & set(path.relative_to(root / directory).parts):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in _VERSION_ASSIGNMENT.finditer(text):
            value = match.group(1).strip()
            # metadata.version("name") (however imported) names the distribution.
            if "metadata" in value or re.search(r"version\(\s*['\"]", value):
                continue
            log.warning("warning: %s sets __version__ = %s; read it from package metadata "
                        "(importlib.metadata.version) so it is the binding's X.Y.Z.P, not the "
                        "core version the crate was built with (see VERSIONING.md)",
                        path.relative_to(root), value)


def _check_binding(root: Path, binding: Binding, core: CoreVersion, problems: list[str]) -> None:
    entries: list[tuple[VersionFile, str, str | None]] = []
    for spec in binding.version_files:
        text = _read(root, spec.path, problems)
        if text is None:
            continue
        key = spec.key or ("package.version" if spec.format == "cargo" else "version")
        try:
            value = formats.read(spec, text)
        except UpdateError as exc:
            problems.append(str(exc))
            continue
        if spec.value == "core":
            _expect(problems, spec.path, key, value, str(core))
        else:
            entries.append((spec, key, value))
    primary = next((value for spec, _, value in entries if spec.value == "binding"), None)
    if primary is None:
        return
    # Each lockfile records exactly what the primary file says, two-tier or not.
    for name, reader in (("package-lock.json", edit.package_lock_version),
                         ("uv.lock", edit.uv_lock_version),
                         ("bun.lock", edit.bun_lock_version)):
        lock = root / binding.directory / name
        if lock.is_file():
            rel = f"{binding.directory}/{name}"
            try:
                found = reader(lock.read_text(encoding="utf-8"), binding.package, source=rel)
            except (OSError, UnicodeDecodeError, UpdateError) as exc:
                problems.append(str(exc) if isinstance(exc, UpdateError) else f"{rel}: {exc}")
                continue
            if found is not None:
                _expect(problems, rel, binding.package, found, primary)
    try:
        version = BindingVersion.from_rendering(primary, binding.registry,
                                                binding.primary_file.path)
    except VersionError:
        spec, key, _ = next(e for e in entries if e[0].value == "binding")
        if binding.registry == "npm":
            # npm rejects anything but X.Y.Z, a four-part version included.
            problems.append(f"{spec.path}: {key}: found {primary}, expected an npm version "
                            "X.Y.(Z*1000+P), the npm rendering of X.Y.Z.P")
        elif not _is_core_version(primary):
            problems.append(f"{spec.path}: {key}: found {primary}, expected a binding version "
                            "X.Y.Z.P")
        # Else never released under the two-tier scheme: X.Y.Z is all that can be checked.
        return
    if version.core > core:
        problems.append(f"{binding.primary_file.path}: {binding.name} {version} is built on core "
                        f"{version.core}, newer than VERSION {core}")
    for spec, key, value in entries:
        expected = (version.render(binding.registry) if spec.value == "binding"
                    else str(version.core))
        _expect(problems, spec.path, key, value, expected)


def _is_core_version(text: str | None) -> bool:
    try:
        CoreVersion.parse(text or "")
    except VersionError:
        return False
    return True
