"""Versions only go up: what a component has been, the P rule, blockers and the way out."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_tasks.errors import VersionError
from release_tasks.model.version import BindingVersion, CoreVersion, Registry
from release_tasks.plan import upward
from release_tasks.plan.upward import Known, Release, Seen
from release_tasks.registries import ordering

V = CoreVersion.parse
B = BindingVersion.parse


def known(registry: Registry, tags: list[str], file: str | None = None,
          name: str = "ruby") -> Known:
    """A binding's Known from tag suffixes and its version file, as versions.py builds it."""
    seen, levels = upward.tag_versions(f"{name}-v", {f"{name}-v{t}": "c1" for t in tags}, None,
                                       registry, two_tier=True)
    if file is not None:
        in_file, current = upward.file_version(file, "version.rb", registry)
        seen.insert(0, in_file)
        if current is not None:
            levels.append(current)
    return Known(name, registry, tuple(seen), tuple(levels))


def core_known(version: str, tags: list[str]) -> Known:
    seen, _ = upward.tag_versions("core-v", {f"core-v{t}": "c1" for t in tags}, None,
                                  "crates-io", two_tier=False)
    return Known("core", "crates-io", (Seen(version, "VERSION", is_file=True), *seen))


def test_tags_are_read_in_any_scheme_and_junk_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    tags = {"typescript-v0.1.10": "a", "typescript-v0.1.8.2": "b", "typescript-vnext": "c",
            "typescript-v0.1.9.0": "own", "ruby-v0.1.11": "d"}
    with caplog.at_level(logging.DEBUG, logger="release_tasks"):
        seen, levels = upward.tag_versions("typescript-v", tags, "own", "npm", two_tier=True)
    # Three parts are compared as npm spells them; four parts as their npm rendering.
    assert seen == [Seen("0.1.10", "tag typescript-v0.1.10"),
                    Seen("0.1.8002", "tag typescript-v0.1.8.2")]
    assert levels == [B("0.1.8.2")]
    assert "tag typescript-vnext: 'next' is not a npm version; ignored" in caplog.text


@pytest.mark.parametrize(("registry", "tags", "file", "core", "patch"), [
    ("rubygems", [], "0.1.8.2", "0.1.8", 3),  # the file's P on the same core
    ("rubygems", ["0.1.8.5"], "0.1.8.2", "0.1.8", 6),  # a tag's P above the file's
    ("rubygems", ["0.1.8.5"], "0.1.8.2", "0.1.9", 0),  # a new core starts at 0
    ("rubygems", ["0.1.10"], "0.1.10", "0.1.8", 0),  # three parts carry no P
    # ... but on RubyGems and PyPI a three-part X.Y.Z *is* X.Y.Z.0: the next fix is X.Y.Z.1.
    ("rubygems", ["0.1.10"], "0.1.10", "0.1.10", 1),
    ("pypi", ["0.1.8"], "0.1.8", "0.1.8", 1),
    ("pypi", [], "0.1.8", "0.1.8", 1),  # the version file alone says so too
    ("pypi", ["0.1.8", "0.1.8.3"], "0.1.8.3", "0.1.8", 4),
    ("npm", ["0.1.8"], "0.1.8", "0.1.8", 0),  # npm's 0.1.8 is not 0.1.8000
    ("pypi", ["0.1.3.0"], "0.1.0.0", "0.1.3", 1),
    ("npm", [], "0.1.8002", "0.1.8", 3),  # the npm file holds a rendering
    ("npm", ["0.1.10"], None, "0.1.0", 0),  # a three-part npm tag is not read as a rendering
])
def test_patch_level(registry: Registry, tags: list[str], file: str | None, core: str,
                     patch: int) -> None:
    assert known(registry, tags, file).patch_level(V(core)) == patch


