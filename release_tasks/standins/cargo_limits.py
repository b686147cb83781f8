"""crates.io's publish rate limits, as the local cargo registry applies them.

The algorithm is crates.io's ``RateLimiter::take_token`` (src/rate_limiter.rs): one bucket
per user and action, created full (``burst`` tokens) at the first upload; each later upload
first refills ``floor(elapsed / rate)`` tokens (moving ``last_refill`` on by whole periods),
then takes one; an upload that leaves none is refused until ``last_refill + rate``. The
answer is crates.io's: HTTP 429, a JSON error whose message ends "Please try again after
<HTTP date> or email help@crates.io to have your limit increased.", and ``Retry-After``
with the same date. Periods here are seconds, so tests can run the real schedule faster.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Action = Literal["new crate", "new version"]

#: crates.io's wording for each action (``LimitedAction::error_message``).
MESSAGES: dict[Action, str] = {
    "new crate": "You have published too many new crates in a short period of time",
    "new version": "You have published too many updates to existing crates in a short period "
                   "of time",
}
HTTP_DATE = "%a, %d %b %Y %H:%M:%S GMT"


@dataclass
class _Bucket:
    tokens: int
    last_refill: float


@dataclass(frozen=True)
class Refusal:
    """A 429: its message and its ``Retry-After``."""

    detail: str
    retry_after: str
    at: float  # the epoch second it names (the fraction dropped, as crates.io's date does)


class RateLimiter:
    """The buckets of every user; ``limits`` maps an action to (burst, rate in seconds)."""

    def __init__(self, limits: dict[Action, tuple[int, float]],
                 clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self._clock = clock
        self._buckets: dict[tuple[str, Action], _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, user: str, action: Action) -> Refusal | None:
        """Take a token for an upload; the refusal when there is none."""
        if action not in self.limits:
            return None
        burst, rate = self.limits[action]
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get((user, action))
            if bucket is None:
                bucket = self._buckets[(user, action)] = _Bucket(burst, now)
            else:
                refill = math.floor((now - bucket.last_refill) / rate) if rate else burst
                bucket.tokens = min(burst, max(0, bucket.tokens - 1) + refill)
                bucket.last_refill += rate * refill
            if bucket.tokens >= 1:
                return None
            retry = bucket.last_refill + rate
        when = datetime.fromtimestamp(retry, UTC).strftime(HTTP_DATE)
        return Refusal(detail=f"{MESSAGES[action]}. Please try again after {when} or email "
                              "help@crates.io to have your limit increased.",
                       retry_after=when, at=math.floor(retry))
