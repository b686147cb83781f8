"""The managed repository as one run reads it: opened once, read on first use, then kept.

A run of ``detect`` or ``versions`` starts at most five git programs, whatever the history:

* ``rev-parse``: the top level, the git directory, whether the clone is shallow, the name
  of every tag (and, before anything reads the tree, an ``update`` that was interrupted is
  rolled back: :func:`release_tasks.edit.journal.recover`);
* ``cat-file --batch``, one for the whole run (:mod:`release_tasks.git.catfile`): the commit at
  HEAD, every tag's object (its commit, date and message), the commits other refs name, and
  file contents at a commit, many files per request;
* ``ls-files``: the tracked files;
* ``describe``: the nearest tag that marks a release (not run when no such tag exists);
* ``diff-tree``: the paths changed between two commits.

The first three start together (:mod:`release_tasks.git.opening`); ``describe`` and
``diff-tree`` can be started before their answers are needed (:meth:`Snapshot.expect_nearest`,
:meth:`Snapshot.expect_changed`), so that git works while this process does something else.
Other stages add what only they need (``status`` for the branch and the modified files). A
stage passes its snapshot down instead of asking git again.

A snapshot describes the repository as it was when it was read. A run that writes (the
release commit and its tag) does so at its very end, through :mod:`release_tasks.git.repo`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import GitError, UpdateError
from release_tasks.git import repo as git
from release_tasks.git import repository
from release_tasks.git.catfile import CatFile
from release_tasks.git.repository import Tree
from release_tasks.git.tags import Tags, collect, matches


@dataclass(frozen=True)
class Status:
    """The checked-out branch (``None`` on a detached HEAD) and the tracked files that are
    modified or staged."""

    branch: str | None
    dirty: tuple[str, ...]


class Snapshot:
    """One run's view of a git work tree (see the module docstring)."""

    def __init__(self, root: Path, head: str, *, shallow: bool, git_dir: Path,
                 objects: CatFile | None = None, tag_refs: Sequence[str] | None = None) -> None:
        self.root = root
        self.head = head
        self.shallow = shallow
        self.git_dir = git_dir  # where an update journals its writes
        self.git = git.Repo(root)
        self.objects = objects or CatFile(root)
        self._tag_refs = tag_refs
        self._tags_asked = (self.objects.submit(tag_refs) if tag_refs else None)
        self._listing: subprocess.Popen[bytes] | None = None
        self._files: dict[tuple[str, str], str | None] = {}
        self._nearest: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._describing: dict[tuple[str, tuple[str, ...]], subprocess.Popen[bytes]] = {}
        self._diffs: dict[tuple[str, str], list[str]] = {}
        self._diffing: dict[tuple[str, str], subprocess.Popen[bytes]] = {}
        self._commits: dict[str, str] = {"HEAD": head, head: head}

    def ensure_not_shallow(self) -> None:
        """Refuse a shallow clone: its missing history and tags would make detection wrong."""
        if self.shallow:
            raise GitError(
                f"{self.root} is a shallow clone: history and tags are missing, so change "
                "detection would be wrong. In GitHub Actions use `actions/checkout` with "
                "`fetch-depth: 0`; locally run `git fetch --unshallow --tags`.")

    @cached_property
    def tree(self) -> Tree:
        """Every file git tracks (one ``git ls-files``)."""
        if self._listing is None:
            return repository.tracked(self.root)
        listing, self._listing = self._listing, None
        code, out, err = cmd.finish(listing)
        if code != 0:
            raise GitError(f"cannot list the files of {self.root}: {err.strip()}")
        return repository.listing(out)

    @cached_property
    def tags(self) -> Tags:
        """Every tag, with its commit, date and message (read with HEAD, by ``cat-file``)."""
        if self._tag_refs is None:
            refs = repository.open_at(self.root).tag_refs
            return Tags(collect(self.objects, self.objects.submit(refs), refs))
        if self._tags_asked is None:
            return Tags(())
        return Tags(collect(self.objects, self._tags_asked, self._tag_refs))

    @cached_property
    def status(self) -> Status:
        """The branch and the modified tracked files (one ``git status``)."""
        out = self.git.git("status", "--porcelain=v2", "--branch", "-z",
                           "--untracked-files=no").stdout
        return _parse_status(out)

    def resolve(self, ref: str) -> str:
        """The commit ``ref`` names (HEAD and tags without asking git again); an unknown ref
        is a :class:`GitError`."""
        if ref not in self._commits:
            # A tag name wins over a branch of the same name, as git resolves it.
            commit = self.tags.commit(ref)
            if commit is None:
                found = None if "\n" in ref else self.objects.read([f"{ref}^{{commit}}"])[0]
                if found is None or found.kind != "commit":
                    raise GitError(f"unknown git ref {ref!r} in {self.root}")
                commit = found.oid
            self._commits[ref] = commit
        return self._commits[ref]

    def read(self, commit: str | None, path: str) -> str | None:
        """Text of ``path`` at ``commit`` (the work tree when ``None``); ``None`` if absent."""
        if commit is None:
            file = self.root / path
            return repository.decode(file.read_bytes(), path) if file.is_file() else None
        return self.read_many(commit, [path])[path]

    def read_many(self, commit: str, paths: Iterable[str]) -> dict[str, str | None]:
        """The text of each of ``paths`` at ``commit``, all read by one request to
        ``cat-file``; ``None`` for a path that is not a file there.

        A file that is not UTF-8 is an :class:`UpdateError` naming it and the first bad byte.
        """
        wanted = list(dict.fromkeys(paths))
        todo = [p for p in wanted if (commit, p) not in self._files]
        if todo:
            for path, data in zip(todo, _cat_files(self, commit, todo), strict=True):
                self._files[(commit, path)] = None if data is None else _text(data, path, commit)
        return {p: self._files[(commit, p)] for p in wanted}

    def nearest_tag(self, commit: str, patterns: Sequence[str]) -> str | None:
        """The nearest tag matching ``patterns`` reachable from ``commit``, not on it.

        One ``git describe`` over every pattern: it picks the tag with the fewest commits in
        between, walking the history (``for-each-ref --merged`` can miss tags when commit
        dates are skewed). Tags on ``commit`` itself are excluded, so that CI running at a
        release tag compares with the previous release and a first release tagged by hand
        on HEAD is still the first release. Without any other such tag there is nothing to
        walk for, and no ``describe`` runs.
        """
        key = (commit, tuple(patterns))
        if key not in self._nearest:
            self.expect_nearest(commit, patterns)
        if key in self._describing:
            code, out, _ = cmd.finish(self._describing.pop(key))
            self._nearest[key] = (out.decode("utf-8", "surrogateescape").strip() or None
                                  if code == 0 else None)
        return self._nearest[key]

    def expect_nearest(self, commit: str, patterns: Sequence[str]) -> None:
        """Start the ``git describe`` that :meth:`nearest_tag` will read, so that it walks
        the history while this run does something else (it lists the tracked files)."""
        key = (commit, tuple(patterns))
        if key in self._nearest or key in self._describing:
            return
        exclude = self.tags.at(commit, patterns)
        if not any(matches(name, patterns) for name in self.tags if name not in exclude):
            self._nearest[key] = None  # no tag could answer: nothing to walk for
            return
        self._describing[key] = cmd.start(["git", "-C", str(self.root),
                                           *git.describe_args(commit, patterns, exclude)])

    def changed_paths(self, base: str, head: str) -> list[str]:
        """Every path changed between ``base`` and ``head`` (one ``git diff-tree``)."""
        key = (base, head)
        if key in self._diffing:
            code, out, err = cmd.finish(self._diffing.pop(key))
            if code != 0:
                raise GitError(f"git diff-tree {base[:12]} {head[:12]} failed in {self.root}: "
                               f"{err.strip()}")
            self._diffs[key] = git.changed_names(out.decode("utf-8", "surrogateescape"))
        if key not in self._diffs:
            self._diffs[key] = git.changed_paths(self.git, base, head)
        return self._diffs[key]

    def expect_changed(self, base: str, head: str) -> None:
        """Start the ``git diff-tree`` that :meth:`changed_paths` will read."""
        key = (base, head)
        if key not in self._diffs and key not in self._diffing:
            self._diffing[key] = cmd.start(["git", "-C", str(self.root),
                                            *git.changed_args(base, head)])

    def close(self) -> None:
        """Stop the programs this snapshot keeps running (they also stop with the process)."""
        for running in [self._listing, *self._describing.values(), *self._diffing.values()]:
            if running is not None:
                running.kill()
                cmd.finish(running)
        self._listing = None
        self._describing.clear()
        self._diffing.clear()
        self.objects.close()


