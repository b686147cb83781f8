"""Version value objects: parsing, bumping, rendering per registry."""

from __future__ import annotations

import itertools

import pytest
import semver
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from release_tasks.errors import VersionError
from release_tasks.model.version import BindingVersion, CoreVersion
from release_tasks.registries import kind_of, ordering
from release_tasks.registries.pypi import equal as pep440_equal
from release_tasks.registries.rubygems import equal as rubygems_equal


def validate_for_registry(text: str, registry: str) -> None:
    kind_of(registry).check_grammar(text)


parts = st.integers(min_value=0, max_value=10_000)
levels = st.integers(min_value=0, max_value=999)
cores = st.builds(CoreVersion, parts, parts, parts)
bindings = st.builds(BindingVersion, cores, levels)


@pytest.mark.parametrize("text", ["", "0.1", "v0.1.8", "0.01.8", "0.1.8 trailing", "0.1.8.0",
                                  "0.1.-1", "1.2.3-rc1", " 0.1.8", "0.1.8\n"])
def test_core_rejects(text: str) -> None:
    with pytest.raises(VersionError, match="VERSION"):
        CoreVersion.parse(text, source="VERSION")


@pytest.mark.parametrize("text", ["0.1.8", "0.1.8.01", "v0.1.8.0", "0.1.8.0.0", "0.1.8.x"])
def test_binding_rejects(text: str) -> None:
    with pytest.raises(VersionError, match=r"X\.Y\.Z\.P"):
        BindingVersion.parse(text)


@pytest.mark.parametrize(("current", "expected"), [("0.1.8", "0.1.9"), ("0.1.0", "0.1.1"),
                                                   ("1.9.99", "1.9.100")])
def test_bump_patch(current: str, expected: str) -> None:
    assert str(CoreVersion.parse(current).bump_patch()) == expected


@pytest.mark.parametrize(("version", "npm"), [("0.1.8.0", "0.1.8000"), ("0.1.8.2", "0.1.8002"),
                                              ("0.1.0.0", "0.1.0"), ("0.1.0.999", "0.1.999"),
                                              ("1.2.3.45", "1.2.3045")])
def test_npm_rendering(version: str, npm: str) -> None:
    parsed = BindingVersion.parse(version)
    assert ordering.render(parsed, "npm") == npm
    assert ordering.render(parsed, "pypi") == version
    assert ordering.render(parsed, "rubygems") == version
    assert ordering.read_rendering(npm, "npm") == parsed


def test_patch_level_limit() -> None:
    with pytest.raises(VersionError, match="P < 1000"):
        BindingVersion.parse("0.1.8.1000")
    with pytest.raises(VersionError, match="P < 1000"):
        BindingVersion.parse("0.1.8.999").next_patch()


def test_registry_grammars() -> None:
    with pytest.raises(VersionError, match="npm"):
        validate_for_registry("0.1.8.0", "npm")
    with pytest.raises(VersionError, match="crates-io"):
        validate_for_registry("0.1.8.0", "crates-io")
    with pytest.raises(VersionError, match="PEP 440"):
        validate_for_registry("0.1.08.0", "pypi")
    with pytest.raises(VersionError, match="RubyGems"):
        validate_for_registry("0.1.8 0", "rubygems")


def test_registry_equality() -> None:
    assert rubygems_equal("0.1.8.0", "0.1.8")
    assert not rubygems_equal("0.1.8.1", "0.1.8")
    assert pep440_equal("0.1.8.0", "0.1.8")
    assert not pep440_equal("0.1.8.1", "0.1.8")
    assert not pep440_equal("junk", "0.1.8")


@given(cores)
def test_core_round_trip(core: CoreVersion) -> None:
    assert CoreVersion.parse(str(core)) == core
    assert core.bump_patch() > core


@given(bindings)
def test_binding_round_trip(version: BindingVersion) -> None:
    assert BindingVersion.parse(str(version)) == version
    for registry in ("npm", "pypi", "rubygems"):
        rendered = ordering.render(version, registry)
        assert ordering.read_rendering(rendered, registry) == version


@given(bindings, bindings)
def test_renderings_keep_order(a: BindingVersion, b: BindingVersion) -> None:
    """Each registry orders the renderings exactly as X.Y.Z.P orders the versions."""
    def sign(x: int) -> int:
        return (x > 0) - (x < 0)

    expected = sign((a > b) - (a < b))
    npm_a, npm_b = ordering.render(a, "npm"), ordering.render(b, "npm")
    assert sign(semver.Version.parse(npm_a).compare(npm_b)) == expected
    va, vb = Version(ordering.render(a, "pypi")), Version(ordering.render(b, "pypi"))
    assert sign((va > vb) - (va < vb)) == expected


