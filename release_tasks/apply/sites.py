"""The vocabulary of a release's change set: files, the version sites in them, and the planner
that collects both. :mod:`release_tasks.apply.changeset` fills a planner for the cargo side and
:mod:`release_tasks.apply.binding_sites` for the bindings.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from release_tasks.errors import UpdateError
from release_tasks.model.version import BindingVersion, CoreVersion

Editor = Callable[[str], str]


@dataclass(frozen=True)
class FileChange:
    """One file's old and new content."""

    path: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.old.splitlines(keepends=True), self.new.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


@dataclass(frozen=True)
class Site:
    """One value the release writes; ``conflict`` says why its old value is drift."""

    path: str
    key: str
    old: str | None
    new: str
    conflict: str | None = None


@dataclass(frozen=True, kw_only=True)
class Targets:
    """The versions to write: the core's current and next, and each released binding's."""

    core_current: CoreVersion
    core_next: CoreVersion
    bindings: Mapping[str, BindingVersion] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeSet:
    """Every file the release touches (changed or not), its sites, and what stops it."""

    changes: tuple[FileChange, ...]
    sites: tuple[Site, ...]
    problems: tuple[str, ...]  # files that cannot be read or edited

    @property
    def conflicts(self) -> list[str]:
        return [f"{s.path}: {s.conflict}" for s in self.sites if s.conflict]

    @property
    def files(self) -> list[str]:
        return [c.path for c in self.changes if c.changed]


def read_exact(path: Path) -> str:
    """A text file as it is on disk: newline="" keeps CRLF exactly."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


class Planner:
    """Collects, per file, the editors to run and the sites they write."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: dict[str, str | None] = {}
        self.editors: dict[str, list[Editor]] = {}
        self.sites: list[Site] = []
        self.problems: list[str] = []

    def text(self, path: str) -> str | None:
        """The file's text (``None``, with a problem recorded, when it cannot be read)."""
        if path not in self.texts:
            try:
                self.texts[path] = read_exact(self.root / path)
            except FileNotFoundError:
                self.problems.append(f"{path}: file not found")
                self.texts[path] = None
            except UnicodeDecodeError as exc:
                self.problems.append(f"{path}: not UTF-8 text (byte {exc.start}): {exc.reason}")
                self.texts[path] = None
            except OSError as exc:
                self.problems.append(f"{path}: cannot be read: {exc}")
                self.texts[path] = None
        return self.texts[path]

    def read(self, path: str, reader: Callable[[str], str | None]) -> tuple[bool, str | None]:
        """``(readable, value)`` of one field; a parse failure is a recorded problem."""
        text = self.text(path)
        if text is None:
            return False, None
        try:
            return True, reader(text)
        except UpdateError as exc:
            self.problem(path, str(exc))
            return False, None

    def problem(self, path: str, message: str) -> None:
        text = message if message.startswith(path) else f"{path}: {message}"
        if text not in self.problems:
            self.problems.append(text)

    def add(self, path: str, editor: Editor, *sites: Site) -> None:
        if self.text(path) is None:
            return
        self.editors.setdefault(path, []).append(editor)
        for site in sites:
            if all((s.path, s.key) != (site.path, site.key) for s in self.sites):
                self.sites.append(site)

    def result(self) -> ChangeSet:
        changes = []
        for path, editors in self.editors.items():
            old = self.texts[path]
            assert old is not None
            new = old
            try:
                for editor in editors:
                    new = editor(new)
            except UpdateError as exc:
                self.problem(path, str(exc))
                continue
            changes.append(FileChange(path, old, new))
        return ChangeSet(tuple(changes), tuple(self.sites), tuple(self.problems))


def expected(current: str, following: str, prefix: str = "") -> str:
    """``expected 0.1.8`` (or ``expected 0.1.8 or 0.1.9`` while a release moves it)."""
    if current == following:
        return f"expected {prefix}{current}"
    return f"expected {prefix}{current} or {prefix}{following}"
