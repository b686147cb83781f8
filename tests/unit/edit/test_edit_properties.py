"""Round trips over random versions and random documents.

For every editor: reading after a set gives the value back, setting twice equals setting
once, and setting the current value changes no byte. Line endings, a BOM and a missing final
newline commute with the edit: editing a CRLF copy gives the CRLF copy of the edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from release_tasks import edit

GOLDEN = Path(__file__).parent / "golden"
CRATES = ("tasker-pgmq", "tasker-shared", "tasker-client", "tasker-orchestration")

# tomlkit parses at a few milliseconds per file: fewer examples, and no deadline to trip over
# on a slow CI machine.
toml_settings = settings(max_examples=40, deadline=None)

parts = st.integers(min_value=0, max_value=99999).map(str)
core_versions = st.tuples(parts, parts, parts).map(".".join)
binding_versions = st.tuples(parts, parts, parts, parts).map(".".join)


def golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode("utf-8")


Setter = Callable[[str, str], str]
Reader = Callable[[str], object]


def _round_trip(text: str, version: str, setter: Setter, reader: Reader, expect: object) -> None:
    once = setter(text, version)
    assert reader(once) == expect
    assert setter(once, version) == once
    current = reader(text)
    if isinstance(current, str):
        assert setter(text, current) == text


@toml_settings
@given(core_versions)
def test_cargo_package_version_round_trip(version: str) -> None:
    text = golden("cargo_root_workspace.in.toml")
    _round_trip(text, version, edit.set_cargo_package_version, edit.cargo_package_version, version)
    _round_trip(
        text,
        version,
        edit.set_workspace_package_version,
        edit.workspace_package_version,
        version,
    )


@toml_settings
@given(core_versions)
def test_cargo_pins_round_trip(version: str) -> None:
    for name in ("cargo_longhand.in.toml", "cargo_target.in.toml", "cargo_literal_quotes.in.toml"):
        text = golden(name)
        once = edit.set_cargo_pins(text, CRATES, version)
        assert {pin.version for pin in edit.cargo_pins(once, CRATES)} == {f"={version}"}
        assert edit.set_cargo_pins(once, CRATES, version) == once


@toml_settings
@given(core_versions)
def test_cargo_lock_round_trip(version: str) -> None:
    text = golden("cargo_lock.in.lock")
    versions = dict.fromkeys(("tasker-pgmq", "tasker-shared", "tasker-cli"), version)
    once = edit.set_cargo_lock_versions(text, versions)
    assert edit.cargo_lock_versions(once, versions) == versions
    assert edit.set_cargo_lock_versions(once, versions) == once


@toml_settings
@given(binding_versions)
def test_text_formats_round_trip(version: str) -> None:
    cases: list[tuple[str, Setter, Reader]] = [
        (
            "ruby_version.in.rb",
            lambda t, v: edit.set_ruby_constant(t, "VERSION", v),
            lambda t: edit.ruby_constant(t, "VERSION"),
        ),
        ("pyproject.in.toml", edit.set_pyproject_version, edit.pyproject_version),
        (
            "uv.in.lock",
            lambda t, v: edit.set_uv_lock_version(t, "tasker-core-py", v),
            lambda t: edit.uv_lock_version(t, "tasker-core-py"),
        ),
        ("package_nested_first.in.json", edit.set_json_version, edit.json_version),
        (
            "package_lock.in.json",
            lambda t, v: edit.set_package_lock_version(t, "@tasker-systems/tasker", v),
            lambda t: edit.package_lock_version(t, "@tasker-systems/tasker"),
        ),
        (
            "bun.in.lock",
            lambda t, v: edit.set_bun_lock_version(t, "@tasker-systems/tasker", v),
            lambda t: edit.bun_lock_version(t, "@tasker-systems/tasker"),
        ),
    ]
    for name, setter, reader in cases:
        _round_trip(golden(name), version, setter, reader, version)
    _round_trip("0.1.7\n", version, edit.version_file_text, edit.version_file_value, version)


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _bom(text: str) -> str:
    return "\ufeff" + text


def _unterminated(text: str) -> str:
    return text.rstrip("\n")


@toml_settings
@given(core_versions, st.sampled_from([_crlf, _bom, _unterminated]))
def test_layout_commutes_with_cargo_edits(version: str, layout: Callable[[str], str]) -> None:
    def update(text: str) -> str:
        text = edit.set_cargo_package_version(text, version)
        return edit.set_cargo_pins(text, CRATES, version)

    for name in ("cargo_longhand.in.toml", "cargo_dotted_dep.in.toml", "cargo_dev_deps.in.toml"):
        text = golden(name)
        assert update(layout(text)) == layout(update(text))


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(
        st.text(max_size=8).filter(lambda k: k not in ("version", "nested")),
        json_values,
        max_size=5,
    ),
    st.integers(min_value=0, max_value=5),
    st.sampled_from([None, 0, 2, 4, "\t"]),
    st.booleans(),
    binding_versions,
)
def test_json_random_documents(
    members: dict[str, object],
    position: int,
    indent: int | str | None,
    crlf: bool,
    version: str,
) -> None:
    """Only the top-level "version" changes, wherever it sits and however the file is laid out."""
    items = list(members.items())
    items.insert(min(position, len(items)), ("version", "0.0.0"))
    # A nested "version" too, before the top-level one when the dictionary allows it.
    items.insert(0, ("nested", {"version": "9.9.9"}))
    document = dict(items)
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    if crlf:
        text = text.replace("\n", "\r\n")
    result = edit.set_json_version(text, version)
    assert json.loads(result) == {**document, "version": version}
    assert result.replace(f'"{version}"', '"0.0.0"', 1) == text
