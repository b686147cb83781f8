"""The journal that makes ``update`` all-or-none, even when its process is killed.

Each file is replaced by a rename, atomic for one file but not for the set. So before the
first rename, the update writes a journal in the repository's git directory
(``<git-dir>/release-tasks/update-journal/``): the old bytes of every file about to change,
then a manifest (``journal.json``: each file's path, mode and the hashes of its old and new
bytes), all fsync'd. The new bytes are staged there too, where git never lists them; only a
file on another filesystem than the git directory has its staged copy beside it, under a
prefix the manifest names first. Then the renames; then the manifest is removed (the update
is done), then the rest of the journal.

Every stage finds its repository through :func:`release_tasks.repository.locate`, which
calls :func:`recover` before anything reads the tree: a manifest there means an update
stopped midway, so every file holding its new bytes gets its old bytes and mode back, the
temporary files and the journal go, and one log line says so (a file holding neither,
edited since, is left and named). A running update holds an exclusive ``flock`` on
``<git-dir>/release-tasks/update.lock``, which the kernel drops however the process ends:
a stage started next to a live update waits for it instead of undoing it.

Without a git directory (a plain directory, which no stage works on) files are staged beside
their targets and an error rolls the set back in-process, but a kill can leave a mix.

Test hook: ``RELEASE_TASKS_TEST_RENAME_DELAY=SECONDS`` sleeps that long before each rename,
so that a test can kill the process between renames. Unset, it does nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from release_tasks.errors import UpdateError
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


class Update:
    """The replacement of a set of files, step by step; :func:`replace_all` runs the steps.

    ``journal`` is the journal directory (it must not exist yet), or ``None`` for none.
    """

    def __init__(self, root: Path, journal: Path | None,
                 files: Sequence[tuple[str, bytes]]) -> None:
        self.root = root
        self.journal = journal
        self.new = [data for _, data in files]
        self.old: list[bytes] = []
        self.entries: list[Entry] = []
        self.staged: list[Path] = []
        token = os.urandom(4).hex()  # no two runs share a temporary file's prefix
        for index, (path, data) in enumerate(files):
            target = root / path
            self.old.append(target.read_bytes())
            beside = journal is None or not _same_device(journal.parent, target.parent)
            self.entries.append(Entry(
                path=path, mode=target.stat().st_mode & 0o7777,
                old_sha256=_sha(self.old[-1]), new_sha256=_sha(data), beside=beside,
                prefix=f".{target.name}.{token}." if beside else f"{index}."))

    def write_journal(self) -> None:
        """The old bytes, then the manifest that arms the journal; each durable on disk."""
        if self.journal is None:
            return
        (self.journal / "old").mkdir(parents=True)
        (self.journal / "new").mkdir()
        _fsync_dir(self.journal.parent)
        for index, data in enumerate(self.old):
            _write_new(self.journal / "old" / str(index), data)
        _fsync_dir(self.journal / "old")
        part = self.journal / f"{MANIFEST}.part"
        _write_new(part, json.dumps({"schema": _SCHEMA,
                                     "files": [asdict(e) for e in self.entries]}).encode())
        part.replace(self.journal / MANIFEST)
        _fsync_dir(self.journal)

    def stage(self) -> None:
        """Write each file's new bytes, with its mode, to a temporary file."""
        for entry, data in zip(self.entries, self.new, strict=True):
            self.staged.append(_stage(entry.staging(self.root, self.journal), entry, data))

    def rename_all(self) -> None:
        """Move every staged file over its target, then make the renames durable."""
        try:
            delay = float(os.environ.get(DELAY_HOOK, "0"))
        except ValueError:
            delay = 0.0
        for entry, staged in zip(self.entries, self.staged, strict=True):
            if delay > 0:
                time.sleep(delay)
            staged.replace(self.root / entry.path)
        for directory in {(self.root / e.path).parent for e in self.entries}:
            _fsync_dir(directory)

    def finish(self) -> None:
        """Remove the manifest (the update is done), then the rest of the journal."""
        if self.journal is not None:
            (self.journal / MANIFEST).unlink()
            _fsync_dir(self.journal)
            _remove_journal(self.journal)

    def undo(self) -> None:
        """After an error in this process: put the old bytes back, remove every temporary
        file and the journal."""
        _restore(self.root, self.journal, self.entries, self.old.__getitem__)
        _remove_temporaries(self.root, self.journal, self.entries)
        if self.journal is not None:
            _remove_journal(self.journal)


