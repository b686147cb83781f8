"""Ruby constants, package.json, pyproject.toml and the VERSION file."""

from __future__ import annotations

import pytest

from release_tasks import edit
from release_tasks.errors import UpdateError

VERSION_RB = """\
module TaskerCore
  RUST_CORE_VERSION = "0.1.7"
  VERSION = '0.1.7.3'.freeze
end
"""


def test_ruby_whole_identifier_only() -> None:
    assert edit.ruby_constant(VERSION_RB, "VERSION") == "0.1.7.3"
    assert edit.ruby_constant(VERSION_RB, "RUST_CORE_VERSION") == "0.1.7"
    result = edit.set_ruby_constant(VERSION_RB, "VERSION", "0.1.8.0")
    assert result == VERSION_RB.replace("0.1.7.3", "0.1.8.0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("RUST_CORE_VERSION = '0.1.7'\n", "no definition of VERSION"),
        ("VERSION = '1'\nVERSION = '2'\n", r"VERSION is defined 2 times \(line 1; line 2\)"),
        ("VERSION = ENV['V']\n", "not a plain string literal"),
        ("VERSION = '1' + '2'\n", "not a plain string literal"),
        ('VERSION = "#{BASE}.1"\n', "interpolated"),
    ],
)
def test_ruby_needs_exactly_one_literal_definition(text: str, message: str) -> None:
    with pytest.raises(UpdateError, match=f"^version.rb: .*{message}"):
        edit.set_ruby_constant(text, "VERSION", "0.1.8.0", source="version.rb")


def test_ruby_comparisons_and_comments_are_not_definitions() -> None:
    text = "# VERSION = '0.0.1'\nraise if VERSION == '0'\n  VERSION = '0.1.7' # ok\n"
    assert edit.set_ruby_constant(text, "VERSION", "0.1.8") == text.replace("0.1.7", "0.1.8")


def test_ruby_constant_name_must_be_a_constant() -> None:
    with pytest.raises(ValueError, match="not a Ruby constant name"):
        edit.ruby_constant(VERSION_RB, "VERSION|RUST")


PACKAGE_JSON = '{\n  "dependencies": {"version": "1.0.0"},\n  "version": "0.1.7000"\n}\n'


def test_json_top_level_version_only() -> None:
    assert edit.json_version(PACKAGE_JSON) == "0.1.7000"
    result = edit.set_json_version(PACKAGE_JSON, "0.1.8000")
    assert result == PACKAGE_JSON.replace("0.1.7000", "0.1.8000")


def test_json_keeps_escapes_and_unicode_elsewhere() -> None:
    text = '{"description": "caf\\u00e9 \\"q\\" \u00e9", "version": "0.1.7000"}'
    assert edit.set_json_version(text, "0.1.8000") == text.replace("0.1.7000", "0.1.8000")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["version", "0.1.7"]', "is not a JSON object"),
        ('{"name": "x"}', 'has no top-level "version"'),
        ('{"version": 1}', "version is not a string"),
        ('{"version": "1", "version": "2"}', "duplicate key 'version'"),
        ('{\n  "version": "1",\n}', "not valid JSON: expected a key at line 3, column 1"),
        ('{"version": "1"} x', "unexpected text after the document"),
        ('{"a": [1, 2,], "version": "1"}', "not valid JSON: .* at line 1, column 13"),
        ("", "expected a value"),
    ],
)
def test_json_failures_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(UpdateError, match=f"^package.json: .*{message}"):
        edit.set_json_version(text, "0.1.8000", source="package.json")


PYPROJECT = '[project]\nname = "tasker-core-py"\nversion = "0.1.7.1"\n\n[tool.x]\nversion = "9"\n'


def test_pyproject_project_version_only() -> None:
    assert edit.pyproject_version(PYPROJECT) == "0.1.7.1"
    result = edit.set_pyproject_version(PYPROJECT, "0.1.8.0")
    assert result == PYPROJECT.replace("0.1.7.1", "0.1.8.0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[project]\nname = "x"\ndynamic = ["version"]\n', "version is dynamic.*static"),
        ('[tool.poetry]\nversion = "1"\n', r"has no \[project\] table"),
        ('[project]\nname = "x"\n', r"\[project\] has no version"),
    ],
)
def test_pyproject_failures(text: str, message: str) -> None:
    with pytest.raises(UpdateError, match=f"^pyproject.toml: .*{message}"):
        edit.set_pyproject_version(text, "0.1.8.0", source="pyproject.toml")
    with pytest.raises(UpdateError):
        edit.pyproject_version(text)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("0.1.7\n", "0.1.8\n"),
        ("0.1.7", "0.1.8"),
        ("0.1.7\r\n", "0.1.8\r\n"),
        ("\ufeff0.1.7\n", "\ufeff0.1.8\n"),
        ("  0.1.7  \n\n", "  0.1.8  \n\n"),
    ],
)
def test_version_file_keeps_its_wrapping(old: str, new: str) -> None:
    assert edit.version_file_value(old) == "0.1.7"
    assert edit.version_file_text(old, "0.1.8") == new


def test_new_version_file() -> None:
    assert edit.version_file_text(None, "0.1.8") == "0.1.8\n"


@pytest.mark.parametrize("text", ["", "\n", "0.1.7 0.1.8\n", "0.1.7\n0.1.8\n"])
def test_version_file_must_hold_one_version(text: str) -> None:
    with pytest.raises(UpdateError, match=r"^VERSION: does not hold exactly one version"):
        edit.version_file_value(text, source="VERSION")


@pytest.mark.parametrize("version", ["0.1.8'", '0.1"8', "0.1 8", "", "0.1.8\n", "\u0661.2.3"])
def test_versions_that_would_break_a_file_are_refused(version: str) -> None:
    with pytest.raises(UpdateError, match="is not a version that can be written"):
        edit.set_ruby_constant(VERSION_RB, "VERSION", version)
    with pytest.raises(UpdateError, match="is not a version that can be written"):
        edit.set_json_version(PACKAGE_JSON, version)
    with pytest.raises(UpdateError, match="is not a version that can be written"):
        edit.version_file_text("0.1.7\n", version)