# --- prereleases ---------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "label", "expected"), [
    ("0.38.0-beta.4", "beta", "0.38.0-beta.5"), ("0.38.0-beta.4", "rc", "0.38.0-rc.0"),
    ("0.38.0", "beta", "0.38.1-beta.0"), ("0.23.2-dev.0", "dev", "0.23.2-dev.1"),
    ("0.23.2-dev.3", "alpha", "0.23.2-alpha.0")])
def test_next_prerelease(current: str, label: str, expected: str) -> None:
    assert str(CoreVersion.parse(current).prerelease(label)) == expected  # type: ignore[arg-type]


def test_a_prerelease_goes_to_its_final_and_sorts_below_it() -> None:
    beta = CoreVersion.parse("0.38.0-beta.5")
    assert beta.bump_patch() == CoreVersion.parse("0.38.0") > beta
    assert CoreVersion.parse("0.37.9") < CoreVersion.parse("0.38.0-dev.0") < CoreVersion.parse(
        "0.38.0-alpha.3") < beta < CoreVersion.parse("0.38.0-rc.0")
    with pytest.raises(VersionError, match="already past alpha"):
        beta.prerelease("alpha")


@pytest.mark.parametrize("text", ["0.38.0-beta", "0.38.0-beta.01", "0.38.0-pre.1",
                                  "0.38.0-beta.1.2"])
def test_core_rejects_other_prereleases(text: str) -> None:
    with pytest.raises(VersionError, match="LABEL"):
        CoreVersion.parse(text, source="VERSION")


SPELLINGS = [
    # canonical, PyPI, RubyGems, npm
    ("0.38.0-beta.4.0", "0.38.0b4", "0.38.0.beta.4", "0.38.0-beta.4"),
    ("0.38.0-beta.4.2", "0.38.0b4.post2", "0.38.0.beta.4.2", "0.38.0-beta.4.2"),
    ("0.38.0-rc.1.0", "0.38.0rc1", "0.38.0.rc.1", "0.38.0-rc.1"),
    ("0.38.0-alpha.0.0", "0.38.0a0", "0.38.0.alpha.0", "0.38.0-alpha.0"),
    ("0.23.2-dev.0.0", "0.23.2.dev0", "0.23.2.dev.0", "0.23.2000-dev.0"),
    ("0.23.2-beta.1.3", "0.23.2b1.post3", "0.23.2.beta.1.3", "0.23.2000-beta.1.3"),
]


@pytest.mark.parametrize(("canonical", "pypi", "gem", "npm"), SPELLINGS)
def test_prerelease_bindings_are_spelled_in_each_registry_and_read_back(
        canonical: str, pypi: str, gem: str, npm: str) -> None:
    version = BindingVersion.parse(canonical)
    assert str(version) == canonical
    for registry, text in (("pypi", pypi), ("rubygems", gem), ("npm", npm)):
        assert ordering.render(version, registry) == text
        assert ordering.read_rendering(text, registry) == version
    assert str(Version(pypi)) == pypi  # PEP 440 normal form, as packaging spells it


@pytest.mark.parametrize("registry", ["pypi", "rubygems", "npm"])
def test_prerelease_bindings_sort_between_the_finals_in_every_registry(registry: str) -> None:
    """Each registry's own order: the last final's bindings < the prerelease < its patches <
    the next prerelease < the final's first binding (``0.38.0.0``)."""
    chain = ["0.37.2.5", "0.38.0-beta.4.0", "0.38.0-beta.4.1", "0.38.0-beta.5.0",
             "0.38.0-rc.0.0", "0.38.0-rc.0.2", "0.38.0.0", "0.38.0.1"]
    spelled = [ordering.render(BindingVersion.parse(v), registry) for v in chain]
    for lower, higher in itertools.pairwise(spelled):
        assert ordering.compare(registry, lower, higher) < 0, (lower, higher)
    assert sorted(BindingVersion.parse(v) for v in reversed(chain)) == [
        BindingVersion.parse(v) for v in chain]


def test_no_pep440_spelling_for_a_patch_on_a_dev_prerelease() -> None:
    with pytest.raises(VersionError, match="--pre dev"):
        ordering.render(BindingVersion.parse("0.23.2-dev.0.1"), "pypi")
    assert ordering.render(BindingVersion.parse("0.23.2-dev.0.1"), "rubygems") == "0.23.2.dev.0.1"