@pytest.mark.parametrize(("registry", "tags", "file", "kind", "core", "problem"), [
    ("rubygems", ["0.1.10"], "0.1.10", "next", "0.1.8",
     "ruby 0.1.8.0 would go backwards: RubyGems orders it below 0.1.10 (tag ruby-v0.1.10)"),
    ("rubygems", ["0.1.10"], "0.1.10", "next", "0.1.10", None),  # 0.1.10.1 > 0.1.10.0
    ("rubygems", ["0.1.10"], "0.1.10", "next", "0.1.11", None),
    ("pypi", ["0.1.8"], "0.1.8", "next", "0.1.8", None),  # 0.1.8.1: 0.1.8 is 0.1.8.0
    ("pypi", ["0.1.8"], "0.1.8", "first", "0.1.8",
     "ruby 0.1.8.0 equals 0.1.8 on PyPI (tag ruby-v0.1.8): PyPI would refuse it as already "
     "published"),
    ("npm", ["0.1.10"], "0.1.10", "next", "0.1.8", None),  # 0.1.8000 > 0.1.10 as semver
    ("rubygems", ["0.1.3.0"], "0.1.0.0", "next", "0.1.0",
     "ruby 0.1.0.1 would go backwards: RubyGems orders it below 0.1.3.0 (tag ruby-v0.1.3.0)"),
    ("rubygems", [], "0.1.0", "next", "0.1.0", None),  # 0.1.0.1 after the file's 0.1.0
    ("rubygems", [], "0.1.0", "first", "0.1.0", None),  # a first release releases the file
    ("rubygems", [], "0.1.10", "first", "0.1.8",
     "ruby 0.1.8.0 would go backwards: RubyGems orders it below 0.1.10 (version.rb)"),
    ("rubygems", ["0.1.0.0"], "0.1.0", "first", "0.1.0",
     "ruby 0.1.0.0 was already released (tag ruby-v0.1.0.0)"),
])
def test_problem(registry: Registry, tags: list[str], file: str | None, kind: upward.Kind,
                 core: str, problem: str | None) -> None:
    assert Release(known(registry, tags, file), kind).problem_on(V(core)) == problem


def test_the_patch_level_limit_is_a_problem_not_a_crash() -> None:
    release = Release(known("rubygems", [], "0.1.0.999"), "next")
    assert release.problem_on(V("0.1.0")) == (
        "ruby: binding patch level 1000 of 0.1.0.1000 is outside 0..999 (the npm rendering "
        "X.Y.(Z*1000+P) needs P < 1000)")
    assert release.problem_on(V("0.1.1")) is None


def test_a_junk_version_file_is_an_error_naming_it() -> None:
    with pytest.raises(VersionError, match=r"version.rb: 'soon' is not a RubyGems version"):
        upward.file_version("soon", "version.rb", "rubygems")


def test_core_problems() -> None:
    core = core_known("0.1.0", ["0.2.0", "0.1.0"])
    assert upward.core_problem(core, V("0.1.1"), moved=True) == (
        "core 0.1.1 would go backwards: crates.io orders it below 0.2.0 (tag core-v0.2.0)")
    assert upward.core_problem(core, V("0.2.0"), moved=True) == (
        "core 0.2.0 was already released (tag core-v0.2.0)")
    assert upward.core_problem(core_known("0.1.8", []), V("0.1.8"), moved=True) == (
        "core 0.1.8 is already the version in VERSION")
    assert upward.core_problem(core_known("0.1.8", []), V("0.1.8"), moved=False) is None
    assert upward.core_problem(core, V("0.2.1"), moved=True) is None


def test_the_way_out_names_a_concrete_core_and_what_it_gives() -> None:
    ruby = Release(known("rubygems", ["0.1.10"], "0.1.10"), "next")
    python = Release(known("pypi", ["0.1.8"], "0.1.8", name="python"), "next")
    problems = [ruby.problem_on(V("0.1.9")) or ""]
    text = upward.way_out(problems, V("0.1.8"), core_known("0.1.8", ["0.1.8"]),
                          {"ruby": ruby, "python": python}, ["ruby"])
    assert text == (
        "versions only go up, in each registry's own order, and this plan would not:\n"
        "  - ruby 0.1.9.0 would go backwards: RubyGems orders it below 0.1.10 (tag ruby-v0.1.10)\n"
        "Ways out (`versions` takes --core and --bump too, to show the plan first):\n"
        "  nox -s release -- --core 0.1.10  # core 0.1.10, ruby 0.1.10.1\n"
        "  nox -s release -- --bump minor   # core 0.2.0, ruby 0.2.0.0\n"
        "  nox -s release -- --skip ruby    # ruby stays out of this release; it is carried "
        "forward")


