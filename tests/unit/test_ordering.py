"""Each registry's order and equality: tables of the rules, and properties over many versions."""

from __future__ import annotations

from functools import cmp_to_key

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_tasks.errors import VersionError
from release_tasks.model.version import BindingVersion, CoreVersion, Registry
from release_tasks.registries import ordering

ORDER: list[tuple[Registry, str, str, int]] = [
    # RubyGems: numbers and letters are segments; trailing zeros do not count.
    ("rubygems", "0.1.9.0", "0.1.10", -1),
    ("rubygems", "0.1.8.0", "0.1.8", 0),
    ("rubygems", "0.1.8", "0.1.8.0.0", 0),
    ("rubygems", "0.1.10", "0.1.9.9999", 1),
    ("rubygems", "0.1.3.0", "0.1.0.1", 1),
    ("rubygems", "0.1.08", "0.1.8", 0),
    ("rubygems", "2", "1.99.99", 1),
    ("rubygems", "1.0.a", "1.0", -1),  # a letter segment is a prerelease
    ("rubygems", "1.0.0.pre1", "1.0.0", -1),
    ("rubygems", "1.0-rc1", "1.0", -1),  # "-" reads as ".pre."
    ("rubygems", "1.0-rc1", "1.0.pre.rc1", 0),
    ("rubygems", "1.0.a", "1.0.b", -1),
    ("rubygems", "1.0.a10", "1.0.a9", 1),
    ("rubygems", "1.a", "1.0.a", 0),
    ("rubygems", "1.0.a.0", "1.a", 0),
    ("rubygems", "0.1.8.rc1", "0.1.8.0.0", -1),
    ("rubygems", " 0.1.8 ", "0.1.8", 0),
    # PEP 440.
    ("pypi", "0.1.8.0", "0.1.8", 0),
    ("pypi", "0.1.9.0", "0.1.10", -1),
    ("pypi", "0.1.10", "0.1.9.999", 1),
    ("pypi", "1.0rc1", "1.0", -1),
    ("pypi", "1.0.post1", "1.0", 1),
    ("pypi", "1.0.dev1", "1.0a1", -1),
    ("pypi", "1.0+local", "1.0", 1),
    # semver: npm renderings, crates.
    ("npm", "0.1.9000", "0.1.10", 1),
    ("npm", "0.1.8002", "0.1.8003", -1),
    ("npm", "0.1.8000", "0.1.8", 1),
    ("npm", "1.0.0-rc.1", "1.0.0", -1),
    ("npm", "1.0.0-rc.2", "1.0.0-rc.10", -1),
    ("npm", "1.0.0+build.1", "1.0.0", 0),
    ("crates-io", "0.2.0", "0.1.99", 1),
    ("crates-io", "0.1.9+meta", "0.1.9", 0),
    ("crates-io", "0.2.0-alpha.1", "0.1.9", 1),
]


@pytest.mark.parametrize(("registry", "a", "b", "expected"), ORDER)
def test_order(registry: Registry, a: str, b: str, expected: int) -> None:
    assert ordering.compare(registry, a, b) == expected
    assert ordering.compare(registry, b, a) == -expected
    assert ordering.equal(registry, a, b) is (expected == 0)


@pytest.mark.parametrize(("registry", "text"), [
    ("rubygems", ""), ("rubygems", "a.b"), ("rubygems", "1..2"), ("rubygems", "1.0-"),
    ("rubygems", "v1.0"), ("rubygems", "1.0 beta"), ("rubygems", "1.0_1"),
    ("pypi", ""), ("pypi", "1.0-beta-x"), ("pypi", "latest"),
    ("npm", "0.1.8.0"), ("npm", "01.0.0"), ("npm", "1.0"), ("npm", "v1.0.0"),
    ("crates-io", "0.1.8.0"), ("crates-io", ""),
])
def test_what_a_registry_does_not_read_as_a_version(registry: Registry, text: str) -> None:
    assert not ordering.is_version(registry, text)
    with pytest.raises(VersionError, match="is not a"):
        ordering.compare(registry, text, "1.0.0")


def test_greatest_skips_what_it_cannot_read() -> None:
    assert ordering.greatest("rubygems", ["0.1.9.0", "junk!", "0.1.10", "0.1.8"]) == "0.1.10"
    assert ordering.greatest("npm", ["0.1.10", "0.1.9000"]) == "0.1.9000"
    assert ordering.greatest("pypi", []) is None


