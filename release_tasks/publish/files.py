"""A version's files: what a complete version holds on its registry, what the registry
lists, and whether a file of the same name holds the bytes built here.

A version is complete when every expected file is listed (a wheel for this platform and the
sdist; every gem; the tarball): the per-version answer ("the version exists") would call a
wheel without its sdist published. A file listed under the name of one built here is
compared by the strongest digest the registry gives: the same name with other bytes is never
taken for the same file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from release_tasks.errors import DuplicateVersion, OtherBytes
from release_tasks.model.duplicates import OnDuplicate
from release_tasks.registries.interface import ExpectedFile, RemoteFile

#: Strongest first: the digest a comparison uses when the registry gives several.
ALGORITHMS = ("sha512", "sha256", "sha1")
State = Literal["complete", "partial", "planned"]

__all__ = ["ContentMismatch", "Inventory", "Judged", "Slot", "State", "compare", "digest",
           "judge_duplicates"]


class ContentMismatch(OtherBytes):
    """A file on the registry has the name of one built here and other bytes."""


@dataclass(frozen=True)
class Judged:
    """The files already on the registry, a line each, and those with other bytes."""

    lines: list[str]
    differing: list[str]


@dataclass(frozen=True, kw_only=True)
class Slot:
    """One expected file and the registry's file that fills it, if any."""

    expected: ExpectedFile
    remote: RemoteFile | None


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """The expected files of a version against what the registry lists."""

    slots: tuple[Slot, ...]
    remote: tuple[RemoteFile, ...]

    @classmethod
    def of(cls, expected: Iterable[ExpectedFile], remote: Iterable[RemoteFile]) -> Inventory:
        listed = tuple(remote)
        slots = []
        for want in expected:
            match = next((f for f in listed if want.matches(f.name)), None)
            slots.append(Slot(expected=want, remote=match))
        return cls(slots=tuple(slots), remote=listed)

    @property
    def missing(self) -> list[ExpectedFile]:
        return [s.expected for s in self.slots if s.remote is None]

    @property
    def present(self) -> list[RemoteFile]:
        return [s.remote for s in self.slots if s.remote is not None]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def state(self) -> State:
        if self.complete:
            return "complete"
        return "partial" if self.present else "planned"

    def steps_needed(self) -> frozenset[str]:
        """The build steps of the files the registry lacks."""
        return frozenset(e.step for e in self.missing)

    def named(self, name: str) -> RemoteFile | None:
        """The registry's file of that exact name (expected or not)."""
        return next((f for f in self.remote if f.name == name), None)


def digest(path: Path, algorithm: str) -> str:
    """The hex digest of ``path``'s bytes."""
    h = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A local file against the registry's file of the same name."""

    name: str
    algorithm: str | None  # None: the registry gives no digest this tool can check
    remote: str = ""
    local: str = ""

    @property
    def same(self) -> bool | None:
        return None if self.algorithm is None else self.remote == self.local

    def describe(self, registry: str) -> str:
        if self.algorithm is None:
            return f"{self.name}: {registry} gives no digest to compare with"
        if self.same:
            return f"{self.name}: same bytes as built here ({self.algorithm} {self.local})"
        return (f"{self.name}: {registry} holds OTHER BYTES under this name: {self.algorithm} "
                f"{self.remote} on {registry}, {self.local} built here")


def compare(local: Path, remote: RemoteFile) -> Comparison:
    for algorithm in ALGORITHMS:
        if remote.digests.get(algorithm):
            return Comparison(name=remote.name, algorithm=algorithm,
                              remote=remote.digests[algorithm].lower(),
                              local=digest(local, algorithm))
    return Comparison(name=remote.name, algorithm=None)


def judge_duplicates(present: Sequence[RemoteFile], local: Mapping[str, Path], *,
                     mode: OnDuplicate, label: str, registry: str, complete: bool,
                     logger: logging.Logger, ways: str = "") -> Judged:
    """Apply ``--on-duplicate`` to each file already on the registry; return a line per file
    and the files with other bytes.

    Other bytes under one name are an error naming both digests with ``fail`` and a warning
    otherwise (the caller then refuses the tag); a file with no local copy to compare is
    said to be so. ``fail`` stops at the first file that is already there.
    """
    lines = []
    mismatched = []
    for remote in present:
        path = local.get(remote.name)
        if path is None:
            lines.append(f"{remote.name}: already on {registry} (not built here, so not "
                         "compared)")
            continue
        found = compare(path, remote)
        lines.append(found.describe(registry))
        if found.same is False:
            mismatched.append(found.describe(registry))
    if mismatched:
        text = (f"{label}: {len(mismatched)} file(s) on {registry} differ from what this "
                f"commit builds:\n" + "\n".join(f"  - {m}" for m in mismatched))
        if mode == "fail":
            raise ContentMismatch(text + "\nNothing was uploaded or tagged (--on-duplicate=fail)."
                                  + (f"\n{ways}" if ways else ""))
        logger.warning("WARNING: %s\nThose files are kept as they are (a registry never takes "
                       "a file name twice); the version will not be tagged as published.", text)
    if present and mode == "fail":
        what = label if complete else f"{label}: {present[0].name}"
        raise DuplicateVersion(f"{what} already exists on {registry} (--on-duplicate=fail)")
    level = logging.INFO if mode == "skip" else logging.WARNING
    for line in lines:
        logger.log(level, "  [%s] %s", mode, line)
    return Judged(lines, mismatched)
