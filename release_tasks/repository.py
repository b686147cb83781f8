"""The managed repository: where it is, which files it tracks, how its text is read.

A stage may be started anywhere inside a monorepo (or given ``--repo`` below its root):
the repository is always the top level of the git work tree that contains that path, so
``release.toml`` is read from one place only. Finding it is also where an ``update`` that
was interrupted (killed) is rolled back, before any stage reads the tree
(:mod:`release_tasks.journal`). Relative paths on the command line mean what
they mean in the shell that typed them: they resolve against the invocation directory,
never against wherever the tool happens to run (nox, for one, runs sessions from the
noxfile's own directory).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from release_tasks import cmd, journal
from release_tasks.errors import GitError, UpdateError, UsageError
from release_tasks.log import get_logger
from release_tasks.paths import PathSet

log = get_logger("repository")

_GLOB = set("*?")


def absolute(path: Path, base: Path) -> Path:
    """``path`` made absolute against ``base`` (``..`` folded, symlinks kept as typed)."""
    return path if path.is_absolute() else Path(os.path.normpath(base / path))


def top_level(path: Path) -> Path:
    """The top level of the git work tree containing ``path`` (one ``git rev-parse``).

    A repository without commits has nothing to release, and its tree nothing to check a
    config against: a :class:`GitError`.
    """
    found = locate(path)
    if found.head is None:
        raise GitError(f"{found.root} has no commits yet: commit something before releasing")
    return found.root


class Location(NamedTuple):
    """Where a repository is, as one ``git rev-parse`` answers."""

    root: Path  # the top level of the work tree
    git_dir: Path  # its git directory (``.git``, or the worktree's own under it)
    answers: list[str]  # one line per flag asked
    head: str | None  # the commit at HEAD; None when there is no commit yet


def locate(path: Path, *flags: str) -> Location:
    """One ``git rev-parse`` in ``path``: the top level of its work tree, its git directory,
    the answer to each of ``flags`` (one line each, e.g. ``--is-shallow-repository``), and
    the commit at HEAD. Every stage finds its repository here, so this is also where an
    interrupted ``update`` is rolled back, before anything reads the tree
    (:func:`release_tasks.journal.recover`).

    The top level is ``path`` as the user spelt it when it is the top level itself (git
    answers with symlinks resolved). When ``path`` is below it, one line of log says so, so
    that a run from a subdirectory says which repository (and which ``release.toml``) it uses.
    """
    if not path.is_dir():
        raise UsageError(f"--repo {path}: not a directory")
    result = cmd.run(["git", "-C", str(path), "rev-parse", "--show-toplevel",
                      "--absolute-git-dir", *flags, "--verify", "--quiet", "HEAD^{commit}"],
                     capture=True, check=False, echo=False)
    lines = result.stdout.splitlines()
    if len(lines) < 2 + len(flags):
        raise GitError(f"{path} is not inside a git repository: run the stage from the "
                       "monorepo, or give --repo PATH inside it")
    root, git_dir = Path(lines[0]), Path(lines[1])
    answers = lines[2:2 + len(flags)]
    head = lines[2 + len(flags)] if result.returncode == 0 else None
    if root.resolve() == path.resolve():
        root = path
    elif head is not None:  # without a commit, the caller's error says more than this line
        log.info("%s is below the top level of its git repository: using %s", path, root)
    journal.recover(root, git_dir)
    return Location(root, git_dir, answers, head)


@dataclass(frozen=True)
class Tree:
    """The files git tracks in a repository, and every directory that holds one."""

    files: tuple[str, ...]
    directories: frozenset[str]
    entries: frozenset[str]  # files and directories

    @classmethod
    def of(cls, files: Iterable[str]) -> Tree:
        files = tuple(files)
        directories: set[str] = set()
        for file in files:
            parts = file.split("/")[:-1]
            for end in range(len(parts), 0, -1):
                parent = "/".join(parts[:end])
                if parent in directories:
                    break  # its own parents were added with it
                directories.add(parent)
        return cls(files, frozenset(directories), frozenset(directories.union(files)))

    def matches(self, pattern: str) -> bool:
        """True when ``pattern`` (a component pattern, :mod:`release_tasks.paths`) matches
        at least one tracked file."""
        literal = pattern.rstrip("/")
        if not _GLOB & set(literal):
            # The common case, a plain path: one set lookup instead of a scan.
            return literal in self.entries
        selector = PathSet((pattern,))
        return any(selector.matches(file) for file in self.files)

    def is_directory(self, path: str) -> bool:
        """True when ``path`` is a directory holding at least one tracked file."""
        return path.rstrip("/") in self.directories


def tracked(root: Path) -> Tree:
    """Every file git tracks under ``root`` (one ``git ls-files -z``)."""
    argv = ["git", "-C", str(root), "ls-files", "-z", "--full-name"]
    # A file name that is not UTF-8 (git stores names as bytes) keeps its bytes as
    # surrogates (cmd.run decodes so); no pattern of a config (UTF-8 text) matches them.
    result = cmd.run(argv, capture=True, check=False, echo=False)
    if result.returncode != 0:
        raise GitError(f"cannot list the files of {root}: {result.stderr.strip()}")
    return Tree.of(f for f in result.stdout.split("\0") if f)


def not_utf8(exc: UnicodeDecodeError) -> str:
    """What is wrong with a file that ``exc`` failed to decode, to follow its name."""
    data = bytes(exc.object)
    line = data.count(b"\n", 0, exc.start) + 1
    return (f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, "
            f"line {line}): save it as UTF-8")


def decode(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text with newlines made ``\\n`` (as text-mode reading does).

    A byte that is not UTF-8 is an :class:`UpdateError` naming ``source`` and its offset.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{source}: {not_utf8(exc)}") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")
