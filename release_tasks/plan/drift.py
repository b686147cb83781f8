"""The drift check: would a release change what it should not?

Drift is read from the same change set ``update`` writes (:mod:`release_tasks.apply.changeset`):
a version site whose old value is neither its component's current version nor its next
one, a file that cannot be read or edited, a binding whose files disagree. What a release
writes anyway (a missing pin where cargo needs one, a lockfile entry it refreshes) is part
of the plan, not drift. Every problem is reported at once as ``file: key: found X,
expected Y``, with the exact ``update`` command that brings the files in line.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from release_tasks.apply import formats, update
from release_tasks.apply.sites import ChangeSet, read_exact
from release_tasks.cargo import workspace
from release_tasks.errors import DriftError, ReleaseError, UpdateError, VersionError
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.model.version import BindingVersion, CoreVersion
from release_tasks.plan.release_plan import ReleasePlan
from release_tasks.registries import kind_of, ordering

log = get_logger("consistency")


def targets_of(plan: ReleasePlan | None, current: CoreVersion) -> tuple[
        CoreVersion, dict[str, BindingVersion]]:
    """The versions a plan writes; without a plan, or with one made for other files than
    these (uncommitted edits), the current core and no binding."""
    if plan is None or plan.core.current != current:
        return current, {}
    return plan.core.next, {b.name: b.next for b in plan.bindings if b.next is not None}


def check(root: Path, config: Config, plan: ReleasePlan | None = None, *,
          ws: workspace.Workspace | None = None, tree: Sequence[str] | None = None,
          env: Mapping[str, str] | None = None) -> CoreVersion:
    """Raise :class:`DriftError` listing every drift; return the current core version.

    With ``plan`` the sites are checked against the versions the plan writes (a file
    already at its next version is no drift); without, against the current versions.
    ``ws`` and ``tree`` are the workspace and the tracked files, when the run has them.
    """
    try:
        current = update.current_core(root, config)
    except (UpdateError, VersionError) as exc:
        raise DriftError([str(exc)], hint=_hint(root, config, None)) from exc
    # A manifest cargo cannot read is not drift, and VERSION has nothing to do with it: the
    # error is cargo's, naming the manifest.
    ws = ws or workspace.load(root, config.core.workspace)
    try:
        core, bindings = targets_of(plan, current)
        result = update.change_set(root, config, core, bindings, ws=ws, current=current,
                                   tree=tree, env=env)
    except (UpdateError, VersionError) as exc:
        raise DriftError([str(exc)], hint="Fix the file named above, then run "
                         "`nox -s versions -- --check` again.") from exc
    raise_on_drift(root, config, result, current)
    warn_sources(root, config)
    log.info("Version files agree: core %s", current)
    return current


def warn_sources(root: Path, config: Config, names: Collection[str] | None = None) -> None:
    """Log what the sources of the bindings (``names``: only those) do that a release will
    regret: a ``__version__`` not from metadata, maturin's Rust SBOM."""
    for binding in config.bindings:
        if names is None or binding.name in names:
            for warning in kind_of(binding.registry).source_warnings(root, binding):
                log.warning("%s", warning)


def raise_on_drift(root: Path, config: Config, result: ChangeSet, current: CoreVersion) -> None:
    """The :class:`DriftError` of a change set's problems and conflicts, if it has any."""
    problems = [*result.problems, *result.conflicts]
    if problems:
        raise DriftError(problems, hint=_hint(root, config, current))


def _crates_version(root: Path, config: Config) -> str | None:
    """The version most core crates hold, when cargo can tell and it is a core version."""
    try:
        ws = workspace.load(root, config.core.workspace)
    except ReleaseError:
        return None
    versions = [c.version for c in ws.members if c.name in config.core.crates]
    if not versions:
        return None
    found = max(set(versions), key=versions.count)
    try:
        return str(CoreVersion.parse(found))
    except VersionError:
        return None


def _hint(root: Path, config: Config, core: CoreVersion | None) -> str:
    """The exact command that writes the current versions into every file."""
    if core is None:
        found = _crates_version(root, config)
        value = (f": the core crates say {found}, so `echo {found} > {config.core.version_file}`"
                 if found else "")
        return (f"Fix {config.core.version_file} (it must hold the core version X.Y.Z or "
                f"X.Y.Z-LABEL.N){value}, then run `nox -s versions -- --check` again.")
    args = [f"--core {core}"]
    for binding in config.bindings:
        spec = binding.primary_file
        try:
            text = formats.read(spec, read_exact(root / spec.path))
            version = ordering.read_rendering(text or "", binding.registry, spec.path,
                                              binding.versioning)
        except (OSError, UnicodeDecodeError, UpdateError, VersionError):
            continue
        if binding.versioning == "lockstep":
            args.append(f"--{binding.name} {core}")
        elif binding.versioning == "independent" or version.core <= core:
            args.append(f"--{binding.name} {version}")
    return (f"To write the current versions into every file: "
            f"`nox -s update -- {' '.join(args)}` (check the binding versions first).")
