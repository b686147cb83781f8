"""The version rules: from what the repository says to the plan, with no I/O.

VERSIONING.md states the rules in prose; :func:`plan` is the same rules as one function of
:class:`Facts`, everything the repository says that they depend on, read beforehand
(:mod:`release_tasks.plan.versions`):

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
  component, in its registry's order (:mod:`release_tasks.plan.upward`); else a VersionError says
  what blocks it and the way out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from release_tasks.errors import UsageError, VersionError
from release_tasks.model.components import Binding, Config
from release_tasks.model.version import (
    BUMPS,
    PRE_LABELS,
    BindingVersion,
    CoreVersion,
    PreLabel,
    Prerelease,
    Scheme,
)
from release_tasks.plan import unreached, upward
from release_tasks.plan.carry import CORE, Pending
from release_tasks.plan.detect import Changes
from release_tasks.plan.release_plan import (
    BindingPlan,
    CoreOverride,
    CorePlan,
    RegistryVersion,
    ReleasePlan,
)
from release_tasks.registries import ordering


@dataclass(frozen=True, kw_only=True)
class Facts:
    """What the repository says, as the rules need it."""

    changes: Changes
    first: bool  # no release marked before the analysed commit
    core: CoreVersion  # what VERSION holds
    files: Mapping[str, str | None]  # each binding's primary version file (``None``: absent)
    tags: Mapping[str, str]  # every tag and the commit it names
    pending: Mapping[str, Pending] = field(default_factory=dict)  # carried forward
    skip: Collection[str] = ()  # bindings left out with --skip
    core_option: str | None = None  # --core X.Y.Z
    bump: str | None = None  # --bump minor|major
    pre: str | None = None  # --pre LABEL

    @property
    def released(self) -> ReleasePlan | None:
        """At a release commit, the plan its release tag carries."""
        return self.changes.release.plan if self.changes.release is not None else None

    @property
    def own_commit(self) -> str | None:
        """At a release commit, that commit: component tags on it are this release's own
        (CI creates them after each publish), so a re-run after a partial failure is not a
        reuse."""
        return self.changes.release.commit if self.changes.release is not None else None


def core_choice(current: CoreVersion, core: str | None, bump: str | None,
                released: ReleasePlan | None, pre: str | None = None) -> CoreOverride | None:
    """The core version asked for with ``--core``/``--bump``/``--pre``, or recorded by the
    release at HEAD; ``None`` when the usual rules apply."""
    recorded = released.core_override if released is not None else None
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
    if pre is not None:
        chosen = _prerelease(current, pre, core, chosen)
    if released is not None and chosen is not None:
        # CI publishes what the release planned; an option cannot change it afterwards.
        if recorded is None:
            raise UsageError(f"HEAD is a release made without --core or --bump; {chosen.option} "
                             "cannot change what it planned (drop the option)")
        if chosen.version != recorded.version:
            raise UsageError(f"HEAD is a release made with {recorded.option} (core "
                             f"{recorded.version}); {chosen.option} disagrees with it")
    return recorded or chosen


def _prerelease(current: CoreVersion, label: str, core: str | None,
                bumped: CoreOverride | None) -> CoreOverride:
    """``--pre LABEL``, alone or after ``--bump``: the next prerelease of that label."""
    if label not in PRE_LABELS:
        raise UsageError(f"--pre {label}: expected one of {', '.join(PRE_LABELS)}")
    if core is not None:
        raise UsageError(f"--pre {label} with --core {core}: give the prerelease in --core "
                         f"(e.g. --core {current.final.bump_patch()}-{label}.0), or drop --core")
    if bumped is not None:
        base = bumped.version
        return CoreOverride(CoreVersion(base.major, base.minor, base.patch,
                                        Prerelease(PRE_LABELS[PRE_LABELS.index(label)], 0)),
                            f"{bumped.option} --pre {label}")
    try:
        version = current.prerelease(PRE_LABELS[PRE_LABELS.index(label)])
    except VersionError as exc:
        raise UsageError(str(exc)) from exc
    return CoreOverride(version, f"--pre {label}")


def plan(config: Config, facts: Facts) -> ReleasePlan:
    """Every next version, and why (a :class:`VersionError` when one cannot go up)."""
    changes = facts.changes
    names = [b.name for b in config.bindings]
    for name in facts.skip:
        if name not in names:
            raise UsageError(f"--skip {name}: not a binding (bindings: {', '.join(names)}); "
                             "the core cannot be skipped, every binding is built on it")
    released = facts.released
    skip = set(facts.skip) | {b.name for b in (released.bindings if released else ())
                              if b.skipped is not None}
    chosen = core_choice(facts.core, facts.core_option, facts.bump, released, facts.pre)

    core_pending = facts.pending.get(CORE)
    moved = True  # the core goes past VERSION (not: VERSION released as it is)
    if facts.first:
        next_core, core_changed = facts.core, True
        core_reasons: tuple[str, ...] = ("first release",)
        moved = False
    else:
        core_changed = changes.core_changed
        next_core = facts.core.bump_patch() if core_changed else facts.core
        core_reasons = tuple(
            f"{g.label} changed ({len(changes.groups[g.name])} file(s))"
            for g in config.core.groups if changes.group_changed(g.name))
        lockstep = [b.name for b in config.bindings if b.versioning == "lockstep"
                    and changes.bindings.get(b.name) and b.name not in skip]
        if lockstep and not core_changed:
            # A lockstep binding's version is the core's: it moves only with the core.
            next_core, core_changed = facts.core.bump_patch(), True
            core_reasons += tuple(f"{name} changed (lockstep with the core)" for name in lockstep)
        if core_pending is not None:
            core_reasons += (core_pending.reason(),)
            moved = core_changed
            core_changed = True  # unchanged since: the same version, published this time
    if chosen is not None:
        next_core, core_changed, moved = chosen.version, True, True
        core_reasons += (chosen.reason,)
    core_tag_seen, _ = upward.tag_versions(config.core.tag_prefix, facts.tags, facts.own_commit,
                                           config.core.registry, two_tier=False)
    # Every core release, by its release tag too (v0.23.1), reachable or not.
    named = {s.where for s in core_tag_seen}
    core_tag_seen += [upward.Seen(text, f"tag {tag}") for tag, text in sorted(
        unreached.core_release_tags(config, facts.tags).items())
        if f"tag {tag}" not in named and facts.tags[tag] != facts.own_commit
        and ordering.is_version(config.core.registry, text)]
    core_known = upward.Known("core", config.core.registry, (
        upward.Seen(str(facts.core), config.core.version_file, is_file=True), *core_tag_seen))
    problems: list[str] = []
    if core_changed:
        found = upward.core_problem(core_known, next_core, moved=moved)
        if found:
            problems.append(found)

    core_blocked = bool(problems)
    releases: dict[str, upward.Release] = {}
    bindings: list[BindingPlan] = []
    blocked: list[str] = []
    # A core released as a prerelease by --pre (now, or as the release recorded it): an
    # independent binding goes to a prerelease of the same label, not to a final.
    pre = (chosen.version.pre.label if chosen is not None and chosen.version.pre is not None
           and "--pre" in chosen.option else None)
    for binding in config.bindings:
        entry, release = _binding(binding, config, facts, next_core, binding.name in skip,
                                  core_changed=core_changed, pre=pre)
        bindings.append(entry)
        if release is not None:
            releases[binding.name] = release
            found = release.problem_on(next_core)
            if found:
                problems.append(found)
                blocked.append(binding.name)
    if problems:
        raise VersionError(upward.way_out(problems, facts.core, core_known, releases, blocked,
                                          core_blocked=core_blocked))
    core_plan = CorePlan(current=facts.core, next=next_core, changed=core_changed,
                         reasons=core_reasons, crates=config.core.crates,
                         registry=config.core.registry, tag_prefix=config.core.tag_prefix,
                         cargo_registry=config.core.cargo_registry)
    result = ReleasePlan(base_ref=changes.base_ref, base_commit=changes.base_commit,
                         source_commit=changes.head_commit, first_release=facts.first,
                         core=core_plan, bindings=tuple(bindings), core_override=chosen)
    if changes.release is not None:
        reproduced(result, changes.release.plan, changes.release.tag, facts.tags)
    return result


def _binding(binding: Binding, config: Config, facts: Facts, next_core: CoreVersion,
             skip: bool, *, core_changed: bool, pre: PreLabel | None = None,
             ) -> tuple[BindingPlan, upward.Release | None]:
    """The binding's plan entry, and how its version is made when it is released."""
    changes, pending = facts.changes, facts.pending.get(binding.name)
    text = facts.files.get(binding.name)
    scheme = binding.versioning
    seen, levels = upward.tag_versions(binding.tag_prefix, facts.tags, facts.own_commit,
                                       binding.registry, two_tier=scheme == "two-tier",
                                       plain=scheme != "two-tier")
    current = None
    if text is not None:
        in_file, current = upward.file_version(text, binding.primary_file.path, binding.registry,
                                               scheme)
        seen.insert(0, in_file)
        if current is not None:
            levels.append(current)
    known = upward.Known(binding.name, binding.registry, tuple(seen), tuple(levels))
    files = changes.bindings.get(binding.name, ())
    propagating = [g for g in config.core.groups
                   if changes.group_changed(g.name) and binding.name in g.propagates_to]
    reasons: list[str] = []
    release: upward.Release | None = None
    own = _own_version(scheme, current, levels, facts.core, first=facts.first, pre=pre)
    if facts.first:
        release, reasons = upward.Release(known, "first", own, scheme), ["first release"]
    elif scheme == "lockstep" and (core_changed or files or (pending is not None
                                                              and pending.skipped)):
        release = upward.Release(known, "next", None, scheme)
        reasons = ["released with the core (lockstep)"]
        if files:
            reasons.append(f"{len(files)} binding file(s) changed")
    elif propagating:
        release = upward.Release(known, "next", own, scheme)
        reasons = [f"{g.label} changed" for g in propagating]
        if files:
            reasons.append(f"{len(files)} binding file(s) changed")
    elif files or (pending is not None and pending.skipped):
        release = upward.Release(known, "next", own, scheme)
        reasons = [f"{len(files)} binding file(s) changed"] if files else []
    elif pending is not None and current is not None and current == pending.version:
        # Planned, committed, never published, unchanged since: publish that same version.
        release = upward.Release(known, "carried", current, scheme)
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
        skipped, next_version, release = next_version, None, None
        reasons.append("left out with --skip")
    entry = BindingPlan(
        name=binding.name, env_key=binding.env_key, registry=binding.registry,
        package=binding.package, tag_prefix=binding.tag_prefix,
        current=RegistryVersion(text, binding.registry, scheme) if text is not None else None,
        next=next_version, reasons=tuple(reasons), files=files, skipped=skipped,
        versioning=scheme)
    return entry, release


