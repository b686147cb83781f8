"""Rolling back an update that was interrupted (see :mod:`release_tasks.edit.journal`): every
file that holds its new bytes gets its old ones back, the temporary files and the journal
go, and one log line says so."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from release_tasks.edit.journal_files import (
    _SCHEMA,
    MANIFEST,
    Entry,
    fsync_dir,
    journal_dir,
    locked,
    log,
    remove_journal,
    sha,
    stage_file,
)
from release_tasks.errors import UpdateError


def recover(root: Path, git_dir: Path) -> None:
    """Roll back an update of ``root`` that was interrupted (see the module docstring);
    when there is no journal, this is one ``stat``."""
    journal = journal_dir(git_dir)
    if not journal.exists():
        return
    try:
        with locked(git_dir):
            if journal.exists():  # a live update that was waited for has removed it
                roll_back(root, journal)
    except OSError as exc:
        raise _stuck(journal, exc) from exc


def _stuck(journal: Path, exc: OSError) -> UpdateError:
    return UpdateError(
        f"an interrupted update left its journal in {journal} and it cannot be rolled back: "
        f"{exc}. Make the repository writable and run the stage again, or restore the files "
        f"its journal.json lists with `git checkout -- FILE...` and remove {journal}")


def roll_back(root: Path, journal: Path) -> None:
    """Roll back the update whose journal is ``journal`` (its lock held)."""
    try:
        _roll_back_files(root, journal)
    except OSError as exc:
        raise _stuck(journal, exc) from exc


def _roll_back_files(root: Path, journal: Path) -> None:
    manifest = journal / MANIFEST
    if not manifest.exists():
        remove_journal(journal)
        log.info("Removed the journal of an update interrupted before its first rename or "
                 "after its last: no file needed restoring")
        return
    entries = _read_manifest(manifest)
    restored, left = restore(root, journal, entries,
                              lambda i: (journal / "old" / str(i)).read_bytes())
    remove_temporaries(root, journal, entries)
    manifest.unlink()
    remove_journal(journal)
    done = (f"restored {len(restored)} of its {len(entries)} files"
            + (f" ({', '.join(restored)})" if restored else ""))
    if left:
        log.warning("warning: rolled back an update that was interrupted: %s; left %s as they "
                    "are: they hold neither the old nor the new version (edited since?)",
                    done, ", ".join(left))
    else:
        log.info("Rolled back an update that was interrupted: %s", done)


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


def restore(root: Path, journal: Path | None, entries: Sequence[Entry],
             old: Callable[[int], bytes]) -> tuple[list[str], list[str]]:
    """Give each file that holds its new bytes its old ones; return the paths restored
    and those that hold neither (left as they are). Idempotent."""
    restored: list[str] = []
    left: list[str] = []
    for index, entry in enumerate(entries):
        target = root / entry.path
        current = sha(target.read_bytes()) if target.is_file() else None
        if current == entry.old_sha256:
            continue  # never renamed, or restored by an earlier rollback
        if current != entry.new_sha256:
            left.append(entry.path)
            continue
        data = old(index)
        if sha(data) != entry.old_sha256:
            raise UpdateError(f"cannot roll back {entry.path}: its saved copy in {journal} is "
                              "damaged; restore it with `git checkout -- FILE`")
        stage_file(entry.staging(root, journal), entry, data).replace(target)
        restored.append(entry.path)
    for directory in {(root / p).parent for p in restored}:
        fsync_dir(directory)
    return restored, left


def remove_temporaries(root: Path, journal: Path | None, entries: Sequence[Entry]) -> None:
    """Remove every temporary file of ``entries`` (those in the journal go with it)."""
    for entry in entries:
        staging = entry.staging(root, journal)
        if staging.is_dir():
            for found in os.scandir(staging):
                if found.name.startswith(entry.prefix):
                    Path(found.path).unlink(missing_ok=True)
