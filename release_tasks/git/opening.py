"""Opening the managed repository: its first git programs, started before anything else.

``rev-parse`` (the top level, whether the clone is shallow, every tag's name), ``ls-files``
(the tracked files) and the run's ``cat-file`` (asked for HEAD) start at once, from the
directory the stage was given (each of them works from below the top level). This module
imports next to nothing, so that a stage starts them within milliseconds of its start and
git works while the stage imports the rest of what it uses (the config reader, the version
rules); :meth:`Opening.finish` then reads their answers into a
:class:`~release_tasks.git.snapshot.Snapshot`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from release_tasks import cmd
from release_tasks.errors import GitError, UsageError
from release_tasks.git.catfile import CatFile
from release_tasks.git.programs import LS_FILES, OPEN_ARGS

if TYPE_CHECKING:
    from release_tasks.git.snapshot import Snapshot

class Opening:
    """A repository being opened (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        if not path.is_dir():
            raise UsageError(f"--repo {path}: not a directory")
        self.path = path
        where = ["git", "-C", str(path)]
        self._rev_parse = cmd.start([*where, *OPEN_ARGS])
        # `:/`: the tracked files of the whole work tree, whichever directory `path` is.
        self._listing = cmd.start([*where, *LS_FILES, "--", ":/"])
        self._objects = CatFile(path)
        # Outside a repository cat-file dies at once; rev-parse says why, in finish().
        self._failed: GitError | None = None
        try:
            self._head = self._objects.submit(["HEAD^{commit}"])
        except GitError as exc:
            self._failed = exc
        except BaseException:
            self._stop()
            raise

    def finish(self) -> Snapshot:
        """The snapshot: one ``git rev-parse`` and HEAD read; the tags asked for, and the
        tracked files still listing."""
        from release_tasks.edit import journal
        from release_tasks.git import repository
        from release_tasks.git.snapshot import Snapshot

        try:
            code, out, err = cmd.finish(self._rev_parse)
            root, git_dir, shallow, refs = repository.opened(
                self.path, code, out.decode("utf-8", "surrogateescape"), err)
            if self._failed is not None:
                raise self._failed
            (head,) = self._objects.result(self._head)
            if head is None:
                raise GitError(f"{root} has no commits yet: commit something before releasing")
        except BaseException:
            self._stop()
            raise
        repository.below_top(self.path, root)
        try:
            # Before anything reads the tree: the files an interrupted update left get their
            # old bytes back (the tracked names and the commits git reads stay the same).
            journal.recover(root, git_dir)
        except BaseException:
            self._stop()
            raise
        snapshot = Snapshot(root, head.oid, shallow=shallow, objects=self._objects,
                            tag_refs=refs, git_dir=git_dir)
        snapshot._listing = self._listing
        return snapshot

    def _stop(self) -> None:
        for running in (self._rev_parse, self._listing):
            if running.poll() is None:
                running.kill()
            cmd.finish(running)
        self._objects.close()


def open_snapshot(path: Path) -> Snapshot:
    """The repository containing ``path``, at its top level, as one :class:`Snapshot`."""
    return Opening(path).finish()
