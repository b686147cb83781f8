"""The journal that makes ``update`` all-or-none, even when its process is killed.

Each file is replaced by a rename, atomic for one file but not for the set. So before the
first rename, the update writes a journal in the repository's git directory
(``<git-dir>/release-tasks/update-journal/``): the old bytes of every file about to change,
then a manifest (``journal.json``: each file's path, mode and the hashes of its old and new
bytes), all fsync'd. The new bytes are staged there too, where git never lists them; only a
file on another filesystem than the git directory has its staged copy beside it, under a
prefix the manifest names first. Then the renames; then the manifest is removed (the update
is done), then the rest of the journal.

Every stage finds its repository through :func:`release_tasks.git.repository.locate`, which
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

import json
import os
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

from release_tasks.edit.journal_files import (
    _SCHEMA,
    DELAY_HOOK,
    LOCK,
    MANIFEST,
    STATE,
    Entry,
    fsync_dir,
    journal_dir,
    locked,
    remove_journal,
    same_device,
    sha,
    stage_file,
    write_new,
)
from release_tasks.edit.rollback import recover, remove_temporaries, restore, roll_back
from release_tasks.errors import UpdateError

__all__ = ["DELAY_HOOK", "LOCK", "MANIFEST", "STATE", "journal_dir", "locked", "recover",
           "replace_all"]





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
            beside = journal is None or not same_device(journal.parent, target.parent)
            self.entries.append(Entry(
                path=path, mode=target.stat().st_mode & 0o7777,
                old_sha256=sha(self.old[-1]), new_sha256=sha(data), beside=beside,
                prefix=f".{target.name}.{token}." if beside else f"{index}."))

    def write_journal(self) -> None:
        """The old bytes, then the manifest that arms the journal; each durable on disk."""
        if self.journal is None:
            return
        (self.journal / "old").mkdir(parents=True)
        (self.journal / "new").mkdir()
        fsync_dir(self.journal.parent)
        for index, data in enumerate(self.old):
            write_new(self.journal / "old" / str(index), data)
        fsync_dir(self.journal / "old")
        part = self.journal / f"{MANIFEST}.part"
        write_new(part, json.dumps({"schema": _SCHEMA,
                                     "files": [asdict(e) for e in self.entries]}).encode())
        part.replace(self.journal / MANIFEST)
        fsync_dir(self.journal)

    def stage(self) -> None:
        """Write each file's new bytes, with its mode, to a temporary file."""
        for entry, data in zip(self.entries, self.new, strict=True):
            self.staged.append(stage_file(entry.staging(self.root, self.journal), entry, data))

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
            fsync_dir(directory)

    def finish(self) -> None:
        """Remove the manifest (the update is done), then the rest of the journal."""
        if self.journal is not None:
            (self.journal / MANIFEST).unlink()
            fsync_dir(self.journal)
            remove_journal(self.journal)

    def undo(self) -> None:
        """After an error in this process: put the old bytes back, remove every temporary
        file and the journal."""
        restore(self.root, self.journal, self.entries, self.old.__getitem__)
        remove_temporaries(self.root, self.journal, self.entries)
        if self.journal is not None:
            remove_journal(self.journal)


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
            roll_back(root, journal)
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


