"""Versions only go up: what each component has already been, and the next version above it.

A component has been every version its version file holds and every version one of its tags
names, in any scheme: ``ruby-v0.1.10`` (three parts, from before the two-tier scheme),
``ruby-v0.1.3.0``, ``core-v0.2.0``. A next version must be greater than all of them in its
registry's own order (:mod:`release_tasks.registries.ordering`); the version file may only be equalled
by a first release or a carried-forward version, which release what the file already says.

A binding's patch level ``P`` is one more than the highest ``P`` known on the same core (the
version file and the two-tier tags with that core part), ``0`` on a new core. When that cannot
give a greater version, the plan stops, naming the blocking version, where it was seen, and
the way out: a concrete ``--core X.Y.Z``, ``--bump minor``, ``--skip BINDING``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from release_tasks.errors import VersionError
from release_tasks.log import get_logger
from release_tasks.model.version import BUMPS, BindingVersion, CoreVersion, Registry, Scheme
from release_tasks.registries import ordering

log = get_logger("versions")

#: How a binding's next version is made: ``first`` release (``CORE.0``), ``next`` (the P
#: rule on the core it is built with), or ``carried`` forward unchanged from an earlier plan.
Kind = Literal["first", "next", "carried"]
_LEADING = r"(\d+)(?:\.(\d+))?(?:\.(\d+))?"


def _label(registry: Registry) -> str:
    """The registry's name in messages (only a plan that stops needs one: the registries'
    clients are not loaded otherwise)."""
    from release_tasks.registries import REGISTRY_LABELS

    return REGISTRY_LABELS[registry]


@dataclass(frozen=True)
class Seen:
    """One version a component has been, spelled as its registry spells it."""

    text: str
    where: str  # "tag ruby-v0.1.10", or the path of the version file
    is_file: bool = False


@dataclass(frozen=True)
class Known:
    """Every version the repository says a component has been."""

    name: str  # "core" or the binding's name
    registry: Registry
    seen: tuple[Seen, ...]
    two_tier: tuple[BindingVersion, ...] = ()

    def patch_level(self, core: CoreVersion) -> int:
        """One more than the highest ``P`` known on ``core``; 0 when none is. A three-part
        version its registry takes for ``core.0`` (RubyGems and PyPI: ``0.1.8 == 0.1.8.0``)
        counts as ``P`` = 0 there, so a binding-only fix after it is ``core.1``."""
        levels = [v.patch_level for v in self.two_tier
                  if v.core == core and v.patch_level is not None]
        zero = ordering.render(core.binding(0), self.registry)
        if any(s.text != zero and ordering.equal(self.registry, zero, s.text) for s in self.seen):
            levels.append(0)
        return max(levels) + 1 if levels else 0

    def blocker(self, rendering: str, *, file_may_equal: bool) -> Seen | None:
        """The greatest seen version that ``rendering`` is not above (``None``: it goes up)."""
        worst: Seen | None = None
        for seen in self.seen:
            order = ordering.compare(self.registry, rendering, seen.text)
            if order > 0 or (order == 0 and seen.is_file and file_may_equal):
                continue
            rank = 1 if worst is None else ordering.compare(self.registry, seen.text, worst.text)
            # Of equal ones, a tag says more than the file ("already released").
            if rank > 0 or (rank == 0 and worst is not None and worst.is_file and not seen.is_file):
                worst = seen
        return worst

    def problem(self, version: str, rendering: str, *, file_may_equal: bool) -> str | None:
        """Why ``version`` (spelled ``rendering`` on the registry) does not go up, if it does not."""
        seen = self.blocker(rendering, file_may_equal=file_may_equal)
        if seen is None:
            return None
        label = _label(self.registry)
        shown = version if rendering == version else f"{version} ({label} {rendering})"
        if seen.text == rendering:
            if seen.is_file:
                return f"{self.name} {shown} is already the version in {seen.where}"
            return f"{self.name} {shown} was already released ({seen.where})"
        if ordering.equal(self.registry, rendering, seen.text):
            return (f"{self.name} {shown} equals {seen.text} on {label} ({seen.where}): {label} "
                    "would refuse it as already published")
        return (f"{self.name} {shown} would go backwards: {label} orders it below {seen.text} "
                f"({seen.where})")


def tag_versions(prefix: str, tags: Mapping[str, str], own_commit: str | None,
                 registry: Registry, two_tier: bool, *,
                 plain: bool = False) -> tuple[list[Seen], list[BindingVersion]]:
    """The versions named by tags with ``prefix``, spelled for ``registry``.

    A four-part tag of a binding is a two-tier version, compared as its rendering; with
    ``plain`` (a lockstep or independent binding) a three-part one (``0.38.0-beta.4``) is
    compared as its rendering too; any other tag is compared as written. Tags on
    ``own_commit`` (the release commit CI is publishing) are that release's own.
    Unparsable tags are ignored.
    """
    seen: list[Seen] = []
    levels: list[BindingVersion] = []
    for tag, commit in sorted(tags.items()):
        if not tag.startswith(prefix) or commit == own_commit:
            continue
        text = tag[len(prefix):]
        version = _two_tier(text) if two_tier else None
        if version is None and plain:
            version = _plain(text)
        spelled = ordering.render(version, registry) if version is not None else text
        if not ordering.is_version(registry, spelled):
            log.debug("tag %s: %r is not a %s version; ignored", tag, text, registry)
            continue
        seen.append(Seen(spelled, f"tag {tag}"))
        if version is not None and (two_tier or plain):
            levels.append(version)
    return seen, levels


def _two_tier(text: str) -> BindingVersion | None:
    try:
        return BindingVersion.parse(text)
    except VersionError:
        return None


def _plain(text: str) -> BindingVersion | None:
    try:
        return BindingVersion.plain(CoreVersion.parse(text))
    except VersionError:
        return None


def file_version(text: str, path: str, registry: Registry,
                 scheme: Scheme = "two-tier") -> tuple[Seen, BindingVersion | None]:
    """A binding's version file: what it says, and its reading in the binding's scheme
    (two-tier ``X.Y.Z.P``, or plain ``X.Y.Z``) when it has one."""
    if not ordering.is_version(registry, text):
        raise VersionError(f"{path}: {text!r} is not a {_label(registry)} version")
    try:
        version = ordering.read_rendering(text, registry, path, scheme)
    except VersionError:
        version = None  # three parts, from before the two-tier scheme
    return Seen(text, path, is_file=True), version


@dataclass(frozen=True)
class Release:
    """A binding that the plan releases, and how its version is made."""

    known: Known
    kind: Kind
    #: A carried-forward version; for an ``independent`` binding, its own next version.
    carried: BindingVersion | None = None
    scheme: Scheme = "two-tier"

    def version_on(self, core: CoreVersion) -> BindingVersion:
        """Its next version when the core is ``core`` (a VersionError past ``P`` = 999)."""
        if self.kind == "carried" and self.carried is not None:
            return self.carried
        if self.scheme == "lockstep":
            return BindingVersion.plain(core)
        if self.scheme == "independent" and self.carried is not None:
            return self.carried
        if self.kind == "first":
            return core.binding(0)
        return core.binding(self.known.patch_level(core))

    def problem_on(self, core: CoreVersion) -> str | None:
        try:
            version = self.version_on(core)
            rendering = ordering.render(version, self.known.registry)
        except VersionError as exc:
            return f"{self.known.name}: {exc}"
        return self.known.problem(str(version), rendering,
                                  file_may_equal=self.kind in ("first", "carried"))


def core_problem(core_known: Known, core: CoreVersion, *, moved: bool) -> str | None:
    """Why core ``core`` does not go up (``moved``: it must pass VERSION, not only equal it)."""
    return core_known.problem(str(core), str(core), file_may_equal=not moved)


def works(core: CoreVersion, core_known: Known, releases: Iterable[Release]) -> bool:
    """Whether releasing the core at ``core`` (moved past VERSION) blocks nothing."""
    return core_problem(core_known, core, moved=True) is None and all(
        r.problem_on(core) is None for r in releases if r.kind != "carried")


def lowest_working_core(current: CoreVersion, core_known: Known,
                        releases: Sequence[Release]) -> CoreVersion | None:
    """The lowest core above ``current`` that blocks nothing, among the versions worth trying.

    Versions only go up past something seen, so the answer is next to a seen version: its
    own core part (a higher ``P`` on it), the patch, minor or major after it. Renderings are
    read back to their core part first (npm's ``0.1.8002`` is core ``0.1.8``).
    """
    texts = [s.text for s in core_known.seen]
    for release in releases:
        texts += [s.text for s in release.known.seen]
        texts += [str(v.core) for v in _read_back(release.known.registry, release.known.seen)]
    found = {current.bump_patch(), *(current.bump(b) for b in BUMPS)}
    for text in texts:
        match = re.match(_LEADING, text)
        if match:
            a, b, c = (int(g) if g else 0 for g in match.groups())
            found |= {CoreVersion(a, b, c), CoreVersion(a, b, c + 1), CoreVersion(a, b + 1, 0),
                      CoreVersion(a + 1, 0, 0)}
    for candidate in sorted(v for v in found if v > current):
        if works(candidate, core_known, releases):
            return candidate
    return None


def _read_back(registry: Registry, seen: Iterable[Seen]) -> list[BindingVersion]:
    """The two-tier versions that seen renderings spell (a registry whose rendering is not
    ``X.Y.Z.P`` itself, npm's ``0.1.8002``, does not start with the core part)."""
    found = []
    for item in seen:
        try:
            found.append(ordering.read_rendering(item.text, registry))
        except VersionError:
            continue
    return found


def way_out(problems: Sequence[str], current: CoreVersion, core_known: Known,
            releases: Mapping[str, Release], blocked: Sequence[str], *,
            core_blocked: bool = False) -> str:
    """The error text: every problem, then each way out that really unblocks the plan.

    ``blocked`` names the bindings among the problems (``--skip`` can leave them out, unless
    the core itself is blocked too: ``core_blocked``, which no ``--skip`` unblocks).
    """
    lines = ["versions only go up, in each registry's own order, and this plan would not:"]
    lines += [f"  - {p}" for p in problems]
    options: list[tuple[str, CoreVersion | None]] = []
    lowest = lowest_working_core(current, core_known, list(releases.values()))
    if lowest is not None:
        options.append((f"--core {lowest}", lowest))
    for part in BUMPS:
        bumped = current.bump(part)
        if works(bumped, core_known, releases.values()):
            if bumped != lowest:
                options.append((f"--bump {part}", bumped))
            break
    options += [] if core_blocked else [(f"--skip {name}", None) for name in blocked]
    if not options:
        lines.append("No --core or --bump unblocks it: fix the version file or the tag named above.")
        return "\n".join(lines)
    lines.append("Ways out (`versions` takes --core and --bump too, to show the plan first):")
    width = max(len(option) for option, _ in options)
    for option, core in options:
        if core is None:
            outcome = f"{option.split()[-1]} stays out of this release; it is carried forward"
        else:
            outcome = ", ".join([f"core {core}"] + [
                f"{name} {releases[name].version_on(core)}" for name in blocked
                if name in releases and releases[name].kind != "carried"])
        # A shell comment: each line can be pasted as it is.
        lines.append(f"  nox -s release -- {option:<{width}}  # {outcome}")
    return "\n".join(lines)
