"""Cross builds, hermetically: what each registry kind cross-builds on which machine, the
compatibility of a cross-built wheel, the build matrix's runners, the refusal that names a
platform's runner, and the ELF reader that tells a library's CPU and C library."""

from __future__ import annotations

import copy
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from release_tasks import cmd
from release_tasks.config import load as config_mod
from release_tasks.errors import PublishError, ToolMissing
from release_tasks.model import platforms
from release_tasks.publish.build import _elsewhere
from release_tasks.registries import REGISTRIES, cross, kind_of
from release_tasks.registries.elf import ElfError, read_library
from release_tasks.registries.interface import Build
from release_tasks.registries.npm import platform_package
from release_tasks.registries.npm import platforms as npm_platforms
from release_tasks.registries.pypi import wheels
from release_tasks.registries.pypi.wheels import cross_compatibility
from release_tasks.workflow import generate as workflow
from tests.unit.test_publish_common import context, write_python_package

LINUX = ("linux-x86_64", "linux-aarch64", "linux-x86_64-musl", "linux-aarch64-musl")


@pytest.mark.parametrize("host", LINUX)
@pytest.mark.parametrize("registry", ["pypi", "npm"])
def test_pypi_and_npm_cross_build_every_other_linux_platform_on_linux(registry: str,
                                                                      host: str) -> None:
    assert kind_of(registry).cross_builds(host) == frozenset(LINUX) - {host}


@pytest.mark.parametrize("host", ["macos-arm64", "macos-x86_64", "windows-x86_64"])
def test_no_kind_cross_builds_off_linux(host: str) -> None:
    assert all(kind.cross_builds(host) == frozenset() for kind in REGISTRIES.values())


@pytest.mark.parametrize("registry", ["rubygems", "crates-io"])
def test_rubygems_and_crates_cross_build_nothing(registry: str) -> None:
    kind = REGISTRIES[registry]
    assert all(kind.cross_builds(host) == frozenset() for host in LINUX)


def test_a_kind_cross_builds_only_platforms_it_has_a_package_for() -> None:
    for kind in REGISTRIES.values():
        for host in platforms.PLATFORMS:
            found = kind.cross_builds(host)
            assert found <= set(kind.platform_tags) and host not in found, kind.name
            assert platforms.SOURCE not in found and kind.cross_tool, kind.name


@pytest.mark.parametrize(("chosen", "platform", "expected"), [
    ("pypi", "linux-aarch64", "pypi"),
    ("manylinux_2_28", "linux-aarch64", "manylinux_2_28"),
    ("musllinux_1_2", "linux-aarch64", "pypi"),  # the host's musl setting, a glibc target
    ("pypi", "linux-x86_64-musl", "musllinux_1_2"),  # maturin's pypi would say manylinux
    ("manylinux_2_28", "linux-aarch64-musl", "musllinux_1_2"),
    ("musllinux_1_1", "linux-x86_64-musl", "musllinux_1_1"),
])
def test_a_cross_built_wheel_is_tagged_for_its_c_library(chosen: str, platform: str,
                                                         expected: str) -> None:
    assert cross_compatibility(chosen, platform) == expected


def test_a_cross_build_is_a_native_platform_other_than_this_machines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platforms, "host", lambda: platforms.get("linux-x86_64"))
    assert cross.triple_for("linux-aarch64") == "aarch64-unknown-linux-gnu"
    assert cross.triple_for("linux-x86_64-musl") == "x86_64-unknown-linux-musl"
    assert [cross.triple_for(p) for p in ("linux-x86_64", "source", "main", None)] == [None] * 4


