"""What a fixture repository is, and what a release of it must do.

A :class:`Fixture` describes one built repository: its config, its core, the release that
its last commit calls for (versions, publish phases), and the exact edits that release
makes (:class:`Edit`). Every file without an edit must come out of a release byte for byte
as it went in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

#: A key that selects, in a list of tables, the one whose ``name`` is the rest of the key
#: (``"@orbit-queue"``: the ``[[package]]`` entry of orbit-queue in a Cargo.lock).
SELECT = "@"

Key = tuple[str, ...]


@dataclass(frozen=True)
class Edit:
    """One value that a release changes in one file.

    In a TOML or JSON file, ``key`` is the path to the value (``SELECT`` items pick a table
    of a list by name) and ``old`` is ``None`` when the release adds the key. In any other
    file, ``key`` is empty and ``old`` is text that occurs exactly once and becomes ``new``.
    """

    path: str
    key: Key
    old: str | None
    new: str


@dataclass(frozen=True)
class Blocked:
    """A plan that must stop: the arguments, the exit code and what the message names."""

    args: tuple[str, ...]
    code: int
    names: tuple[str, ...]  # every one of them must appear in the error
    any_of: tuple[str, ...] = ()  # at least one of them must appear (the ways out)


@dataclass(frozen=True, kw_only=True)
class Fixture:
    """One repository of a real-world shape, built and committed, ready for a release."""

    name: str
    root: Path
    config: str | None  # the release.toml text; None: the built-in layout applies
    core_crates: tuple[str, ...]
    other_members: tuple[str, ...]  # workspace members that are not core crates
    phases: tuple[frozenset[str], ...]  # publish phases of the core crates, in order
    plan_args: tuple[str, ...] = ()  # what `versions` and `release` need (e.g. --bump minor)
    current_core: str
    next_core: str
    core_released: bool
    bindings: Mapping[str, str | None] = field(default_factory=dict)  # name -> next or None
    renderings: Mapping[str, str] = field(default_factory=dict)  # name -> registry rendering
    base_commit: str | None = None  # the commit detection must compare with (None: first)
    edits: tuple[Edit, ...] = ()
    must_keep: tuple[str, ...] = ()  # files named for emphasis; every unedited file is kept
    cargo_roots: tuple[str, ...] = (".",)  # directories whose Cargo.lock cargo checks --locked
    nested_locks: tuple[str, ...] = ()  # member crates with a Cargo.lock of their own
    blocked: Blocked | None = None  # the plan without plan_args must stop like this

    def __post_init__(self) -> None:
        object.__setattr__(self, "bindings", MappingProxyType(dict(self.bindings)))
        object.__setattr__(self, "renderings", MappingProxyType(dict(self.renderings)))
        changed = {e.path for e in self.edits}
        overlap = changed & set(self.must_keep)
        assert not overlap, f"{self.name}: files both edited and kept: {sorted(overlap)}"

    @property
    def must_change(self) -> frozenset[str]:
        """Every file the release changes."""
        return frozenset(e.path for e in self.edits)

    @property
    def released_files(self) -> frozenset[str]:
        """Every file the release commit holds: the edits and the changelog."""
        return self.must_change | {"CHANGELOG.md"}

    @property
    def released_bindings(self) -> dict[str, str]:
        return {name: v for name, v in self.bindings.items() if v is not None}

    @property
    def update_args(self) -> tuple[str, ...]:
        """``update`` arguments that write the same versions as the planned release."""
        args = ["--core", self.next_core]
        for name, version in self.released_bindings.items():
            args += [f"--{name}", version]
        return tuple(args)

    @property
    def release_tags(self) -> tuple[str, ...]:
        """The component tags the publishes of this release will create."""
        core = (f"core-v{self.next_core}",) if self.core_released else ()
        return core + tuple(f"{name}-v{v}" for name, v in self.released_bindings.items())
