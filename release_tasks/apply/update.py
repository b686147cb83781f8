"""``update``: write every version file of the workspace, exactly and atomically.

What to write comes from :mod:`release_tasks.apply.changeset` (the same change set the release
summary lists and the drift check reads). All new contents are computed in memory first
(each edit re-parses and checks that only version strings changed), then written through
temporary files and renames, all or none: a failure (a missing file, a parse error, a file
that cannot be written, Ctrl-C) leaves every file as it was, and so does a killed process,
once the next stage has rolled its journal back (:mod:`release_tasks.edit.journal`). A file
whose content would not change is not touched at all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_tasks.apply import changeset
from release_tasks.apply.sites import ChangeSet, FileChange, Targets, read_exact
from release_tasks.cargo import workspace
from release_tasks.edit import journal
from release_tasks.errors import ConfigError, UpdateError, UsageError
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.model.version import BindingVersion, CoreVersion, clean_version_text
from release_tasks.registries.crates_io import cargo_config

log = get_logger("update")

__all__ = ["FileChange", "apply_changes", "parse_inputs", "plan_changes", "run_update",
           "write_atomically"]


def parse_inputs(config: Config, core: str, bindings: Mapping[str, str]) -> tuple[
        CoreVersion, dict[str, BindingVersion]]:
    """Parse the command-line versions; a usage error names the bad value."""
    try:
        core_version = CoreVersion.parse(core, source="--core")
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    parsed: dict[str, BindingVersion] = {}
    for name, text in bindings.items():
        binding = config.binding(name)
        try:
            version = binding.parse_version(text, source=f"--{name}")
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        if binding.versioning == "two-tier" and version.core != core_version:
            raise UsageError(f"--{name} {text}: its core part {version.core} is not the --core "
                             f"value {core_version}")
        if binding.versioning == "lockstep" and version.core != core_version:
            raise UsageError(f"--{name} {text}: {name} is versioned in lockstep with the core, "
                             f"so it is the --core value {core_version}")
        parsed[name] = version
    return core_version, parsed


def current_core(root: Path, config: Config) -> CoreVersion:
    """The core version ``VERSION`` holds now (an UpdateError naming the file otherwise)."""
    path = config.core.version_file
    try:
        text = read_exact(root / path)
    except FileNotFoundError as exc:
        raise UpdateError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{path}: not UTF-8 text (byte {exc.start}): {exc.reason}") from exc
    except OSError as exc:
        raise UpdateError(f"{path}: cannot be read: {exc}") from exc
    try:
        return CoreVersion.parse(clean_version_text(text), source=path)
    except ValueError as exc:
        raise UpdateError(str(exc)) from exc


def change_set(root: Path, config: Config, core: CoreVersion,
               bindings: Mapping[str, BindingVersion], *,
               ws: workspace.Workspace | None = None, current: CoreVersion | None = None,
               tree: Sequence[str] | None = None,
               env: Mapping[str, str] | None = None) -> ChangeSet:
    """Every site of the tree for the versions given (nothing is written).

    ``ws`` (the cargo workspace) and ``tree`` (the tracked files) are read here unless the
    run has read them already; ``env`` is the environment cargo would run in (default:
    ours), where ``[core] cargo-registry`` must be a registry cargo knows.
    """
    ws = ws or workspace.load(root, config.core.workspace)
    problems = workspace.group_problems(ws, [(g.name, g.crates) for g in config.core.groups])
    registry = config.core.cargo_registry
    unknown = registry and cargo_config.unknown_registry(
        registry, root / config.core.workspace, os.environ if env is None else env)
    if unknown:
        # Every pin would name it, and cargo could not read the workspace any more.
        problems.append(f"[core] cargo-registry = {registry!r}: {unknown} (or remove "
                        "cargo-registry: crates.io)")
    if problems:
        raise ConfigError(problems, config.source)
    targets = Targets(core_current=current or current_core(root, config), core_next=core,
                      bindings=bindings)
    return changeset.plan(root, config, ws, targets,
                          changeset.tree_files(root) if tree is None else tree)


def plan_changes(root: Path, config: Config, core: CoreVersion,
                 bindings: Mapping[str, BindingVersion], *,
                 ws: workspace.Workspace | None = None,
                 tree: Sequence[str] | None = None,
                 env: Mapping[str, str] | None = None) -> list[FileChange]:
    """Every file the update touches, with old and new content (nothing is written).
    Any file that cannot be read or edited is an UpdateError naming every such file."""
    result = change_set(root, config, core, bindings, ws=ws, tree=tree, env=env)
    if result.problems:
        raise UpdateError("no file was changed:\n" + "\n".join(f"  - {p}" for p in result.problems))
    return list(result.changes)


def write_atomically(root: Path, changes: list[FileChange], *,
                     git_dir: Path | None = None) -> list[str]:
    """Write every changed file, or none; return the paths written.

    With ``git_dir`` (the repository's git directory) the update is journaled there, so
    that even a killed process leaves it all-or-none (see :mod:`release_tasks.edit.journal`).
    """
    todo = [c for c in changes if c.changed]
    problems = [f"{c.path}: not writable" for c in todo
                if not os.access(root / c.path, os.W_OK)
                or not os.access((root / c.path).parent, os.W_OK)]
    if problems:
        raise UpdateError("no file was changed:\n" + "\n".join(f"  - {p}" for p in problems))
    journal.replace_all(root, [(c.path, c.new.encode("utf-8")) for c in todo], git_dir)
    return [c.path for c in todo]


def apply_changes(root: Path, changes: list[FileChange], *, dry_run: bool,
                  git_dir: Path | None = None) -> list[FileChange]:
    """Log one line per file, then write the changed ones unless ``dry_run`` (journaled in
    ``git_dir``, see :func:`write_atomically`)."""
    for change in changes:
        if not change.changed:
            log.info("  %s: already current", change.path)
        elif dry_run:
            log.info("  %s: would change", change.path)
        else:
            log.info("  %s: updated", change.path)
    if not dry_run:
        write_atomically(root, changes, git_dir=git_dir)
    return changes


def run_update(root: Path, config: Config, core: CoreVersion,
               bindings: Mapping[str, BindingVersion], *, dry_run: bool,
               tree: Sequence[str] | None = None,
               git_dir: Path | None = None,
               env: Mapping[str, str] | None = None) -> list[FileChange]:
    """Compute every change; write them unless ``dry_run``. Logs one line per file.
    ``tree`` lists the tracked files, when the run has read them already; ``git_dir`` is
    where the writes are journaled (see :func:`write_atomically`)."""
    changes = plan_changes(root, config, core, bindings, tree=tree, env=env)
    return apply_changes(root, changes, dry_run=dry_run, git_dir=git_dir)