def test_the_refusal_names_the_platforms_runner_and_what_the_kind_cross_builds() -> None:
    pypi = _elsewhere(kind_of("pypi"), "macos-arm64", "linux-x86_64")
    assert pypi.startswith("macos-arm64 is built on its own runner (macos-latest in the workflow's "
                           "build matrix); this machine is linux-x86_64, and PyPI cross-builds "
                           "linux-aarch64, linux-x86_64-musl, linux-aarch64-musl here")
    assert "maturin build --target T --zig" in pypi
    ruby = _elsewhere(kind_of("rubygems"), "linux-aarch64", "linux-x86_64")
    assert "ubuntu-24.04-arm" in ruby and "RubyGems cross-builds no platform here" in ruby
    assert "rb-sys-dock" in ruby
    musl = _elsewhere(kind_of("rubygems"), "linux-x86_64-musl", "linux-x86_64")
    assert musl.startswith("linux-x86_64-musl has no runner of its own (GitHub has no musl "
                           "runner)") and "rb-sys-dock" in musl


def _config(registry_platforms: dict[str, list[str]]) -> config_mod.Config:
    doc = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    for name, declared in registry_platforms.items():
        doc["bindings"][name]["platforms"] = declared
    return config_mod.parse(doc)


def test_the_matrix_cross_builds_linux_on_ubuntu_latest_and_keeps_native_runners() -> None:
    config = _config({"python": ["linux-x86_64", "linux-aarch64", "linux-aarch64-musl",
                                 "macos-arm64", "source"],
                      "ruby": ["linux-x86_64", "linux-aarch64", "source"]})
    jobs = yaml.safe_load(workflow.render(config))["jobs"]
    python = jobs["build-python"]
    assert python["strategy"]["matrix"]["include"] == [
        {"platform": "linux-x86_64", "runner": "ubuntu-latest"},
        {"platform": "linux-aarch64", "runner": "ubuntu-latest",
         "rust-target": "aarch64-unknown-linux-gnu"},
        {"platform": "linux-aarch64-musl", "runner": "ubuntu-latest",
         "rust-target": "aarch64-unknown-linux-musl"},
        {"platform": "macos-arm64", "runner": "macos-latest"},
        {"platform": "source", "runner": "ubuntu-latest"}]
    [target] = [s for s in python["steps"] if s.get("name") == "The Rust target of a cross build"]
    assert target == {"name": "The Rust target of a cross build", "if": "matrix.rust-target",
                      "run": 'rustup target add "${{ matrix.rust-target }}"'}
    names = [s.get("name") or s.get("uses") for s in python["steps"]]
    assert names.index("dtolnay/rust-toolchain@stable") < names.index(target["name"]) \
        < names.index("Build")
    ruby = jobs["build-ruby"]
    assert ruby["strategy"]["matrix"]["include"][1] == {"platform": "linux-aarch64",
                                                        "runner": "ubuntu-24.04-arm"}
    assert not any(s.get("name") == target["name"] for s in ruby["steps"])


def _elf(machine: int, needed: tuple[str, ...]) -> bytes:
    """A minimal 64-bit little-endian shared object: its header, a string table and a
    dynamic section naming ``needed``, and the two section headers."""
    strings = b"\0" + b"".join(n.encode() + b"\0" for n in needed)
    offsets, at = [], 1
    for name in needed:
        offsets.append(at)
        at += len(name) + 1
    dynamic = b"".join(struct.pack("<qQ", 1, o) for o in offsets) + struct.pack("<qQ", 0, 0)
    strings_at = 64
    dynamic_at = strings_at + len(strings)
    sections_at = dynamic_at + len(dynamic)
    header = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
              + struct.pack("<HHIQQQIHHHHHH", 3, machine, 1, 0, 0, sections_at, 0, 64, 0, 0,
                            64, 3, 0))
    null = bytes(64)
    strtab = struct.pack("<IIQQQQIIQQ", 0, 3, 0, 0, strings_at, len(strings), 0, 0, 1, 0)
    dyn = struct.pack("<IIQQQQIIQQ", 0, 6, 0, 0, dynamic_at, len(dynamic), 1, 0, 8, 16)
    return header + strings + dynamic + null + strtab + dyn


