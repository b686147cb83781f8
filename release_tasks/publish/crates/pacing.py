"""Pacing the uploads of one ``publish_crates`` run to the registry's rate limits.

A :class:`Pacer` holds the two buckets of the account (new crates, new versions) as the run
sees them: full at the start (the registry's limits, :mod:`release_tasks.registries.crates_io
.limits`), emptied up to the time a 429 names when the registry says otherwise. Before each
upload a crate takes a slot; when its slot is later than now, it waits, unless the run has
already waited ``max_wait`` seconds in all (waits of crates in parallel count once), in which
case :class:`WaitTooLong` says so and the run stops in a resumable state. A stop (a signal)
ends every wait at once.

Registries other than crates.io publish no limits: the run is then paced only by the 429s it
gets (``limits=None``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from release_tasks.errors import ReleaseError
from release_tasks.log import get_logger
from release_tasks.publish.stop import Stop, Stopped
from release_tasks.registries.crates_io.limits import Action, Limit, RateLimits, duration

log = get_logger("publish_crates")

Clock = Callable[[], float]
WallClock = Callable[[], datetime]
#: Waits ``seconds`` unless the run stops first; True when it stopped.
Wait = Callable[[float], bool]


class WaitTooLong(ReleaseError):
    """The next upload would take the run past ``--max-wait``."""

    def __init__(self, crate: str, action: Action, wait: float, at: datetime,
                 max_wait: float) -> None:
        self.crate, self.action, self.wait, self.at = crate, action, wait, at
        super().__init__(
            f"{crate}: the registry's rate limit for a {action} allows its upload only at "
            f"{stamp(at)} (in {duration(wait)}), past --max-wait {max_wait:g} s")


@dataclass
class _Bucket:
    """``free`` slots at ``origin``, then one per ``period`` after ``anchor``: the time the
    registry saw the first upload (its bucket's clock starts there; until one is done, the
    origin stands in)."""

    period: float
    origin: float
    free: int
    taken: int = 0
    anchor: float | None = None

    def take(self) -> float:
        slot = self.peek()
        self.taken += 1
        return slot

    def peek(self) -> float:
        if self.taken < self.free:
            return self.origin
        base = self.origin if self.anchor is None else self.anchor
        return base + (self.taken - self.free + 1) * self.period


class Pacer:
    """The run's view of the account's rate limits; shared by the crates published at once."""

    def __init__(self, limits: RateLimits | None, *, max_wait: float | None = None,
                 stop: Stop | None = None, clock: Clock = time.monotonic,
                 wall: WallClock = lambda: datetime.now(UTC), wait: Wait | None = None) -> None:
        self.limits = limits
        self.max_wait = max_wait
        self.stop = stop or Stop()
        self._clock, self._wall = clock, wall
        self._wait = wait or self.stop.event.wait
        self._lock = threading.Lock()
        now = clock()
        self._buckets: dict[Action, _Bucket] = {}
        for action in ("new crate", "new version"):
            limit = limits.of(action) if limits else None
            self._buckets[action] = _Bucket(period=limit.period if limit else 0.0, origin=now,
                                            free=limit.burst if limit else 1 << 30)
        self._waited = 0.0
        self._waited_until = now

    @property
    def waited(self) -> float:
        """Seconds the run has waited for rate limits so far (overlapping waits once)."""
        return self._waited

    def acquire(self, crate: str, action: Action) -> float:
        """Wait until ``crate`` may be uploaded; return the seconds waited. Raises
        :class:`WaitTooLong` (nothing waited) or :class:`Stopped` (the run is stopping)."""
        with self._lock:
            now = self._clock()
            slot = self._buckets[action].take()
            wait = max(0.0, slot - now)
            if wait > 0:
                extra = max(0.0, slot - max(now, self._waited_until))
                if self.max_wait is not None and self._waited + extra > self.max_wait + 1e-6:
                    self._buckets[action].taken -= 1  # the slot stays free for a resumed run
                    raise WaitTooLong(crate, action, wait, self.at(slot), self.max_wait)
                self._waited += extra
                self._waited_until = max(self._waited_until, slot)
        if wait > 0:
            log.warning("  %s: waiting %s for the registry's rate limit (%s), until %s",
                        crate, duration(wait), self._describe(action), stamp(self.at(slot)))
            if self._wait(wait):
                raise Stopped(self.stop.reason)
        elif self.stop.is_set():
            raise Stopped(self.stop.reason)
        return wait

    def uploaded(self, action: Action) -> None:
        """An upload of ``action`` is done: the first one starts the registry's clock (it saw
        the upload no later than now, so slots counted from now are never early)."""
        with self._lock:
            bucket = self._buckets[action]
            if bucket.anchor is None:
                bucket.anchor = self._clock()

    def throttled(self, action: Action, until: datetime | None) -> datetime:
        """The registry answered 429: nothing of ``action`` before ``until`` (unknown: one
        period from now), then one per period. Returns the time used."""
        with self._lock:
            bucket = self._buckets[action]
            now = self._clock()
            if until is None:
                until = self._wall() + timedelta(seconds=bucket.period or 60.0)
            origin = now + max(0.0, (until - self._wall()).total_seconds())
            self._buckets[action] = _Bucket(period=bucket.period, origin=origin, free=1,
                                            anchor=origin)
            return until

    def at(self, slot: float) -> datetime:
        """The wall-clock time of a monotonic ``slot``."""
        return self._wall() + timedelta(seconds=slot - self._clock())

    def plan(self, actions: Sequence[tuple[str, Action]]) -> list[tuple[str, Action, float]]:
        """Each upload's start, in seconds from now, if taken in this order from the buckets
        as they are (nothing is taken)."""
        with self._lock:
            copies = {a: _Bucket(b.period, b.origin, b.free, b.taken, b.anchor)
                      for a, b in self._buckets.items()}
            now = self._clock()
        return [(crate, action, max(0.0, copies[action].take() - now))
                for crate, action in actions]

    def announce(self, actions: Sequence[tuple[str, Action]], where: str) -> str:
        """What is said before the first upload: how many of ``actions`` are new crates and
        new versions, and what the rate limits will make the run wait."""
        new = sum(1 for _, action in actions if action == "new crate")
        line = (f"{len(actions)} upload(s) to {where}: {new} new crate(s), "
                f"{len(actions) - new} new version(s) of existing ones")
        if self.limits is None:
            return line + "; its rate limits are not known: a 429 is waited out at the time it names"
        waiting = [(crate, at) for crate, _, at in self.plan(actions) if at > 0]
        latest = max((at for _, at in waiting), default=0.0)
        line += (f". Rate limits: new crates {self.limits.new_crate.describe()}, new "
                 f"versions {self.limits.new_version.describe()}")
        if not waiting:
            return line + "; no wait is needed"
        line += (f"; the run is planned to wait {duration(latest)} in all ("
                 + ", ".join(f"{c} at +{duration(at)}" for c, at in waiting) + ")")
        if self.max_wait is not None and latest > self.max_wait:
            line += f"; --max-wait {self.max_wait:g} s will stop it first, resumable"
        return line

    def _describe(self, action: Action) -> str:
        limit: Limit | None = self.limits.of(action) if self.limits else None
        return f"{action}s: {limit.describe()}" if limit else f"{action}s, after a 429"


def stamp(when: datetime) -> str:
    """A time as messages show it, to the next whole second (a time to wait for is never
    shown early): ``2026-12-01 10:55:17 UTC``."""
    rounded = when.astimezone(UTC) + timedelta(microseconds=999_999)
    return rounded.strftime("%Y-%m-%d %H:%M:%S UTC")
