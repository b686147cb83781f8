"""``update``: write every version file of the workspace, exactly and atomically.

All new contents are computed in memory first (each edit re-parses and checks that only
version strings changed), then written through temporary files and renames. If anything
fails before the renames (a missing file, a parse error, a file that cannot be written),
no file is changed. A file whose content would not change is not touched at all.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from release_tasks import edit, formats, workspace
from release_tasks.config import Config, VersionFile
from release_tasks.errors import UpdateError, UsageError
from release_tasks.log import get_logger
from release_tasks.version import BindingVersion, CoreVersion

log = get_logger("update")

Editor = Callable[[str], str]
_BINDING_LOCKFILES: tuple[tuple[str, Callable[..., str]], ...] = (
    ("package-lock.json", edit.set_package_lock_version),
    ("uv.lock", edit.set_uv_lock_version),
    ("bun.lock", edit.set_bun_lock_version),
)


@dataclass(frozen=True)
class FileChange:
    """One file's old and new content."""

    path: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.old.splitlines(keepends=True), self.new.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


class _Edits:
    """Edits queued per file, applied in order to the file's text in memory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.order: list[str] = []
        self.editors: dict[str, list[Editor]] = {}

    def add(self, path: str, editor: Editor) -> None:
        if path not in self.editors:
            self.order.append(path)
            self.editors[path] = []
        self.editors[path].append(editor)

    def compute(self) -> list[FileChange]:
        changes = []
        problems = []
        for path in self.order:
            file = self.root / path
            try:
                old = _read_exact(file)
            except FileNotFoundError:
                problems.append(f"{path}: file not found")
                continue
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{path}: cannot be read: {exc}")
                continue
            new = old
            try:
                for editor in self.editors[path]:
                    new = editor(new)
            except UpdateError as exc:
                problems.append(str(exc) if path in str(exc) else f"{path}: {exc}")
                continue
            changes.append(FileChange(path, old, new))
        if problems:
            raise UpdateError("no file was changed:\n" + "\n".join(f"  - {p}" for p in problems))
        return changes


def _read_exact(path: Path) -> str:
    # newline="" keeps CRLF exactly as it is on disk.
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def check_inputs(config: Config, core: str, bindings: Mapping[str, str]) -> tuple[
        CoreVersion, dict[str, BindingVersion]]:
    """Parse the command-line versions; a usage error names the bad value."""
    try:
        core_version = CoreVersion.parse(core, source="--core")
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    parsed: dict[str, BindingVersion] = {}
    for name, text in bindings.items():
        config.binding(name)
        try:
            version = BindingVersion.parse(text, source=f"--{name}")
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        if version.core != core_version:
            raise UsageError(f"--{name} {text}: its core part {version.core} is not the --core "
                             f"value {core_version}")
        parsed[name] = version
    return core_version, parsed


def plan_changes(root: Path, config: Config, core: CoreVersion,
                 bindings: Mapping[str, BindingVersion]) -> list[FileChange]:
    """Every file the update touches, with old and new content (nothing is written)."""
    edits = _Edits(root)
    core_text = str(core)
    ws = workspace.load(root, config.core.workspace)
    published = set(config.core.crates)
    for crate in config.core.crates:
        ws.crate(crate)  # a config crate missing from the workspace is an error

    edits.add(config.core.version_file, lambda t: edit.version_file_text(t, core_text))
    member_manifest = {c.manifest: c for c in ws.members}
    for manifest in ws.manifests:
        member = member_manifest.get(manifest)
        if manifest == ws.root_manifest or (member is not None and member.name in published):
            edits.add(manifest, _package_version_editor(manifest, core_text,
                                                        root=manifest == ws.root_manifest))
        edits.add(manifest, _pins_editor(manifest, published, core_text))

    for binding in config.bindings:
        version = bindings.get(binding.name)
        for spec in binding.version_files:
            if spec.value == "core":
                value = core_text
            elif version is None:
                continue
            elif spec.value == "binding":
                value = version.render(binding.registry)
            else:
                value = str(version.core)
            edits.add(spec.path, _spec_editor(spec, value))
        if version is not None:
            rendering = version.render(binding.registry)
            for name, setter in _BINDING_LOCKFILES:
                lockfile = f"{binding.directory}/{name}"
                if (root / lockfile).is_file():
                    edits.add(lockfile, _lock_editor(setter, binding.package, rendering, lockfile))

    changes = edits.compute()
    lock_change = _cargo_lock_change(root, ws, changes)
    return changes + ([lock_change] if lock_change else [])


def _package_version_editor(path: str, version: str, *, root: bool) -> Editor:
    def apply(text: str) -> str:
        text = edit.set_cargo_package_version(text, version, source=path)
        if root and edit.workspace_package_version(text, source=path) is not None:
            text = edit.set_workspace_package_version(text, version, source=path)
        return text
    return apply


def _pins_editor(path: str, crates: set[str], version: str) -> Editor:
    return lambda text: edit.set_cargo_pins(text, crates, version, source=path)


def _spec_editor(spec: VersionFile, value: str) -> Editor:
    return lambda text: formats.write(spec, text, value)


def _lock_editor(setter: Callable[..., str], package: str, version: str, path: str) -> Editor:
    return lambda text: setter(text, package, version, source=path)


def _cargo_lock_change(root: Path, ws: workspace.Workspace,
                       changes: list[FileChange]) -> FileChange | None:
    """Cargo.lock entries of workspace members, at the versions their new manifests carry."""
    lock_path = "Cargo.lock" if ws.root_manifest == "Cargo.toml" else (
        ws.root_manifest.rsplit("/", 1)[0] + "/Cargo.lock")
    if not (root / lock_path).is_file():
        return None
    new_text = {c.path: c.new for c in changes}
    root_text = new_text.get(ws.root_manifest) or _read_exact(root / ws.root_manifest)
    inherited = edit.workspace_package_version(root_text, source=ws.root_manifest)
    versions: dict[str, str] = {}
    for crate in ws.members:
        text = new_text.get(crate.manifest) or _read_exact(root / crate.manifest)
        version = edit.cargo_package_version(text, source=crate.manifest) or inherited
        if version:
            versions[crate.name] = version
    old = _read_exact(root / lock_path)
    try:
        new = edit.set_cargo_lock_versions(old, versions, source=lock_path)
    except UpdateError as exc:
        raise UpdateError(f"no file was changed:\n  - {exc}") from exc
    return FileChange(lock_path, old, new)


def write_atomically(root: Path, changes: list[FileChange]) -> list[str]:
    """Write every changed file, or none; return the paths written."""
    todo = [c for c in changes if c.changed]
    problems = [f"{c.path}: not writable" for c in todo
                if not os.access(root / c.path, os.W_OK)
                or not os.access((root / c.path).parent, os.W_OK)]
    if problems:
        raise UpdateError("no file was changed:\n" + "\n".join(f"  - {p}" for p in problems))
    temps: list[tuple[FileChange, Path]] = []
    try:
        for change in todo:
            target = root / change.path
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            temps.append((change, Path(tmp_name)))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(change.new)
            Path(tmp_name).chmod(target.stat().st_mode & 0o7777)
    except OSError as exc:
        for _, leftover in temps:
            leftover.unlink(missing_ok=True)
        raise UpdateError(f"no file was changed: cannot write a temporary file: {exc}") from exc
    done: list[FileChange] = []
    try:
        for change, staged in temps:
            staged.replace(root / change.path)
            done.append(change)
    except OSError as exc:
        for change in done:  # put back what was already replaced
            (root / change.path).write_text(change.old, encoding="utf-8", newline="")
        for _, leftover in temps:
            leftover.unlink(missing_ok=True)
        raise UpdateError(f"no file was changed: renaming failed: {exc}") from exc
    return [c.path for c in todo]


def apply_changes(root: Path, changes: list[FileChange], *, dry_run: bool) -> list[FileChange]:
    """Log one line per file, then write the changed ones unless ``dry_run``."""
    for change in changes:
        if not change.changed:
            log.info("  %s: already current", change.path)
        elif dry_run:
            log.info("  %s: would change", change.path)
        else:
            log.info("  %s: updated", change.path)
    if not dry_run:
        write_atomically(root, changes)
    return changes


def run_update(root: Path, config: Config, core: CoreVersion,
               bindings: Mapping[str, BindingVersion], *, dry_run: bool) -> list[FileChange]:
    """Compute every change; write them unless ``dry_run``. Logs one line per file."""
    return apply_changes(root, plan_changes(root, config, core, bindings), dry_run=dry_run)
