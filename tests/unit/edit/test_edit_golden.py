"""Golden files: each ``golden/<case>.in.<ext>`` edited must equal ``<case>.out.<ext>`` byte
for byte. Files are read as bytes so that CRLF and a BOM reach the editors untouched
(``golden/.gitattributes`` keeps git from normalising them).

Set ``RELEASE_TASKS_UPDATE_GOLDEN=1`` to rewrite the expected files, then review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from release_tasks import edit

GOLDEN = Path(__file__).parent / "golden"
CRATES = (
    "tasker-pgmq",
    "tasker-shared",
    "tasker-client",
    "tasker-orchestration",
    "tasker-worker",
    "tasker-cli",
)
CORE = "0.1.8"
BINDING = "0.1.8.0"
NPM = "0.1.8000"
NPM_NAME = "@tasker-systems/tasker"


def manifest(text: str) -> str:
    """What the update stage does to every Cargo.toml."""
    text = edit.set_cargo_package_version(text, CORE)
    if edit.workspace_package_version(text) is not None:
        text = edit.set_workspace_package_version(text, CORE)
    return edit.set_cargo_pins(text, CRATES, CORE)


def ruby(text: str) -> str:
    text = edit.set_ruby_constant(text, "VERSION", BINDING)
    return edit.set_ruby_constant(text, "RUST_CORE_VERSION", CORE)


Edit = Callable[[str], str]
CASES: dict[str, Edit] = {
    "cargo_root_workspace.toml": manifest,
    "cargo_longhand.toml": manifest,
    "cargo_target.toml": manifest,
    "cargo_dev_deps.toml": manifest,
    "cargo_renamed.toml": manifest,
    "cargo_inherited.toml": manifest,
    "cargo_inherited_inline.toml": manifest,
    "cargo_crlf.toml": manifest,
    "cargo_mixed_endings.toml": manifest,
    "cargo_no_final_newline.toml": manifest,
    "cargo_no_final_newline_inline.toml": manifest,
    "cargo_bom.toml": manifest,
    "cargo_literal_quotes.toml": manifest,
    "cargo_dotted_dep.toml": manifest,
    "cargo_lock.lock": lambda t: edit.set_cargo_lock_versions(t, dict.fromkeys(CRATES, CORE)),
    "ruby_version.rb": ruby,
    "ruby_crlf.rb": ruby,
    "pyproject.toml": lambda t: edit.set_pyproject_version(t, BINDING),
    "pyproject_crlf.toml": lambda t: edit.set_pyproject_version(t, BINDING),
    "uv.lock": lambda t: edit.set_uv_lock_version(t, "tasker-core-py", BINDING),
    "package_nested_first.json": lambda t: edit.set_json_version(t, NPM),
    "package_tabs.json": lambda t: edit.set_json_version(t, NPM),
    "package_crlf.json": lambda t: edit.set_json_version(t, NPM),
    "package_lock.json": lambda t: edit.set_package_lock_version(t, NPM_NAME, NPM),
    "bun.lock": lambda t: edit.set_bun_lock_version(t, NPM_NAME, NPM),
}


def _pair(case: str) -> tuple[Path, Path]:
    stem, ext = case.rsplit(".", 1)
    return GOLDEN / f"{stem}.in.{ext}", GOLDEN / f"{stem}.out.{ext}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    source, expected = _pair(case)
    result = CASES[case](source.read_bytes().decode("utf-8"))
    if os.environ.get("RELEASE_TASKS_UPDATE_GOLDEN"):
        expected.write_bytes(result.encode("utf-8"))
    assert result.encode("utf-8") == expected.read_bytes()


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_is_a_fixed_point(case: str) -> None:
    """Applying the edit to its own output changes nothing: re-running a release is safe."""
    expected = _pair(case)[1].read_bytes().decode("utf-8")
    assert CASES[case](expected) == expected


def test_every_golden_file_is_used() -> None:
    used = {path.name for case in CASES for path in _pair(case)}
    present = {path.name for path in GOLDEN.iterdir() if not path.name.startswith(".")}
    assert present == used


def test_line_endings_bom_and_final_newline_survive() -> None:
    """The inputs really carry what the cases claim, so the byte comparison tests it."""

    def data(name: str) -> bytes:
        return (GOLDEN / name).read_bytes()

    crlf = data("cargo_crlf.out.toml")
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 0
    mixed = data("cargo_mixed_endings.out.toml")
    assert 0 < mixed.count(b"\r\n") < mixed.count(b"\n")
    assert data("cargo_bom.out.toml").startswith("\ufeff".encode())
    assert data("package_crlf.out.json").startswith("\ufeff".encode())
    assert not data("cargo_no_final_newline.out.toml").endswith(b"\n")
    assert not data("package_tabs.out.json").endswith(b"\n")
    assert not data("ruby_crlf.out.rb").endswith(b"\n")