def _text(data: bytes, path: str, commit: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{path} (at commit {commit[:12]}): {repository.not_utf8(exc)}") from exc


def _cat_files(repo: Snapshot, commit: str, paths: Sequence[str]) -> list[bytes | None]:
    """The blob at ``commit:path`` for each path, in order."""
    if any("\n" in p for p in paths):  # a name --batch cannot carry: one program each
        return [git.read_blob(repo.git, commit, p) for p in paths]
    found = repo.objects.read([f"{commit}:{p}" for p in paths])
    return [None if obj is None or obj.kind != "blob" else obj.data for obj in found]


def _parse_status(out: str) -> Status:
    """``git status --porcelain=v2 --branch -z``: the branch header and the changed paths."""
    branch: str | None = None
    dirty: list[str] = []
    fields = out.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if entry.startswith("# branch.head "):
            name = entry[len("# branch.head "):]
            branch = None if name == "(detached)" else name
        elif entry[:2] == "1 ":
            dirty.append(entry.split(" ", 8)[8])
        elif entry[:2] == "2 ":
            dirty.append(entry.split(" ", 9)[9])
            i += 1  # a rename or copy is followed by a field holding its original path
        elif entry[:2] == "u ":
            dirty.append(entry.split(" ", 10)[10])
    return Status(branch, tuple(dirty))
