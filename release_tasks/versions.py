"""``versions``: the next version of every component, as a frozen :class:`ReleasePlan`.

The rules (VERSIONING.md says the same in prose):

* First release (no release tag or component tag reachable, tags on the analysed commit
  itself not counted): the current ``VERSION`` is released as it is, every binding at
  ``VERSION.0``.
* Any core group changed: the core version is the patch bump of ``VERSION``.
* A group that propagates to a binding changed: that binding is ``NEXT_CORE.0``.
* Otherwise a changed binding: ``P+1`` when its current version's core part is the core it
  will be built with (``NEXT_CORE``), else ``NEXT_CORE.0``. A three-part or missing version
  means it was never released under the two-tier scheme: ``NEXT_CORE.0``.
* A component the previous release planned but never published (no component tag), or
  left out with ``--skip``, is carried forward: unchanged since, it is released at the
  planned version; changed again, it follows the rules above.
* Otherwise unchanged. A next version is always greater than the current one and never one
  that already has its component tag.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from release_tasks import carry, formats, git
from release_tasks.config import Binding, Config
from release_tasks.detect import Changes, detect, marker_patterns
from release_tasks.errors import UsageError, VersionError
from release_tasks.plan import BindingPlan, CorePlan, ReleasePlan
from release_tasks.version import BindingVersion, CoreVersion, clean_version_text


def read_core_version(repo: git.Repo, commit: str | None, config: Config) -> CoreVersion:
    """The core version in ``VERSION`` at ``commit`` (work tree when ``None``)."""
    path = config.core.version_file
    text = git.read_file(repo, commit, path)
    if text is None:
        raise VersionError(f"{path}: file not found in {repo.root}; create it with the core "
                           "version, e.g. 0.1.0")
    return CoreVersion.parse(clean_version_text(text), source=path)


def read_binding_version(repo: git.Repo, commit: str | None, binding: Binding) -> str | None:
    """The version text in the binding's primary version file (``None`` if absent)."""
    spec = binding.primary_file
    text = git.read_file(repo, commit, spec.path)
    if text is None:
        return None
    return formats.read(spec, text)


def _parse_current(text: str | None, binding: Binding) -> BindingVersion | None:
    """The binding's two-tier version, or ``None`` when it was never released as one."""
    if text is None:
        return None
    try:
        return BindingVersion.from_rendering(text, binding.registry, binding.primary_file.path)
    except VersionError:
        if binding.registry != "npm":
            CoreVersion.parse(text, binding.primary_file.path)  # three-part is fine; junk is not
        return None


def compute_plan(repo_path: Path, config: Config, from_ref: str | None = None,
                 changes: Changes | None = None, skip: Collection[str] = ()) -> ReleasePlan:
    """Detect changes (unless given) and compute every next version.

    ``skip`` names bindings left out of this release on purpose; they are recorded in the
    plan and carried forward. At a release commit the release's own skips apply.
    """
    changes = changes or detect(repo_path, config, from_ref)
    repo = git.open_repo(repo_path)
    for name in skip:
        if name not in {b.name for b in config.bindings}:
            raise UsageError(f"--skip {name}: not a binding (bindings: "
                             f"{', '.join(b.name for b in config.bindings)}); the core "
                             "cannot be skipped, every binding is built on it")
    skip = set(skip) | carry.skipped_at_release(repo, config, changes.release_tag)
    head = changes.head_commit
    # A base that is itself a release (a carry-forward release on top of one) is never
    # the first release.
    first = git.nearest_tag(repo, head, marker_patterns(config)) is None and (
        changes.base_commit == git.EMPTY_TREE
        or not git.tags_at(repo, changes.base_commit, config.release_tag_patterns))
    # At a release commit, component tags on it are this release's own (CI creates them
    # after each publish); a re-run at the tag after a partial failure is not a reuse.
    own_commit = git.resolve(repo, "HEAD") if changes.release_tag else None
    current_core = read_core_version(repo, head, config)
    pending = {} if first else carry.pending(repo, config, changes.base_commit, own_commit)

    core_pending = pending.get(carry.CORE)
    if first:
        next_core, core_changed = current_core, True
        core_reasons: tuple[str, ...] = ("first release",)
    else:
        core_changed = changes.core_changed
        next_core = current_core.bump_patch() if core_changed else current_core
        core_reasons = tuple(
            f"{g.label} changed ({len(changes.groups[g.name])} file(s))"
            for g in config.core.groups if changes.group_changed(g.name))
        if core_pending is not None:
            core_reasons += (core_pending.reason(),)
            core_changed = True  # unchanged since: the same version, published this time
    core_tag = f"{config.core.tag_prefix}{next_core}" if core_changed else None
    if core_changed and not first and core_tag and _taken(repo, core_tag, own_commit):
        raise VersionError(f"core {next_core} was already released (tag {core_tag} exists); "
                           f"{config.core.version_file} says {current_core}: fix it first")
    core = CorePlan(current=current_core, next=next_core, changed=core_changed,
                    reasons=core_reasons, crates=config.core.crates,
                    registry=config.core.registry, tag=core_tag)
    bindings = tuple(
        _binding_plan(repo, config, binding, changes, head, next_core, first, own_commit,
                      pending.get(binding.name), binding.name in skip)
        for binding in config.bindings)
    return ReleasePlan(base_ref=changes.base_ref, base_commit=changes.base_commit,
                       source_commit=head, first_release=first, core=core, bindings=bindings)


