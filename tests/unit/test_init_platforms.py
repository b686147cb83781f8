"""``init`` proposes each binding's platforms from its own setup (napi's targets, rb-sys's
cross_platform or a gemspec's platform, ``[tool.maturin]``), else the machine's platform and
the source package; the file it writes reads back with them."""

from __future__ import annotations

import dataclasses
import json
import tomllib

from release_tasks.config import load as config
from release_tasks.init import infer as init
from release_tasks.init.model import FoundBinding, Proposal
from tests.unit.init_models import GEM, LIBS, NPM, WHEEL, members, natives, render, sources


def propose(files: dict[str, str], host: str | None = "linux-x86_64") -> Proposal:
    src = dataclasses.replace(sources([*members(), *natives()], {**LIBS, **files}), host=host)
    return init.infer(src, project="demo", repository_url=None, main_branch="main")


def by_name(p: Proposal) -> dict[str, FoundBinding]:
    return {b.name: b for b in p.bindings}


def test_without_a_setup_that_names_platforms_the_host_and_source() -> None:
    found = by_name(propose({**GEM, **WHEEL, **NPM}))
    assert found["ruby"].platforms == ("source",)  # a gemspec without a platform
    assert "source gem" in found["ruby"].platforms_why
    assert found["python"].platforms == ("linux-x86_64", "source")
    assert "[tool.maturin]" in found["python"].platforms_why
    # npm: declared platforms mean a package per platform, which only napi's setup says
    assert found["node"].platforms == ()
    assert by_name(propose({**WHEEL}, host=None))["python"].platforms == ()
    # A gem built for the machine that builds it: that machine's platform, and the source gem.
    current = GEM["ruby/demo.gemspec"].replace("end\n", "  s.platform = Gem::Platform::CURRENT\nend\n")
    ruby = by_name(propose({**GEM, "ruby/demo.gemspec": current}))["ruby"]
    assert ruby.platforms == ("linux-x86_64", "source")
    assert "this machine's platform (linux-x86_64) and the source package" in ruby.platforms_why


def test_the_bindings_own_setup_names_them() -> None:
    package = json.loads(NPM["node/package.json"])
    package["napi"] = {"binaryName": "demo", "targets": [
        "x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-pc-windows-msvc",
        "aarch64-unknown-linux-musl", "riscv64gc-unknown-linux-gnu"]}
    rakefile = ('RbSys::ExtensionTask.new("demo", GEMSPEC) do |ext|\n'
                '  ext.cross_platform = %w[x86_64-linux arm64-darwin x64-mingw-ucrt]\nend\n')
    wheel = WHEEL["python/pyproject.toml"] + 'compatibility = "musllinux_1_2"\n'
    found = by_name(propose({**GEM, "ruby/Rakefile": rakefile, **WHEEL,
                             "python/pyproject.toml": wheel, **NPM,
                             "node/package.json": json.dumps(package)}))
    assert found["node"].platforms == ("linux-x86_64", "linux-aarch64-musl", "macos-arm64",
                                       "windows-x86_64")
    assert found["node"].platforms_why == ("napi's targets in package.json (left out, not a "
                                           "platform the release knows: "
                                           "riscv64gc-unknown-linux-gnu)")
    assert found["ruby"].platforms == ("linux-x86_64", "macos-arm64", "windows-x86_64", "source")
    assert found["python"].platforms == ("linux-x86_64-musl", "source")

    v2 = {"napi": {"triples": {"defaults": True, "additional": ["aarch64-apple-darwin"]}}}
    package.pop("napi")
    found = by_name(propose({**NPM, "node/package.json": json.dumps({**package, **v2})}))
    assert found["node"].platforms == ("linux-x86_64", "macos-x86_64", "macos-arm64",
                                       "windows-x86_64")


def test_a_gemspec_for_one_platform() -> None:
    gemspec = GEM["ruby/demo.gemspec"].replace("end\n", "  s.platform = 'arm64-darwin'\nend\n")
    found = by_name(propose({**GEM, "ruby/demo.gemspec": gemspec}))
    assert found["ruby"].platforms == ("macos-arm64",)


def test_the_written_file_reads_back_with_the_platforms() -> None:
    text = render(propose({**GEM, **WHEEL, **NPM}))
    assert 'platforms = ["linux-x86_64", "source"]' in text
    data = tomllib.loads(text)
    assert data["bindings"]["python"]["platforms"] == ["linux-x86_64", "source"]
    assert config.parse(data).binding("ruby").platforms == ("source",)
    assert "platforms" not in data["bindings"]["node"]
