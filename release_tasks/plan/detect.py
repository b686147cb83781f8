"""``detect``: which components changed since the last release, and which files say so.

The base is ``--from REF``, else the nearest commit reachable from the analysed commit (and
not the analysed commit itself) that marks a release: it carries a release tag (``release-*``,
``v*``) or a component tag (``core-v*``, ``ruby-v*``, ...), which CI makes on the release commit
after each publish. So a release whose ``v*`` tag was never made (a CI run that failed after
publishing) still marks its point, and does not drag the base back a whole release. Without
any such commit the base is the empty tree (first release).

At a commit made by ``release`` (it carries a release tag whose plan names its source
commit) the analysed commit is that source commit: the release commit's own version edits
are not changes, so CI running at the tag sees exactly the plan that was tagged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from release_tasks.git import repo as git
from release_tasks.git.snapshot import Snapshot
from release_tasks.git.tags import matches
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.plan.tagplan import Tagged, release_at

log = get_logger("detect")


@dataclass(frozen=True, kw_only=True)
class Changes:
    """The outcome of change detection: the range compared and what changed in it."""

    base_ref: str
    base_commit: str
    head_commit: str
    release: Tagged | None  # at a release commit: the release made there (CI publishing it)
    paths_changed: int
    groups: Mapping[str, tuple[str, ...]]
    bindings: Mapping[str, tuple[str, ...]]

    @property
    def release_tag(self) -> str | None:
        return self.release.tag if self.release is not None else None

    @property
    def core_changed(self) -> bool:
        """Any core group changed: every core crate is released."""
        return any(self.groups.values())

    def group_changed(self, name: str) -> bool:
        return bool(self.groups.get(name))

    def binding_changed(self, name: str) -> bool:
        return bool(self.bindings.get(name))


@dataclass(frozen=True)
class Analysis:
    """Where detection looks: the commit analysed and, at a release commit, its release."""

    head_commit: str
    release: Tagged | None
    base: tuple[str, str] | None = None  # (ref, commit) the release compared with


def analysis_point(repo: Snapshot, config: Config) -> Analysis:
    """The commit whose changes are analysed (see the module docstring)."""
    found = release_at(repo.tags, config.release_tag_patterns, repo.head)
    if found is None or found.plan.source_commit == repo.head:
        return Analysis(repo.head, None)
    plan = found.plan
    log.info("HEAD is release %s; analysing its source commit %s", found.tag,
             plan.source_commit[:12])
    base_commit = plan.base_commit
    resolved = base_commit if base_commit == git.EMPTY_TREE else repo.resolve(base_commit)
    return Analysis(repo.resolve(plan.source_commit), found, (plan.base_ref, resolved))


def marker_patterns(config: Config) -> tuple[str, ...]:
    """The tags that mark a release: release tags and every component's tags."""
    return config.marker_patterns


def find_base(repo: Snapshot, config: Config, commit: str, from_ref: str | None) -> tuple[str, str]:
    """``(base_ref, base_commit)`` for the analysed ``commit``.

    The ref shown is a release tag on the base commit when it has one (its plan is what
    carry-forward reads), else the tag that marked it.
    """
    if from_ref:
        return from_ref, repo.resolve(from_ref)
    here = released_here(repo, config, commit)
    if here is not None:
        return here, commit
    tag = repo.nearest_tag(commit, marker_patterns(config))
    if tag is None:
        return git.EMPTY_TREE, git.EMPTY_TREE
    base_commit = repo.resolve(tag)
    if not matches(tag, config.release_tag_patterns):
        for pattern in config.release_tag_patterns:
            releases = repo.tags.at(base_commit, [pattern])
            if releases:
                return releases[-1], base_commit
    return tag, base_commit


def released_here(repo: Snapshot, config: Config, commit: str) -> str | None:
    """The tag to show when ``commit`` carries a tag of every component (a release made
    without a plan, by hand or by the tool's publishes): it is its own base, nothing since.
    A release tag on it is shown first; ``None`` when some component has no tag there."""
    prefixes = [config.core.tag_prefix, *(b.tag_prefix for b in config.bindings)]
    found = [repo.tags.at(commit, [f"{prefix}*"]) for prefix in prefixes]
    if not all(found):
        return None
    releases = repo.tags.at(commit, config.release_tag_patterns)
    log.info("%s carries a tag of every component (%s): it is a release, compared with "
             "itself", commit[:12], ", ".join([*releases, *(t[-1] for t in found)]))
    return releases[-1] if releases else found[0][-1]


