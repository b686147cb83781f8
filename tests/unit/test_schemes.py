"""Versioning schemes per binding: ``two-tier`` (the default), ``lockstep`` and
``independent``, through the rules, the plan, the renderings and ``update``'s inputs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest

from release_tasks.apply import update
from release_tasks.config import load as config
from release_tasks.errors import UsageError, VersionError
from release_tasks.model.components import Config
from release_tasks.model.version import BindingVersion, CoreVersion, Scheme
from release_tasks.plan import rules
from release_tasks.plan.release_plan import ReleasePlan
from release_tasks.registries import ordering
from tests.unit.test_rules import BASE, BASE_TAG, ELSEWHERE, changes, outcome


def schemed(**schemes: Scheme) -> Config:
    """The built-in layout with some bindings versioned otherwise."""
    base = config.builtin()
    return dataclasses.replace(base, bindings=tuple(
        dataclasses.replace(b, versioning=schemes.get(b.name, b.versioning))
        for b in base.bindings))


def plan(cfg: Config, *changed: str, core: str = "0.58.2",
         files: Mapping[str, str], tags: Mapping[str, str] | None = None,
         first: bool = False, pre: str | None = None) -> ReleasePlan:
    found = {BASE_TAG: BASE, f"core-v{core}": BASE} if tags is None else tags
    return rules.plan(cfg, rules.Facts(changes=changes(*changed), first=first,
                                       core=CoreVersion.parse(core), files=files, tags=found,
                                       pre=pre))


LOCKSTEP = schemed(python="lockstep", typescript="lockstep")
LOCK_FILES = {"ruby": "0.58.2.0", "python": "0.58.2", "typescript": "0.58.2"}
OWN = schemed(typescript="independent", python="independent")
OWN_FILES = {"ruby": "0.58.2.0", "python": "0.8.1", "typescript": "0.49.7"}


def test_lockstep_bindings_carry_the_core_version_and_move_with_it() -> None:
    found = outcome(plan(LOCKSTEP, "server", files=LOCK_FILES))
    assert found == {"core": "0.58.3", "ruby": "unchanged", "python": "0.58.3",
                     "typescript": "0.58.3"}


def test_a_lockstep_binding_change_releases_the_core_too() -> None:
    result = plan(LOCKSTEP, "python", files=LOCK_FILES)
    assert outcome(result) == {"core": "0.58.3", "ruby": "unchanged", "python": "0.58.3",
                               "typescript": "0.58.3"}
    assert "python changed (lockstep with the core)" in result.core.reasons
    assert result.binding("python").tag == "python-v0.58.3"


def test_lockstep_prereleases_are_spelled_by_each_registry() -> None:
    files = {"ruby": "0.38.0.beta.4", "python": "0.38.0b4", "typescript": "0.38.0-beta.4"}
    result = plan(LOCKSTEP, "server", core="0.38.0-beta.4", files=files, pre="beta")
    assert outcome(result) == {"core": "0.38.0-beta.5", "ruby": "unchanged",
                               "python": "0.38.0-beta.5 [0.38.0b5]",
                               "typescript": "0.38.0-beta.5"}


def test_independent_bindings_go_a_patch_up_from_their_own_version() -> None:
    # typescript changed, python gets the FFI change: each a patch above its own version.
    result = plan(OWN, "typescript", "ffi", files=OWN_FILES)
    assert outcome(result) == {"core": "0.58.3", "ruby": "0.58.3.0", "python": "0.8.2",
                               "typescript": "0.49.8"}
    assert result.binding("typescript").tag == "typescript-v0.49.8"
    # The npm file 0.49.7 is not read as 0.49.0.7: no X.Y.(Z*1000+P) for its own version.
    assert str(result.binding("typescript").current) == "0.49.7"
    assert result.binding("typescript").current.canonical() == "0.49.7"  # type: ignore[union-attr]
    only = plan(OWN, "typescript", files=OWN_FILES)
    assert outcome(only)["core"] == "unchanged"


def test_an_independent_binding_goes_past_its_tags() -> None:
    tags = {BASE_TAG: BASE, "core-v0.58.2": BASE, "typescript-v0.49.9": BASE,
            "typescript-v0.50.0-rc.1": BASE}
    assert outcome(plan(OWN, "typescript", files=OWN_FILES, tags=tags))["typescript"] == "0.50.0"


def test_a_first_release_releases_what_the_files_say() -> None:
    found = outcome(plan(OWN, files=OWN_FILES, tags={}, first=True))
    assert (found["python"], found["typescript"]) == ("0.8.1", "0.49.7")
    found = outcome(plan(LOCKSTEP, files=LOCK_FILES, tags={}, first=True))
    assert (found["core"], found["python"], found["typescript"]) == ("0.58.2",) * 3


def test_a_lockstep_binding_below_its_tags_is_refused() -> None:
    tags = {BASE_TAG: BASE, "core-v0.58.2": BASE, "python-v0.59.0": BASE}
    with pytest.raises(VersionError, match=r"python 0\.58\.3 would go backwards.*python-v0\.59\.0"):
        plan(LOCKSTEP, "server", files=LOCK_FILES, tags=tags)


def test_the_plan_round_trips_with_its_schemes() -> None:
    result = plan(OWN, "typescript", "ffi", files=OWN_FILES)
    again = ReleasePlan.from_dict(result.to_dict())
    assert again == result
    assert again.binding("typescript").next == BindingVersion.plain(CoreVersion(0, 49, 8))


def test_update_takes_each_binding_in_its_own_scheme() -> None:
    core, parsed = update.parse_inputs(OWN, "0.58.2", {"typescript": "0.49.7", "ruby": "0.58.2.1"})
    assert str(parsed["typescript"]) == "0.49.7"
    assert ordering.render(parsed["typescript"], "npm") == "0.49.7"
    with pytest.raises(UsageError, match="lockstep with the core"):
        update.parse_inputs(LOCKSTEP, "0.58.2", {"python": "0.58.1"})
    with pytest.raises(UsageError, match="not a core version"):
        update.parse_inputs(OWN, "0.58.2", {"typescript": "0.49.0.7"})
    assert core == CoreVersion(0, 58, 2)


@pytest.mark.parametrize(("text", "registry"), [("0.38.0b4", "pypi"), ("0.38.0.beta.4", "rubygems"),
                                                ("0.38.0-beta.4", "npm"), ("0.23.2.dev0", "pypi"),
                                                ("1.2.3", "npm"), ("1.2.3", "pypi")])
def test_plain_versions_read_back_from_each_spelling(text: str, registry: str) -> None:
    version = ordering.read_rendering(text, registry, scheme="lockstep")
    assert version.is_plain and ordering.render(version, registry) == text


def test_release_toml_says_the_scheme_per_binding() -> None:
    import copy

    from release_tasks.errors import ConfigError

    data = copy.deepcopy(dict(config.DEFAULT_CONFIG))
    data["bindings"]["python"]["versioning"] = "lockstep"
    data["bindings"]["typescript"]["versioning"] = "independent"
    cfg = config.parse(data)
    assert [b.versioning for b in cfg.bindings] == ["two-tier", "lockstep", "independent"]
    data["bindings"]["ruby"]["versioning"] = "calendar"
    with pytest.raises(ConfigError, match=r"bindings\.ruby\.versioning: 'calendar' is not one of "
                                          "two-tier, lockstep, independent"):
        config.parse(data)


def test_a_lockstep_binding_never_goes_below_a_published_prerelease() -> None:
    """lancedb's case: the npm package at 0.38.0-beta.4 while the crates say 0.37.1."""
    tags = {BASE_TAG: BASE, "core-v0.37.1": BASE, "typescript-v0.38.0-beta.4": ELSEWHERE}
    files = {"ruby": "0.37.1.0", "python": "0.37.1", "typescript": "0.37.1"}
    with pytest.raises(VersionError) as caught:
        plan(LOCKSTEP, "server", core="0.37.1", files=files, tags=tags)
    assert ("typescript 0.37.2 would go backwards: npm orders it below 0.38.0-beta.4 "
            "(tag typescript-v0.38.0-beta.4)") in str(caught.value)
    assert "--core 0.38.0" in str(caught.value)


