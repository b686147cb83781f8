"""``history``: what was published when, from which commit, read from the annotated tags.

Two kinds of tags tell the story. A release tag (``release-YYYYMMDD-HHMM``) carries the plan
of its release: which component was to be published at which version. A component tag
(``core-vX.Y.Z``, ``ruby-vX.Y.Z.P``, ...) is created by CI after that component's publish
succeeded. A planned component whose tag does not exist was not (yet) published: its
publish failed, is still running, or its tag was not fetched here.

Only local tags are read: CI creates the component tags on the remote, so run
``git fetch --tags`` first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from release_tasks.git.tags import Tag, matches, read_tags
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.plan import tagplan
from release_tasks.plan.release_plan import ReleasePlan
from release_tasks.project import Project

log = get_logger("history")

_VERSION = re.compile(r"^[0-9]+(?:\.[0-9]+)*$")

__all__ = ["Component", "History", "Planned", "Publication", "Release", "Tag", "Unpublished",
           "assemble", "build", "read_tags", "version_key"]


@dataclass(frozen=True, kw_only=True)
class Publication:
    """A component tag: ``component`` was published at ``version`` from ``commit``."""

    component: str
    version: str
    tag: str
    commit: str
    date: datetime
    release_tag: str | None
    #: The declared platforms its registry holds files for (``history --registries``, for a
    #: binding that declares platforms), else None; and those it lacks.
    platforms: tuple[str, ...] | None = None
    missing_platforms: tuple[str, ...] = ()
    #: ``history --registries``, newest version of each component: the files its registry
    #: shows an attestation (provenance) for; ``None`` when not asked or it cannot say.
    attested: tuple[str, ...] | None = None
    files: tuple[str, ...] | None = None  # the files its registry holds, when asked


@dataclass(frozen=True, kw_only=True)
class Planned:
    """One component a release's plan lists, and what became of it."""

    component: str
    version: str
    tag: str
    published: Publication | None
    problem: str | None = None
    carried_to: str | None = None  # a later release that planned the same version again
    #: The files its registry holds of it when asked (``history --registries``), else None.
    files: tuple[str, ...] | None = None
    #: Of those, the files the registry shows an attestation for.
    attested: tuple[str, ...] | None = None

    @property
    def state(self) -> str:
        """complete (tagged: every file was read back first), partial (files on the registry,
        no tag), planned (no tag, and nothing on the registry or not asked)."""
        if self.published is not None:
            return "complete"
        return "partial" if self.files else "planned"


