"""Cargo.toml: package versions and inter-crate pins (readers, options and failures)."""

from __future__ import annotations

import pytest

from release_tasks import edit
from release_tasks.edit import Pin
from release_tasks.errors import UpdateError

CRATES = ("tasker-pgmq", "tasker-shared", "tasker-client")

MANIFEST = """\
[package]
name = "tasker-client"
version = "0.1.7"

[dependencies]
tasker-shared = { path = "../tasker-shared" }
pgmq = { package = "tasker-pgmq", version = "=0.1.7" }
serde = "1"

[dev-dependencies]
tasker-pgmq = { path = "../tasker-pgmq" }

[target.'cfg(unix)'.build-dependencies.tasker-shared]
path = "../tasker-shared"
version = "0.1.6"
"""


def test_package_version_reads_the_package_table_only() -> None:
    assert edit.cargo_package_version(MANIFEST) == "0.1.7"


@pytest.mark.parametrize("package", ["version.workspace = true", "version = { workspace = true }"])
def test_inherited_version_reads_none_and_is_left_alone(package: str) -> None:
    text = f'[package]\nname = "x"\n{package}\n'
    assert edit.cargo_package_version(text) is None
    assert edit.set_cargo_package_version(text, "0.1.8") == text


def test_workspace_package_version() -> None:
    text = '[workspace]\nmembers = []\n\n[workspace.package]\nversion = "0.1.7" # core\n'
    assert edit.workspace_package_version(text) == "0.1.7"
    assert edit.set_workspace_package_version(text, "0.1.8") == text.replace("0.1.7", "0.1.8")
    assert edit.workspace_package_version(MANIFEST) is None
    with pytest.raises(UpdateError, match=r"^Cargo.toml: has no \[workspace.package\] version"):
        edit.set_workspace_package_version(MANIFEST, "0.1.8", source="Cargo.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[workspace]\nmembers = ["a"]\n', r"no \[package\] table"),
        ('[package]\nname = "a"\n', r"\[package\] has no version"),
        ("[package]\nversion = 1\n", "must be a string or"),
        ('[package]\nversion = { path = "x" }\n', "must be a string or"),
        ("[package\nversion = '1'\n", "not valid TOML"),
    ],
)
def test_package_version_failures_name_the_file_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(UpdateError, match=f"^crates/a/Cargo.toml: .*{message}"):
        edit.set_cargo_package_version(text, "0.1.8", source="crates/a/Cargo.toml")


@pytest.mark.parametrize("version", ["0.1.8.0", "=0.1.8", "0.1", 'x" y', ""])
def test_cargo_takes_semantic_versions_only(version: str) -> None:
    with pytest.raises(UpdateError, match=r"Cargo.toml: "):
        edit.set_cargo_package_version(MANIFEST, version, source="Cargo.toml")
    with pytest.raises(UpdateError):
        edit.set_cargo_pins(MANIFEST, CRATES, version)


def test_pins_lists_what_set_would_touch() -> None:
    assert edit.cargo_pins(MANIFEST, CRATES) == [
        Pin("dependencies", "tasker-shared", "tasker-shared", None, "normal", True),
        Pin("dependencies", "pgmq", "tasker-pgmq", "=0.1.7", "normal", False),
        Pin("target.'cfg(unix)'.build-dependencies", "tasker-shared", "tasker-shared", "0.1.6",
            "build", True),
    ]
    assert Pin("dev-dependencies", "tasker-pgmq", "tasker-pgmq", None, "dev", True) in (
        edit.cargo_pins(MANIFEST, CRATES, every=True))


def test_pins_after_set_are_all_exact() -> None:
    result = edit.set_cargo_pins(MANIFEST, CRATES, "0.1.8")
    assert {pin.version for pin in edit.cargo_pins(result, CRATES)} == {"=0.1.8"}
    assert 'tasker-pgmq = { path = "../tasker-pgmq" }' in result  # dev-dependency, no version
    assert 'serde = "1"' in result


def test_add_missing_false_only_rewrites_existing_pins() -> None:
    result = edit.set_cargo_pins(MANIFEST, CRATES, "0.1.8", add_missing=False)
    assert 'tasker-shared = { path = "../tasker-shared" }\n' in result
    assert [p.version for p in edit.cargo_pins(result, CRATES)] == [None, "=0.1.8", "=0.1.8"]


def test_no_dependency_on_the_crates_leaves_the_text_identical() -> None:
    assert edit.set_cargo_pins(MANIFEST, ["other"], "0.1.8") == MANIFEST
    assert edit.cargo_pins(MANIFEST, ["other"]) == []


def test_setting_the_current_values_changes_no_byte() -> None:
    text = (
        "[package]\nversion   =   '0.1.8'\n"
        "[dependencies]\ntasker-pgmq={path='p',version='=0.1.8'}\n"
    )
    assert edit.set_cargo_package_version(text, "0.1.8") == text
    assert edit.set_cargo_pins(text, CRATES, "0.1.8") == text


def test_a_single_crate_name_is_not_taken_letter_by_letter() -> None:
    with pytest.raises(TypeError):
        edit.set_cargo_pins(MANIFEST, "tasker-shared", "0.1.8")


def test_a_dependency_that_is_neither_string_nor_table_is_reported() -> None:
    with pytest.raises(UpdateError, match=r"Cargo.toml: \[dependencies\] tasker-pgmq must be"):
        edit.cargo_pins("[dependencies]\ntasker-pgmq = 1\n", CRATES, source="Cargo.toml")


def test_a_non_string_pin_is_reported() -> None:
    text = '[dependencies]\ntasker-pgmq = { path = "p", version = 1 }\n'
    with pytest.raises(UpdateError, match=r"dependencies.tasker-pgmq.version is not a string"):
        edit.set_cargo_pins(text, CRATES, "0.1.8")


def test_underscore_spelled_tables_count_too() -> None:
    text = '[build_dependencies]\ntasker-pgmq = { path = "p" }\n'
    assert edit.set_cargo_pins(text, CRATES, "0.1.8") == text.replace(
        '"p" }', '"p", version = "=0.1.8" }'
    )


def test_placeholder_text_already_in_the_file_does_not_confuse_the_insertion() -> None:
    text = (
        '[package]\ndescription = "release-tasks-slot-0"\n\n'
        '[dependencies]\ntasker-pgmq = { path = "p" }\n'
    )
    result = edit.set_cargo_pins(text, CRATES, "0.1.8")
    assert result == text.replace('"p" }', '"p", version = "=0.1.8" }')


def test_indented_long_hand_table_keeps_its_indentation() -> None:
    text = '[dependencies.tasker-pgmq]\n  path = "p"  # here\n  features = []\n'
    assert edit.set_cargo_pins(text, CRATES, "0.1.8") == (
        '[dependencies.tasker-pgmq]\n  path = "p"  # here\n  version = "=0.1.8"\n  features = []\n'
    )


def test_git_dependency_without_version_is_left_alone() -> None:
    text = '[dependencies]\ntasker-pgmq = { git = "https://example.invalid/x" }\n'
    assert edit.cargo_pins(text, CRATES) == []
    assert edit.set_cargo_pins(text, CRATES, "0.1.8") == text
