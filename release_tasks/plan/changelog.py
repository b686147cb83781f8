"""The changelog of a release: per released component, the commits since its last published
version that touch its paths. (In ``plan/``: ``release`` writes it from the plan.)

A component's paths are its own; a binding's also those of the core groups that propagate
to it (an FFI-facing change reaches the gem). Its base is its newest component tag reachable
from the released commit (``ruby-v0.1.0.0``): a binding carried forward after a failed lane
lists everything since its last version that went out, not since the last release. Without
such a tag the base is the plan's (the last release, or the beginning of history).
Release commits (those with a release tag) and merges are left out: they carry no change of
their own.

Subjects that follow Conventional Commits (``fix(shared)!: ...``) are grouped by type, with
breaking changes (``!`` or a ``BREAKING CHANGE:`` footer) first; a component none of whose
subjects do gets its subjects as they are, breaking ones first. The whole release is one
Markdown section, prepended to ``CHANGELOG.md`` at the top level in the release commit,
repeated in the release tag's message and printed by the dry run.

A repository with a ``cliff.toml`` at its top level has chosen git-cliff's format: each
component's entries are then git-cliff's (:mod:`release_tasks.plan.cliff`), over the same
commits and paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from release_tasks.git import repo as git
from release_tasks.git.snapshot import Snapshot
from release_tasks.git.tags import matches
from release_tasks.model.components import Config
from release_tasks.model.paths import PathSet
from release_tasks.plan.release_plan import ReleasePlan

CHANGELOG_FILE = "CHANGELOG.md"
HEADING = "# Changelog"
_INTRO = ("All notable changes, one section per release, newest first; written by "
          "`release` in each release commit.")

_CONVENTIONAL = re.compile(
    r"(?P<type>[A-Za-z][A-Za-z0-9-]*)(?:\((?P<scope>[^()\n]*)\))?(?P<bang>!)?: +(?P<text>\S.*)")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: *(?P<text>.*)$", re.MULTILINE)
#: Headings of the usual types, in the order they are shown; other types follow, by name.
TYPE_TITLES: Mapping[str, str] = {
    "feat": "Features", "fix": "Fixes", "perf": "Performance", "refactor": "Refactoring",
    "docs": "Documentation", "test": "Tests", "build": "Build", "ci": "CI",
    "style": "Style", "chore": "Chores", "revert": "Reverts",
}
BREAKING_TITLE = "Breaking changes"
OTHER_TITLE = "Other changes"


@dataclass(frozen=True, kw_only=True)
class Commit:
    """One commit of the history, as the changelog reads it."""

    sha: str
    subject: str
    body: str = ""
    paths: tuple[str, ...] = ()

    @property
    def _match(self) -> re.Match[str] | None:
        return _CONVENTIONAL.fullmatch(self.subject.strip())

    @property
    def kind(self) -> str | None:
        """The Conventional Commits type (lower case), ``None`` for a plain subject."""
        match = self._match
        return match.group("type").lower() if match else None

    @property
    def scope(self) -> str | None:
        match = self._match
        return (match.group("scope") or None) if match else None

    @property
    def text(self) -> str:
        """The description: the subject without its type and scope."""
        match = self._match
        return match.group("text").strip() if match else self.subject.strip()

    @property
    def breaking(self) -> bool:
        match = self._match
        return bool(match and match.group("bang")) or bool(_BREAKING_FOOTER.search(self.body))

    def entry(self) -> str:
        """``- **scope**: description (abc1234)``."""
        scope = f"**{self.scope}**: " if self.scope else ""
        return f"- {scope}{self.text} ({self.sha[:7]})"


@dataclass(frozen=True, kw_only=True)
class ComponentLog:
    """The changes of one released component."""

    name: str  # "core" or a binding's name
    package: str  # what users install: the crates, or the binding's package
    version: str  # as its registry spells it
    since: str  # the tag (or ref) it is compared with; "" from the beginning of history
    commits: tuple[Commit, ...]
    rendered: str | None = None  # the entries as git-cliff wrote them, when it did

    def groups(self) -> list[tuple[str, list[Commit]]]:
        """``(title, commits)`` in the order shown; a single untitled group when no subject
        follows Conventional Commits."""
        breaking = [c for c in self.commits if c.breaking]
        rest = [c for c in self.commits if not c.breaking]
        if not any(c.kind for c in self.commits):
            return [(BREAKING_TITLE, breaking), ("", rest)] if breaking else [("", rest)]
        by_kind: dict[str, list[Commit]] = {}
        for commit in rest:
            by_kind.setdefault(commit.kind or "", []).append(commit)
        order = [k for k in TYPE_TITLES if k in by_kind]
        order += sorted(k for k in by_kind if k and k not in TYPE_TITLES)
        groups = [(BREAKING_TITLE, breaking)] if breaking else []
        groups += [(TYPE_TITLES.get(k, k.capitalize()), by_kind[k]) for k in order]
        if "" in by_kind:
            groups.append((OTHER_TITLE, by_kind[""]))
        return groups

    def body(self) -> str:
        """The entries, without the component's heading."""
        if self.rendered is not None:
            return self.rendered.strip()
        if not self.commits:
            return "No change of its own since " + (self.since or "the beginning") + \
                ": published again, carried forward."
        blocks = []
        for title, commits in self.groups():
            lines = [f"#### {title}", ""] if title else []
            blocks.append("\n".join(lines + [c.entry() for c in commits]))
        return "\n\n".join(blocks)

    def markdown(self) -> str:
        since = f"changes since {self.since}" if self.since else "first release"
        return f"### {self.name} {self.version}\n\n{self.package}: {since}.\n\n{self.body()}\n"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "package": self.package, "version": self.version,
                "since": self.since, "markdown": self.markdown(),
                "commits": [{"sha": c.sha, "subject": c.subject, "type": c.kind,
                             "scope": c.scope, "breaking": c.breaking} for c in self.commits]}