def test_a_core_blocked_from_above_gets_the_bump_that_clears_it() -> None:
    core = core_known("0.1.0", ["0.2.0"])
    text = upward.way_out([upward.core_problem(core, V("0.1.1"), moved=True) or ""], V("0.1.0"),
                          core, {}, [])
    assert "  nox -s release -- --core 0.2.1" in text
    assert "--bump minor" not in text  # 0.2.0 is taken
    assert "  nox -s release -- --bump major  # core 1.0.0" in text
    assert "--skip" not in text


def test_the_lowest_core_may_reuse_a_core_with_a_higher_patch_level() -> None:
    # ruby-v0.1.3.0 is a gem built on core 0.1.3; releasing core 0.1.3 gives ruby 0.1.3.1.
    ruby = Release(known("rubygems", ["0.1.3.0", "0.1.0.0"], "0.1.0.0"), "next")
    assert upward.lowest_working_core(V("0.1.0"), core_known("0.1.0", ["0.1.0"]),
                                      [ruby]) == V("0.1.3")
    assert ruby.version_on(V("0.1.3")) == B("0.1.3.1")


# --- properties -------------------------------------------------------------------------------

small = st.integers(min_value=0, max_value=12)
cores = st.builds(CoreVersion, st.just(0), st.integers(min_value=0, max_value=3), small)
three = st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.just(0), st.integers(0, 3), small)
four = st.builds(lambda c, p: f"{c}.{p}", three, st.integers(0, 5))
registries = st.sampled_from(["rubygems", "pypi", "npm"])
kinds = st.sampled_from(["first", "next"])


def rendering_of(text: str, registry: Registry) -> str:
    try:
        return ordering.render(B(text), registry)
    except VersionError:
        return text


@given(registries, st.lists(st.one_of(three, four), max_size=6), st.one_of(st.none(), four, three),
       kinds, cores)
def test_a_version_without_problem_is_above_every_tag(
        registry: Registry, tags: list[str], file: str | None, kind: upward.Kind,
        core: CoreVersion) -> None:
    if registry == "npm" and file is not None and file.count(".") == 3:
        file = ordering.render(B(file), "npm")
    k = known(registry, tags, file)
    release = Release(k, kind)
    if release.problem_on(core) is None:
        mine = ordering.render(release.version_on(core), registry)
        for tag in tags:
            assert ordering.compare(registry, mine, rendering_of(tag, registry)) > 0
        if file is not None:
            order = ordering.compare(registry, mine, file)
            assert order > 0 or (order == 0 and kind == "first")


@given(registries, st.lists(st.one_of(three, four), max_size=6), st.one_of(st.none(), four),
       cores, st.lists(three, max_size=3))
def test_the_lowest_working_core_works_and_nothing_below_it_among_patches_does(
        registry: Registry, tags: list[str], file: str | None, current: CoreVersion,
        core_tags: list[str]) -> None:
    if registry == "npm" and file is not None:
        file = ordering.render(B(file), "npm")
    release = Release(known(registry, tags, file), "next")
    core = core_known(str(current), core_tags)
    lowest = upward.lowest_working_core(current, core, [release])
    assert lowest is not None
    assert lowest > current
    assert upward.works(lowest, core, [release])
    # No smaller patch of the same X.Y works: the suggestion is the least one would need.
    same_line = (lowest.major, lowest.minor) == (current.major, current.minor)
    for patch in range(current.patch + 1 if same_line else 0, lowest.patch):
        assert not upward.works(CoreVersion(lowest.major, lowest.minor, patch), core, [release])
