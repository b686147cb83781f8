"""The ecosystem config: the built-in Tasker layout, validation, extensibility."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from release_tasks import config
from release_tasks.errors import ConfigError


def test_default_is_the_tasker_layout(tmp_path: Path) -> None:
    cfg = config.load(tmp_path)
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


def test_release_toml_is_read(tmp_path: Path) -> None:
    (tmp_path / "release.toml").write_text(
        '[core]\n[core.groups.all]\ncrates = ["a"]\npaths = ["a"]\n'
        '[bindings.x]\ndirectory = "x"\nregistry = "npm"\npackage = "x"\n'
        'version-files = [{ path = "x/package.json", format = "package-json", value = "binding" }]\n'
        '[surprise]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'surprise'"):
        config.load(tmp_path)
    (tmp_path / "release.toml").write_text("[core\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be read as TOML"):
        config.load(tmp_path)


def test_binding_needs_a_binding_version_file() -> None:
    data = _default()
    data["bindings"]["ruby"]["version-files"] = [data["bindings"]["ruby"]["version-files"][2]]
    with pytest.raises(ConfigError, match='value = "binding"'):
        config.parse(data)
