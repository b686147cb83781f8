"""The journal's vocabulary and its durable file operations: where the journal lives, what
its manifest records of each file, the update lock, and writes that are on disk when they
return (see :mod:`release_tasks.edit.journal`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from release_tasks.log import get_logger

log = get_logger("journal")

STATE: Final = "release-tasks"  # the tool's directory inside the git directory
JOURNAL: Final = "update-journal"
MANIFEST: Final = "journal.json"
LOCK: Final = "update.lock"
DELAY_HOOK: Final = "RELEASE_TASKS_TEST_RENAME_DELAY"
_SCHEMA: Final = 1


def journal_dir(git_dir: Path) -> Path:
    """Where the journal of an update of the work tree of ``git_dir`` lives."""
    return git_dir / STATE / JOURNAL


@dataclass(frozen=True)
class Entry:
    """One file of an update, as the manifest records it."""

    path: str  # relative to the top level
    mode: int
    old_sha256: str
    new_sha256: str
    beside: bool  # staged in the file's own directory instead of the journal
    prefix: str  # the name of each temporary file of this entry starts with it

    def staging(self, root: Path, journal: Path | None) -> Path:
        """The directory that holds this entry's temporary files."""
        if self.beside or journal is None:
            return (root / self.path).parent
        return journal / "new"


@contextmanager
def locked(git_dir: Path) -> Iterator[None]:
    """Hold the update lock of ``git_dir`` (waiting, with a line saying so, while another
    process holds it). ``filelock`` locks the same way on every system (``flock`` on POSIX,
    ``msvcrt`` on Windows); the lock is released when its holder ends, however it ends."""
    from filelock import FileLock, Timeout  # only a writing stage locks; every stage opens

    (git_dir / STATE).mkdir(exist_ok=True)
    lock = FileLock(git_dir / STATE / LOCK, mode=0o644)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("Waiting for the update running in another process on this repository")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def stage_file(directory: Path, entry: Entry, data: bytes) -> Path:
    """A new temporary file in ``directory`` holding ``data``, with the entry's mode."""
    import tempfile  # only a writing stage stages files; every stage opens the journal

    fd, name = tempfile.mkstemp(prefix=entry.prefix, dir=directory)
    fill(fd, data, entry.mode)
    return Path(name)


def write_new(path: Path, data: bytes) -> None:
    fill(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), data, 0o600)


def fill(fd: int, data: bytes, mode: int) -> None:
    """Write ``data`` to the new file ``fd``, set ``mode``, make it durable, close it."""
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        if hasattr(os, "fchmod"):  # POSIX; Windows keeps only a read-only bit, which we never set
            os.fchmod(handle.fileno(), mode)
        os.fsync(handle.fileno())


def remove_journal(journal: Path) -> None:
    shutil.rmtree(journal, ignore_errors=True)
    fsync_dir(journal.parent)


def fsync_dir(path: Path) -> None:
    """Make the entries of ``path`` durable (a no-op where directories cannot be fsync'd)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def same_device(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
