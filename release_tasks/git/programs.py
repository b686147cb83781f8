"""The argv of the git programs a run starts first: constants, importing nothing, so that the
modules that start them (:mod:`release_tasks.git.opening`) and that read their answers
(:mod:`release_tasks.git.repository`) share them without importing each other."""

from __future__ import annotations

#: ``git rev-parse`` (after ``git -C PATH``): the top level, the git directory (where an
#: update keeps its journal), whether the clone is shallow, and the full name of every tag
#: (``refs/tags/...``). HEAD is not asked here (``--verify`` and a list of refs do not mix):
#: the ``cat-file`` reads it.
OPEN_ARGS = ("rev-parse", "--show-toplevel", "--absolute-git-dir", "--is-shallow-repository",
             "--symbolic-full-name", "--tags")
#: ``git ls-files`` (after ``git -C PATH``): every tracked file, named from the top level.
LS_FILES = ("ls-files", "-z", "--full-name")