@pytest.mark.parametrize(("machine", "needed", "arch", "libc"), [
    (62, ("libgcc_s.so.1", "libc.so.6"), "x86_64", "gnu"),
    (183, ("libc.so",), "aarch64", "musl"),
    (183, ("libc.musl-aarch64.so.1",), "aarch64", "musl"),
    (62, (), "x86_64", None),
    (40, ("libc.so.6",), "e_machine 40", "gnu"),
])
def test_the_elf_reader_tells_the_cpu_and_c_library(machine: int, needed: tuple[str, ...],
                                                    arch: str, libc: str | None) -> None:
    library = read_library(_elf(machine, needed))
    assert (library.arch, library.libc, library.needed) == (arch, libc, needed)


def test_a_library_for_another_platform_is_refused() -> None:
    arm = _elf(183, ("libc.so.6",))
    assert cross.library_problem(arm, "lib.so", "linux-aarch64") is None
    assert cross.library_problem(arm, "lib.so", "macos-arm64") is None  # not ELF's to say
    wrong = cross.library_problem(arm, "lib.so", "linux-x86_64")
    assert wrong == ("lib.so is built for aarch64 gnu (it needs libc.so.6), not for "
                     "linux-x86_64 (x86_64 gnu)")
    assert "not for linux-aarch64-musl" in str(cross.library_problem(arm, "lib.so",
                                                                     "linux-aarch64-musl"))
    assert "cannot be read as a Linux library: not an ELF file" in str(
        cross.library_problem(b"library for linux-x64-gnu\n", "x.node", "linux-x86_64"))
    with pytest.raises(ElfError, match="truncated"):
        read_library(_elf(62, ("libc.so.6",))[:100])


def _fake_cargo(tmp_path: Path, library: bytes,
                seen: list[tuple[list[str], dict[str, str]]]) -> Any:
    """``cmd.run`` that, for cargo, writes ``library`` where the build puts its cdylib, and
    for ``npm pack`` packs nothing but reports a tarball."""
    def run(argv: list[str], **kw: Any) -> cmd.Result:
        env = dict(kw.get("env") or {})
        seen.append((list(argv), env))
        if argv[:2] == ["cargo", "zigbuild"]:
            triple = argv[argv.index("--target") + 1]
            out = tmp_path / "target" / triple / "release"
            out.mkdir(parents=True, exist_ok=True)
            (out / "libtasker_worker_ts.so").write_bytes(library)
        if argv[:2] == ["npm", "pack"]:
            return cmd.Result(list(argv), 0, '[{"filename": "x.tgz"}]', "")
        return cmd.Result(list(argv), 0, "", "")
    return run


@pytest.mark.parametrize(("platform", "machine", "libc", "flags"), [
    ("linux-aarch64", 183, "libc.so.6", None),
    ("linux-aarch64-musl", 183, "libc.so", "-C target-feature=-crt-static"),
])
def test_an_npm_platform_package_is_cross_built_with_cargo_zigbuild(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, platform: str, machine: int, libc: str,
        flags: str | None) -> None:
    monkeypatch.setattr(platforms, "host", lambda: platforms.get("linux-x86_64"))
    (tmp_path / "workers" / "typescript").mkdir(parents=True)
    (tmp_path / "workers" / "typescript" / "package.json").write_text("{}")
    seen: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(cmd, "run", _fake_cargo(tmp_path, _elf(machine, (libc,)), seen))
    ctx = context(tmp_path, "typescript", env={"CARGO_TARGET_DIR": str(tmp_path / "target")},
                  platform=platform)
    platform_package.build_platform_package(ctx, platform, ctx.build_env())
    argv, env = seen[0]
    assert argv == ["cargo", "zigbuild", "-p", "tasker-worker-ts", "--release", "--target",
                    platforms.RUST_TRIPLES[platform]]
    assert env.get("RUSTFLAGS") == flags
    [node] = (tmp_path / "target" / "release-artifacts").rglob("*.node")
    assert node.name == f"worker.{npm_platforms.TAGS[platform]}.node"  # the package's name