@dataclass(frozen=True, kw_only=True)
class Changelog:
    """The changes of every component a release publishes."""

    title: str  # the release tag
    date: str  # YYYY-MM-DD, UTC
    components: tuple[ComponentLog, ...]

    def markdown(self) -> str:
        """The release's section: ``## TAG (DATE)`` and one ``###`` per component."""
        parts = [f"## {self.title} ({self.date})\n"] + [c.markdown() for c in self.components]
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "date": self.date,
                "components": [c.to_dict() for c in self.components]}


def prepend(existing: str | None, section: str) -> str:
    """``CHANGELOG.md`` with ``section`` as its newest entry: after the file's own heading
    and introduction (everything before its first ``## ``), above every earlier release."""
    if not existing or not existing.strip():
        return f"{HEADING}\n\n{_INTRO}\n\n{section.rstrip()}\n"
    lines = existing.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    head = "".join(lines[:at]).rstrip("\n")
    tail = "".join(lines[at:])
    return f"{head}\n\n{section.rstrip()}\n" + (f"\n{tail}" if tail else "")


# --- reading the history -----------------------------------------------------------------------

_RECORD, _FIELD = "\x1e", "\x1f"


def log_args() -> list[str]:
    """The options of the ``git log`` that reads the commits (given on its standard input):
    each with its subject, body and changed paths; merges left out."""
    return ["--no-merges", "--no-renames", "--name-only",
            f"--format={_RECORD}%H{_FIELD}%s{_FIELD}%b{_FIELD}"]


def parse_log(out: str) -> list[Commit]:
    """The commits of :func:`log_args`'s output, newest first."""
    commits = []
    for record in out.split(_RECORD):
        fields = record.split(_FIELD)
        if len(fields) != 4:
            continue
        sha, subject, body, names = fields
        commits.append(Commit(sha=sha.strip(), subject=subject, body=body.strip(),
                              paths=tuple(n for n in names.splitlines() if n.strip())))
    return commits


def component_paths(config: Config, name: str) -> PathSet:
    """What a component's changelog covers: the core's groups, or a binding's own paths and
    those of the core groups that propagate to it."""
    if name == "core":
        return PathSet(tuple(p for g in config.core.groups for p in g.paths.patterns))
    binding = config.binding(name)
    shared = [p for g in config.core.groups if name in g.propagates_to for p in g.paths.patterns]
    return PathSet((*binding.paths.patterns, *shared))


@dataclass(frozen=True)
class Released:
    """One component a plan releases, as the changelog needs it."""

    name: str
    package: str
    version: str
    tag_prefix: str