@dataclass(frozen=True, kw_only=True)
class Release:
    """A release tag with the plan it carries (``plan`` is ``None`` for a tag without one)."""

    tag: str
    commit: str
    date: datetime
    plan: ReleasePlan | None
    components: tuple[Planned, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (component, version) left out with --skip
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Component:
    """A component of the config and every version of it that was published."""

    name: str
    registry: str
    packages: tuple[str, ...]
    tag_prefix: str
    publications: tuple[Publication, ...]  # newest version first


@dataclass(frozen=True, kw_only=True)
class Unpublished:
    """A planned version without its component tag; ``superseded_by`` a later publication."""

    component: str
    version: str
    tag: str
    release_tag: str
    release_date: datetime
    superseded_by: str | None
    files: tuple[str, ...] | None = None  # as :attr:`Planned.files`
    attested: tuple[str, ...] | None = None  # as :attr:`Planned.attested`

    @property
    def state(self) -> str:
        return "partial" if self.files else "planned"


@dataclass(frozen=True, kw_only=True)
class History:
    """Every release (newest first) and every component's publications."""

    root: Path
    releases: tuple[Release, ...]
    components: tuple[Component, ...]
    unpublished: tuple[Unpublished, ...] = field(default=())


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of a dotted version (``0.1.10`` after ``0.1.9``)."""
    return tuple(int(part) for part in version.split("."))


def build(project: Project) -> History:
    """The history of the project's repository, from its local tags."""
    repo = project.repo
    if repo.shallow:
        log.warning("warning: %s is a shallow clone; tags may be missing "
                    "(git fetch --unshallow --tags)", repo.root)
    # Tags made in the same second (CI, scripts) are ordered by their commits' topology.
    listed = repo.git.git("rev-list", "--topo-order", "--tags", check=False)
    topo = listed.stdout.split() if listed.returncode == 0 else []
    return assemble(repo.root, project.config, list(repo.tags.values()),
                    {commit: -index for index, commit in enumerate(topo)})


def assemble(root: Path, config: Config, tags: Sequence[Tag],
             depth: Mapping[str, int] | None = None) -> History:
    """Classify ``tags`` into releases and publications and link them.

    ``depth`` ranks commits (greater is newer) for tags with the same date.
    """
    depth = depth or {}
    prefixes = {config.core.tag_prefix: "core", **{b.tag_prefix: b.name for b in config.bindings}}
    by_name = {t.name: t for t in tags}
    component_tags: dict[str, tuple[str, str]] = {}  # tag -> (component, version)
    release_tags: list[Tag] = []
    for tag in tags:
        parsed = _component_of(tag.name, prefixes)
        if parsed:
            component_tags[tag.name] = parsed
        elif matches(tag.name, config.release_tag_patterns):
            release_tags.append(tag)

    releases = sorted((_release(t) for t in release_tags),
                      key=lambda r: (r.date, depth.get(r.commit, 0), r.tag), reverse=True)
    rank = {r.tag: index for index, r in enumerate(releases)}  # 0 is the newest
    # A plan may name a component the config no longer has: its tags still count.
    for r in releases:
        for p in r.components:
            if p.tag in by_name:
                component_tags.setdefault(p.tag, (p.component, p.version))
    # Which releases planned each component tag, newest first. An unpublished version is
    # carried forward: the next release plans it again, and CI tags that release's commit.
    planners: dict[str, list[Release]] = {}
    for r in releases:
        for p in r.components:
            planners.setdefault(p.tag, []).append(r)
    on_commit: dict[str, str] = {}
    for r in reversed(releases):  # oldest first: a commit's first release tag owns it
        on_commit.setdefault(r.commit, r.tag)

    def owner(tag: Tag) -> str | None:
        planned = planners.get(tag.name, [])
        here = [r.tag for r in planned if r.commit == tag.commit]
        if here:
            return here[0]
        return planned[0].tag if planned else on_commit.get(tag.commit)

    publications = [
        Publication(component=component, version=version, tag=name, commit=by_name[name].commit,
                    date=by_name[name].date, release_tag=owner(by_name[name]))
        for name, (component, version) in component_tags.items()]
    by_tag = {p.tag: p for p in publications}
    releases = [_link(r, by_tag, planners, rank) for r in releases]
    return History(root=root, releases=tuple(releases),
                   components=tuple(_components(config, publications)),
                   unpublished=tuple(_unpublished(releases, publications)))


def _component_of(name: str, prefixes: dict[str, str]) -> tuple[str, str] | None:
    """``(component, version)`` of a component tag (longest matching prefix), or ``None``."""
    for prefix in sorted(prefixes, key=len, reverse=True):
        if name.startswith(prefix) and _VERSION.fullmatch(name[len(prefix):]):
            return prefixes[prefix], name[len(prefix):]
    return None


def _release(tag: Tag) -> Release:
    """A release tag and what its plan lists (publications are linked later)."""
    problems: list[str] = []
    try:
        found = tagplan.parse(tag.name, tag.commit, tag.message) if tag.message else None
    except tagplan.UnreadablePlan as exc:
        found = None
        problems.append(str(exc))
    if found is not None and found.release_commit not in (None, tag.commit):
        problems.append(f"its plan names release commit {(found.release_commit or '')[:12]}, "
                        f"but the tag is on {tag.commit[:12]}")
    plan = found.plan if found is not None else None
    planned: list[Planned] = []
    skipped: tuple[tuple[str, str], ...] = ()
    if plan is not None:
        wanted = [("core", str(plan.core.next), plan.core.tag)] if plan.core.changed else []
        wanted += [(b.name, str(b.next), b.tag) for b in plan.bindings if b.next]
        planned = [Planned(component=component, version=version, tag=tag_name or "",
                           published=None) for component, version, tag_name in wanted]
        skipped = tuple((b.name, str(b.skipped)) for b in plan.bindings if b.skipped)
    return Release(tag=tag.name, commit=tag.commit, date=tag.date, plan=plan,
                   components=tuple(planned), skipped=skipped, problems=tuple(problems))


def _link(release: Release, by_tag: Mapping[str, Publication],
          planners: Mapping[str, Sequence[Release]], rank: Mapping[str, int]) -> Release:
    """Attach each planned component's publication; note carry-forwards and misplaced tags."""
    components = []
    for p in release.components:
        published = by_tag.get(p.tag)
        newer = [r for r in planners.get(p.tag, ()) if rank[r.tag] < rank[release.tag]]
        carried_to = newer[-1].tag if newer else None  # the next release that planned it
        problem = None
        if published is not None and published.commit != release.commit and carried_to is None:
            problem = (f"{p.tag} is on commit {published.commit[:12]}, not on the release "
                       f"commit {release.commit[:12]}")
        components.append(Planned(component=p.component, version=p.version, tag=p.tag,
                                  published=published, problem=problem, carried_to=carried_to))
    return Release(tag=release.tag, commit=release.commit, date=release.date, plan=release.plan,
                   components=tuple(components), skipped=release.skipped,
                   problems=release.problems)


def _components(config: Config, publications: Sequence[Publication]) -> list[Component]:
    components = [Component(name="core", registry=config.core.registry,
                            packages=config.core.crates, tag_prefix=config.core.tag_prefix,
                            publications=())]
    components += [Component(name=b.name, registry=b.registry, packages=(b.package,),
                             tag_prefix=b.tag_prefix, publications=()) for b in config.bindings]
    known = {c.name for c in components}
    for name in dict.fromkeys(p.component for p in publications if p.component not in known):
        components.append(Component(name=name, registry="unknown", packages=(),
                                    tag_prefix="", publications=()))
    result = []
    for c in components:
        mine = sorted((p for p in publications if p.component == c.name),
                      key=lambda p: version_key(p.version), reverse=True)
        result.append(Component(name=c.name, registry=c.registry, packages=c.packages,
                                tag_prefix=c.tag_prefix, publications=tuple(mine)))
    return result


def _unpublished(releases: Sequence[Release], publications: Sequence[Publication],
                 ) -> list[Unpublished]:
    result = []
    for release in releases:
        for planned in release.components:
            if planned.published is not None or planned.carried_to is not None:
                continue  # a carried-forward version is listed under the release that has it
            later = [p.version for p in publications if p.component == planned.component
                     and version_key(p.version) > version_key(planned.version)]
            result.append(Unpublished(
                component=planned.component, version=planned.version, tag=planned.tag,
                release_tag=release.tag, release_date=release.date,
                superseded_by=max(later, key=version_key) if later else None))
    return result