def _binding_plan(repo: git.Repo, config: Config, binding: Binding, changes: Changes,
                  head: str, next_core: CoreVersion, first: bool, own_commit: str | None,
                  pending: carry.Pending | None, skip: bool) -> BindingPlan:
    current_text = read_binding_version(repo, head, binding)
    current = _parse_current(current_text, binding)
    files = changes.bindings.get(binding.name, ())
    propagating = [g for g in config.core.groups
                   if changes.group_changed(g.name) and binding.name in g.propagates_to]
    reasons: list[str] = []
    next_version: BindingVersion | None
    carried_same = False
    if first:
        next_version, reasons = next_core.binding(0), ["first release"]
    elif propagating:
        next_version = next_core.binding(0)
        reasons = [f"{g.label} changed" for g in propagating]
        if files:
            reasons.append(f"{len(files)} binding file(s) changed")
    elif files or (pending is not None and pending.skipped):
        reasons = [f"{len(files)} binding file(s) changed"] if files else []
        if current is not None and current.core == next_core:
            next_version = current.next_patch()
        else:
            next_version = next_core.binding(0)
    elif pending is not None and current is not None and str(current) == pending.version:
        # Planned, committed, never published, unchanged since: publish that same version.
        next_version, carried_same = current, True
    else:
        next_version = None
    if pending is not None and next_version is not None:
        reasons.append(pending.reason())
    tag = None
    if next_version is not None:
        if not carried_same:
            _check_forward(repo, binding, current, next_version, first, own_commit)
        tag = f"{binding.tag_prefix}{next_version}"
    skipped = None
    if skip and next_version is not None:
        skipped, next_version, tag = str(next_version), None, None
        reasons.append("left out with --skip")
    return BindingPlan(
        name=binding.name, env_key=binding.env_key, registry=binding.registry,
        package=binding.package, current=current_text, next=next_version,
        rendering=next_version.render(binding.registry) if next_version else None,
        reasons=tuple(reasons), files=files, tag=tag, skipped=skipped)


def _taken(repo: git.Repo, tag: str, own_commit: str | None) -> bool:
    """True when ``tag`` exists on a commit other than ``own_commit``."""
    commit = git.tag_commit(repo, tag)
    return commit is not None and commit != own_commit


def _check_forward(repo: git.Repo, binding: Binding, current: BindingVersion | None,
                   next_version: BindingVersion, first: bool, own_commit: str | None) -> None:
    if current is not None and not first and next_version <= current:
        raise VersionError(
            f"{binding.name}: next version {next_version} would not be greater than the current "
            f"{current} in {binding.primary_file.path}; a version never goes backwards")
    tag = f"{binding.tag_prefix}{next_version}"
    if _taken(repo, tag, own_commit):
        raise VersionError(
            f"{binding.name}: {next_version} was already released (tag {tag} exists); "
            "a version is never reused")
