"""Carry-forward: a planned version that was never published is never lost.

The previous release tag carries its plan. A component that plan released but whose
component tag (``ruby-v0.1.9.0``, ``core-v0.1.9``) does not exist never finished
publishing; a component left out with ``--skip`` was never attempted. Both are pending,
and the next plan includes them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from release_tasks.git import repo as git
from release_tasks.git.tags import Tags
from release_tasks.model.components import Config
from release_tasks.model.version import BindingVersion, CoreVersion
from release_tasks.plan.tagplan import Tagged, release_at

CORE = "core"


@dataclass(frozen=True, kw_only=True)
class Pending:
    """A component version planned in an earlier release and not published."""

    release_tag: str
    version: CoreVersion | BindingVersion
    skipped: bool

    def reason(self) -> str:
        if self.skipped:
            return f"skipped in {self.release_tag} (would have been {self.version})"
        return f"planned as {self.version} in {self.release_tag}, never published"


def pending_of(release: Tagged | None, config: Config, tags: Mapping[str, str],
               own_commit: str | None = None) -> dict[str, Pending]:
    """Components the plan of ``release`` (the base of this release) released and that are
    still unpublished, or that it skipped.

    ``tags`` maps every tag to its commit. A component tag on ``own_commit`` (the release
    commit CI is publishing) belongs to the release being published, so a re-run at that tag
    answers the same plan.
    """
    if release is None:
        return {}  # a base marked by component tags only carries no plan

    def published(tag: str) -> bool:
        commit = tags.get(tag)
        return commit is not None and commit != own_commit

    plan = release.plan
    result: dict[str, Pending] = {}
    core_tag = plan.core.tag
    if core_tag is not None and not published(core_tag):
        result[CORE] = Pending(release_tag=release.tag, version=plan.core.next, skipped=False)
    prefixes = {b.name: b.tag_prefix for b in config.bindings}
    for entry in plan.bindings:
        if entry.name not in prefixes:
            continue
        if entry.skipped is not None:
            result[entry.name] = Pending(release_tag=release.tag, version=entry.skipped,
                                         skipped=True)
        elif entry.next is not None and not published(f"{prefixes[entry.name]}{entry.next}"):
            result[entry.name] = Pending(release_tag=release.tag, version=entry.next,
                                         skipped=False)
    return result


def pending(tags: Tags, config: Config, base_commit: str,
            own_commit: str | None = None) -> dict[str, Pending]:
    """Components planned by the release at ``base_commit`` and still unpublished (see
    :func:`pending_of`)."""
    if base_commit == git.EMPTY_TREE:
        return {}
    release = release_at(tags, config.release_tag_patterns, base_commit)
    return pending_of(release, config, tags.commits, own_commit)
