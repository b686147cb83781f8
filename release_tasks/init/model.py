"""What ``init`` reads and what it proposes: the inputs of the inference, and its answer.

The inference (:mod:`release_tasks.init.bindings`, :mod:`release_tasks.init.groups`) is pure:
it is given cargo's model of the workspace, the files git tracks, a way to read a file, and
the tag names, and it answers a :class:`Proposal` in which every choice carries its reason.
Only :mod:`release_tasks.init.infer` runs programs or touches the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from release_tasks.cargo.workspace import Crate, Workspace
from release_tasks.git.repository import Tree
from release_tasks.model.components import VersionFile
from release_tasks.model.version import Registry, Scheme

#: The text of a tracked file (``None`` when there is no such file, or it cannot be read).
ReadText = Callable[[str], "str | None"]
#: The crate whose manifest is at a repository-relative path (``None`` when cargo knows none).
CrateAt = Callable[[str], "Crate | None"]


@dataclass(frozen=True, kw_only=True)
class Sources:
    """Everything the inference looks at, read once."""

    workspace: Workspace
    tree: Tree
    read: ReadText
    tags: Sequence[str] = ()
    crate_at: CrateAt | None = None  # binding crates outside the workspace (own workspace)
    #: The machine's platform (``linux-x86_64``), a binding's platforms when its setup names
    #: none; None: not known.
    host: str | None = None

    def crate(self, manifest: str) -> Crate | None:
        """The crate with this manifest: a workspace member, else whatever ``crate_at`` says."""
        for crate in self.workspace.members:
            if crate.manifest == manifest:
                return crate
        return self.crate_at(manifest) if self.crate_at is not None else None


@dataclass(frozen=True, kw_only=True)
class FoundBinding:
    """An FFI binding found in the tree, and why it was taken for one."""

    name: str
    registry: Registry
    directory: str
    package: str
    crate: Crate | None
    version_files: tuple[VersionFile, ...]
    lockfiles: tuple[str, ...] = ()  # kept current by the release
    paths: tuple[str, ...] = ()  # beyond ``directory`` (a crate that lives elsewhere)
    why: str = ""  # how it was recognised
    named: str = ""  # why it has its name
    notes: tuple[str, ...] = ()  # what the maintainer should know or check
    disabled: str | None = None  # why it is written commented out (None: it is active)
    platforms: tuple[str, ...] = ()  # what it is published for
    platforms_why: str = ""  # where that comes from
    versioning: Scheme = "two-tier"
    versioning_why: str = ""  # what the guess of the scheme went by


@dataclass(frozen=True, kw_only=True)
class Group:
    """A proposed core group."""

    name: str
    label: str
    crates: tuple[str, ...]
    paths: tuple[str, ...]
    propagates_to: tuple[str, ...]
    why: str


@dataclass(frozen=True, kw_only=True)
class Proposal:
    """The whole proposed ``release.toml``, with the reasons for it."""

    project: str
    repository: str | None
    main_branch: str
    workspace_dir: str
    core_version: str
    core_why: str  # where the core version comes from
    version_file: str
    version_file_missing: bool  # init writes it (with ``core_version``)
    groups: tuple[Group, ...]
    bindings: tuple[FoundBinding, ...]
    left_out: tuple[tuple[str, str], ...]  # (crate, why it is not a core crate)
    notes: tuple[str, ...] = field(default=())
    #: The start of the core's release tags when the repository's own are not ``v``/
    #: ``core-v`` (polars's ``rs-0.55.1``), and why; None: the default.
    core_tag_prefix: str | None = None
    core_tag_why: str = ""

    @property
    def active_bindings(self) -> tuple[FoundBinding, ...]:
        return tuple(b for b in self.bindings if b.disabled is None)


def parent(path: str) -> str:
    """The directory of a repository-relative path (``""`` at the top level)."""
    found = str(PurePosixPath(path).parent)
    return "" if found == "." else found


def below(path: str, directory: str) -> bool:
    """True when ``path`` is ``directory`` or inside it (whole components only)."""
    return directory == "" or path == directory or path.startswith(directory + "/")


def in_examples(directory: str) -> bool:
    """True for a directory inside an ``example``/``examples`` folder (pyo3-polars's
    ``example/io_plugin``): a project's sample, never one of its releases."""
    return any(part in ("example", "examples") for part in PurePosixPath(directory).parts)
