"""``versions``: the next version of every component, as a frozen :class:`ReleasePlan`.

This module reads what the version rules (:mod:`release_tasks.plan.rules`) decide from, once and
before they run: the changes since the last release (:mod:`release_tasks.plan.detect`), the
versions the files hold at the analysed commit (one ``git cat-file --batch``), the tags, and
what the previous release left pending. The rules themselves do no I/O.
"""

from __future__ import annotations

from collections.abc import Collection

from release_tasks.apply import formats
from release_tasks.errors import ReleaseError, VersionError
from release_tasks.git import repo as git
from release_tasks.git.snapshot import Snapshot
from release_tasks.model.components import Config, VersionFile
from release_tasks.model.version import CoreVersion, clean_version_text
from release_tasks.plan import carry, rules, unreached
from release_tasks.plan.detect import Changes, compared, detect, marker_patterns
from release_tasks.plan.release_plan import ReleasePlan
from release_tasks.project import Project


def facts(repo: Snapshot, config: Config, changes: Changes, *, skip: Collection[str] = (),
          core: str | None = None, bump: str | None = None,
          pre: str | None = None) -> rules.Facts:
    """Everything the rules need from the repository, read at the analysed commit."""
    head = changes.head_commit
    # A base that is itself a release (a carry-forward release on top of one) is never
    # the first release.
    first = changes.base_commit != head and repo.nearest_tag(head, marker_patterns(
        config)) is None and (changes.base_commit == git.EMPTY_TREE
        or not repo.tags.at(changes.base_commit, config.release_tag_patterns))
    own_commit = changes.release.commit if changes.release is not None else None
    specs = {b.name: b.primary_file for b in config.bindings}
    texts = repo.read_many(head, [config.core.version_file, *(s.path for s in specs.values())])
    version_text = texts[config.core.version_file]
    if version_text is None:
        raise VersionError(f"{config.core.version_file}: file not found in {repo.root}; create "
                           "it with the core version, e.g. 0.1.0")
    files = {name: _field(spec, texts[spec.path]) for name, spec in specs.items()}
    return rules.Facts(
        changes=changes, first=first,
        core=CoreVersion.parse(clean_version_text(version_text), source=config.core.version_file),
        files=files, tags=repo.tags.commits,
        pending={} if first else carry.pending(repo.tags, config, changes.base_commit, own_commit),
        skip=skip, core_option=core, bump=bump, pre=pre)


def _field(spec: VersionFile, text: str | None) -> str | None:
    """The version a binding's primary file holds (``None`` when there is no such file)."""
    return None if text is None else formats.read(spec, text)


def compute_plan(project: Project, from_ref: str | None = None, *, changes: Changes | None = None,
                 skip: Collection[str] = (), core: str | None = None,
                 bump: str | None = None, pre: str | None = None) -> ReleasePlan:
    """Detect changes (unless given) and compute every next version.

    ``skip`` names bindings left out of this release on purpose; they are recorded in the
    plan and carried forward. ``core``/``bump`` release the core at a chosen version. At a
    release commit the release's own skips and core choice apply. ``pre`` releases the core
    as the next prerelease with that label.
    """
    if changes is None:
        repo, config = project.repo, project.config
        where = compared(repo, config, from_ref)
        point, _, base_commit = where
        # While git lists the changes, the version files are read (and their readers loaded).
        repo.expect_changed(base_commit, point.head_commit)
        _read_ahead(repo, config, point.head_commit)
        changes = detect(repo, config, from_ref, where=where)
    found = facts(project.repo, project.config, changes, skip=skip, core=core, bump=bump, pre=pre)
    if from_ref is None:
        unreached.warn(unreached.newer_unreached(project.repo, project.config, changes.head_commit,
                                                 found.core, changes.base_commit),
                       changes.base_ref, found.core)
    return rules.plan(project.config, found)


def _read_ahead(repo: Snapshot, config: Config, head: str) -> None:
    """Read what :func:`facts` will read at ``head``; a problem is left for it to report, in
    its turn."""
    specs = [b.primary_file for b in config.bindings]
    try:
        texts = repo.read_many(head, [config.core.version_file, *(s.path for s in specs)])
        for spec in specs:
            _field(spec, texts[spec.path])
    except ReleaseError:
        pass
