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

from release_tasks import config as config_mod
from release_tasks.snapshot import Snapshot

if TYPE_CHECKING:
    from release_tasks import workspace as workspace_mod


@dataclass(frozen=True)
class Project:
    """The repository (read once, see :mod:`release_tasks.snapshot`) and its config."""

    repo: Snapshot
    config: config_mod.Config

    @property
    def root(self) -> Path:
        """The top level of the repository, the directory every stage works in."""
        return self.repo.root

    @cached_property
    def workspace(self) -> workspace_mod.Workspace:
        """The core crates' cargo workspace (one ``cargo metadata``, on first use)."""
        from release_tasks import workspace as workspace_mod

        return workspace_mod.load(self.root, self.config.core.workspace)


def open_project(path: Path, config: config_mod.Config | None = None) -> Project:
    """The project of the repository containing ``path``; its ``release.toml`` (or the
    built-in layout) unless ``config`` is given."""
    repo = Snapshot.open(path)
    return Project(repo, config or config_mod.load(repo.root, tree=repo.tree))
