"""The ecosystem config: the built-in Tasker layout, validation, extensibility."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from release_tasks.config import builtin as tasker_layout
from release_tasks.config import load as config
from release_tasks.errors import ConfigError
from release_tasks.git.repository import Tree


def test_default_is_the_tasker_layout() -> None:
    cfg = config.builtin()
    assert cfg.source == "built-in Tasker layout"
    groups = {g.name: g for g in cfg.core.groups}
    assert groups["ffi"].crates == ("tasker-pgmq", "tasker-shared", "tasker-worker")
    assert groups["server"].crates == ("tasker-client", "tasker-orchestration", "tasker-cli")
    assert groups["ffi"].env_key == "FFI_CORE"
    assert groups["server"].env_key == "SERVER_CORE"
    assert groups["ffi"].propagates_to == ("ruby", "python", "typescript")
    assert groups["server"].propagates_to == ()
    for root_file in ("Cargo.toml", "Cargo.lock"):
        assert groups["ffi"].paths.matches(root_file)
        assert not groups["server"].paths.matches(root_file)
    packages = {b.name: (b.registry, b.package, b.directory, b.tag_prefix) for b in cfg.bindings}
    assert packages == {
        "ruby": ("rubygems", "tasker-worker-rb", "workers/ruby", "ruby-v"),
        "python": ("pypi", "tasker-worker-py", "workers/python", "python-v"),
        "typescript": ("npm", "@tasker-systems/worker", "workers/typescript", "typescript-v"),
    }
    assert cfg.core.tag_prefix == "core-v"
    assert cfg.release_tag_patterns == ("release-*", "v*")
    # workers/rust and the root crate are in no component.
    assert not any(b.paths.matches("workers/rust/src/main.rs") for b in cfg.bindings)
    assert not any(g.paths.matches("workers/rust/src/main.rs") for g in cfg.core.groups)
    assert "tasker-core" not in cfg.core.crates
    ruby = cfg.binding("ruby")
    assert [(f.path, f.key, f.value) for f in ruby.version_files] == [
        ("workers/ruby/lib/tasker_core/version.rb", "VERSION", "binding"),
        ("workers/ruby/lib/tasker_core/version.rb", "RUST_CORE_VERSION", "binding-core"),
        ("workers/ruby/ext/tasker_core/Cargo.toml", None, "core"),
    ]
    assert cfg.binding("python").credential == ("MATURIN_PYPI_TOKEN", "PYPI_TOKEN")


def _default() -> dict[str, Any]:
    return copy.deepcopy(dict(config.DEFAULT_CONFIG))


def test_every_problem_reported_at_once() -> None:
    data = _default()
    data["core"]["colour"] = "blue"
    data["bindings"]["ruby"]["registry"] = "cpan"
    data["bindings"]["python"]["paths"] = ["/abs"]
    data["core"]["groups"]["ffi"]["propagates-to"] = ["ruby", "java"]
    data["bindings"]["typescript"]["version-files"][0]["format"] = "yaml"
    data["bindings"]["typescript"]["credential"] = ["NOT-A-VAR"]
    with pytest.raises(ConfigError) as info:
        config.parse(data, source="release.toml")
    text = str(info.value)
    assert len(info.value.problems) == 6, text
    for needle in ("core: unknown key 'colour'", "bindings.ruby.registry: 'cpan'",
                   "bindings.python.paths: pattern '/abs'", "'java' is not a binding",
                   "format: 'yaml'", "'NOT-A-VAR'"):
        assert needle in text
    assert text.startswith("release.toml: 6 problem(s)")


def test_duplicates_are_errors() -> None:
    data = _default()
    data["bindings"]["python"]["tag-prefix"] = "ruby-v"
    data["bindings"]["python"]["env-key"] = "RUBY"
    data["core"]["groups"]["server"]["crates"].append("tasker-pgmq")
    with pytest.raises(ConfigError) as info:
        config.parse(data)
    text = str(info.value)
    assert "tag-prefix 'ruby-v'" in text
    assert "env-key 'RUBY'" in text
    assert "crate 'tasker-pgmq'" in text


def test_binding_needs_a_binding_version_file() -> None:
    data = _default()
    data["bindings"]["ruby"]["version-files"] = [data["bindings"]["ruby"]["version-files"][2]]
    with pytest.raises(ConfigError, match='value = "binding"'):
        config.parse(data)


def _problems(data: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        config.parse(data)
    return info.value.problems


def test_project_keys_are_type_checked() -> None:
    data = _default()
    data["project"].update({"name": 7, "main-branch": ["main"], "repository": False})
    assert sorted(_problems(data)) == [
        "project.main-branch: expected a string, found ['main']",
        "project.name: expected a string, found 7",
        "project.repository: expected a string, found False",
    ]


def test_empty_names_and_prefixes_are_errors() -> None:
    data = _default()
    data["project"]["main-branch"] = ""
    data["core"]["tag-prefix"] = ""
    data["bindings"]["ruby"]["package"] = " "
    assert sorted(_problems(data)) == [
        "bindings.ruby.package: must not be empty",
        "core.tag-prefix: must not be empty",
        "project.main-branch: must not be empty",
    ]


@pytest.mark.parametrize(("given", "read"), [(None, None), ("crates-io", None),
                                             ("my-registry_2", "my-registry_2")])
def test_the_cargo_registry_is_a_cargo_name_crates_io_by_default(given: str | None,
                                                                 read: str | None) -> None:
    data = _default()
    if given is not None:
        data["core"]["cargo-registry"] = given
    assert config.parse(data).core.cargo_registry == read


def test_a_cargo_registry_that_is_no_cargo_name_is_a_problem() -> None:
    data = _default()
    data["core"]["cargo-registry"] = "my registry"
    assert _problems(data) == ("core.cargo-registry: 'my registry' is not a cargo registry name "
                               "(letters, digits, `-` and `_`)",)
    data["core"]["cargo-registry"] = 3
    assert _problems(data)[0].startswith("core.cargo-registry: expected a string, found 3")


def test_the_same_package_twice_on_one_registry_is_an_error() -> None:
    data = _default()
    data["bindings"]["python2"] = copy.deepcopy(data["bindings"]["python"])
    data["bindings"]["python2"].update({"package": "Tasker_Worker.py", "tag-prefix": "py2-v"})
    (problem,) = _problems(data)
    # PyPI compares names normalized (PEP 503): these are one project.
    assert problem == ("bindings python and python2 all publish 'tasker-worker-py' to pypi: "
                       "a package belongs to one binding")
    data["bindings"]["python2"]["registry"] = "rubygems"
    assert config.parse(data).binding("python2").package == "Tasker_Worker.py"


def test_an_empty_crates_list_is_an_error() -> None:
    data = _default()
    data["core"]["groups"]["server"]["crates"] = []
    assert _problems(data) == (
        "core.groups.server.crates: at least one crate name is required, found []",)


def test_an_empty_paths_list_is_an_error() -> None:
    data = _default()
    data["core"]["groups"]["ffi"]["paths"] = []
    data["bindings"]["ruby"]["paths"] = []
    assert _problems(data) == (
        "core.groups.ffi.paths: at least one path pattern is required, found []",
        "bindings.ruby.paths: at least one path pattern is required, found []",
    )


def test_tables_of_the_wrong_type_are_problems_not_crashes() -> None:
    data = _default()
    data["core"]["groups"] = 5
    data["bindings"] = ["ruby"]
    assert _problems(data) == (
        "core.groups: expected a table, found 5",
        "bindings: expected a table, found ['ruby']",
    )


def test_paths_must_be_plain_relative_paths() -> None:
    data = _default()
    data["bindings"]["ruby"]["directory"] = "workers/*"
    data["bindings"]["python"]["directory"] = "../python"
    data["bindings"]["typescript"]["version-files"][0]["path"] = "/abs/package.json"
    data["core"]["version-file"] = 3
    problems = _problems(data)
    assert problems == (
        "core.version-file: expected a string, found 3",
        "bindings.ruby.directory: 'workers/*' must be a path, not a pattern",
        "bindings.python.directory: '../python' must not contain empty, '.' or '..' components",
        "bindings.typescript.version-files[0].path: '/abs/package.json' must be a relative "
        "POSIX path (no leading '/', no backslash)",
    )


def test_a_key_is_only_for_ruby_files() -> None:
    data = _default()
    data["bindings"]["python"]["version-files"][0]["key"] = "version"
    assert _problems(data) == (
        "bindings.python.version-files[0].key: only format = \"ruby\" takes a key, found "
        "'version' with format = 'pyproject'",)


def test_registry_urls_are_strings() -> None:
    data = _default()
    data["registries"] = {"npm": 4873, "pypi-index": "http://127.0.0.1:8080/simple/"}
    assert _problems(data) == ("registries.npm: expected a URL string, found 4873",)


# --- the tree ---------------------------------------------------------------------------

TASKER_TREE = Tree.of([
    "Cargo.toml", "Cargo.lock", "VERSION",
    *(f"{crate}/src/lib.rs" for crate in ("tasker-pgmq", "tasker-shared", "tasker-worker",
                                          "tasker-client", "tasker-orchestration", "tasker-cli")),
    "workers/ruby/lib/tasker_core/version.rb", "workers/python/pyproject.toml",
    "workers/typescript/package.json", "docs/guide/intro.md",
])


@pytest.mark.parametrize(("pattern", "expected"), [
    ("tasker-pgmq", True), ("tasker-pgmq/", True), ("Cargo.lock", True),
    ("workers", True), ("workers/ruby/lib", True), ("tasker-pgmqq", False),
    ("src", False), ("workers/rub", False), ("tasker-*", True), ("tasker-x*", False),
    ("**/*.md", True), ("**/*.rst", False), ("docs/*/intro.md", True), ("docs/*.md", False),
])
def test_tree_matches_patterns_as_detection_does(pattern: str, expected: bool) -> None:
    assert TASKER_TREE.matches(pattern) is expected


def test_the_built_in_layout_fits_a_tasker_tree_only() -> None:
    assert tasker_layout.missing(TASKER_TREE) == []
    assert config.tree_problems(config.builtin(), TASKER_TREE) == []
    # The real project's current tree keeps its crates under crates/: not this layout.
    moved = Tree.of(f.replace("tasker-", "crates/tasker-", 1) if f.startswith("tasker-") else f
                    for f in TASKER_TREE.files)
    assert tasker_layout.missing(moved) == ["tasker-pgmq", "tasker-shared", "tasker-worker",
                                            "tasker-client", "tasker-orchestration",
                                            "tasker-cli"]
    no_ts = Tree.of(f for f in TASKER_TREE.files if not f.startswith("workers/typescript"))
    assert tasker_layout.missing(no_ts) == ["workers/typescript"]


def test_patterns_and_directories_that_match_nothing_are_problems() -> None:
    data = _default()
    data["core"]["groups"]["ffi"]["paths"] = ["tasker-pgmq", "tasker-sharde", "Cargo.toml"]
    data["core"]["groups"]["server"]["paths"] = ["tasker-c*", "server-*"]
    data["bindings"]["ruby"]["directory"] = "workers/rubby"
    data["bindings"]["python"]["paths"] = ["workers/python", "workers/python-extra/**"]
    hint = "matches no file tracked by git; a typo here hides the component's changes"
    assert config.tree_problems(config.parse(data), TASKER_TREE) == [
        f"core.groups.ffi.paths: 'tasker-sharde' {hint}",
        f"core.groups.server.paths: 'server-*' {hint}",
        "bindings.ruby.directory: 'workers/rubby' is not a directory holding files tracked "
        "by git",
        f"bindings.python.paths: 'workers/python-extra/**' {hint}",
    ]


def test_a_binding_directory_must_be_a_directory() -> None:
    data = _default()
    data["bindings"]["python"]["directory"] = "workers/python/pyproject.toml"
    data["bindings"]["python"]["paths"] = ["workers/python"]
    assert config.tree_problems(config.parse(data), TASKER_TREE) == [
        "bindings.python.directory: 'workers/python/pyproject.toml' is not a directory holding "
        "files tracked by git"]


def test_many_problems_in_one_config_are_reported_together() -> None:
    data = _default()
    data["project"]["name"] = 1
    data["core"]["groups"]["server"]["crates"] = []
    data["bindings"]["typescript"]["package"] = "tasker-worker-rb"
    data["bindings"]["typescript"]["registry"] = "rubygems"
    data["bindings"]["typescript"]["version-files"][1]["key"] = 3
    data["bindings"]["ruby"]["credential"] = "GEM_HOST_API_KEY"
    data["bindings"]["python"]["trusted-publishing"] = "yes"
    problems = _problems(data)
    assert problems == (
        "core.groups.server.crates: at least one crate name is required, found []",
        "bindings.ruby.credential: expected a list of strings, found 'GEM_HOST_API_KEY'",
        "bindings.python.trusted-publishing: expected true or false, found 'yes'",
        "bindings.typescript.version-files[1].key: only format = \"ruby\" takes a key, found 3 "
        "with format = 'cargo'",
        "project.name: expected a string, found 1",
        "bindings ruby and typescript all publish 'tasker-worker-rb' to rubygems: a package "
        "belongs to one binding",
    )