def test_a_cross_built_library_of_another_cpu_is_not_packed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platforms, "host", lambda: platforms.get("linux-x86_64"))
    seen: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(cmd, "run", _fake_cargo(tmp_path, _elf(62, ("libc.so.6",)), seen))
    ctx = context(tmp_path, "typescript", env={"CARGO_TARGET_DIR": str(tmp_path / "target")},
                  platform="linux-aarch64")
    with pytest.raises(PublishError, match=r"libtasker_worker_ts\.so is built for x86_64 gnu "
                                           r"\(it needs libc\.so\.6\), not for linux-aarch64"):
        platform_package.build_platform_package(ctx, "linux-aarch64", ctx.build_env())
    assert [argv[0] for argv, _ in seen] == ["cargo"]  # never packed


def _wheel(path: Path, tag: str, library: bytes) -> Path:
    wheel = path / f"tasker_worker_py-0.1.8.2-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("tasker_worker_py-0.1.8.2.dist-info/METADATA",
                         "Metadata-Version: 2.1\nName: tasker-worker-py\nVersion: 0.1.8.2\n")
        archive.writestr("tasker_worker/_native/lib_native.so", library)
    return wheel


def test_a_linux_wheel_carries_libraries_of_its_tags_cpu_and_c_library(tmp_path: Path) -> None:
    ctx = context(tmp_path, "python")
    good = _wheel(tmp_path, "py3-none-manylinux_2_17_aarch64", _elf(183, ("libc.so.6",)))
    assert wheels.verify(ctx, Build(artifacts=(good,))) == []
    bad = _wheel(tmp_path, "py3-none-musllinux_1_2_x86_64", _elf(62, ("libc.so.6",)))
    [problem] = wheels.verify(ctx, Build(artifacts=(bad,)))
    assert problem == (f"{bad.name}: tasker_worker/_native/lib_native.so is built for x86_64 "
                       "gnu (it needs libc.so.6), not for linux-x86_64-musl (x86_64 musl)")


def test_a_cross_built_wheel_needs_zig_and_the_rust_target_before_anything_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_python_package(tmp_path)
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("maturin", "cargo", "uv", "rustc"):
        (tools / name).write_text("#!/bin/sh\n")
        (tools / name).chmod(0o755)
    monkeypatch.setattr(platforms, "host", lambda: platforms.get("linux-x86_64"))
    libdir = tmp_path / "rustlib"
    ran: list[list[str]] = []

    def run(argv: list[str], **kw: Any) -> cmd.Result:
        ran.append(list(argv))
        out = "maturin 1.16.0\n" if argv[0] == "maturin" else f"{libdir}\n"
        return cmd.Result(list(argv), 0, out, "")

    monkeypatch.setattr(cmd, "run", run)
    ctx = context(tmp_path, "python", env={"PATH": str(tools)}, platform="linux-aarch64-musl")
    assert wheels.build_options(ctx) == ("musllinux_1_2", True)
    monkeypatch.setattr(cross, "zig_available", lambda env: False)
    with pytest.raises(ToolMissing, match=r"linux-aarch64-musl is cross-built with zig: "
                                          r"pip install ziglang"):
        wheels.check_tools(ctx)
    monkeypatch.setattr(cross, "zig_available", lambda env: True)
    with pytest.raises(ToolMissing, match=r"rustup target add aarch64-unknown-linux-musl$"):
        wheels.check_tools(ctx)
    assert ran[-1] == ["rustc", "--print", "target-libdir", "--target",
                       "aarch64-unknown-linux-musl"]
    libdir.mkdir()
    (libdir / "libcore-0123.rlib").write_bytes(b"")
    wheels.check_tools(ctx)
    assert not [argv for argv in ran if argv[1:2] == ["build"]]
