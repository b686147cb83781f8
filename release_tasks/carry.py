"""Carry-forward: a planned version that was never published is never lost.

The previous release tag carries its plan. A component that plan released but whose
component tag (``ruby-v0.1.9.0``, ``core-v0.1.9``) does not exist never finished
publishing; a component left out with ``--skip`` was never attempted. Both are pending,
and the next plan includes them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from release_tasks import git
from release_tasks.config import Config
from release_tasks.tagplan import release_plan_at, tag_plan

CORE = "core"


@dataclass(frozen=True, kw_only=True)
class Pending:
    """A component version planned in an earlier release and not published."""

    release_tag: str
    version: str
    skipped: bool

    def reason(self) -> str:
        if self.skipped:
            return f"skipped in {self.release_tag} (would have been {self.version})"
        return f"planned as {self.version} in {self.release_tag}, never published"


def pending(repo: git.Repo, config: Config, base_commit: str, own_commit: str | None = None,
            tags: Mapping[str, str] | None = None) -> Mapping[str, Pending]:
    """Components planned by the release at ``base_commit`` and still unpublished.

    A component tag on ``own_commit`` (the release commit CI is publishing) belongs to the
    release being published, so a re-run at that tag answers the same plan. ``tags`` (name
    -> commit, from :func:`git.list_tags`) saves reading them again.
    """
    if base_commit == git.EMPTY_TREE:
        return {}
    found = release_plan_at(repo, config.release_tag_patterns, base_commit)
    if found is None:
        return {}  # a base marked by component tags only carries no plan
    known = git.list_tags(repo) if tags is None else tags

    def published(tag: str) -> bool:
        commit = known.get(tag)
        return commit is not None and commit != own_commit

    tag, plan = found
    result: dict[str, Pending] = {}
    core = plan.get("core", {})
    if core.get("changed") and core.get("tag") and not published(core["tag"]):
        result[CORE] = Pending(release_tag=tag, version=str(core["next"]), skipped=False)
    prefixes = {b.name: b.tag_prefix for b in config.bindings}
    for entry in plan.get("bindings", []):
        name = entry.get("name")
        if name not in prefixes:
            continue
        if entry.get("skipped"):
            result[name] = Pending(release_tag=tag, version=str(entry["skipped"]), skipped=True)
        elif entry.get("next") and not published(f"{prefixes[name]}{entry['next']}"):
            result[name] = Pending(release_tag=tag, version=str(entry["next"]), skipped=False)
    return result


def skipped_at_release(repo: git.Repo, config: Config, release_tag: str | None) -> frozenset[str]:
    """The bindings a release left out with ``--skip`` (so CI at its tag leaves them out too)."""
    if release_tag is None:
        return frozenset()
    plan = tag_plan(repo, release_tag) or {}
    return frozenset(b["name"] for b in plan.get("bindings", []) if b.get("skipped"))
