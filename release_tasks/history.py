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

import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_tasks import git
from release_tasks.config import Config
from release_tasks.errors import ReleaseError
from release_tasks.log import get_logger
from release_tasks.plan import ReleasePlan
from release_tasks.tagplan import read_tag_plan

log = get_logger("history")

_VERSION = re.compile(r"^[0-9]+(?:\.[0-9]+)*$")
# NUL separates fields: neither ref names nor tag messages can contain it.
_FIELDS = ("%(refname:strip=2)", "%(objecttype)", "%(objectname)", "%(*objecttype)",
           "%(*objectname)", "%(creatordate:unix)", "%(contents)", "%(contents:signature)")
_FORMAT = "%00".join(_FIELDS) + "%00"


@dataclass(frozen=True, kw_only=True)
class Tag:
    """One tag as git stores it: the commit it names, its date and its message."""

    name: str
    commit: str
    date: datetime
    message: str


@dataclass(frozen=True, kw_only=True)
class Publication:
    """A component tag: ``component`` was published at ``version`` from ``commit``."""

    component: str
    version: str
    tag: str
    commit: str
    date: datetime
    release_tag: str | None


@dataclass(frozen=True, kw_only=True)
class Planned:
    """One component a release's plan lists, and what became of it."""

    component: str
    version: str
    tag: str
    published: Publication | None
    problem: str | None = None
    carried_to: str | None = None  # a later release that planned the same version again


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


