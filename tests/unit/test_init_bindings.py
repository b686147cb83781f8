"""``init`` finding the bindings of synthetic trees: what makes one, its version files,
lockfiles and name, what stops one; and the rendering, read back by the config reader."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from release_tasks.config import load as config
from release_tasks.errors import UsageError
from release_tasks.init import infer as init
from release_tasks.init.model import FoundBinding
from release_tasks.model.components import VersionFile
from tests.unit.init_models import (
    GEM,
    LIBS,
    NPM,
    WHEEL,
    crate,
    dep,
    full,
    manifest,
    members,
    natives,
    propose,
    render,
)


def binding(name: str, found: tuple[FoundBinding, ...]) -> FoundBinding:
    (hit,) = [b for b in found if b.name == name]
    return hit


def test_each_kind_of_binding_with_its_version_files() -> None:
    found = full().bindings

    ruby, python, node = (binding(n, found) for n in ("ruby", "python", "node"))
    assert (ruby.registry, ruby.directory, ruby.package, ruby.crate and ruby.crate.name) == (
        "rubygems", "ruby", "demo-rb", "demo-rb")
    assert ruby.version_files == (
        VersionFile(path="ruby/lib/demo/version.rb", format="ruby", key="VERSION", value="binding"),
        VersionFile(path="ruby/lib/demo/version.rb", format="ruby", key="RUST_CORE_VERSION",
                    value="binding-core"),
        # The ext crate spells out the core version itself: the release keeps it in step.
        VersionFile(path="ruby/ext/demo/Cargo.toml", format="cargo", value="core"))
    # maturin's manifest-path names the crate; an inherited version is no version file.
    assert (python.package, python.crate and python.crate.name) == ("demo-py", "demo-py")
    assert python.version_files == (
        VersionFile(path="python/pyproject.toml", format="pyproject", value="binding"),)
    # A crate one directory below package.json; at its own version 0.1.0, not a version file.
    assert (node.registry, node.package, node.crate and node.crate.name) == (
        "npm", "@demo/node", "demo-node")
    assert node.version_files == (
        VersionFile(path="node/package.json", format="package-json", value="binding"),)
    assert all(b.disabled is None for b in found)


def test_what_is_not_a_binding() -> None:
    files = {
        **LIBS,
        "gems/plain/plain.gemspec": "Gem::Specification.new { |s| s.name = 'plain' }\n",
        "tools/pyproject.toml": '[build-system]\nbuild-backend = "hatchling.build"\n'
                                '[project]\nname = "tools"\nversion = "1.0"\n',
        "site/package.json": '{"name": "site", "version": "1.0.0"}\n',
        "site/Cargo.toml": manifest("site-gen"),  # a crate, but not a cdylib: not native
    }
    site = crate("site-gen", "site/Cargo.toml", version="1.0.0", publish=False)

    p = propose([*members(), site], files)

    assert p.bindings == ()
    assert any("gems/plain/plain.gemspec: a gem without a crate under ext/" in n for n in p.notes)
    assert all("tools/" not in n and "site/" not in n for n in p.notes)


def test_a_binding_inside_an_example_folder_is_a_sample_not_a_release() -> None:
    """pyo3-polars's ``example/io_plugin``: a maturin project like any other, but a sample."""
    files = {**LIBS, **WHEEL, **{f"plugins/example/{rel}": text for rel, text in WHEEL.items()}}
    sample = crate("demo-plugin", "plugins/example/python/native/Cargo.toml", dep("worker"),
                   publish=False)
    files["plugins/example/python/native/Cargo.toml"] = manifest("demo-plugin", version=None,
                                                                 cdylib=True)

    p = propose([*members(), *natives(), sample], files)

    assert [b.directory for b in p.bindings] == ["python"]
    assert any("plugins/example/python: an example (by its directory): not taken for a "
               "binding" in n for n in p.notes), p.notes


def test_a_dynamic_python_version_is_written_commented_out_with_the_fix() -> None:
    files = {**LIBS, **WHEEL, "python/pyproject.toml": WHEEL["python/pyproject.toml"].replace(
        'version = "0.1.8.0"', 'dynamic = ["version"]')}

    p = propose([*members(), natives()[1]], files)
    (python,) = p.bindings

    assert python.disabled is not None and 'dynamic = ["version"]' in python.disabled
    assert p.groups[0].propagates_to == ()  # only active bindings are propagated to
    text = render(p)
    assert "# [bindings.python]" in text and "\n[bindings.python]" not in text
    assert config.parse(tomllib.loads(text)).bindings == ()


def test_an_rb_sys_gem_with_its_crate_at_the_gems_root_is_a_binding() -> None:
    """magnus/rb-sys: `spec.extensions = ["./Cargo.toml"]`, the crate beside the gemspec."""
    files = {**LIBS,
             "ruby/demo.gemspec": "require_relative 'lib/demo/version'\nGem::Specification.new "
                                  "do |spec|\n  spec.name = 'demo-rb'\n  spec.extensions = "
                                  "['./Cargo.toml']\nend\n",
             "ruby/lib/demo/version.rb": "module Demo\n  VERSION = '0.1.8.0'\nend\n",
             "ruby/Cargo.toml": manifest("demo-rb", cdylib=True)}
    native = crate("demo-rb", "ruby/Cargo.toml", dep("worker"), publish=False)

    (ruby,) = propose([*members(), native], files).bindings

    assert (ruby.registry, ruby.directory, ruby.crate and ruby.crate.name) == (
        "rubygems", "ruby", "demo-rb")
    assert "at the gem's root (rb-sys)" in ruby.why and ruby.disabled is None
    assert ruby.version_files[0] == VersionFile(path="ruby/lib/demo/version.rb", format="ruby",
                                                key="VERSION", value="binding")


