"""The managed repository as one run reads it: opened once, read on first use, then kept.

Opening runs one ``git rev-parse`` (the top level, the git directory, whether the clone is
shallow, the commit at HEAD) and rolls back an ``update`` that was interrupted
(:func:`release_tasks.repository.locate`). The rest is read the first time a stage asks,
each with one program, and kept for the run: the tracked files (``ls-files``), every tag
with its commit, date and message (``for-each-ref``), the branch and the modified files
(``status``), file contents at a commit (``cat-file --batch``, many files per call), the
nearest tag that marks a release (``describe``) and the paths changed between two commits
(``diff``). A stage passes its snapshot down instead of asking git again.

A snapshot describes the repository as it was when it was read. A run that writes (the
release commit and its tag) does so at its very end, through :mod:`release_tasks.git`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from release_tasks import cmd, git, repository
from release_tasks.errors import GitError, UpdateError
from release_tasks.repository import Tree
from release_tasks.tags import Tags, read_tags


@dataclass(frozen=True)
class Status:
    """The checked-out branch (``None`` on a detached HEAD) and the tracked files that are
    modified or staged."""

    branch: str | None
    dirty: tuple[str, ...]


class Snapshot:
    """One run's view of a git work tree (see the module docstring)."""

    def __init__(self, root: Path, head: str, *, shallow: bool, git_dir: Path) -> None:
        self.root = root
        self.head = head
        self.shallow = shallow
        self.git_dir = git_dir  # where an update journals its writes
        self.git = git.Repo(root)
        self._files: dict[tuple[str, str], str | None] = {}
        self._nearest: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._diffs: dict[tuple[str, str], list[str]] = {}
        self._commits: dict[str, str] = {"HEAD": head, head: head}

    @classmethod
    def open(cls, path: Path) -> Snapshot:
        """The repository containing ``path``, at its top level (one ``git rev-parse``)."""
        found = repository.locate(path, "--is-shallow-repository")
        if found.head is None:
            raise GitError(f"{found.root} has no commits yet: commit something before releasing")
        return cls(found.root, found.head, shallow=found.answers == ["true"],
                   git_dir=found.git_dir)

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
        return repository.tracked(self.root)

    @cached_property
    def tags(self) -> Tags:
        """Every tag, with its commit, date and message (one ``git for-each-ref``)."""
        return Tags(read_tags(self.git))

    @cached_property
    def status(self) -> Status:
        """The branch and the modified tracked files (one ``git status``)."""
        out = self.git.git("status", "--porcelain=v2", "--branch", "-z",
                           "--untracked-files=no").stdout
        return _parse_status(out)

    def resolve(self, ref: str) -> str:
        """The commit ``ref`` names (HEAD and tags without asking git again)."""
        if ref not in self._commits:
            # A tag name wins over a branch of the same name, as git resolves it.
            self._commits[ref] = self.tags.commit(ref) or git.resolve(self.git, ref)
        return self._commits[ref]

    def read(self, commit: str | None, path: str) -> str | None:
        """Text of ``path`` at ``commit`` (the work tree when ``None``); ``None`` if absent."""
        if commit is None:
            file = self.root / path
            return repository.decode(file.read_bytes(), path) if file.is_file() else None
        return self.read_many(commit, [path])[path]

    def read_many(self, commit: str, paths: Iterable[str]) -> dict[str, str | None]:
        """The text of each of ``paths`` at ``commit``, all read by one ``git cat-file
        --batch``; ``None`` for a path that is not a file there.

        A file that is not UTF-8 is an :class:`UpdateError` naming it and the first bad byte.
        """
        wanted = list(dict.fromkeys(paths))
        todo = [p for p in wanted if (commit, p) not in self._files]
        if todo:
            for path, data in zip(todo, _cat_files(self.git, commit, todo), strict=True):
                self._files[(commit, path)] = None if data is None else _text(data, path, commit)
        return {p: self._files[(commit, p)] for p in wanted}

    def nearest_tag(self, commit: str, patterns: Sequence[str]) -> str | None:
        """The nearest tag matching ``patterns`` reachable from ``commit``, not on it.

        One ``git describe`` over every pattern: it picks the tag with the fewest commits in
        between, walking the history (``for-each-ref --merged`` can miss tags when commit
        dates are skewed). Tags on ``commit`` itself are excluded, so that CI running at a
        release tag compares with the previous release and a first release tagged by hand
        on HEAD is still the first release.
        """
        key = (commit, tuple(patterns))
        if key not in self._nearest:
            exclude = self.tags.at(commit, patterns)
            self._nearest[key] = git.describe(self.git, commit, patterns, exclude)
        return self._nearest[key]

    def changed_paths(self, base: str, head: str) -> list[str]:
        """Every path changed between ``base`` and ``head`` (one ``git diff``)."""
        if (base, head) not in self._diffs:
            self._diffs[(base, head)] = git.changed_paths(self.git, base, head)
        return self._diffs[(base, head)]


def _text(data: bytes, path: str, commit: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{path} (at commit {commit[:12]}): {repository.not_utf8(exc)}") from exc


def _cat_files(repo: git.Repo, commit: str, paths: Sequence[str]) -> list[bytes | None]:
    """The blob at ``commit:path`` for each path, in order, from one ``git cat-file --batch``."""
    batchable = [p for p in paths if "\n" not in p]
    if len(batchable) < len(paths):  # a name --batch cannot carry: one call each
        return [git.read_blob(repo, commit, p) for p in paths]
    names = [f"{commit}:{p}" for p in paths]
    code, out, err = cmd.run_bytes(["git", "-C", str(repo.root), "cat-file", "--batch"],
                                   input_bytes="".join(f"{n}\n" for n in names).encode())
    if code != 0:
        raise GitError(f"git cat-file --batch failed in {repo.root}: {err.strip()}")
    found: list[bytes | None] = []
    at = 0
    for name in names:
        end = out.index(b"\n", at)
        header = out[at:end].decode("utf-8", errors="surrogateescape")
        at = end + 1
        if header in (f"{name} missing", f"{name} ambiguous"):
            found.append(None)
            continue
        _, kind, size = header.rsplit(" ", 2)
        data, at = out[at:at + int(size)], at + int(size) + 1  # contents, then a newline
        found.append(data if kind == "blob" else None)
    return found


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
