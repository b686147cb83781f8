"""Version value objects: parsing, bumping, rendering per registry."""

from __future__ import annotations

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
