"""Lockfiles: Cargo.lock, uv.lock, package-lock.json and bun.lock."""

from __future__ import annotations

import json

import pytest

from release_tasks import edit
from release_tasks.errors import UpdateError

REGISTRY = "registry+https://github.com/rust-lang/crates.io-index"

CARGO_LOCK = f"""\
version = 4

[[package]]
name = "serde"
version = "1.0.0"
source = "{REGISTRY}"

[[package]]
name = "tasker-pgmq"
version = "0.1.7"
dependencies = [
 "serde",
]

[[package]]
name = "tasker-shared"
version = "0.1.7"
dependencies = [
 "tasker-pgmq",
]
"""


def test_cargo_lock_reads_path_packages_only() -> None:
    text = CARGO_LOCK.replace('name = "serde"', 'name = "tasker-shared"')
    assert edit.cargo_lock_versions(text, ["tasker-shared", "serde"]) == {"tasker-shared": "0.1.7"}
    assert edit.cargo_lock_versions(CARGO_LOCK, {"tasker-pgmq": "0.1.8"}) == {
        "tasker-pgmq": "0.1.7"
    }


def test_cargo_lock_unique_names_are_referenced_by_name_only() -> None:
    result = edit.set_cargo_lock_versions(CARGO_LOCK, {"tasker-pgmq": "0.1.8", "absent": "0.1.8"})
    assert result == CARGO_LOCK.replace(
        'name = "tasker-pgmq"\nversion = "0.1.7"', 'name = "tasker-pgmq"\nversion = "0.1.8"'
    )


def test_cargo_lock_with_none_of_the_names_is_unchanged() -> None:
    assert edit.set_cargo_lock_versions(CARGO_LOCK, {"other": "1.0.0"}) == CARGO_LOCK


def test_cargo_lock_v1_spells_references_out_in_full() -> None:
    text = (
        '[[package]]\nname = "a"\nversion = "0.1.7"\ndependencies = [\n'
        ' "b 0.1.7",\n "serde 1.0.0 (registry+https://x)",\n]\n\n'
        '[[package]]\nname = "b"\nversion = "0.1.7"\n\n'
        '[[package]]\nname = "serde"\nversion = "1.0.0"\nsource = "registry+https://x"\n\n'
        '[metadata]\n"checksum serde 1.0.0 (registry+https://x)" = "00"\n'
    )
    result = edit.set_cargo_lock_versions(text, {"a": "0.1.8", "b": "0.1.8"})
    assert result == text.replace("0.1.7", "0.1.8")


def test_cargo_lock_git_references_drop_the_commit() -> None:
    git = "git+https://example.invalid/x?branch=main"
    text = (
        '[[package]]\nname = "a"\nversion = "0.1.7"\ndependencies = [\n "b 0.1.7",\n'
        f' "b 0.1.7 ({git})",\n]\n\n'
        '[[package]]\nname = "b"\nversion = "0.1.7"\n\n'
        f'[[package]]\nname = "b"\nversion = "0.1.7"\nsource = "{git}#0123abc"\n'
    )
    result = edit.set_cargo_lock_versions(text, {"b": "0.1.8"})
    assert ' "b 0.1.7",\n "b 0.1.8",\n]' in result
    assert result.index('version = "0.1.7"\nsource') < result.index('version = "0.1.8"')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[package]]\nname="a"\nversion="0.1.7"\n', "not laid out the way cargo writes"),
        ('[[package]]\nname = "a"\nversion = "0.1.7"\n' * 2, "several path packages named a"),
        ("[[package]\n", "not valid TOML"),
    ],
)
def test_cargo_lock_failures(text: str, message: str) -> None:
    with pytest.raises(UpdateError, match=f"^Cargo.lock: .*{message}"):
        edit.cargo_lock_versions(text, ["a"], source="Cargo.lock")


def test_cargo_lock_unresolvable_reference_is_reported() -> None:
    text = '[[package]]\nname = "a"\nversion = "0.1.7"\ndependencies = [\n "b 9.9.9",\n]\n'
    with pytest.raises(UpdateError, match=r"dependency 'b 9.9.9' of a names 0 packages"):
        edit.set_cargo_lock_versions(text, {"b": "0.1.8"})


