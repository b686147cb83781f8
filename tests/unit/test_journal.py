"""The update journal on real files: every way a run can stop, then the rollback.

A process that is killed runs no handler; here, a run "dies" by raising an exception that
the step in progress does not catch (:class:`Killed`), which leaves the files, the journal
and the temporary files exactly as they were at that instant, and then another caller
recovers. The kill test of ``tests/integration/test_update_kill.py`` does the same with
real processes and SIGKILL.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from release_tasks.edit import journal, journal_files
from release_tasks.errors import UpdateError

OLD = {
    "VERSION": b"0.1.7\n",
    "Cargo.toml": b'[workspace.package]\r\nversion = "0.1.7"\r\n',
    "crates/a/Cargo.toml": b'[package]\nname = "a"\nversion = "0.1.7"\n',
    "crates/b/Cargo.toml": b'\xef\xbb\xbf[package]\nname = "b"\nversion = "0.1.7"',
    "bin/release.sh": b"#!/bin/sh\necho 0.1.7\n",
}
NEW = {path: data.replace(b"0.1.7", b"0.1.8") for path, data in OLD.items()}
FILES = list(NEW.items())


class Killed(BaseException):
    """The process stops here: no ``except`` of the code under test handles it."""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A work tree holding OLD (one file executable) and a ``.git`` directory."""
    tree = tmp_path / "tree"
    for path, data in OLD.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_bytes(data)
    (tree / "bin/release.sh").chmod(0o755)
    (tree / ".git").mkdir()
    return tree


