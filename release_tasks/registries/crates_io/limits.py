"""crates.io's publish rate limits, and what cargo shows of a 429.

crates.io gives each account two token buckets: one for publishing crates that do not exist
yet, one for new versions of existing crates. A bucket starts full; an upload takes a token;
tokens come back one per period; an upload that finds the bucket empty is answered
``429 Too Many Requests`` with "Please try again after <HTTP date>" in its message and a
``Retry-After`` header. cargo does not retry it, and prints the message (the header only
when the body is not crates.io's JSON).

:func:`offsets` is the schedule a full bucket allows; :func:`retry_at` reads the time a 429
names out of cargo's output.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

#: What an upload takes a token of: a crate new to the registry, or a new version of one.
Action = Literal["new crate", "new version"]


@dataclass(frozen=True)
class Limit:
    """A token bucket: ``burst`` uploads at once, then one per ``period`` seconds."""

    burst: int
    period: float

    def __post_init__(self) -> None:
        if self.burst < 1 or self.period < 0:
            raise ValueError(f"a rate limit needs burst >= 1 and period >= 0, not {self}")

    def describe(self) -> str:
        return f"{self.burst} at once, then 1 per {duration(self.period)}"


@dataclass(frozen=True)
class RateLimits:
    """The two buckets of one account."""

    new_crate: Limit
    new_version: Limit

    def of(self, action: Action) -> Limit:
        return self.new_crate if action == "new crate" else self.new_version


# crates.io's defaults, `LimitedAction::default_burst` and `default_rate_seconds` in
# https://github.com/rust-lang/crates.io/blob/main/src/rate_limiter.rs (PublishNew: 5, every
# 10 minutes; PublishUpdate: 30, every minute). Operators can raise them per account on request
# (help@crates.io); the plan assumes the defaults and a bucket that is full when the run starts.
CRATES_IO_LIMITS: Final = RateLimits(new_crate=Limit(burst=5, period=600.0),
                                     new_version=Limit(burst=30, period=60.0))

# crates.io's sentence, e.g. "... Please try again after Tue, 27 Dec 2022 17:25:13 GMT or email
# help@crates.io to have your limit increased." Older and other registries' wordings differ
# around it, so only "try again after <date>" is relied on.
_TRY_AGAIN = re.compile(r"try again after\s+(?P<when>[^\n]+?)(?:\s+or\b|\.\s|\.?$)",
                        re.IGNORECASE | re.MULTILINE)
# cargo shows the response headers when the body is not crates.io's JSON.
_RETRY_AFTER = re.compile(r"^\s*retry-after:\s*(?P<value>[^\r\n]+?)\s*$",
                          re.IGNORECASE | re.MULTILINE)
_STATUS_429 = re.compile(r"\b429\b|too many requests", re.IGNORECASE)
#: The HTTP date of a 429 drops the fraction of a second: waiting until it can be too early.
DATE_MARGIN: Final = 1.0


def offsets(count: int, limit: Limit, free: int | None = None) -> list[float]:
    """The earliest start, in seconds from now, of each of ``count`` uploads taken from a
    bucket holding ``free`` tokens now (default: full) and refilled from now on."""
    tokens = limit.burst if free is None else free
    return [max(0, i - tokens + 1) * limit.period for i in range(count)]


def planned_wait(actions: Sequence[Action], limits: RateLimits) -> float:
    """How long a run of ``actions``, in that order and from full buckets, must wait in all:
    the latest start any of them gets (uploads themselves taken as instant)."""
    latest = 0.0
    for action in ("new crate", "new version"):
        count = sum(1 for a in actions if a == action)
        if count:
            latest = max(latest, offsets(count, limits.of(action))[-1])
    return latest


def is_rate_limited(output: str) -> bool:
    """Whether cargo's output says the registry answered 429."""
    return bool(_STATUS_429.search(output))


def retry_at(output: str, now: datetime | None = None) -> datetime | None:
    """The time a 429 in cargo's output says to try again at (with :data:`DATE_MARGIN`):
    its "try again after <date>", else a ``Retry-After`` header (seconds or HTTP date)."""
    now = now or datetime.now(UTC)
    for match in _TRY_AGAIN.finditer(output):
        when = _parse_date(match["when"].strip().rstrip("."))
        if when is not None:
            return when + timedelta(seconds=DATE_MARGIN)
    for match in _RETRY_AFTER.finditer(output):
        value = match["value"]
        if value.isdigit():
            return now + timedelta(seconds=int(value))
        when = _parse_date(value)
        if when is not None:
            return when + timedelta(seconds=DATE_MARGIN)
    return None


def _parse_date(text: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def duration(seconds: float) -> str:
    """``90`` -> ``1 min 30 s``; ``1800`` -> ``30 min``; ``0.5`` -> ``0.5 s``."""
    if seconds < 59.95:
        return f"{round(seconds, 1):g} s"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    parts += [f"{rest} s"] if rest else []
    return " ".join(parts)