def test_a_gem_without_a_version_constant_is_not_active() -> None:
    files = {**LIBS, **GEM, "ruby/lib/demo/version.rb": "module Demo\nend\n"}

    (ruby,) = propose([*members(), natives()[0]], files).bindings

    assert ruby.disabled is not None and "VERSION = '...'" in ruby.disabled


def test_lockfiles_and_the_surfaces_a_release_does_not_rewrite() -> None:
    files = {**LIBS, **GEM, **NPM,
             "ruby/ext/demo/Cargo.lock": "",
             "ruby/Gemfile.lock": "PATH\n  remote: .\n  specs:\n    demo-rb (0.1.8.0)\n",
             "node/package-lock.json": '{"name": "@demo/old", "version": "0.1.8000", '
                                       '"lockfileVersion": 3, "packages": {}}\n',
             "node/bun.lock": '{"lockfileVersion": 1, "workspaces": {"": {"name": "@demo/node"}}}\n',
             "node/index.js": "if (v !== '0.1.8000') throw new Error('mismatch')\n"}

    p = propose([*members(), natives()[0], natives()[2]], files)
    ruby, node = binding("ruby", p.bindings), binding("node", p.bindings)

    assert ruby.lockfiles == ("ruby/ext/demo/Cargo.lock",)
    assert ruby.notes == ("ruby/Gemfile.lock records demo-rb 0.1.8.0 and is not rewritten by a "
                          "release: refresh it after one (cd ruby && bundle lock)",)
    assert node.lockfiles == ("node/package-lock.json", "node/bun.lock")
    assert any("node/package-lock.json" in n and "@demo/old" in n for n in node.notes)
    assert any(n.startswith("node/index.js repeats the version 0.1.8000") for n in node.notes)


def test_names_come_from_earlier_tags_then_directories_then_languages() -> None:
    rb = natives()[0]
    npm = {k.replace("node/", "packages/worker/"): v for k, v in NPM.items()}
    native = crate("demo-node", "packages/worker/native/Cargo.toml", dep("shared"),
                   version="0.1.0", publish=False)

    def names(files: dict[str, str], tags: tuple[str, ...] = ()) -> list[str]:
        return [b.name for b in propose([*members(), rb, native], files, tags).bindings]

    assert names({**LIBS, **GEM, **npm}) == ["ruby", "node"]
    assert names({**LIBS, **GEM, **npm, "packages/worker/src/index.ts": ""}) == [
        "ruby", "typescript"]
    assert names({**LIBS, **GEM, **npm}, ("rb-v0.1.8", "ts-v0.1.9", "v0.1.8")) == ["rb", "ts"]
    in_node = propose([*members(), rb, natives()[2]], {**LIBS, **GEM, **NPM})
    assert [b.named for b in in_node.bindings] == ["its directory ruby", "its directory node"]


def test_a_binding_never_takes_the_name_of_the_core_or_a_group() -> None:
    gem = {k.replace("ruby/", "core/"): v.replace("'demo-rb'", "'core'") for k, v in GEM.items()}
    second = crate("core-rb", "core/ext/demo/Cargo.toml", dep("shared"), publish=False)

    p = propose([*members(), natives()[0], second], {**LIBS, **GEM, **gem})

    assert sorted(b.name for b in p.bindings) == ["core-ruby", "demo-rb"]
    config.parse(tomllib.loads(render(p)))


def test_two_gems_are_named_after_their_packages() -> None:
    client = {k.replace("ruby/", "client/").replace("demo", "client"): v.replace("demo", "client")
              for k, v in GEM.items()}
    rb = natives()[0]
    client_rb = crate("client-rb", "client/ext/client/Cargo.toml", dep("shared"), publish=False)

    p = propose([*members(), rb, client_rb], {**LIBS, **GEM, **client})

    assert sorted(b.name for b in p.bindings) == ["client-rb", "demo-rb"]
    assert sorted(p.groups[0].propagates_to) == ["client-rb", "demo-rb"]
    config.parse(tomllib.loads(render(p)))  # two gems, two packages: a valid config


def test_the_rendering_is_a_valid_config_that_explains_itself() -> None:
    p = full()
    text = render(p)

    parsed = config.parse(tomllib.loads(text))
    assert [g.name for g in parsed.core.groups] == ["ffi", "server"]
    assert parsed.core.groups[0].crates == ("queue", "shared", "worker")
    assert [b.name for b in parsed.bindings] == ["ruby", "python", "node"]
    assert parsed.binding("ruby").credential == config.builtin().binding("ruby").credential
    assert parsed.preflight == config.builtin().preflight
    assert "# FFI-facing core: the crates the bindings are built from" in text
    assert "# ruby: ruby/demo.gemspec with the crate demo-rb under ext/" in text


def test_init_never_overwrites_a_release_toml(tmp_path: Path) -> None:
    (tmp_path / "release.toml").write_text("# mine\n")

    with pytest.raises(UsageError, match="already exists; init never overwrites it"):
        init.refuse_existing(tmp_path)
    result = init.Result(text="x", proposal=full(), path=tmp_path / "release.toml")
    with pytest.raises(UsageError):
        init.write(result)
    assert (tmp_path / "release.toml").read_text() == "# mine\n"
