"""``versions``: the next version of every component, as a frozen :class:`ReleasePlan`.

The rules (VERSIONING.md says the same in prose):

* First release (no release tag and no component tag reachable, tags on the analysed commit
  itself not counted): the current ``VERSION`` is released as it is, every binding at
  ``VERSION.0``.
* Any core group changed: the core version is the patch bump of ``VERSION``. ``--core X.Y.Z``
  or ``--bump minor|major`` release the core at that version instead, changed or not; the
  release tag records the choice, so CI at the tag plans the same.
* A group that propagates to a binding changed, or the binding itself changed: its next
  version is built on the next core, with ``P`` one more than the highest ``P`` known on that
  core (version file and two-tier tags), else 0.
* A component the previous release planned but never published (no component tag), or
  left out with ``--skip``, is carried forward: unchanged since, it is released at the
  planned version; changed again, it follows the rules above.
* Otherwise unchanged. Every next version goes up past the version file and every tag of its
  component, in its registry's order (:mod:`release_tasks.upward`); else a VersionError says
  what blocks it and the way out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from release_tasks import carry, formats, git, upward
from release_tasks.config import Binding, Config
from release_tasks.detect import Changes, detect, marker_patterns
from release_tasks.errors import UsageError, VersionError
from release_tasks.plan import BindingPlan, CoreOverride, CorePlan, ReleasePlan
from release_tasks.tagplan import tag_plan
from release_tasks.version import BUMPS, BindingVersion, CoreVersion, clean_version_text


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


def core_choice(current: CoreVersion, core: str | None, bump: str | None,
                released: Mapping[str, Any] | None) -> CoreOverride | None:
    """The core version asked for with ``--core``/``--bump``, or recorded by the release at
    HEAD; ``None`` when the usual rules apply."""
    recorded = CoreOverride.from_dict((released or {}).get("core_override"))
    chosen: CoreOverride | None = None
    if core is not None:
        try:
            chosen = CoreOverride(CoreVersion.parse(core, source="--core"), f"--core {core}")
        except VersionError as exc:
            raise UsageError(str(exc)) from exc
    elif bump is not None:
        if bump not in BUMPS:
            raise UsageError(f"--bump {bump}: expected one of {', '.join(BUMPS)}")
        chosen = CoreOverride(current.bump("minor" if bump == "minor" else "major"),
                              f"--bump {bump}")
    if released is not None and chosen is not None:
        # CI publishes what the release planned; an option cannot change it afterwards.
        if recorded is None:
            raise UsageError(f"HEAD is a release made without --core or --bump; {chosen.option} "
                             "cannot change what it planned (drop the option)")
        if chosen.version != recorded.version:
            raise UsageError(f"HEAD is a release made with {recorded.option} (core "
                             f"{recorded.version}); {chosen.option} disagrees with it")
    return recorded or chosen


def compute_plan(repo_path: Path, config: Config, from_ref: str | None = None,
                 changes: Changes | None = None, skip: Collection[str] = (),
                 core: str | None = None, bump: str | None = None) -> ReleasePlan:
    """Detect changes (unless given) and compute every next version.

    ``skip`` names bindings left out of this release on purpose; they are recorded in the
    plan and carried forward. ``core``/``bump`` release the core at a chosen version. At a
    release commit the release's own skips and core choice apply.
    """
    changes = changes or detect(repo_path, config, from_ref)
    repo = git.open_repo(repo_path)
    for name in skip:
        if name not in {b.name for b in config.bindings}:
            raise UsageError(f"--skip {name}: not a binding (bindings: "
                             f"{', '.join(b.name for b in config.bindings)}); the core "
                             "cannot be skipped, every binding is built on it")
    released = tag_plan(repo, changes.release_tag) if changes.release_tag else None
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
    tags = git.list_tags(repo)
    current_core = read_core_version(repo, head, config)
    pending = {} if first else carry.pending(repo, config, changes.base_commit, own_commit, tags)
    chosen = core_choice(current_core, core, bump, released)

    core_pending = pending.get(carry.CORE)
    moved = True  # the core goes past VERSION (not: VERSION released as it is)
    if first:
        next_core, core_changed = current_core, True
        core_reasons: tuple[str, ...] = ("first release",)
        moved = False
    else:
        core_changed = changes.core_changed
        next_core = current_core.bump_patch() if core_changed else current_core
        core_reasons = tuple(
            f"{g.label} changed ({len(changes.groups[g.name])} file(s))"
            for g in config.core.groups if changes.group_changed(g.name))
        if core_pending is not None:
            core_reasons += (core_pending.reason(),)
            moved = core_changed
            core_changed = True  # unchanged since: the same version, published this time
    if chosen is not None:
        next_core, core_changed, moved = chosen.version, True, True
        core_reasons += (chosen.reason,)
    core_tag_seen, _ = upward.tag_versions(config.core.tag_prefix, tags, own_commit,
                                           config.core.registry, two_tier=False)
    core_known = upward.Known("core", config.core.registry, (
        upward.Seen(str(current_core), config.core.version_file, is_file=True), *core_tag_seen))
    problems: list[str] = []
    if core_changed:
        found = upward.core_problem(core_known, next_core, moved=moved)
        if found:
            problems.append(found)

    releases: dict[str, upward.Release] = {}
    bindings: list[BindingPlan] = []
    blocked: list[str] = []
    for binding in config.bindings:
        entry, release = _binding_plan(repo, binding, config, changes, head, next_core, first,
                                       tags, own_commit, pending.get(binding.name),
                                       binding.name in skip)
        bindings.append(entry)
        if release is not None:
            releases[binding.name] = release
            found = release.problem_on(next_core)
            if found:
                problems.append(found)
                blocked.append(binding.name)
    if problems:
        raise VersionError(upward.way_out(problems, current_core, core_known, releases, blocked))
    core_plan = CorePlan(current=current_core, next=next_core, changed=core_changed,
                         reasons=core_reasons, crates=config.core.crates,
                         registry=config.core.registry,
                         tag=f"{config.core.tag_prefix}{next_core}" if core_changed else None)
    plan = ReleasePlan(base_ref=changes.base_ref, base_commit=changes.base_commit,
                       source_commit=head, first_release=first, core=core_plan,
                       bindings=tuple(bindings),
                       core_override=chosen)
    if released is not None and changes.release_tag is not None:
        _check_reproduced(plan, released, changes.release_tag)
    return plan


def _binding_plan(repo: git.Repo, binding: Binding, config: Config, changes: Changes,
                  head: str, next_core: CoreVersion, first: bool, tags: Mapping[str, str],
                  own_commit: str | None, pending: carry.Pending | None,
                  skip: bool) -> tuple[BindingPlan, upward.Release | None]:
    """The binding's plan entry, and how its version is made when it is released."""
    current_text = read_binding_version(repo, head, binding)
    seen, levels = upward.tag_versions(binding.tag_prefix, tags, own_commit, binding.registry,
                                       two_tier=True)
    current = None
    if current_text is not None:
        in_file, current = upward.file_version(current_text, binding.primary_file.path,
                                               binding.registry)
        seen.insert(0, in_file)
        if current is not None:
            levels.append(current)
    known = upward.Known(binding.name, binding.registry, tuple(seen), tuple(levels))
    files = changes.bindings.get(binding.name, ())
    propagating = [g for g in config.core.groups
                   if changes.group_changed(g.name) and binding.name in g.propagates_to]
    reasons: list[str] = []
    release: upward.Release | None = None
    if first:
        release, reasons = upward.Release(known, "first"), ["first release"]
    elif propagating:
        release = upward.Release(known, "next")
        reasons = [f"{g.label} changed" for g in propagating]
        if files:
            reasons.append(f"{len(files)} binding file(s) changed")
    elif files or (pending is not None and pending.skipped):
        release = upward.Release(known, "next")
        reasons = [f"{len(files)} binding file(s) changed"] if files else []
    elif pending is not None and current is not None and str(current) == pending.version:
        # Planned, committed, never published, unchanged since: publish that same version.
        release = upward.Release(known, "carried", current)
    if pending is not None and release is not None:
        reasons.append(pending.reason())
    next_version: BindingVersion | None = None
    if release is not None:
        try:
            next_version = release.version_on(next_core)
        except VersionError:
            next_version = None  # past P = 999: reported with the other problems
    skipped = None
    if skip and release is not None:
        skipped = str(next_version) if next_version else None
        next_version, release = None, None
        reasons.append("left out with --skip")
    entry = BindingPlan(
        name=binding.name, env_key=binding.env_key, registry=binding.registry,
        package=binding.package, current=current_text, next=next_version,
        rendering=next_version.render(binding.registry) if next_version else None,
        reasons=tuple(reasons), files=files,
        tag=f"{binding.tag_prefix}{next_version}" if next_version else None, skipped=skipped)
    return entry, release


def _check_reproduced(plan: ReleasePlan, released: Mapping[str, Any], tag: str) -> None:
    """At a release commit, the plan must be the one that was tagged: CI publishes what the
    release committed. A tag made since (``ruby-v0.1.9.1`` on another commit) changes it."""
    found = plan.to_dict()
    differences = []
    if released.get("core", {}).get("next") != found["core"]["next"]:
        differences.append(f"core {released.get('core', {}).get('next')} -> "
                           f"{found['core']['next']}")
    planned = {b.get("name"): b.get("next") for b in released.get("bindings", [])}
    for entry in found["bindings"]:
        if entry["name"] in planned and planned[entry["name"]] != entry["next"]:
            differences.append(f"{entry['name']} {planned[entry['name']]} -> {entry['next']}")
    if differences:
        raise VersionError(
            f"HEAD is release {tag}, but the repository no longer gives the versions it "
            f"planned ({'; '.join(differences)}): a component tag was made or removed since. "
            "Publishing it would release versions its files do not hold: make a new release "
            "(`nox -s release`) instead")
