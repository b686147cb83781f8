"""The managed project as one run reads it: its repository, its config, its cargo workspace.

A stage opens the project once and passes it down, so that the repository, the files git
tracks, the tags, ``release.toml`` and ``cargo metadata`` are each read once per run, however
many parts of the run look at them. The workspace is read on first use: detection and the
version rules never need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from release_tasks.git.opening import Opening

if TYPE_CHECKING:
    from release_tasks.cargo import workspace as workspace_mod
    from release_tasks.config import load as config_mod
    from release_tasks.git.snapshot import Snapshot


@dataclass(frozen=True)
class Project:
    """The repository (read once, see :mod:`release_tasks.git.snapshot`) and its config."""

    repo: Snapshot
    config: config_mod.Config

    @property
    def root(self) -> Path:
        """The top level of the repository, the directory every stage works in."""
        return self.repo.root

    @cached_property
    def workspace(self) -> workspace_mod.Workspace:
        """The core crates' cargo workspace (one ``cargo metadata``, on first use)."""
        from release_tasks.cargo import workspace as workspace_mod

        return workspace_mod.load(self.root, self.config.core.workspace)


def open_project(path: Path | Opening, config: config_mod.Config | None = None, *,
                 detecting: bool = False) -> Project:
    """The project of the repository containing ``path`` (or being opened there); its
    ``release.toml`` (or the built-in layout) unless ``config`` is given.

    ``detecting``: the run will detect changes since the last release. The history walk
    that finds it (:meth:`Snapshot.expect_nearest`) then starts as soon as the config is
    read, and runs while git lists the tracked files that the config is checked against and
    while the stage imports what it works with. Not at a release commit: there the base
    comes from the release's plan.
    """
    opening = path if isinstance(path, Opening) else Opening(path)
    from release_tasks.config import load as config_mod  # imported while git opens the repository

    repo = opening.finish()
    if config is None:
        unchecked = config_mod.read(repo.root)
        found = unchecked.config
        if detecting and not unchecked.problems and not repo.tags.at(
                repo.head, found.release_tag_patterns):
            repo.expect_nearest(repo.head, found.marker_patterns)
        config = config_mod.checked(unchecked, repo.tree)
    return Project(repo, config)
