"""The managed repository: where it is, which files it tracks, how its text is read.

A stage may be started anywhere inside a monorepo (or given ``--repo`` below its root):
the repository is always the top level of the git work tree that contains that path, so
``release.toml`` is read from one place only. Relative paths on the command line mean what
they mean in the shell that typed them: they resolve against the invocation directory,
never against wherever the tool happens to run (nox, for one, runs sessions from the
noxfile's own directory).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from release_tasks import cmd
from release_tasks.edit import journal
from release_tasks.errors import GitError, UpdateError, UsageError
from release_tasks.git.programs import LS_FILES, OPEN_ARGS
from release_tasks.log import get_logger
from release_tasks.model.paths import PathSet

log = get_logger("repository")

_GLOB = set("*?")


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
    the commit at HEAD (``None`` when there is no commit yet). Every stage finds its
    repository here or in :class:`~release_tasks.git.opening.Opening`, so these two are where an
    interrupted ``update`` is rolled back, before anything reads the tree
    (:func:`release_tasks.edit.journal.recover`).

    The top level is ``path`` as the user spelt it when it is the top level itself (git
    answers with symlinks resolved). When ``path`` is below it, one line of log says so, so
    that a run from a subdirectory says which repository (and which ``release.toml``) it uses.
    """
    result = _rev_parse(path, "--absolute-git-dir", *flags, "--verify", "--quiet",
                        "HEAD^{commit}")
    lines = result.stdout.splitlines()
    if len(lines) < 2 + len(flags):
        raise GitError(f"{path} is not inside a git repository: run the stage from the "
                       "monorepo, or give --repo PATH inside it")
    git_dir = Path(lines[1])
    answers = lines[2:2 + len(flags)]
    head = lines[2 + len(flags)] if result.returncode == 0 else None
    root = _top(path, Path(lines[0]), has_commit=head is not None)
    journal.recover(root, git_dir)
    return Location(root, git_dir, answers, head)


class Opened(NamedTuple):
    """What :data:`~release_tasks.git.programs.OPEN_ARGS` printed: the repository opened."""

    root: Path  # the top level (as :func:`locate` spells it)
    git_dir: Path
    shallow: bool
    tag_refs: list[str]  # every tag's full name


def open_at(path: Path) -> Opened:
    """One ``git rev-parse`` in ``path`` (:data:`~release_tasks.git.programs.OPEN_ARGS`), read by
    :func:`opened`."""
    result = _rev_parse(path, *OPEN_ARGS[2:])
    return opened(path, result.returncode, result.stdout, result.stderr)


def opened(path: Path, code: int, stdout: str, stderr: str) -> Opened:
    """The repository at ``path``, from what :data:`~release_tasks.git.programs.OPEN_ARGS`
    printed there."""
    lines = stdout.splitlines()
    if not lines:
        raise GitError(f"{path} is not inside a git repository: run the stage from the "
                       "monorepo, or give --repo PATH inside it")
    if code != 0 or len(lines) < 3:
        raise GitError(f"git rev-parse failed in {path}: {stderr.strip()}")
    root = Path(lines[0])
    return Opened(path if root.resolve() == path.resolve() else root, Path(lines[1]),
                  lines[2] == "true", lines[3:])


def require_directory(path: Path) -> None:
    if not path.is_dir():
        raise UsageError(f"--repo {path}: not a directory")


def below_top(path: Path, root: Path) -> None:
    """Say which repository a run from below its top level uses."""
    if root != path:
        log.info("%s is below the top level of its git repository: using %s", path, root)


def _rev_parse(path: Path, *args: str) -> cmd.Result:
    require_directory(path)
    result = cmd.run(["git", "-C", str(path), "rev-parse", "--show-toplevel", *args],
                     capture=True, check=False, echo=False)
    if not result.stdout.strip():
        raise GitError(f"{path} is not inside a git repository: run the stage from the "
                       "monorepo, or give --repo PATH inside it")
    return result


def _top(path: Path, root: Path, *, has_commit: bool) -> Path:
    if root.resolve() == path.resolve():
        return path
    if has_commit:  # without a commit, the caller's error says more than this line
        below_top(path, root)
    return root


@dataclass(frozen=True)
class Tree:
    """The files git tracks in a repository; what a config's patterns are checked against.

    Questions about directories are answered from the sorted file names (a directory holds
    a file when some name starts with it and a slash), so that a tree of tens of thousands of
    files costs nothing until it is asked; the set of every directory is made only when a
    caller wants it whole.
    """

    files: tuple[str, ...]

    @classmethod
    def of(cls, files: Iterable[str]) -> Tree:
        return cls(tuple(files))

    @cached_property
    def directories(self) -> frozenset[str]:
        """Every directory that holds a tracked file."""
        directories: set[str] = set()
        for file in self.files:
            parts = file.split("/")[:-1]
            for end in range(len(parts), 0, -1):
                parent = "/".join(parts[:end])
                if parent in directories:
                    break  # its own parents were added with it
                directories.add(parent)
        return frozenset(directories)

    @cached_property
    def entries(self) -> frozenset[str]:
        """Every tracked file and every directory that holds one."""
        return self.directories.union(self.files)

    @cached_property
    def _sorted(self) -> list[str]:
        return sorted(self.files)  # git lists them sorted already: one pass

    def matches(self, pattern: str) -> bool:
        """True when ``pattern`` (a component pattern, :mod:`release_tasks.model.paths`) matches
        at least one tracked file."""
        literal = pattern.rstrip("/")
        if not _GLOB & set(literal):
            # The common case, a plain path: a lookup instead of a scan.
            return self._starts(literal, exact=True) or self.is_directory(literal)
        selector = PathSet((pattern,))
        return any(selector.matches(file) for file in self.files)

    def is_directory(self, path: str) -> bool:
        """True when ``path`` is a directory holding at least one tracked file."""
        prefix = path.rstrip("/") + "/"
        return prefix != "/" and self._starts(prefix, exact=False)

    def _starts(self, text: str, *, exact: bool) -> bool:
        """Whether a file is named ``text`` (``exact``) or has a name that starts with it."""
        names = self._sorted
        at = bisect_left(names, text)
        if at == len(names):
            return False
        return names[at] == text if exact else names[at].startswith(text)


def listing(stdout: bytes) -> Tree:
    """The tree that ``git ls-files -z`` printed.

    A file name that is not UTF-8 (git stores names as bytes) keeps its bytes as surrogates;
    no pattern of a config (UTF-8 text) matches them.
    """
    names = stdout.decode("utf-8", "surrogateescape").split("\0")
    if names and not names[-1]:
        names.pop()  # the NUL after the last name
    return Tree(tuple(names))


def tracked(root: Path) -> Tree:
    """Every file git tracks under ``root`` (one ``git ls-files -z``)."""
    code, out, err = cmd.run_bytes(["git", "-C", str(root), *LS_FILES])
    if code != 0:
        raise GitError(f"cannot list the files of {root}: {err.strip()}")
    return listing(out)


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