@pytest.mark.parametrize(("registry", "ours", "listed", "exact", "same", "greater"), [
    ("rubygems", "0.1.8.0", ["0.1.7", "0.1.8.0"], True, (), ()),
    ("rubygems", "0.1.8.0", ["0.1.8"], False, ("0.1.8",), ()),
    ("rubygems", "0.1.8.0", ["0.1.10", "0.1.9", "0.1.7"], False, (), ("0.1.10", "0.1.9")),
    ("pypi", "0.1.8.0", ["0.1.8", "0.1.8.1"], False, ("0.1.8",), ("0.1.8.1",)),
    ("npm", "0.1.8000", ["0.1.10", "not-a-version"], False, (), ()),
    ("crates-io", "0.1.9", ["0.1.9+meta", "0.1.9"], True, ("0.1.9+meta",), ()),
])
def test_classify(registry: Registry, ours: str, listed: list[str], exact: bool,
                  same: tuple[str, ...], greater: tuple[str, ...]) -> None:
    assert ordering.classify(registry, ours, listed) == ordering.Listing(
        exact=exact, same=same, greater=greater)


def test_refusal_says_why_and_never_for_our_exact_version() -> None:
    exact = ordering.classify("rubygems", "0.1.8.0", ["0.1.8.0", "0.1.10"])
    assert ordering.refusal(exact, "rubygems", "RubyGems", "gem", "0.1.8.0") is None
    same = ordering.classify("pypi", "0.1.8.0", ["0.1.8"])
    assert ordering.refusal(same, "pypi", "PyPI", "pkg", "0.1.8.0") == (
        "pkg 0.1.8.0: PyPI already has 0.1.8, the same version under its rules but spelled "
        "differently; it would refuse 0.1.8.0, and it is not ours to call published")
    above = ordering.classify("rubygems", "0.1.9.0", ["0.1.10", "0.1.11", "0.1.8"])
    assert ordering.refusal(above, "rubygems", "RubyGems", "gem", "0.1.9.0") == (
        "gem 0.1.9.0: RubyGems already has 0.1.11, which is greater; versions only go up")
    assert ordering.refusal(ordering.classify("npm", "1.0.0", []), "npm", "npm", "p",
                            "1.0.0") is None


# --- properties -------------------------------------------------------------------------------

parts = st.integers(min_value=0, max_value=5000)
levels = st.integers(min_value=0, max_value=999)
bindings = st.builds(BindingVersion, st.builds(CoreVersion, parts, parts, parts), levels)
numeric = st.lists(st.integers(min_value=0, max_value=99), min_size=1, max_size=6).map(
    lambda ns: ".".join(map(str, ns)))
word = st.text(alphabet="abcrpe", min_size=1, max_size=3)
gem_versions = st.builds(
    lambda head, tail: head + "".join(tail), numeric,
    st.lists(st.one_of(word.map(lambda w: f".{w}"), parts.map(lambda n: f".{n}"),
                       word.map(lambda w: f"-{w}")), max_size=3))


def sign(x: int) -> int:
    return (x > 0) - (x < 0)


@given(bindings, bindings)
def test_every_registry_orders_renderings_as_the_two_tier_versions(
        a: BindingVersion, b: BindingVersion) -> None:
    expected = sign((a > b) - (a < b))
    for registry in ("rubygems", "pypi", "npm"):
        mine, theirs = ordering.render(a, registry), ordering.render(b, registry)
        assert ordering.compare(registry, mine, theirs) == expected


@given(numeric, st.integers(min_value=1, max_value=4))
def test_trailing_zeros_do_not_count_on_rubygems_and_pypi(text: str, zeros: int) -> None:
    padded = text + ".0" * zeros
    assert ordering.equal("rubygems", text, padded)
    assert ordering.equal("pypi", text, padded)


@given(numeric, numeric)
def test_rubygems_and_pep440_agree_on_plain_numbers(a: str, b: str) -> None:
    assert ordering.compare("rubygems", a, b) == ordering.compare("pypi", a, b)


@given(st.lists(gem_versions, min_size=1, max_size=12))
def test_rubygems_order_is_total(texts: list[str]) -> None:
    """Antisymmetric, reflexive and transitive: sorting gives a chain of non-decreasing pairs."""
    def cmp(a: str, b: str) -> int:
        return ordering.compare("rubygems", a, b)

    ordered = sorted(texts, key=cmp_to_key(cmp))
    for i, a in enumerate(ordered):
        assert cmp(a, a) == 0
        for b in ordered[i + 1:]:
            assert cmp(a, b) <= 0 and cmp(b, a) >= 0


@given(gem_versions)
def test_a_letter_segment_sorts_below_the_release(text: str) -> None:
    release = text.split("-")[0]
    if not any(c.isalpha() for c in release):
        assert ordering.compare("rubygems", release + ".pre", release) == -1
        assert ordering.compare("rubygems", release + "-rc1", release) == -1
