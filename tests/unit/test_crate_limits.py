"""crates.io's rate limits as a plan, what cargo shows of a 429, and the pacer that keeps a
run within them (a fake clock: nothing here waits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from release_tasks.publish.crates.pacing import Pacer, WaitTooLong, stamp
from release_tasks.publish.stop import Stop, Stopped
from release_tasks.registries.crates_io.limits import (
    CRATES_IO_LIMITS,
    DATE_MARGIN,
    Action,
    Limit,
    RateLimits,
    duration,
    is_rate_limited,
    offsets,
    planned_wait,
    retry_at,
)

NOW = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)


def test_crates_io_limits_are_its_published_defaults() -> None:
    assert CRATES_IO_LIMITS.new_crate == Limit(burst=5, period=600.0)
    assert CRATES_IO_LIMITS.new_version == Limit(burst=30, period=60.0)


@pytest.mark.parametrize(("crates", "wait"), [
    (1, 0.0), (5, 0.0), (6, 600.0), (8, 1800.0),
], ids=["one", "a burst", "one past it", "the Tasker tree's eight"])
def test_a_first_publish_of_new_crates_waits_ten_minutes_per_crate_past_five(
        crates: int, wait: float) -> None:
    new: list[Action] = ["new crate"] * crates
    assert planned_wait(new, CRATES_IO_LIMITS) == wait


def test_eight_new_crates_are_planned_to_take_thirty_minutes() -> None:
    assert offsets(8, CRATES_IO_LIMITS.new_crate) == [0, 0, 0, 0, 0, 600, 1200, 1800]
    assert duration(planned_wait(["new crate"] * 8, CRATES_IO_LIMITS)) == "30 min"


def test_new_versions_have_their_own_bucket() -> None:
    assert planned_wait(["new version"] * 30, CRATES_IO_LIMITS) == 0
    assert planned_wait(["new version"] * 32, CRATES_IO_LIMITS) == 120
    # The two buckets fill in parallel: the longer schedule is the wait.
    mixed: list[Action] = ["new crate"] * 6
    mixed += ["new version"] * 35
    assert planned_wait(mixed, CRATES_IO_LIMITS) == 600


CARGO_429 = """\
error: failed to publish tasker-cli v0.1.9 to registry at https://crates.io

Caused by:
  the remote server responded with an error (status 429 Too Many Requests): You have \
published too many new crates in a short period of time. Please try again after Tue, 01 Dec \
2026 10:10:00 GMT or email help@crates.io to have your limit increased.
"""

CARGO_429_HEADERS = """\
Caused by:
  failed to get a 200 OK response, got 429
  headers:
  \tHTTP/1.1 429 Too Many Requests
  \tRetry-After: {value}
  \t
  body:
  slow down
"""


def test_the_time_a_429_names_is_read_from_cargos_output() -> None:
    assert is_rate_limited(CARGO_429)
    assert retry_at(CARGO_429, NOW) == datetime(2026, 12, 1, 10, 10, 0, tzinfo=UTC) + \
        timedelta(seconds=DATE_MARGIN)


@pytest.mark.parametrize(("value", "expected"), [
    ("90", NOW + timedelta(seconds=90)),
    ("Tue, 01 Dec 2026 10:05:00 GMT", NOW + timedelta(minutes=5, seconds=DATE_MARGIN)),
])
def test_a_retry_after_header_counts_when_cargo_shows_the_headers(
        value: str, expected: datetime) -> None:
    output = CARGO_429_HEADERS.format(value=value)
    assert is_rate_limited(output)
    assert retry_at(output, NOW) == expected


def test_other_failures_are_not_rate_limits() -> None:
    output = "the remote server responded with an error (status 500): injected"
    assert not is_rate_limited(output)
    assert retry_at(output, NOW) is None
    assert retry_at("status 429 Too Many Requests: slow down", NOW) is None


@pytest.mark.parametrize(("seconds", "text"), [
    (0.5, "0.5 s"), (3.99998, "4 s"), (60, "1 min"), (90, "1 min 30 s"), (1800, "30 min"),
    (5400, "1 h 30 min"),
])
def test_durations_read_as_people_say_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_a_stamp_never_shows_a_time_early() -> None:
    assert stamp(NOW + timedelta(seconds=16.2)) == "2026-12-01 10:00:17 UTC"
    assert stamp(NOW) == "2026-12-01 10:00:00 UTC"


# --- the pacer ----------------------------------------------------------------------------

class Clock:
    """Monotonic and wall clock in one; waiting advances both."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []
        self.stop_after: int | None = None

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return NOW + timedelta(seconds=self.now - 100.0)

    def wait(self, seconds: float) -> bool:
        if self.stop_after is not None and len(self.waits) >= self.stop_after:
            return True
        self.waits.append(seconds)
        self.now += seconds
        return False