def replace_all(root: Path, files: Sequence[tuple[str, bytes]], git_dir: Path | None) -> None:
    """Replace each file of ``files`` (a path relative to ``root``, its new bytes): all or
    none, journaled in ``git_dir`` when there is one (see the module docstring)."""
    if not files:
        return
    if git_dir is None:
        _run(root, None, files)
        return
    with ExitStack() as stack:
        try:
            stack.enter_context(locked(git_dir))
        except OSError as exc:
            raise UpdateError(f"no file was changed: cannot lock {git_dir / STATE / LOCK}: "
                              f"{exc}") from exc
        journal = journal_dir(git_dir)
        if journal.exists():  # a caller that did not open the repository through a stage
            _roll_back(root, journal)
            raise UpdateError("no file was changed: an interrupted update was rolled back "
                              "first, so this one was computed from another tree; run it again")
        _run(root, journal, files)


def _run(root: Path, journal: Path | None, files: Sequence[tuple[str, bytes]]) -> None:
    try:
        update = Update(root, journal, files)
    except OSError as exc:
        raise UpdateError(f"no file was changed: cannot read a file to replace: {exc}") from exc
    steps: list[tuple[Callable[[], None], str]] = [
        (update.write_journal, f"cannot write the journal in {journal}"),
        (update.stage, "cannot write a temporary file"),
        (update.rename_all, "renaming failed"),
        (update.finish, "cannot remove the journal"),
    ]
    for step, failure in steps:
        try:
            step()
        except BaseException as exc:  # Ctrl-C included: nothing half done is left behind
            try:
                update.undo()
            except OSError as again:
                later = (f"the next stage rolls the update back from {journal}" if journal
                         else "restore the files with `git checkout -- FILE...`")
                raise UpdateError(f"{failure} ({exc}); putting the old files back failed "
                                  f"too ({again}): {later}") from exc
            if isinstance(exc, OSError):
                raise UpdateError(f"no file was changed: {failure}: {exc}") from exc
            raise


def recover(root: Path, git_dir: Path) -> None:
    """Roll back an update of ``root`` that was interrupted (see the module docstring);
    when there is no journal, this is one ``stat``."""
    journal = journal_dir(git_dir)
    if not journal.exists():
        return
    try:
        with locked(git_dir):
            if journal.exists():  # a live update that was waited for has removed it
                _roll_back(root, journal)
    except OSError as exc:
        raise _stuck(journal, exc) from exc


def _stuck(journal: Path, exc: OSError) -> UpdateError:
    return UpdateError(
        f"an interrupted update left its journal in {journal} and it cannot be rolled back: "
        f"{exc}. Make the repository writable and run the stage again, or restore the files "
        f"its journal.json lists with `git checkout -- FILE...` and remove {journal}")


def _roll_back(root: Path, journal: Path) -> None:
    """Roll back the update whose journal is ``journal`` (its lock held)."""
    try:
        _roll_back_files(root, journal)
    except OSError as exc:
        raise _stuck(journal, exc) from exc


