"""``release``: one command from "main has changes" to one commit and one annotated tag.

Guards first (nothing written yet): clean tracked files, the main branch (or confirmation),
HEAD not already released, and, once the plan is known, no drift. Then ``--dry-run`` prints
the plan and stops; otherwise ``update`` writes the files, the bump is committed, and the
commit gets an annotated ``release-YYYYMMDD-HHMM`` tag whose message carries the plan as
JSON. The changelog (:mod:`release_tasks.changelog`) is in all three: the dry run prints it,
the commit prepends it to ``CHANGELOG.md``, the tag's message repeats it. CI publishes from
that tag.

The run opens the project once (:mod:`release_tasks.project`): the repository, its tags and
files, the config and the cargo workspace are read once and passed down.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from release_tasks.apply import update
from release_tasks.apply.sites import FileChange
from release_tasks.cargo import workspace
from release_tasks.config import credentials
from release_tasks.errors import ReleaseError, UsageError
from release_tasks.git import repo as git
from release_tasks.git.snapshot import Snapshot
from release_tasks.git.tags import Tags
from release_tasks.log import get_logger
from release_tasks.plan import carry, changelog, cliff, detect, versions
from release_tasks.plan import drift as consistency
from release_tasks.plan.changelog import CHANGELOG_FILE, Changelog
from release_tasks.plan.detect import Changes
from release_tasks.plan.release_plan import ReleasePlan
from release_tasks.plan.tagplan import format_tag_message
from release_tasks.project import Project

log = get_logger("release")
_SHOWN = 5  # changed files named per binding in the text summary (JSON has them all)


@dataclass(frozen=True, kw_only=True)
class Summary:
    """What a release will do, for the maintainer to act on."""

    plan: ReleasePlan
    phases: list[list[str]]
    changes: list[FileChange]  # every version file, changed or already current
    release_tag: str
    credentials: list[str]
    missing_credentials: list[str]
    changelog: Changelog
    changelog_file: FileChange  # CHANGELOG.md with this release's section on top

    @property
    def components(self) -> list[str]:
        """The components this release publishes (``core`` and binding names)."""
        return _components(self.plan)

    @property
    def files(self) -> list[str]:
        """The files the release changes."""
        return [c.path for c in (*self.changes, self.changelog_file) if c.changed]

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan.to_dict(), "phases": self.phases, "files": self.files,
                "release_tag": self.release_tag, "tags": [self.release_tag, *self.plan.tags],
                "credentials": self.credentials,
                "missing_credentials": self.missing_credentials,
                "changelog": {**self.changelog.to_dict(),
                              "markdown": self.changelog.markdown()}}

    def text(self) -> str:
        lines = [self.plan.text()]
        changed = [b for b in self.plan.bindings if b.next and b.files]
        if changed and not self.plan.first_release:
            lines.append(f"Binding files changed since {self.plan.base_ref}:")
            for b in changed:
                more = f" and {len(b.files) - _SHOWN} more" if len(b.files) > _SHOWN else ""
                lines.append(f"  {b.name}: {', '.join(b.files[:_SHOWN])}{more}")
        if self.plan.core.changed:
            lines.append("Crates to publish, by phase:")
            for index, phase in enumerate(self.phases, 1):
                crates = ", ".join(f"{c}@{self.plan.core.next}" for c in phase)
                lines.append(f"  phase {index}: {crates}")
        lines.append("Files that will change:")
        lines += [f"  {f}" for f in self.files] or ["  (none)"]
        lines.append("Tags that will be created:")
        lines.append(f"  {self.release_tag} (now, on the release commit)")
        lines += [f"  {t} (after its publish succeeds)" for t in self.plan.tags]
        lines.append("Credentials the publish will need:")
        lines += [f"  {c}" for c in self.credentials] or ["  (none)"]
        for missing in self.missing_credentials:
            lines.append(f"  missing now: {missing}")
        lines.append(f"Changelog (prepended to {CHANGELOG_FILE}, repeated in the tag):")
        lines += [f"  {line}".rstrip() for line in self.changelog.markdown().splitlines()]
        return "\n".join(lines)


def release_tag_name(tags: Tags, prefix: str, now: datetime) -> str:
    """``release-YYYYMMDD-HHMM`` in UTC; ``-2``, ``-3``, ... when that name is taken."""
    base = f"{prefix}{now.astimezone(UTC):%Y%m%d-%H%M}"
    name, counter = base, 1
    while name in tags:
        counter += 1
        name = f"{base}-{counter}"
    return name


def commit_message(plan: ReleasePlan) -> str:
    parts = [f"core {plan.core.next}"] if plan.core.changed else []
    parts += [f"{b.name} {b.next}" for b in plan.bindings if b.next]
    body = [f"- {b.name} ({b.package}): "
            + (f"{b.next}, carried forward" if b.current is not None
               and str(b.current) == b.rendering else
               f"{b.current.canonical(plan.core.current, spelled=False) if b.current else '-'}"
               f" -> {b.next}")
            + (f" [{b.registry}: {b.rendering}]" if b.rendering != str(b.next) else "")
            for b in plan.bindings if b.next]
    if plan.core.changed:
        body.insert(0, f"- core crates: {plan.core.current} -> {plan.core.next}"
                    if plan.core.current != plan.core.next
                    else f"- core crates: {plan.core.next}, carried forward")
    body += [f"- {b.name} ({b.package}): skipped, would be {b.skipped}; carried forward"
             for b in plan.bindings if b.skipped]
    return f"Release {', '.join(parts)}\n\n" + "\n".join(body) + "\n"


def _components(plan: ReleasePlan) -> list[str]:
    return (["core"] if plan.core.changed else []) + [b.name for b in plan.bindings if b.next]


def summarize(project: Project, plan: ReleasePlan, env: Mapping[str, str],
              now: datetime) -> Summary:
    config, ws = project.config, project.workspace
    phases = workspace.phases(ws, config.core.crates) if plan.core.changed else []
    core, bindings = consistency.targets_of(plan, plan.core.current)
    result = update.change_set(project.root, config, core, bindings, ws=ws,
                               current=plan.core.current, tree=project.repo.tree.files, env=env)
    # Drift is what this very change set would overwrite that it should not.
    consistency.raise_on_drift(project.root, config, result, plan.core.current)
    consistency.warn_sources(project.root, config, [b.name for b in plan.bindings if b.next])
    changes = list(result.changes)
    reqs = credentials.requirements(config, _components(plan))
    tag = release_tag_name(project.repo.tags, config.release_tag_prefix, now)
    log_ = changelog.build(project.repo, config, plan, title=tag,
                           date=f"{now.astimezone(UTC):%Y-%m-%d}",
                           renderer=cliff.renderer(project.root, plan.source_commit, env))
    return Summary(plan=plan, phases=phases, changes=changes, release_tag=tag,
                   credentials=[r.describe() for r in reqs],
                   missing_credentials=credentials.missing(reqs, env),
                   changelog=log_, changelog_file=changelog_change(project, log_))


def changelog_change(project: Project, log_: Changelog) -> FileChange:
    """``CHANGELOG.md`` with the release's section on top. A file of that name that git
    does not track is refused: it may be what an interrupted release left behind, and a
    second section would go on top of the first."""
    existing = project.repo.read(None, CHANGELOG_FILE)
    if existing is not None and CHANGELOG_FILE not in project.repo.tree.files:
        raise ReleaseError(f"{CHANGELOG_FILE} exists but git does not track it (left by an "
                           "interrupted release?): commit it, or remove it, then release again")
    return FileChange(CHANGELOG_FILE, existing or "",
                      changelog.prepend(existing, log_.markdown()))


def guard(project: Project, *, yes: bool, dry_run: bool,
          confirm: Callable[[str], bool] | None) -> str | Changes | None:
    """Refuse to release from a state that would produce a wrong release.

    Returns a reason to stop with "nothing to release"; or, when HEAD is already released
    but some of its components were never published, the (empty) changes of a release that
    carries them forward; or ``None`` to go on as usual.
    """
    repo, config = project.repo, project.config
    dirty = repo.status.dirty
    if dirty:
        raise ReleaseError("tracked files are modified or staged; commit or stash them first:\n"
                           + "\n".join(f"  - {p}" for p in dirty))
    tags = repo.tags.at(repo.head, config.release_tag_patterns)
    carried: Changes | None = None
    if tags:
        if not carry.pending(repo.tags, config, repo.head):
            return f"HEAD is already released ({', '.join(tags)})"
        carried = detect.nothing_since(tags[-1], repo.head, config)
    branch = repo.status.branch
    if branch != config.main_branch:
        where = f"branch {branch!r}" if branch else "a detached HEAD"
        log.warning("warning: releasing from %s, not %r", where, config.main_branch)
        if not (yes or dry_run):
            question = f"Release from {where} instead of {config.main_branch!r}?"
            if confirm is None:
                raise UsageError(f"not on {config.main_branch!r} and no terminal to confirm: "
                                 "pass --yes to release from here")
            if not confirm(question):
                raise ReleaseError("release cancelled")
    return carried


def ask(question: str) -> bool:
    """Ask on the terminal; only called when stdin is a terminal."""
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def run_release(project: Project, env: Mapping[str, str], *, dry_run: bool,
                from_ref: str | None, yes: bool, push: bool, skip: tuple[str, ...] = (),
                confirm: Callable[[str], bool] | None, now: datetime | None = None,
                core: str | None = None, bump: str | None = None, pre: str | None = None,
                ) -> tuple[Summary | None, str]:
    """Do the release (or its dry run). Returns the summary (``None`` if nothing to do)
    and the text to tell the maintainer."""
    now = now or datetime.now(UTC)
    project.repo.ensure_not_shallow()
    outcome = guard(project, yes=yes, dry_run=dry_run, confirm=confirm)
    if isinstance(outcome, str):
        return None, f"Nothing to release: {outcome}."
    plan = versions.compute_plan(project, from_ref, changes=outcome, skip=skip, core=core,
                                 bump=bump, pre=pre)
    if not plan.anything:
        consistency.check(project.root, project.config, tree=project.repo.tree.files, env=env)
        return None, "Nothing to release: no component changed since " + plan.base_ref + "."
    summary = summarize(project, plan, env, now)
    if dry_run:
        return summary, "Dry run: nothing was written, committed or tagged."
    return summary, _apply(project.repo, summary, push=push)


def _apply(repo: Snapshot, summary: Summary, *, push: bool) -> str:
    """Write, commit and tag the release; what to tell the maintainer next."""
    # The tree is clean (guarded), so the summary's computed contents are still current.
    plan, notes = summary.plan, summary.changelog_file
    # An existing CHANGELOG.md is journaled with the version files; a new one (nothing to
    # restore) is written after them.
    tracked = [notes] if notes.old else []
    update.apply_changes(repo.root, [*summary.changes, *tracked], dry_run=False,
                         git_dir=repo.git_dir)
    if not notes.old:
        (repo.root / notes.path).write_text(notes.new, encoding="utf-8")
    commit = git.commit_all(repo.git, summary.files, commit_message(plan))
    tag = summary.release_tag
    markdown = summary.changelog.markdown()
    data = {**plan.to_dict(), "release_tag": tag, "release_commit": commit,
            "changelog": markdown}
    git.create_tag(repo.git, tag, commit, format_tag_message(
        f"{commit_message(plan).rstrip()}\n\n{markdown}", data))
    log.info("Committed %s and tagged it %s", commit[:12], tag)
    branch = repo.status.branch or "HEAD"  # committing does not move to another branch
    if push:
        git.push(repo.git, "origin", [branch, tag])
        return f"Pushed {branch} and {tag}: CI publishes from the tag."
    return (f"Created {tag} on {commit[:12]}. To publish, push it:\n"
            f"  git push origin {branch} {tag}\n"
            f"To abort instead:\n  git tag -d {tag} && git reset --hard HEAD~1")


def render(summary: Summary | None, message: str, fmt: str, *,
           trust: Sequence[str] = ()) -> str:
    """The summary and the message; ``trust``: a dry run's line per component on its
    registry's trusted publishing (see :mod:`release_tasks.trust.publishers`)."""
    if fmt == "json":
        data = {"summary": summary.to_dict() if summary else None, "message": message}
        return json.dumps({**data, "trust": list(trust)} if trust else data, indent=2)
    shown = ["Trusted publishing, per component (`nox -s trust` shows each form):",
             *(f"  {line}" for line in trust)] if trust else []
    return "\n".join([*([summary.text()] if summary else []), *shown, message])