UV_LOCK = """\
version = 1

[[package]]
name = "tasker-core-py"
version = "0.1.7.1"
source = { editable = "." }

[[package]]
name = "tasker-core-py"
version = "0.1.7.1"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_matches_normalised_names_and_own_source_only() -> None:
    assert edit.uv_lock_version(UV_LOCK, "Tasker_Core.Py") == "0.1.7.1"
    result = edit.set_uv_lock_version(UV_LOCK, "tasker_core_py", "0.1.8.0")
    assert result == UV_LOCK.replace("0.1.7.1", "0.1.8.0", 1)


def test_uv_lock_virtual_project_and_dynamic_version() -> None:
    text = '[[package]]\nname = "x"\nsource = { virtual = "." }\n'
    assert edit.uv_lock_version(text, "x") is None
    assert edit.set_uv_lock_version(text, "x", "0.1.8.0") == text


def test_uv_lock_without_the_project_is_an_error() -> None:
    with pytest.raises(UpdateError, match=r"uv.lock: has 0 entries for project 'other'"):
        edit.set_uv_lock_version(UV_LOCK, "other", "0.1.8.0", source="uv.lock")


PACKAGE_LOCK = {
    "name": "tasker",
    "version": "0.1.7000",
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "tasker", "version": "0.1.7000"},
        "node_modules/x": {"version": "0.1.7000"},
    },
}


def test_package_lock_sets_both_root_versions_only() -> None:
    text = json.dumps(PACKAGE_LOCK, indent=2)
    assert edit.package_lock_version(text, "tasker") == "0.1.7000"
    result = edit.set_package_lock_version(text, "tasker", "0.1.8000")
    assert json.loads(result)["packages"]["node_modules/x"]["version"] == "0.1.7000"
    assert result.count("0.1.8000") == 2
    assert edit.package_lock_version(result, "tasker") == "0.1.8000"


def test_package_lock_v1_has_only_the_top_level_version() -> None:
    text = '{"name": "tasker", "version": "0.1.7000", "lockfileVersion": 1}'
    assert edit.set_package_lock_version(text, "tasker", "0.1.8000") == text.replace("7", "8")


def test_package_lock_of_another_package_is_refused() -> None:
    with pytest.raises(UpdateError, match="name is 'tasker', not 'other'"):
        edit.set_package_lock_version(json.dumps(PACKAGE_LOCK), "other", "0.1.8000")


def test_package_lock_with_disagreeing_versions_is_reported() -> None:
    lock = json.loads(json.dumps(PACKAGE_LOCK))
    lock["packages"][""]["version"] = "0.1.6000"
    with pytest.raises(UpdateError, match="two versions"):
        edit.package_lock_version(json.dumps(lock), "tasker")


BUN_LOCK = """\
{
  // bun writes no comments, but JSONC allows them
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "tasker",
      "dependencies": { "a": "^1", },
    },
  },
}
"""


def test_bun_lock_without_a_version_is_unchanged() -> None:
    assert edit.bun_lock_version(BUN_LOCK, "tasker") is None
    assert edit.set_bun_lock_version(BUN_LOCK, "tasker", "0.1.8000") == BUN_LOCK


def test_bun_lock_with_a_version() -> None:
    text = BUN_LOCK.replace('"name": "tasker",', '"name": "tasker", "version": "0.1.7000",')
    result = edit.set_bun_lock_version(text, "tasker", "0.1.8000")
    assert result == text.replace("0.1.7000", "0.1.8000")
    assert edit.bun_lock_version(result, "tasker") == "0.1.8000"


def test_bun_lock_keeps_the_old_name_after_a_rename() -> None:
    """bun never rewrites the root workspace's name: the root entry is the package's own."""
    text = '{"workspaces": {"": {"name": "old-name", "version": "0.1.7000"}}}'
    result = edit.set_bun_lock_version(text, "tasker", "0.1.8000")
    assert result == text.replace("0.1.7000", "0.1.8000")
    assert edit.bun_lock_version(result, "tasker") == "0.1.8000"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["workspaces"]', "is not a JSON object"),
        ('{"workspaces": {"": {"name": "tasker",,}}}', "not valid JSON: expected a key at line 1"),
    ],
)
def test_bun_lock_failures(text: str, message: str) -> None:
    with pytest.raises(UpdateError, match=f"^bun.lock: {message}"):
        edit.set_bun_lock_version(text, "tasker", "0.1.8000", source="bun.lock")