def released(plan: ReleasePlan, config: Config) -> list[Released]:
    """The components ``plan`` publishes, core first."""
    found = []
    if plan.core.changed:
        crates = ", ".join(config.core.crates)
        found.append(Released("core", f"crates {crates}", str(plan.core.next),
                              config.core.tag_prefix))
    found += [Released(b.name, b.package, b.rendering or str(b.next), b.tag_prefix)
              for b in plan.bindings if b.next is not None]
    return found


#: Renders one component's entries another way (git-cliff): given the component, its base
#: commit, the release commits to skip and its paths; ``None`` keeps the built-in rendering.
Renderer = Callable[[Released, str, Sequence[str], PathSet], str | None]


def ancestry(repo: Snapshot, head: str) -> dict[str, tuple[str, ...]]:
    """Every commit of ``head``'s history with its parents: one ``git rev-list``."""
    out = repo.git.out("rev-list", "--parents", head)
    return {sha: tuple(parents) for sha, *parents in (line.split() for line in out.splitlines())
            if sha}


def reachable(parents: dict[str, tuple[str, ...]], start: str) -> set[str]:
    """``start`` and every commit of its history (within ``parents``)."""
    seen: set[str] = set()
    todo = [start] if start in parents else []
    while todo:
        sha = todo.pop()
        if sha not in seen:
            seen.add(sha)
            todo.extend(p for p in parents.get(sha, ()) if p not in seen)
    return seen


def nearest(parents: dict[str, tuple[str, ...]], head: str, tagged: dict[str, list[str]],
            prefix: str) -> str | None:
    """The tag starting with ``prefix`` nearest to ``head`` in its history (fewest commits
    in between, breadth first, as ``git describe`` picks it), not one on ``head`` itself."""
    frontier, seen = [head], {head}
    while frontier:
        found = sorted(name for sha in frontier if sha != head for name in tagged.get(sha, ())
                       if name.startswith(prefix))
        if found:
            return found[-1]
        frontier = [p for sha in frontier for p in parents.get(sha, ()) if p not in seen]
        seen.update(frontier)
    return None


def build(repo: Snapshot, config: Config, plan: ReleasePlan, *, title: str, date: str,
          renderer: Renderer | None = None) -> Changelog:
    """The changelog of ``plan`` (see the module docstring). Two git programs however many
    components it releases: the history's shape (``rev-list --parents``), from which each
    component's base and range are found, then one ``git log`` of every commit in a range."""
    head = plan.source_commit
    release_commits = {tag.commit for name, tag in repo.tags.items()
                       if matches(name, config.release_tag_patterns)}
    items = released(plan, config)
    if not items:
        return Changelog(title=title, date=date, components=())
    parents = ancestry(repo, head)
    tagged: dict[str, list[str]] = {}
    for name, tag in repo.tags.items():
        tagged.setdefault(tag.commit, []).append(name)
    history = reachable(parents, head)
    bases: list[tuple[Released, str, str]] = []
    for item in items:
        since_tag = nearest(parents, head, tagged, item.tag_prefix)
        if since_tag is not None:
            bases.append((item, since_tag, repo.tags[since_tag].commit))
        elif plan.base_commit == git.EMPTY_TREE:
            bases.append((item, "", git.EMPTY_TREE))
        else:
            bases.append((item, plan.base_ref, plan.base_commit))
    ranges = {base: history - reachable(parents, base) for _, _, base in bases}
    wanted = set().union(*ranges.values())
    order = [sha for sha in parents if sha in wanted]  # rev-list order: newest first
    logged = {c.sha: c for c in parse_log(repo.git.git("log", "--no-walk=unsorted", "--stdin",
                                                    *log_args(), input_text="\n".join(order)
                                                    ).stdout)} if order else {}
    components = []
    for item, since, base in bases:
        in_range = [logged[sha] for sha in order if sha in ranges[base] and sha in logged]
        paths = component_paths(config, item.name)
        commits = tuple(c for c in in_range if c.sha not in release_commits
                        and any(paths.matches(p) for p in c.paths))
        skip = [c.sha for c in in_range if c.sha in release_commits]
        rendered = renderer(item, base, skip, paths) if renderer is not None and commits else None
        components.append(ComponentLog(name=item.name, package=item.package,
                                       version=item.version, since=since, commits=commits,
                                       rendered=rendered))
    return Changelog(title=title, date=date, components=tuple(components))
