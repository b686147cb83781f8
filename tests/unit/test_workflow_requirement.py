"""``.github/release-tasks.txt``: what the workflow's jobs install the tool from."""

from __future__ import annotations

from pathlib import Path

import pytest

import release_tasks
from release_tasks.workflow import requirement

VERSION = release_tasks.__version__


def test_the_file_pins_this_version_and_nox_with_uv() -> None:
    lines = requirement.render({}).splitlines()
    assert lines[len(requirement.HEADER):] == [f"release-tasks=={VERSION}", "nox[uv]",
                                               requirement.MARKER]
    assert requirement.pinned_version(requirement.render({})) == VERSION


def test_release_tasks_spec_names_another_requirement_as_given() -> None:
    spec = "release-tasks @ https://example.org/release_tasks-0.2.0-py3-none-any.whl"
    text = requirement.render({requirement.SPEC_VARIABLE: f"  {spec} "})
    assert f"\n{spec}\nnox[uv]\n" in text
    assert requirement.pinned_version(text) is None


def test_the_maintainers_lines_below_the_marker_are_kept() -> None:
    old = requirement.render({}).replace(f"=={VERSION}", "==0.0.1") + "cffi==1.17.1\n"
    assert requirement.pinned_version(old) == "0.0.1"
    new = requirement.render({}, old)
    assert new.endswith(f"{requirement.MARKER}\ncffi==1.17.1\n")
    assert requirement.pinned_version(new) == VERSION


@pytest.mark.parametrize(("line", "version"), [
    ("release-tasks==0.3.1", "0.3.1"), ("release_tasks == 0.3.1", "0.3.1"),
    ("release-tasks[test]==0.3.1", "0.3.1"), ("release-tasks>=0.3", None), ("nox==1", None),
])
def test_pinned_version(line: str, version: str | None) -> None:
    assert requirement.pinned_version(f"# comment\n{line}\n") == version


def test_check_names_the_pinned_and_the_installed_version(tmp_path: Path) -> None:
    target = tmp_path / requirement.REQUIREMENT_PATH
    assert not requirement.write(tmp_path, {}, check=True).current
    assert not target.exists()  # a check writes nothing
    assert requirement.write(tmp_path, {}, check=False).message.startswith("wrote ")
    assert requirement.write(tmp_path, {}, check=True).current
    target.write_text(target.read_text().replace(f"=={VERSION}", "==0.0.1"))
    outcome = requirement.write(tmp_path, {}, check=True)
    assert not outcome.current
    assert f"pins release-tasks 0.0.1, but this is release-tasks {VERSION}" in outcome.message
