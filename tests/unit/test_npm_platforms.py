"""napi-rs per-platform npm packages: found by ``init``, and the main package's
``optionalDependencies`` on them read and written in place."""

from __future__ import annotations

import pytest

from release_tasks import edit
from release_tasks.errors import UpdateError
from release_tasks.model.components import VersionFile
from tests.unit.init_models import LIBS, NPM, members, natives, propose

MAIN = """{
  "name": "@demo/node",
  "version": "0.1.8000",
  "optionalDependencies": {
    "@demo/node-linux-x64-gnu": "0.1.8000",
    "@demo/node-darwin-arm64": "0.1.8000",
    "left-alone": "1.2.3"
  }
}
"""


def test_the_platform_requirements_are_read_and_written_in_place() -> None:
    assert edit.platform_dependencies(MAIN) == "0.1.8000"
    written = edit.set_platform_dependencies(MAIN, "0.1.9000")
    assert written == MAIN.replace('-gnu": "0.1.8000"', '-gnu": "0.1.9000"').replace(
        '-arm64": "0.1.8000"', '-arm64": "0.1.9000"')
    assert '"version": "0.1.8000"' in written and '"left-alone": "1.2.3"' in written
    assert edit.platform_dependencies('{"name": "x", "version": "1.0.0"}') is None
    with pytest.raises(UpdateError, match="one version is expected"):
        edit.platform_dependencies(MAIN.replace('-arm64": "0.1.8000"', '-arm64": "0.1.7000"'))


def _platform(name: str, version: str = "0.1.8000") -> str:
    return f'{{\n  "name": "@demo/node-{name}",\n  "version": "{version}",\n  "os": ["linux"]\n}}\n'


def test_init_finds_the_platform_packages_and_the_optional_dependencies() -> None:
    files = {**LIBS, **NPM, "node/package.json": MAIN,
             "node/npm/linux-x64-gnu/package.json": _platform("linux-x64-gnu"),
             "node/npm/darwin-arm64/package.json": _platform("darwin-arm64", "0.1.7000")}
    (node,) = propose([*members(), natives()[2]], files).bindings
    assert node.version_files == (
        VersionFile(path="node/package.json", format="package-json", value="binding"),
        VersionFile(path="node/npm/darwin-arm64/package.json", format="package-json",
                    value="binding"),
        VersionFile(path="node/npm/linux-x64-gnu/package.json", format="package-json",
                    value="binding"),
        VersionFile(path="node/package.json", format="package-json-platforms", value="binding"))
    [note] = [n for n in node.notes if "2 per-platform package(s) under node/npm/" in n]
    assert "publishes a package per declared platform itself" in note  # not napi's prepublish
    assert any("not at the main version 0.1.8000: node/npm/darwin-arm64/package.json (0.1.7000)"
               in n for n in node.notes)
