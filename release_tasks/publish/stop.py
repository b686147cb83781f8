"""Stopping a publish halfway, and saying where it stopped.

On SIGINT or SIGTERM a publish starts no new upload: the one in flight finishes (or, when the
signal also reached its tool, fails and is read back), then the run ends with an account of
what is published, what is not, and the command that resumes it; the exit code is 130 for
SIGINT and 143 for SIGTERM. A second signal abandons the upload in flight at once.

The same mechanism serves every publish. A binding's files go up one by one::

    with stoppable(env) as stop:
        for item in items:
            stop.check(lambda: account())   # raises Interrupted when a stop was asked
            upload(item)
            stop.uploaded()                 # counts uploads, for RELEASE_TASKS_STOP_AFTER_UPLOADS

The core's crates go up from threads, several at once (``stoppable(stop, threads=True)``).
There the threads read the stop (:meth:`Stop.is_set`, and :meth:`Stop.may_start` before each
upload, so that crates published at once never overrun a rehearsed stop), wait on
:attr:`Stop.event` (a stop ends a rate-limit wait at once) and raise :class:`Stopped` inside
their work; a stop can also come from ``--max-wait`` (no signal, with the time to resume);
and since the main thread only waits for them, a second signal terminates the programs
:func:`release_tasks.cmd.run` is running (the uploads in flight) rather than interrupting
it. A third one is Python's default (an immediate stop).

``RELEASE_TASKS_STOP_AFTER_UPLOADS=N`` asks for the stop after the N-th upload of the run, as
a signal would, so that every point between two uploads can be rehearsed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import FrameType

from release_tasks import cmd
from release_tasks.errors import ReleaseError, UsageError
from release_tasks.log import get_logger

log = get_logger("publish")

STOP_AFTER_VAR = "RELEASE_TASKS_STOP_AFTER_UPLOADS"
_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}

__all__ = ["STOP_AFTER_VAR", "Account", "Interrupted", "Stop", "Stopped", "stoppable"]


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


class Stopped(Exception):
    """Raised inside the work of one upload (a thread of a run that uploads several at once)
    when the run is stopping; the run catches it and gives its account."""


class Stop:
    """Whether the publish was asked to stop, why and since when (thread-safe: set once,
    then read)."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.event = threading.Event()
        self.reason = ""
        self.signum: int | None = None
        #: When a rate limit frees the next upload (a stop for ``--max-wait``).
        self.resume_at: datetime | None = None
        #: Whether a second signal abandoned the uploads in flight.
        self.abandoned = False
        self._stop_after = stop_after
        self._started = self._uploads = 0
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
        return self.event.is_set()

    def is_set(self) -> bool:
        return self.event.is_set()

    def set(self, reason: str, *, signum: int | None = None,
            resume_at: datetime | None = None) -> bool:
        """Stop for ``reason``; False when already stopping (the first reason stays)."""
        with self._lock:
            if self.event.is_set():
                return False
            self.reason, self.signum, self.resume_at = reason, signum, resume_at
            self.event.set()
            return True

    def request(self, signum: int) -> None:
        """Stop as signal ``signum`` asks."""
        self.set(f"{_NAMES.get(signum, f'signal {signum}')} received", signum=signum)

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number (130 for SIGINT, 143 for SIGTERM); None: no signal."""
        return None if self.signum is None else 128 + self.signum

    def uploaded(self) -> None:
        """One more upload finished: the rehearsal's stop comes after the N-th."""
        with self._lock:
            self._uploads += 1
            uploads = self._uploads
            due = self._stop_after is not None and uploads >= self._stop_after
        if due and self.set(f"stopped after upload {uploads} ({STOP_AFTER_VAR})",
                            signum=signal.SIGINT):
            log.warning("  stopping after upload %d (%s)", uploads, STOP_AFTER_VAR)

    def before_upload(self) -> None:
        """A stop asked for before the first upload (``STOP_AFTER_UPLOADS=0``) counts now."""
        if self._stop_after == 0:
            self.set(f"stopped before the first upload ({STOP_AFTER_VAR}=0)",
                     signum=signal.SIGINT)

    def may_start(self) -> bool:
        """Whether one more upload may start, of uploads that run at once: not when stopping,
        nor past the rehearsal's stop (which then stops the run, so that uploads started
        together do not overrun it)."""
        with self._lock:
            due = self._stop_after is not None and self._started >= self._stop_after
            if not due:
                self._started += 1
        if due:
            self.set(f"stopped after upload {self._stop_after} ({STOP_AFTER_VAR})",
                     signum=signal.SIGINT)
        return not self.is_set()

    def check(self, account: Callable[[], Account]) -> None:
        """Raise :class:`Interrupted` with ``account()`` when a stop was asked."""
        self.before_upload()
        if self.signum is not None:
            raise Interrupted(self.signum, account())


@contextmanager
def stoppable(source: Mapping[str, str] | Stop, *, threads: bool = False) -> Iterator[Stop]:
    """A :class:`Stop` that SIGINT and SIGTERM set while the block runs: ``source``, or one
    that the environment ``source`` may schedule (the rehearsal's). A second signal raises
    ``KeyboardInterrupt`` where the run is (abandoning the upload in flight); with
    ``threads`` (uploads run in threads, the main thread waits for them) it terminates the
    programs :func:`release_tasks.cmd.run` is running instead, and a third one is Python's
    default. Off the main thread (no handlers can be installed there)
    only the rehearsal's stop works."""
    stop = source if isinstance(source, Stop) else Stop.from_env(source)
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in _NAMES}

    def handle(signum: int, frame: FrameType | None) -> None:
        name = _NAMES.get(signum, str(signum))
        if stop.set(f"{name} received", signum=signum):
            log.warning("%s: stopping. No new upload starts; the one in flight finishes "
                        "(send the signal again to abandon it)", name)
            return
        if not threads:
            raise KeyboardInterrupt
        stop.abandoned = True
        for sig, handler in previous.items():  # a third signal stops at once
            signal.signal(sig, handler)
        count = cmd.terminate_running()
        log.warning("%s again: abandoning %d upload(s) in flight; the registry will say "
                    "which of them it has.", name, count)

    for sig in _NAMES:
        signal.signal(sig, handle)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