@dataclass(frozen=True, kw_only=True)
class History:
    """Every release (newest first) and every component's publications."""

    root: Path
    releases: tuple[Release, ...]
    components: tuple[Component, ...]
    unpublished: tuple[Unpublished, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "releases": [_release_dict(r) for r in self.releases],
            "components": {c.name: {"registry": c.registry, "packages": list(c.packages),
                                    "tag_prefix": c.tag_prefix,
                                    "versions": [_publication_dict(p) for p in c.publications]}
                           for c in self.components},
            "unpublished": [{"component": u.component, "version": u.version, "tag": u.tag,
                             "release_tag": u.release_tag, "release_date": _iso(u.release_date),
                             "superseded_by": u.superseded_by} for u in self.unpublished],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def text(self) -> str:
        return _text(self)


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of a dotted version (``0.1.10`` after ``0.1.9``)."""
    return tuple(int(part) for part in version.split("."))


def read_tags(repo: git.Repo) -> list[Tag]:
    """Every tag that names a commit, read with one ``git for-each-ref``."""
    out = repo.git("for-each-ref", f"--format={_FORMAT}", "refs/tags").stdout
    fields = out.split("\0")
    tags = []
    for start in range(0, len(fields) - len(_FIELDS) + 1, len(_FIELDS)):
        (name, kind, obj, peeled_kind, peeled, unix, contents,
         signature) = fields[start:start + len(_FIELDS)]
        name = name.lstrip("\n")  # for-each-ref ends each record with a newline
        commit = obj if kind == "commit" else peeled if peeled_kind == "commit" else ""
        if kind == "tag" and peeled_kind == "tag":  # a tag of a tag: rare, peel it fully
            commit = _peel(repo, name)
        if kind not in ("tag", "commit") or not commit:
            log.debug("history: %s names no commit; ignored", name)
            continue
        if signature and contents.endswith(signature):
            contents = contents[:-len(signature)]
        date = datetime.fromtimestamp(int(unix or 0), UTC)
        tags.append(Tag(name=name, commit=commit, date=date,
                        message=contents if kind == "tag" else ""))
    return tags


def _peel(repo: git.Repo, name: str) -> str:
    """The commit behind a tag of a tag ('' when the chain ends elsewhere)."""
    result = repo.git("rev-parse", "--verify", "--quiet", f"refs/tags/{name}^{{commit}}",
                      check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def build(root: Path, config: Config) -> History:
    """The history of the repository at ``root``, from its local tags."""
    repo = git.open_repo(root)
    if repo.out("rev-parse", "--is-shallow-repository") == "true":
        log.warning("warning: %s is a shallow clone; tags may be missing "
                    "(git fetch --unshallow --tags)", repo.root)
    # Tags made in the same second (CI, scripts) are ordered by their commits' topology.
    listed = repo.git("rev-list", "--topo-order", "--tags", check=False)
    topo = listed.stdout.split() if listed.returncode == 0 else []
    return assemble(repo.root, config, read_tags(repo),
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
        elif any(fnmatch.fnmatchcase(tag.name, p) for p in config.release_tag_patterns):
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
    data = read_tag_plan(tag.message) if tag.message else None
    problems: list[str] = []
    plan: ReleasePlan | None = None
    if data is not None:
        try:
            plan = ReleasePlan.from_dict(data)
        except (KeyError, TypeError, ValueError, ReleaseError) as exc:
            problems.append(f"the plan in its message cannot be read ({exc!r})")
        recorded = data.get("release_commit")
        if isinstance(recorded, str) and recorded != tag.commit:
            problems.append(f"its plan names release commit {recorded[:12]}, but the tag is on "
                            f"{tag.commit[:12]}")
    planned: list[Planned] = []
    if plan is not None:
        wanted = [("core", str(plan.core.next), plan.core.tag)] if plan.core.changed else []
        wanted += [(b.name, str(b.next), b.tag) for b in plan.bindings if b.next]
        planned = [Planned(component=component, version=version, tag=tag_name or "",
                           published=None) for component, version, tag_name in wanted]
    skipped = tuple((str(b.get("name")), str(b["skipped"])) for b in _bindings(data)
                    if b.get("skipped"))
    return Release(tag=tag.name, commit=tag.commit, date=tag.date, plan=plan,
                   components=tuple(planned), skipped=skipped, problems=tuple(problems))


def _bindings(data: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The raw binding entries of a plan (read raw: older plans lack newer keys)."""
    entries = (data or {}).get("bindings")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


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


# --- output ---------------------------------------------------------------------------------

def _iso(date: datetime) -> str:
    return date.astimezone(UTC).isoformat()


def _when(date: datetime) -> str:
    return f"{date.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _publication_dict(p: Publication) -> dict[str, Any]:
    return {"version": p.version, "tag": p.tag, "date": _iso(p.date), "commit": p.commit,
            "release_tag": p.release_tag}


def _release_dict(r: Release) -> dict[str, Any]:
    plan = r.plan
    return {
        "tag": r.tag, "date": _iso(r.date), "commit": r.commit, "has_plan": plan is not None,
        "source_commit": plan.source_commit if plan else None,
        "base_ref": plan.base_ref if plan else None,
        "first_release": plan.first_release if plan else None,
        "summary": _plan_summary(plan) if plan else None,
        "components": [{"component": p.component, "version": p.version, "tag": p.tag,
                        "published": p.published is not None,
                        "published_at": _iso(p.published.date) if p.published else None,
                        "carried_to": p.carried_to, "problem": p.problem}
                       for p in r.components],
        "skipped": [{"component": c, "version": v} for c, v in r.skipped],
        "problems": list(r.problems),
    }


def _plan_summary(plan: ReleasePlan) -> str:
    if plan.first_release:
        parts = [f"core {plan.core.next}"] + [f"{b.name} {b.next}" for b in plan.bindings
                                               if b.next]
        return "first release: " + ", ".join(parts)
    parts = [f"core {plan.core.current} -> {plan.core.next}"] if plan.core.changed else []
    parts += [f"{b.name} {b.current or '-'} -> {b.next}" for b in plan.bindings if b.next]
    return ", ".join(parts) or "nothing"


def _text(history: History) -> str:
    if not history.releases and not any(c.publications for c in history.components):
        return f"No release tags and no component tags in {history.root}."
    width = max([len(c.name) for c in history.components] + [4])
    lines = ["Releases, newest first:"]
    for r in history.releases:
        lines.append(f"{r.tag}  {_when(r.date)}  commit {r.commit[:12]}")
        if r.plan is None:
            lines.append("  (no release plan in this tag)")
        else:
            lines.append(f"  plan: {_plan_summary(r.plan)}")
        for p in r.components:
            if p.published:
                state = f"published   {p.tag:<24} {_when(p.published.date)}"
                if p.carried_to:
                    state += f" (from {p.published.release_tag})"
            elif p.carried_to:
                state = f"carried forward to {p.carried_to}"
            else:
                state = f"UNPUBLISHED (no tag {p.tag})"
            lines.append(f"  {p.component:<{width}}  {p.version:<10} {state}")
            if p.problem:
                lines.append(f"  {'':<{width}}  warning: {p.problem}")
        lines += [f"  {c:<{width}}  {v:<10} skipped (left out with --skip; carried forward)"
                  for c, v in r.skipped]
        lines += [f"  warning: {problem}" for problem in r.problems]
    if not history.releases:
        lines.append("  (none)")
    lines.append("")
    lines.append("Published versions, by component (from component tags):")
    for c in history.components:
        packages = c.packages[0] if len(c.packages) == 1 else f"{len(c.packages)} crates"
        lines.append(f"{c.name} ({c.registry}: {packages})" if c.packages
                     else f"{c.name} (not in the config)")
        for pub in c.publications:
            release = pub.release_tag or "no release tag"
            lines.append(f"  {pub.version:<10} {pub.tag:<24} {_when(pub.date)}  "
                         f"commit {pub.commit[:12]}  {release}")
        if not c.publications:
            lines.append("  (none)")
    if history.unpublished:
        lines.append("")
        lines.append("Planned but not published:")
        for u in history.unpublished:
            after = f"; superseded by {u.superseded_by}" if u.superseded_by else ""
            lines.append(f"  {u.component} {u.version} ({u.release_tag}): no tag {u.tag}{after}")
        lines.append("  (CI creates component tags on the remote: `git fetch --tags` if they "
                     "are missing here)")
    return "\n".join(lines)