LIMITS = RateLimits(new_crate=Limit(2, 10.0), new_version=Limit(3, 1.0))


def pacer(clock: Clock, **kwargs: object) -> Pacer:
    return Pacer(LIMITS, clock=clock.monotonic, wall=clock.wall, wait=clock.wait,
                 **kwargs)  # type: ignore[arg-type]


def test_a_burst_goes_at_once_then_one_per_period_from_the_first_upload() -> None:
    clock = Clock()
    p = pacer(clock)

    assert p.acquire("a", "new crate") == 0
    clock.now += 3.0  # the first upload took 3 s: the registry's clock starts there
    p.uploaded("new crate")
    assert p.acquire("b", "new crate") == 0
    assert p.acquire("c", "new crate") == 10.0
    assert p.acquire("d", "new crate") == 10.0
    assert p.acquire("e", "new version") == 0  # another bucket
    assert clock.waits == [10.0, 10.0]
    assert p.waited == 20.0


def test_the_plan_takes_no_slot() -> None:
    clock = Clock()
    p = pacer(clock)
    actions = [("a", "new crate"), ("b", "new crate"), ("c", "new crate"), ("d", "new version")]

    planned = p.plan(actions)  # type: ignore[arg-type]

    assert [at for _, _, at in planned] == [0, 0, 10.0, 0]
    assert p.plan(actions) == planned  # type: ignore[arg-type]


def test_a_429_empties_the_bucket_until_the_time_it_names() -> None:
    clock = Clock()
    p = pacer(clock)
    p.acquire("a", "new version")

    until = p.throttled("new version", NOW + timedelta(seconds=42))

    assert until == NOW + timedelta(seconds=42)
    assert p.acquire("a", "new version") == 42.0
    assert p.acquire("b", "new version") == 1.0  # then one per period


def test_a_429_without_a_time_waits_one_period() -> None:
    clock = Clock()
    p = pacer(clock)

    assert p.throttled("new crate", None) == NOW + timedelta(seconds=10)


def test_max_wait_counts_overlapping_waits_once_and_stops_before_exceeding_it() -> None:
    clock = Clock()
    p = pacer(clock, max_wait=25.0)
    for crate in "ab":
        p.acquire(crate, "new crate")
    p.uploaded("new crate")
    assert p.acquire("c", "new crate") == 10.0
    assert p.acquire("d", "new crate") == 10.0

    with pytest.raises(WaitTooLong) as error:
        p.acquire("e", "new crate")

    assert error.value.wait == 10.0
    assert error.value.at == clock.wall() + timedelta(seconds=10)
    assert "past --max-wait 25 s" in str(error.value)
    assert p.waited == 20.0
    # The slot it did not take is the next one's.
    assert p.plan([("e", "new crate")])[0][2] == 10.0


def test_a_stop_ends_a_wait() -> None:
    clock = Clock()
    clock.stop_after = 0
    stop = Stop()
    stop.set("SIGINT received", signum=2)
    p = pacer(clock, stop=stop)
    for crate in "ab":
        with pytest.raises(Stopped):
            p.acquire(crate, "new crate")
    assert stop.exit_code == 130


def test_without_known_limits_only_429s_pace() -> None:
    clock = Clock()
    p = Pacer(None, clock=clock.monotonic, wall=clock.wall, wait=clock.wait)
    assert [p.acquire(c, "new crate") for c in "abcdefgh"] == [0] * 8
    p.throttled("new crate", NOW + timedelta(seconds=5))
    assert p.acquire("i", "new crate") == 5.0
    assert p.acquire("j", "new crate") == 0.0
