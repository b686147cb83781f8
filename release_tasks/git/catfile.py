"""One ``git cat-file --batch`` that answers every object read of a run, in turn.

A run reads objects at several moments: the commit at HEAD and every tag object when it
opens the repository, the commit a ref names when it meets one, the version files at the
analysed commit once it knows which commit that is. One program answers all of them: each
request is written when it is made, and its answers are read when they are first needed, so
that git works on them while this process does something else.

Requests go in rounds that git answers in order (:meth:`CatFile.submit`, then
:meth:`CatFile.result`). A round's names are written in pieces smaller than a pipe holds;
the answers to each piece but the last are read before the next is written, and a round's
answers are all read before the next round is written: neither side ever waits for the
other to read.
"""

from __future__ import annotations

import subprocess
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from release_tasks import cmd
from release_tasks.errors import GitError

#: Names are written in pieces this size: far less than a pipe holds wherever git runs
#: (64 KiB on Linux, 16 KiB or more on macOS), so a write never waits for git to read.
_CHUNK = 4_096


class GitObject(NamedTuple):
    """One object as git stores it: its id, its type (``commit``, ``tag``, ``tree``,
    ``blob``) and its bytes."""

    oid: str
    kind: str
    data: bytes


class CatFile:
    """A ``git cat-file --batch`` in ``root``, started on first use, stopped with the run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._proc: subprocess.Popen[bytes] | None = None
        # The round whose last names are written and their answers not read yet (at most one:
        # every round is read before the next is written), with the answers read so far.
        self._pending: tuple[int, list[GitObject | None], list[str]] | None = None
        self._answers: dict[int, list[GitObject | None]] = {}
        self._rounds = 0

    def submit(self, names: Sequence[str]) -> int:
        """Ask for the objects ``names`` name (``<commit>:<path>``, ``refs/tags/x``,
        ``HEAD^{commit}``...); the round's number, for :meth:`result`."""
        if any("\n" in name for name in names):
            raise ValueError("an object name for git cat-file --batch cannot hold a newline")
        self._drain()  # git answers in order: the earlier round's answers come first
        self._rounds += 1
        found: list[GitObject | None] = []
        chunk: list[str] = []
        size = 0
        for name in names:
            chunk.append(name)
            size += len(name) + 1
            if size >= _CHUNK:
                # A long round is read as it is written, so that git never waits for its
                # output to be read while this process waits for its input to be taken.
                self._write(chunk)
                found += [self._one(n) for n in chunk]
                chunk, size = [], 0
        self._write(chunk)
        self._pending = (self._rounds, found, chunk)
        return self._rounds

    def result(self, ticket: int) -> list[GitObject | None]:
        """The objects of round ``ticket``, in the order asked (``None``: no such object)."""
        if ticket not in self._answers:
            self._drain()
        return self._answers.pop(ticket)

    def read(self, names: Sequence[str]) -> list[GitObject | None]:
        """:meth:`submit` and :meth:`result` in one."""
        return self.result(self.submit(names))

    def close(self) -> None:
        """Stop the program (it ends when its input does)."""
        if self._proc is not None:
            _stop(self._proc)
            self._proc = None

    def _write(self, names: list[str]) -> None:
        if not names:
            return
        if self._proc is None:
            self._proc = cmd.start(["git", "-C", str(self.root), "cat-file", "--batch"],
                                   stdin=True)
            # Stopped with the run at the latest, also when a stage ends with an error.
            weakref.finalize(self, _stop, self._proc)
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write("".join(f"{n}\n" for n in names).encode("utf-8", "surrogateescape"))
            self._proc.stdin.flush()
        except BrokenPipeError as exc:
            raise self._failed() from exc

    def _drain(self) -> None:
        if self._pending is not None:
            ticket, found, names = self._pending
            self._pending = None
            self._answers[ticket] = found + [self._one(n) for n in names]

    def _one(self, name: str) -> GitObject | None:
        assert self._proc is not None and self._proc.stdout is not None
        out = self._proc.stdout
        header = out.readline().decode("utf-8", "surrogateescape").rstrip("\n")
        if header in (f"{name} missing", f"{name} ambiguous"):
            return None
        try:
            oid, kind, size = header.rsplit(" ", 2)
            length = int(size)
        except ValueError:
            raise self._failed() from None
        data = out.read(length + 1)  # the object, then a newline
        if len(data) != length + 1:
            raise self._failed()
        return GitObject(oid, kind, data[:-1])

    def _failed(self) -> GitError:
        assert self._proc is not None
        proc, self._proc = self._proc, None
        proc.kill()
        _, err = proc.communicate()
        return GitError(f"git cat-file --batch failed in {self.root}: "
                        f"{err.decode('utf-8', 'replace').strip() or 'no answer'}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            proc.communicate(timeout=10)  # closes its input: git exits
        except (OSError, ValueError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None and not pipe.closed:
            pipe.close()
