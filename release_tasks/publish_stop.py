"""Stopping a publish halfway, and saying where it stopped.

On SIGINT or SIGTERM a publish starts no new upload: the one in flight finishes (or, when the
signal also reached its tool, fails and is read back), then the run ends with an account of
what is published, what is not, and the command that resumes it; the exit code is 130 for
SIGINT and 143 for SIGTERM. A second signal abandons the upload in flight at once.

The same mechanism serves every publish (a binding's files, the core's crates)::

    with stoppable(env) as stop:
        for item in items:
            stop.check(lambda: account())   # raises Interrupted when a stop was asked
            upload(item)
            stop.uploaded()                 # counts uploads, for RELEASE_TASKS_STOP_AFTER_UPLOADS

``RELEASE_TASKS_STOP_AFTER_UPLOADS=N`` asks for the stop after the N-th upload of the run, as
a signal would, so that every point between two uploads can be rehearsed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from release_tasks.errors import ReleaseError, UsageError
from release_tasks.log import get_logger

log = get_logger("publish")

STOP_AFTER_VAR = "RELEASE_TASKS_STOP_AFTER_UPLOADS"
_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}

__all__ = ["STOP_AFTER_VAR", "Account", "Interrupted", "Stop", "stoppable"]


@dataclass(frozen=True, kw_only=True)
class Account:
    """Where a publish stands: the files (or crates) on the registry, those that are not,
    and the command that publishes the rest."""

    published: Sequence[str]
    missing: Sequence[str]
    resume: str
    note: str = ""

    def text(self) -> str:
        lines = [f"published ({len(self.published)}):"]
        lines += [f"  {item}" for item in self.published] or ["  (nothing)"]
        lines.append(f"not published ({len(self.missing)}):")
        lines += [f"  {item}" for item in self.missing] or ["  (nothing: only the tag is missing)"]
        if self.note:
            lines.append(self.note)
        lines.append(f"to resume: {self.resume}")
        return "\n".join(lines)


class Interrupted(ReleaseError):
    """A publish stopped by a signal (or the rehearsal's stop); the message is its account."""

    def __init__(self, signum: int, account: Account) -> None:
        self.signum = signum
        self.account = account
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {_NAMES.get(signum, f'signal {signum}')}; no new "
                         f"upload was started and nothing was tagged.\n{account.text()}")


class Stop:
    """Whether the publish was asked to stop, and by which signal."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.signum: int | None = None
        self._stop_after = stop_after
        self._uploads = 0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Stop:
        text = env.get(STOP_AFTER_VAR, "").strip()
        if not text:
            return cls()
        if not text.isdigit():
            raise UsageError(f"{STOP_AFTER_VAR}={text!r}: expected a number of uploads")
        return cls(int(text))

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def request(self, signum: int) -> None:
        with self._lock:
            if self.signum is None:
                self.signum = signum

    def uploaded(self) -> None:
        """One more upload finished: the rehearsal's stop comes after the N-th."""
        with self._lock:
            self._uploads += 1
            due = self._stop_after is not None and self._uploads >= self._stop_after
        if due:
            log.warning("  stopping after upload %d (%s)", self._uploads, STOP_AFTER_VAR)
            self.request(signal.SIGINT)

    def before_upload(self) -> None:
        """A stop asked for before the first upload (``STOP_AFTER_UPLOADS=0``) counts now."""
        if self._stop_after == 0:
            self.request(signal.SIGINT)

    def check(self, account: Callable[[], Account]) -> None:
        """Raise :class:`Interrupted` with ``account()`` when a stop was asked."""
        self.before_upload()
        if self.signum is not None:
            raise Interrupted(self.signum, account())


@contextmanager
def stoppable(env: Mapping[str, str]) -> Iterator[Stop]:
    """A :class:`Stop` that SIGINT and SIGTERM set while the block runs; a second signal
    raises ``KeyboardInterrupt`` where the run is (abandoning the upload in flight). Off the
    main thread (no handlers can be installed there) only the rehearsal's stop works."""
    stop = Stop.from_env(env)
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.request(signum)
        log.warning("%s: no new upload will start; the one in flight finishes (send it again "
                    "to abandon it)", _NAMES.get(signum, str(signum)))

    previous = {sig: signal.signal(sig, handle) for sig in _NAMES}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