def files(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` but the git directory: leftovers show up here."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts}


def modes(root: Path) -> dict[str, int]:
    return {path: stat.S_IMODE((root / path).stat().st_mode) for path in OLD}


def state(root: Path) -> list[str]:
    """What the tool keeps in the git directory."""
    base = root / ".git" / journal.STATE
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*"))


def interrupted(root: Path, renames: int, monkeypatch: pytest.MonkeyPatch) -> journal.Update:
    """An update that died after ``renames`` renames (its lock released, as by the kernel)."""
    calls = 0

    def sleep(seconds: float) -> None:
        nonlocal calls
        calls += 1
        if calls > renames:
            raise Killed

    with journal.locked(root / ".git"):
        update = journal.Update(root, journal.journal_dir(root / ".git"), FILES)
        update.write_journal()
        update.stage()
        monkeypatch.setenv(journal.DELAY_HOOK, "0.5")
        monkeypatch.setattr(time, "sleep", sleep)
        if renames < len(FILES):
            with pytest.raises(Killed):
                update.rename_all()
        else:  # killed after its last rename, before the manifest was removed
            update.rename_all()
        monkeypatch.undo()
    return update


def test_an_update_replaces_every_file_keeps_modes_and_leaves_no_journal(root: Path) -> None:
    before = modes(root)
    journal.replace_all(root, FILES, root / ".git")
    assert files(root) == NEW
    assert modes(root) == before
    assert state(root) == [journal.LOCK]


@pytest.mark.parametrize("renames", range(len(FILES) + 1))
def test_killed_after_any_rename_the_next_stage_rolls_every_file_back(
        root: Path, renames: int, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    before = modes(root)
    interrupted(root, renames, monkeypatch)
    on_disk = files(root)
    assert sum(on_disk[p] == NEW[p] for p in NEW) == renames
    assert on_disk.keys() == OLD.keys()  # the staged files wait in the git directory

    with caplog.at_level(logging.INFO, logger="release_tasks"):
        journal.recover(root, root / ".git")

    assert files(root) == OLD
    assert modes(root) == before
    assert state(root) == [journal.LOCK]
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [f"Rolled back an update that was interrupted: restored {renames} of its "
                     f"{len(FILES)} files"
                     + (f" ({', '.join(p for p, _ in FILES[:renames])})" if renames else "")]


def test_killed_while_saving_the_old_bytes_nothing_is_restored(
        root: Path, caplog: pytest.LogCaptureFixture) -> None:
    directory = journal.journal_dir(root / ".git")
    (directory / "old").mkdir(parents=True)
    (directory / "old" / "0").write_bytes(OLD["VERSION"][:2])  # no manifest yet
    with caplog.at_level(logging.INFO, logger="release_tasks"):
        journal.recover(root, root / ".git")
    assert files(root) == OLD
    assert state(root) == [journal.LOCK]
    assert "no file needed restoring" in caplog.text


def test_killed_after_the_manifest_was_removed_the_update_stands(root: Path) -> None:
    directory = journal.journal_dir(root / ".git")
    journal.replace_all(root, FILES, root / ".git")
    (directory / "old").mkdir(parents=True)  # what the removal had not reached yet
    journal.recover(root, root / ".git")
    assert files(root) == NEW
    assert state(root) == [journal.LOCK]


def test_staged_beside_its_file_on_another_filesystem_and_removed_by_the_rollback(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "same_device", lambda a, b: False)
    update = interrupted(root, 2, monkeypatch)
    leftovers = set(files(root)) - set(OLD)
    assert len(leftovers) == len(FILES) - 2
    assert all(any(Path(p).parent == Path(o).parent and Path(p).name.startswith(f".{Path(o).name}.")
                   for o in OLD) for p in leftovers), leftovers
    assert all(e.beside for e in update.entries)
    journal.recover(root, root / ".git")
    assert files(root) == OLD


def test_a_rollback_that_is_killed_is_finished_by_the_next_one(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    interrupted(root, 4, monkeypatch)
    real = Path.replace
    calls = 0

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Killed
        return real(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(Killed):
        journal.recover(root, root / ".git")
    monkeypatch.undo()
    assert sum(files(root)[p] == OLD[p] for p in OLD) == len(OLD) - 2  # 2 restored, 2 not

    journal.recover(root, root / ".git")
    assert files(root) == OLD
    assert state(root) == [journal.LOCK]


def test_a_file_edited_after_the_interruption_is_left_and_named(
        root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    interrupted(root, 3, monkeypatch)
    (root / "Cargo.toml").write_bytes(b"# edited by hand\n")
    with caplog.at_level(logging.INFO, logger="release_tasks"):
        journal.recover(root, root / ".git")
    assert files(root) == {**OLD, "Cargo.toml": b"# edited by hand\n"}
    assert "restored 2 of its 5 files (VERSION, crates/a/Cargo.toml)" in caplog.text
    assert "left Cargo.toml as they are" in caplog.text
    assert caplog.records[-1].levelno == logging.WARNING


def test_a_live_update_is_waited_for_not_undone(root: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal of an update whose process still holds the lock is not touched; once the
    lock is free and the journal is still there, its process is gone: then it is undone."""
    interrupted(root, 2, monkeypatch)
    mixed = files(root)
    with journal.locked(root / ".git"):  # another open file: flock sees another holder
        waiter = threading.Thread(target=journal.recover, args=(root, root / ".git"))
        waiter.start()
        waiter.join(timeout=0.3)
        assert waiter.is_alive()
        assert files(root) == mixed
        assert (journal.journal_dir(root / ".git") / journal.MANIFEST).is_file()
    waiter.join(timeout=10)
    assert not waiter.is_alive()
    assert files(root) == OLD


@pytest.mark.parametrize("git_dir", [True, False], ids=["journaled", "plain directory"])
@pytest.mark.parametrize("error", [OSError(5, "simulated I/O error"), KeyboardInterrupt()],
                         ids=["I/O error", "Ctrl-C"])
def test_an_error_during_the_renames_is_rolled_back_in_process(
        root: Path, monkeypatch: pytest.MonkeyPatch, git_dir: bool,
        error: BaseException) -> None:
    real = Path.replace
    calls = 0

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise error
        return real(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    expected = UpdateError if isinstance(error, OSError) else KeyboardInterrupt
    with pytest.raises(expected) as raised:
        journal.replace_all(root, FILES, root / ".git" if git_dir else None)
    monkeypatch.undo()
    if expected is UpdateError:
        assert "no file was changed: renaming failed: " in str(raised.value)
    assert calls > 4  # the files already renamed were renamed back
    assert files(root) == OLD
    assert not journal.journal_dir(root / ".git").exists()


def test_an_update_after_an_interrupted_one_rolls_it_back_and_stops(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    interrupted(root, 3, monkeypatch)
    with pytest.raises(UpdateError, match="rolled back first"):
        journal.replace_all(root, FILES, root / ".git")
    assert files(root) == OLD
    journal.replace_all(root, FILES, root / ".git")
    assert files(root) == NEW


def test_an_unreadable_manifest_is_an_error_that_touches_nothing(root: Path) -> None:
    directory = journal.journal_dir(root / ".git")
    directory.mkdir(parents=True)
    (directory / journal.MANIFEST).write_text('{"schema": 99, "files": []}')
    with pytest.raises(UpdateError, match=r"cannot be read.*schema 99.*git checkout"):
        journal.recover(root, root / ".git")
    assert files(root) == OLD
    assert (directory / journal.MANIFEST).is_file()


def test_without_a_journal_recovery_is_one_look(root: Path) -> None:
    journal.recover(root, root / ".git")
    assert state(root) == []
    assert not (root / ".git" / journal.STATE).exists()


def test_a_staged_file_is_written_where_os_has_no_fchmod(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fchmod")  # as on Windows
    target = tmp_path / "staged"
    journal_files.write_new(target, b"0.1.9\r\n")
    assert target.read_bytes() == b"0.1.9\r\n"