def test_napi_rs_dev_spelling_is_read_as_its_prerelease() -> None:
    """tokenizers' package.json says 0.15.3-dev0: an independent binding goes to 0.15.3."""
    version = ordering.read_rendering("0.15.3-dev0", "npm", scheme="independent")
    assert str(version) == "0.15.3-dev.0" and str(version.next_patch()) == "0.15.3"
    files = {"ruby": "0.58.2.0", "python": "0.8.1", "typescript": "0.15.3-dev0"}
    assert outcome(plan(OWN, "typescript", files=files))["typescript"] == "0.15.3"


def test_an_independent_binding_follows_a_pre_core_as_a_prerelease_of_its_own() -> None:
    """tokenizers' node binding (independent) when the core goes out as a dev prerelease:
    the next prerelease of its own version, never a final."""
    result = plan(OWN, "typescript", "ffi", files=OWN_FILES, pre="beta")
    assert outcome(result) == {"core": "0.58.3-beta.0",
                               "ruby": "0.58.3-beta.0.0 [0.58.3.beta.0]",
                               "python": "0.8.2-beta.0 [0.8.2b0]",
                               "typescript": "0.49.8-beta.0"}
    on_beta = {**OWN_FILES, "typescript": "0.49.8-beta.0"}
    again = plan(OWN, "typescript", core="0.58.3-beta.0", files=on_beta, pre="beta")
    assert outcome(again)["typescript"] == "0.49.8-beta.1"
    # Without --pre, the final of that prerelease.
    assert outcome(plan(OWN, "typescript", files=on_beta))["typescript"] == "0.49.8"
