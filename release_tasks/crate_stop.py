"""Stopping a ``publish_crates`` run cleanly: on SIGINT/SIGTERM, or when a rate limit would
make it wait longer than ``--max-wait``.

A :class:`Stop` is shared by the crates published at once. Once it is set, no crate starts
an upload and every wait ends; uploads in flight finish (cargo's own wait for the index
included), then the run prints its account and exits 130 (SIGINT) or 143 (SIGTERM). A second
signal abandons the uploads in flight: their ``cargo publish`` is terminated, and the account
says what the registry shows of them. A third one is Python's default (an immediate stop).

``RELEASE_TASKS_STOP_AFTER_UPLOADS=N`` stops the run after its N-th upload (0: before the
first) as SIGINT would, so that a rehearsal can stop it at every crate boundary.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from types import FrameType

from release_tasks import cmd
from release_tasks.errors import PublishError, UsageError
from release_tasks.log import get_logger

log = get_logger("publish_crates")

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_AFTER_VAR = "RELEASE_TASKS_STOP_AFTER_UPLOADS"


class Stopped(Exception):
    """Raised inside a crate's work when the run is stopping; never leaves the run."""


class Stop:
    """Why and since when the run is stopping (thread-safe: set once, then read)."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.event = threading.Event()
        self.reason = ""
        self.signum: int | None = None
        #: When a rate limit frees the next upload (a stop for ``--max-wait``).
        self.resume_at: datetime | None = None
        self.abandoned = False
        self._lock = threading.Lock()
        self._stop_after = stop_after
        self._started = self._uploads = 0
        if stop_after == 0:
            self.set(f"{STOP_AFTER_VAR}=0", signum=signal.SIGINT)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Stop:
        """A stop that ``RELEASE_TASKS_STOP_AFTER_UPLOADS`` may schedule."""
        text = env.get(STOP_AFTER_VAR, "").strip()
        if text and not text.isdigit():
            raise UsageError(f"{STOP_AFTER_VAR}={text!r}: expected a number of uploads")
        return cls(int(text) if text else None)

    def may_start(self) -> bool:
        """Whether one more upload may start: not when stopping, nor past a scheduled stop
        (which then stops the run: crates published at once do not overrun it)."""
        with self._lock:
            if self._stop_after is not None and self._started >= self._stop_after:
                due = True
            else:
                self._started += 1
                due = False
        if due:
            self.set(f"stopped after upload {self._stop_after} ({STOP_AFTER_VAR})",
                     signum=signal.SIGINT)
        return not self.is_set()

    def uploaded(self) -> None:
        """One more upload is done (a scheduled stop comes after the N-th)."""
        with self._lock:
            self._uploads += 1
            due = self._stop_after is not None and self._uploads >= self._stop_after
        if due and self.set(f"stopped after upload {self._uploads} ({STOP_AFTER_VAR})",
                            signum=signal.SIGINT):
            log.warning("  stopping after upload %d (%s)", self._uploads, STOP_AFTER_VAR)

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

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number (130 for SIGINT, 143 for SIGTERM); None: no signal."""
        return None if self.signum is None else 128 + self.signum


class PublishStopped(PublishError):
    """The run stopped before it was complete; the message is its account. A signal gives
    its own exit code (130, 143); a ``--max-wait`` stop the publish failure's."""

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


@contextmanager
def on_signals(stop: Stop) -> Iterator[Stop]:
    """SIGINT and SIGTERM set ``stop`` while the block runs (main thread only: elsewhere
    Python cannot catch signals, and the block runs as if none came)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.set(f"{name} received", signum=signum):
            log.warning("%s: stopping. No crate starts now; the uploads in flight finish "
                        "(send it again to abandon them).", name)
            return
        stop.abandoned = True
        for sig in _SIGNALS:  # a third signal stops at once
            signal.signal(sig, previous[sig])
        count = cmd.terminate_running()
        log.warning("%s again: abandoning %d upload(s) in flight; the registry will say "
                    "which of them it has.", name, count)

    for sig in _SIGNALS:
        signal.signal(sig, handle)
    try:
        yield stop
    finally:
        for sig in _SIGNALS:
            signal.signal(sig, previous[sig])