def compared(repo: Snapshot, config: Config,
             from_ref: str | None = None) -> tuple[Analysis, str, str]:
    """What :func:`detect` compares: the analysis point, and the base's ref and commit."""
    repo.ensure_not_shallow()
    point = analysis_point(repo, config)
    if point.base is not None and from_ref is None:
        return point, *point.base  # exactly what the release compared with
    return point, *find_base(repo, config, point.head_commit, from_ref)


def detect(repo: Snapshot, config: Config, from_ref: str | None = None, *,
           where: tuple[Analysis, str, str] | None = None) -> Changes:
    """Compare the analysed commit with its base and sort the changed paths by component
    (``where``: what :func:`compared` already said, so that it is said once)."""
    point, base_ref, base_commit = where or compared(repo, config, from_ref)
    shown = "the empty tree (first release)" if base_commit == git.EMPTY_TREE else base_ref
    log.info("Comparing %s to %s", point.head_commit[:12], shown)
    paths = repo.changed_paths(base_commit, point.head_commit)
    groups = {g.name: g.paths.select(paths) for g in config.core.groups}
    bindings = {b.name: b.paths.select(paths) for b in config.bindings}
    return Changes(base_ref=base_ref, base_commit=base_commit, head_commit=point.head_commit,
                   release=point.release, paths_changed=len(paths),
                   groups=groups, bindings=bindings)


def nothing_since(release_tag: str, commit: str, config: Config) -> Changes:
    """No change since ``release_tag`` on ``commit``: a release made only of carried-forward
    components compares the released commit with itself."""
    return Changes(base_ref=release_tag, base_commit=commit, head_commit=commit,
                   release=None, paths_changed=0,
                   groups={g.name: () for g in config.core.groups},
                   bindings={b.name: () for b in config.bindings})


def env_lines(changes: Changes, config: Config) -> list[str]:
    """The design document's ``KEY=VALUE`` lines, in its order."""
    def flag(value: bool) -> str:
        return "true" if value else "false"

    lines = [f"CHANGES_BASE_REF={changes.base_ref}"]
    lines += [f"{g.env_key}_CHANGED={flag(changes.group_changed(g.name))}"
              for g in config.core.groups]
    lines.append(f"CORE_CHANGED={flag(changes.core_changed)}")
    lines += [f"{b.env_key}_CHANGED={flag(changes.binding_changed(b.name))}"
              for b in config.bindings]
    return lines


def to_json(changes: Changes, config: Config) -> str:
    """The env keys plus, per component, the files that triggered it."""
    import json  # only the json output needs it

    data: dict[str, object] = {}
    for line in env_lines(changes, config):
        key, _, value = line.partition("=")
        data[key] = value if key == "CHANGES_BASE_REF" else value == "true"
    data["base_commit"] = changes.base_commit
    data["head_commit"] = changes.head_commit
    data["release_tag"] = changes.release_tag
    data["paths_changed"] = changes.paths_changed
    data["files"] = {
        "core": {g.name: list(changes.groups[g.name]) for g in config.core.groups},
        "bindings": {b.name: list(changes.bindings[b.name]) for b in config.bindings},
    }
    return json.dumps(data, indent=2)


def to_text(changes: Changes, config: Config) -> str:
    """A human summary that says why each component is in."""
    first = changes.base_commit == git.EMPTY_TREE
    head = changes.head_commit[:12]
    lines = [f"Changes in {head} since "
             + ("the beginning of history (first release)" if first else changes.base_ref)
             + f": {changes.paths_changed} path(s)"]

    def describe(label: str, files: tuple[str, ...], consequence: str) -> None:
        if files:
            sample = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
            lines.append(f"  {label}: changed ({len(files)} file(s): {sample}) -> {consequence}")
        else:
            lines.append(f"  {label}: unchanged")

    for group in config.core.groups:
        targets = ", ".join(group.propagates_to)
        consequence = "release every core crate" + (
            f" and rebuild {targets} at .0" if group.propagates_to else "")
        describe(group.label, changes.groups[group.name], consequence)
    for binding in config.bindings:
        describe(f"{binding.label} binding", changes.bindings[binding.name],
                 "release the binding")
    return "\n".join(lines)