def _own_version(scheme: Scheme, current: BindingVersion | None,
                 tagged: Sequence[BindingVersion], core: CoreVersion, *,
                 first: bool, pre: PreLabel | None = None) -> BindingVersion | None:
    """An ``independent`` binding's next version: a patch above the greatest it has been (its
    file and its tags), or with ``pre`` (the core released as a prerelease by ``--pre``) the
    next prerelease of that label (``0.49.7`` -> ``0.49.8-beta.0``, ``0.49.8-beta.0`` ->
    ``0.49.8-beta.1``); at a first release, what its file says. ``None`` for other schemes."""
    if scheme != "independent":
        return None
    if first:
        return current or BindingVersion.plain(core)
    known = [v for v in (current, *tagged) if v is not None]
    if not known:
        return BindingVersion.plain(core)
    if pre is not None:
        return BindingVersion.plain(max(known).core.prerelease(pre))
    return max(known).next_patch()


def reproduced(plan: ReleasePlan, released: ReleasePlan, tag: str,
               tags: Mapping[str, str]) -> None:
    """At a release commit, the plan must be the one that was tagged: CI publishes what the
    release committed. A tag made since (``ruby-v0.1.9.1`` on another commit) changes it.

    Not a change: a version the release carried forward as never published whose component
    tag exists (the release was made in a clone that had not fetched the tag CI pushed).
    That version is published; the plan here leaves it out, and its job has nothing to do."""
    differences = []
    if released.core.next != plan.core.next:
        differences.append(f"core {released.core.next} -> {plan.core.next}")
    planned = {b.name: b.next for b in released.bindings}
    for entry in plan.bindings:
        before = planned.get(entry.name)
        if entry.name not in planned or before == entry.next:
            continue
        if entry.next is None and f"{entry.tag_prefix}{before}" in tags:
            continue  # published already (its tag); nothing of it is left to publish
        differences.append(f"{entry.name} {before} -> {entry.next}")
    if differences:
        raise VersionError(
            f"HEAD is release {tag}, but the repository no longer gives the versions it "
            f"planned ({'; '.join(differences)}): a component tag was made or removed since. "
            "Publishing it would release versions its files do not hold: make a new release "
            "(`nox -s release`) instead")
