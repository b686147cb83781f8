"""Plain release numbers are ordered without the registries' parsers, and exactly as they
order them: checked against ``packaging`` (PyPI), ``semver`` (npm, crates.io) and the
RubyGems order on plain and non-plain versions mixed."""

from __future__ import annotations

import itertools

import pytest
import semver
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from release_tasks.errors import VersionError
from release_tasks.registries import REGISTRIES
from release_tasks.registries.versionkey import plain_numbers, without_trailing_zeros

numbers = st.lists(st.integers(0, 12), min_size=1, max_size=5)
plain = numbers.map(lambda parts: ".".join(map(str, parts)))
three = st.lists(st.integers(0, 12), min_size=3, max_size=3).map(
    lambda parts: ".".join(map(str, parts)))
suffix = st.sampled_from(["", "rc1", ".post1", ".dev0", "a2", "+local"])
pep440 = st.tuples(plain, suffix).map("".join)
semver_text = st.tuples(three, st.sampled_from(["", "-rc.1", "-alpha", "+build.5", "-0"])).map(
    "".join)


def _sign(a: object, b: object) -> int:
    return -1 if a < b else (1 if b < a else 0)  # type: ignore[operator]


@pytest.mark.parametrize(("text", "parts", "expected"), [
    ("0.1.8", None, (0, 1, 8)),
    ("0.1.9.0", None, (0, 1, 9, 0)),
    ("0.1.08", None, None),  # a leading zero: for the parser to judge
    ("v0.1.8", None, None),
    ("0.1.8rc1", None, None),
    ("1.2", 3, None),
    ("1.2.3", 3, (1, 2, 3)),
    ("\uff11.2.3", None, None),  # a non-ASCII digit
    ("", None, None),
    ("1..2", None, None),
])
def test_plain_numbers(text: str, parts: int | None, expected: tuple[int, ...] | None) -> None:
    assert plain_numbers(text, parts) == expected


def test_trailing_zeros_keep_one_number() -> None:
    assert without_trailing_zeros((0, 1, 8, 0)) == (0, 1, 8)
    assert without_trailing_zeros((0, 0)) == (0,)


@given(pep440, pep440)
def test_pypi_order_is_pep_440(a: str, b: str) -> None:
    kind = REGISTRIES["pypi"]
    assert _sign(kind.sort_key(a), kind.sort_key(b)) == _sign(Version(a), Version(b))
    assert (kind.sort_key(a) == kind.sort_key(b)) == (Version(a) == Version(b))


@given(semver_text, semver_text)
def test_semver_order_is_semver(a: str, b: str) -> None:
    expected = _sign(semver.Version.parse(a), semver.Version.parse(b))
    for name in ("npm", "crates-io"):
        kind = REGISTRIES[name]
        assert _sign(kind.sort_key(a), kind.sort_key(b)) == expected


def test_equal_keys_hash_alike_however_made() -> None:
    kind = REGISTRIES["pypi"]
    assert kind.sort_key("0.1.8.0") == kind.sort_key("0.1.08")
    assert hash(kind.sort_key("0.1.8.0")) == hash(kind.sort_key("0.1.08"))


def test_rubygems_plain_and_prerelease_mixed() -> None:
    kind = REGISTRIES["rubygems"]
    texts = ["0.1.10", "0.1.9.0", "0.1.9", "0.1.9.a", "0.1.9-rc1", "0.1.8.0", "0.1.8", "0", "0.0"]
    ordered = sorted(texts, key=kind.sort_key)
    assert ordered[:2] == ["0", "0.0"] or ordered[:2] == ["0.0", "0"]
    assert ordered.index("0.1.9.a") < ordered.index("0.1.9") < ordered.index("0.1.10")
    same = [{"0.1.8.0", "0.1.8"}, {"0.1.9.0", "0.1.9"}, {"0", "0.0"}]
    for a, b in itertools.combinations(texts, 2):
        assert (kind.sort_key(a) == kind.sort_key(b)) == ({a, b} in same), (a, b)


@pytest.mark.parametrize(("name", "text"), [("pypi", "0.1.x"), ("npm", "1.2"),
                                              ("crates-io", "01.2.3"), ("rubygems", "")])
def test_a_version_the_registry_refuses_is_refused_when_keyed(name: str, text: str) -> None:
    with pytest.raises(VersionError):
        REGISTRIES[name].sort_key(text)
