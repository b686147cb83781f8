"""Cargo version requirements: which pins move with a crate, and which versions satisfy one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_tasks.cargo.requirements import Pin, parse_pin, satisfies


@pytest.mark.parametrize(("req", "pin"), [
    ("=0.1.8", Pin("=", "0.1.8")),
    ("0.1.8", Pin("", "0.1.8")),
    ("^0.1.8", Pin("^", "0.1.8")),
    ("~0.1.8", Pin("~", "0.1.8")),
    ("= 0.1.8", Pin("=", "0.1.8")),
    ("0.1", None),
    (">=0.1.8", None),
    ("=0.1.8, <1", None),
    ("*", None),
    ("0.1.*", None),
    ("=0.1.8-alpha.1", Pin("=", "0.1.8-alpha.1")),
    ("0.1.8+build.5", None),
])
def test_only_a_single_full_version_is_a_pin(req: str, pin: Pin | None) -> None:
    assert parse_pin(req) == pin


def test_a_pin_moves_with_its_operator() -> None:
    assert [parse_pin(r).moved_to("0.1.9") for r in ("=0.1.8", "0.1.8", "~0.1.8")  # type: ignore[union-attr]
            ] == ["=0.1.9", "0.1.9", "~0.1.9"]


@pytest.mark.parametrize(("req", "version", "ok"), [
    ("=0.1.8", "0.1.8", True), ("=0.1.8", "0.1.9", False), ("=0.1", "0.1.9", True),
    ("0.1", "0.1.9", True), ("0.1", "0.2.0", False), ("^0.1.8", "0.1.9", True),
    ("^0.1.8", "0.1.7", False), ("^1.2", "1.9.0", True), ("^1.2", "2.0.0", False),
    ("^0.0.3", "0.0.4", False), ("~0.1.8", "0.1.9", True), ("~0.1.8", "0.2.0", False),
    ("~1", "1.5.0", True), (">=0.1, <0.3", "0.2.5", True), (">=0.1, <0.3", "0.3.0", False),
    (">0.1", "0.1.9", False), (">0.1", "0.2.0", True), (">0.1.8", "0.1.8", False),
    ("<=0.1", "0.1.9", True), ("<=0.1", "0.2.0", False), ("<0.2.0", "0.1.99", True),
    ("*", "9.9.9", True), ("0.1.*", "0.1.7", True), ("0.1.*", "0.2.0", False),
    ("1.*", "1.9.9", True), ("1", "1.9.0", True), ("1", "2.0.0", False),
])
def test_satisfies_follows_cargos_rules(req: str, version: str, ok: bool) -> None:
    assert satisfies(req, version) is ok


@pytest.mark.parametrize(("req", "version", "ok"), [
    ("=0.1.8-beta.1", "0.1.8-beta.1", True), ("=0.1.8-beta.1", "0.1.8-beta.2", False),
    ("=0.1.8-beta.1", "0.1.8", False), ("^0.1.8-beta.1", "0.1.8-beta.3", True),
    ("^0.1.8-beta.1", "0.1.8-rc.0", True), ("^0.1.8-beta.1", "0.1.8", True),
    ("^0.1.8-beta.1", "0.1.8-alpha.9", False), ("^0.1.8-beta.1", "0.1.9-beta.0", False),
    ("0.1.8", "0.1.9-beta.0", False), ("0.1.8", "0.1.8-rc.1", False), ("0.1.8", "0.1.9", True),
])
def test_a_prerelease_meets_only_a_prerelease_comparator_of_its_version(
        req: str, version: str, ok: bool) -> None:
    assert satisfies(req, version) is ok


def test_an_unreadable_requirement_is_not_judged() -> None:
    assert satisfies("=0.1.8+build", "0.1.8") is None
    assert satisfies("banana", "0.1.8") is None


versions = st.tuples(*(st.integers(min_value=0, max_value=30) for _ in range(3)))


@given(versions, versions)
def test_an_exact_pin_allows_exactly_its_version(pinned: tuple[int, int, int],
                                                 other: tuple[int, int, int]) -> None:
    text = ".".join(map(str, pinned))
    assert satisfies(f"={text}", ".".join(map(str, other))) is (pinned == other)


@given(versions, versions)
def test_a_caret_pin_allows_its_version_and_the_compatible_ones_above(
        pinned: tuple[int, int, int], other: tuple[int, int, int]) -> None:
    text, candidate = ".".join(map(str, pinned)), ".".join(map(str, other))
    # The left-most non-zero part (the patch when all are zero) may not change.
    index = next((i for i, p in enumerate(pinned) if p != 0), 2)
    compatible = other >= pinned and other[:index + 1] == pinned[:index + 1]
    assert satisfies(f"^{text}", candidate) is compatible
    assert satisfies(text, candidate) is compatible