def _roll_back_files(root: Path, journal: Path) -> None:
    manifest = journal / MANIFEST
    if not manifest.exists():
        _remove_journal(journal)
        log.info("Removed the journal of an update interrupted before its first rename or "
                 "after its last: no file needed restoring")
        return
    entries = _read_manifest(manifest)
    restored, left = _restore(root, journal, entries,
                              lambda i: (journal / "old" / str(i)).read_bytes())
    _remove_temporaries(root, journal, entries)
    manifest.unlink()
    _remove_journal(journal)
    done = (f"restored {len(restored)} of its {len(entries)} files"
            + (f" ({', '.join(restored)})" if restored else ""))
    if left:
        log.warning("warning: rolled back an update that was interrupted: %s; left %s as they "
                    "are: they hold neither the old nor the new version (edited since?)",
                    done, ", ".join(left))
    else:
        log.info("Rolled back an update that was interrupted: %s", done)


@contextmanager
def locked(git_dir: Path) -> Iterator[None]:
    """Hold the update lock of ``git_dir`` (waiting, with a line saying so, while another
    process holds it)."""
    (git_dir / STATE).mkdir(exist_ok=True)
    fd = os.open(git_dir / STATE / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("Waiting for the update running in another process on this repository")
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:  # a filesystem without flock: no guard against a live update
            log.debug("cannot lock %s: %s", git_dir / STATE / LOCK, exc)
        yield
    finally:
        os.close(fd)


def _read_manifest(manifest: Path) -> list[Entry]:
    try:
        data = json.loads(manifest.read_bytes())
        if data["schema"] != _SCHEMA:
            raise ValueError(f"schema {data['schema']!r}, expected {_SCHEMA}")
        return [Entry(**item) for item in data["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise UpdateError(f"{manifest}: the journal of an interrupted update cannot be read "
                          f"({exc}): check the files with `git status`, restore them with "
                          f"`git checkout -- FILE...`, then remove {manifest.parent}") from exc


def _restore(root: Path, journal: Path | None, entries: Sequence[Entry],
             old: Callable[[int], bytes]) -> tuple[list[str], list[str]]:
    """Give each file that holds its new bytes its old ones; return the paths restored
    and those that hold neither (left as they are). Idempotent."""
    restored: list[str] = []
    left: list[str] = []
    for index, entry in enumerate(entries):
        target = root / entry.path
        current = _sha(target.read_bytes()) if target.is_file() else None
        if current == entry.old_sha256:
            continue  # never renamed, or restored by an earlier rollback
        if current != entry.new_sha256:
            left.append(entry.path)
            continue
        data = old(index)
        if _sha(data) != entry.old_sha256:
            raise UpdateError(f"cannot roll back {entry.path}: its saved copy in {journal} is "
                              "damaged; restore it with `git checkout -- FILE`")
        _stage(entry.staging(root, journal), entry, data).replace(target)
        restored.append(entry.path)
    for directory in {(root / p).parent for p in restored}:
        _fsync_dir(directory)
    return restored, left


def _remove_temporaries(root: Path, journal: Path | None, entries: Sequence[Entry]) -> None:
    """Remove every temporary file of ``entries`` (those in the journal go with it)."""
    for entry in entries:
        staging = entry.staging(root, journal)
        if staging.is_dir():
            for found in os.scandir(staging):
                if found.name.startswith(entry.prefix):
                    Path(found.path).unlink(missing_ok=True)


def _stage(directory: Path, entry: Entry, data: bytes) -> Path:
    """A new temporary file in ``directory`` holding ``data``, with the entry's mode."""
    fd, name = tempfile.mkstemp(prefix=entry.prefix, dir=directory)
    _fill(fd, data, entry.mode)
    return Path(name)


def _write_new(path: Path, data: bytes) -> None:
    _fill(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), data, 0o600)


def _fill(fd: int, data: bytes, mode: int) -> None:
    """Write ``data`` to the new file ``fd``, set ``mode``, make it durable, close it."""
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fchmod(handle.fileno(), mode)
        os.fsync(handle.fileno())


def _remove_journal(journal: Path) -> None:
    shutil.rmtree(journal, ignore_errors=True)
    _fsync_dir(journal.parent)


def _fsync_dir(path: Path) -> None:
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


def _same_device(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
