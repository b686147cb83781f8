"""The plan as it travels in a release tag: typed values, computed tags and renderings, and
the JSON schema (plans from before it was numbered still read)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from release_tasks.config import load as config
from release_tasks.errors import VersionError
from release_tasks.model.version import BindingVersion, CoreVersion
from release_tasks.plan import rules, tagplan
from release_tasks.plan.detect import Changes
from release_tasks.plan.release_plan import SCHEMA, RegistryVersion, ReleasePlan

CONFIG = config.builtin()


def a_plan() -> ReleasePlan:
    """Core 0.1.8 -> 0.1.9 (FFI-facing change), every binding at 0.1.9.0, python skipped."""
    changes = Changes(base_ref="release-1", base_commit="b" * 40, head_commit="c" * 40,
                      release=None, paths_changed=1,
                      groups={"ffi": ("tasker-shared/src/lib.rs",), "server": ()},
                      bindings={"ruby": (), "python": (), "typescript": ()})
    facts = rules.Facts(changes=changes, first=False, core=CoreVersion.parse("0.1.8"),
                        files={"ruby": "0.1.8.2", "python": "0.1.8.0", "typescript": "0.1.8001"},
                        tags={}, skip=("python",))
    return rules.plan(CONFIG, facts)


def test_versions_are_objects_and_what_follows_from_them_is_computed() -> None:
    plan = a_plan()
    ruby, python, typescript = plan.bindings
    assert ruby.current == RegistryVersion("0.1.8.2", "rubygems")
    assert typescript.current is not None and typescript.current.two_tier == BindingVersion.parse(
        "0.1.8.1")
    assert typescript.current.canonical() == "0.1.8.1 [npm: 0.1.8001]"
    assert (typescript.next, typescript.rendering, typescript.tag) == (
        BindingVersion.parse("0.1.9.0"), "0.1.9000", "typescript-v0.1.9.0")
    assert python.skipped == BindingVersion.parse("0.1.9.0")
    assert (python.next, python.rendering, python.tag) == (None, None, None)
    assert plan.core.tag == "core-v0.1.9"
    assert plan.tags == ("core-v0.1.9", "ruby-v0.1.9.0", "typescript-v0.1.9.0")


def test_the_plan_round_trips_through_its_tag_message() -> None:
    plan = a_plan()
    data = plan.to_dict()
    assert data["schema"] == SCHEMA == 2
    message = tagplan.format_tag_message("Release core 0.1.9", {**data, "release_commit": "e" * 40})
    found = tagplan.parse("release-2", "e" * 40, message)
    assert found is not None
    assert found.plan == plan
    assert found.release_commit == "e" * 40


def schema_one(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as a release made before the schema was numbered wrote it."""
    old = copy.deepcopy(data)
    del old["schema"]
    return old


def test_a_plan_without_a_schema_still_reads() -> None:
    plan = a_plan()
    old = schema_one(plan.to_dict())
    assert ReleasePlan.from_dict(old) == plan
    # A custom tag prefix is read back from the tags the plan names.
    old["core"]["tag"] = "crates-v0.1.9"
    old["bindings"][0]["tag"] = "gem-v0.1.9.0"
    read = ReleasePlan.from_dict(old)
    assert (read.core.tag, read.bindings[0].tag) == ("crates-v0.1.9", "gem-v0.1.9.0")


def test_a_plan_from_a_newer_schema_or_a_broken_one_is_refused() -> None:
    data = a_plan().to_dict()
    with pytest.raises(ValueError, match="plan schema 3"):
        ReleasePlan.from_dict({**data, "schema": 3})
    message = tagplan.format_tag_message("x", {**data, "schema": 3})
    with pytest.raises(tagplan.UnreadablePlan, match="cannot be read"):
        tagplan.parse("release-2", "e" * 40, message)
    broken = copy.deepcopy(data)
    broken["bindings"][0]["current"] = "not a version"
    with pytest.raises(VersionError, match="'not a version' is not a rubygems version"):
        ReleasePlan.from_dict(broken)
    assert tagplan.parse("v0.1.8", "e" * 40, "Hand-made release\n") is None


def test_the_plan_names_the_cargo_registry_the_crates_go_to() -> None:
    """``registry`` is the kind (crates-io: cargo's publish API); ``cargo_registry`` the
    registry itself, which an alternative registry's config names."""
    plan = a_plan()
    assert plan.to_dict()["core"]["cargo_registry"] is None  # crates.io
    own = dataclasses.replace(plan, core=dataclasses.replace(plan.core, cargo_registry="acme"))
    data = own.to_dict()
    assert (data["core"]["registry"], data["core"]["cargo_registry"]) == ("crates-io", "acme")
    assert ReleasePlan.from_dict(data) == own
    del data["core"]["cargo_registry"]  # a plan from before the field: crates.io
    assert ReleasePlan.from_dict(data).core.cargo_registry is None
