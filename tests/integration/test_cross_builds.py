"""Cross builds for real, on the example monorepo's bindings: ``build --platform P`` of a
Linux platform other than this machine's makes the python binding's wheel with
``maturin build --target T --zig`` (a musllinux wheel for musl, a manylinux one for the
other CPU, its library an ELF of that CPU) and the npm binding's platform package with
``cargo zigbuild --target T``. A Rust target the toolchain lacks stops the build before it
starts, with ``rustup target add``; macOS stays on its own runner.

On an x86_64 glibc machine (CI's) the platforms are ``linux-x86_64-musl`` and
``linux-aarch64``; on an aarch64 one, ``linux-aarch64-musl`` and ``linux-x86_64``.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_tasks import cmd
from release_tasks.errors import ToolMissing, UsageError
from release_tasks.model import platforms
from release_tasks.registries.elf import read_library
from tests.integration.publish_helpers import require_words, sandbox_at
from tests.integration.test_platforms_python import declare
from tests.registries.tools import in_ci, require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

VERSION = "0.1.0.0"
RENDERING = "0.1.0"
#: ``e_machine`` of each CPU, as the ELF specification numbers them.
E_MACHINE = {"x86_64": 62, "aarch64": 183}


def _host() -> platforms.Platform:
    host = platforms.host()
    if host.system != "linux" or host.libc != "gnu":
        pytest.skip(f"cross builds are tested from a Linux glibc machine, not {host.name}")
    return host


def _other_arch(host: platforms.Platform) -> str:
    return "aarch64" if host.arch == "x86_64" else "x86_64"


def _rust_target(triple: str) -> None:
    """Skip (fail under CI=true) without the Rust target: .ci/run installs it."""
    found = subprocess.run(["rustc", "--print", "target-libdir", "--target", triple],
                           capture_output=True, text=True, check=False)
    if found.returncode == 0 and any(Path(found.stdout.strip()).glob("libcore-*.rlib")):
        return
    message = f"the Rust target {triple} is not installed (rustup target add {triple})"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def _zig() -> None:
    if shutil.which("zig") is None and subprocess.run(
            [sys.executable, "-m", "ziglang", "version"], capture_output=True,
            check=False).returncode != 0:
        if in_ci():
            pytest.fail("zig is not installed (pip install ziglang)")
        pytest.skip("zig is not installed (pip install ziglang)")


@dataclass(frozen=True)
class Built:
    code: int
    err: str
    files: list[Path]


@dataclass(frozen=True)
class Sandbox:
    root: Path
    work: Path
    env: dict[str, str]
    musl: str  # this machine's CPU, musl
    other: str  # the other CPU, glibc

    def build(self, binding: str, platform: str) -> Built:
        """``python -m release_tasks build``, as the workflow's cell runs it."""
        out = self.work / f"out-{binding}-{platform}"
        result = subprocess.run(
            [sys.executable, "-m", "release_tasks", "build", binding, VERSION, "--platform",
             platform, "--out", str(out), "--repo", str(self.root)],
            env=self.env, capture_output=True, text=True, timeout=900, check=False)
        return Built(result.returncode, result.stderr,
                     sorted(out.iterdir()) if out.is_dir() else [])


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    """The example monorepo declaring the cross-built platforms, and one cargo target
    directory for every build of the module."""
    host = _host()
    for tool in ("maturin", "cargo"):
        require_tool(tool)
    _zig()
    musl, other = f"linux-{host.arch}-musl", f"linux-{_other_arch(host)}"
    for platform in (musl, other):
        _rust_target(platforms.RUST_TRIPLES[platform])
    work = tmp_path_factory.mktemp("cross")
    root = sandbox_at(work, VERSION)
    declare(root, python=[host.name, other, musl, "macos-arm64", "source"],
            typescript=[host.name, other, musl])
    env = {**os.environ, "CARGO_TARGET_DIR": str(work / "target")}
    return Sandbox(root, work, env, musl, other)


@pytest.fixture(scope="module")
def wheels(sandbox: Sandbox) -> dict[str, Built]:
    return {p: sandbox.build("python", p) for p in (sandbox.musl, sandbox.other)}


def _wheel_libraries(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.endswith(".so")}


def _wheel_tag(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        [meta] = [n for n in archive.namelist() if n.endswith(".dist-info/WHEEL")]
        tags = [line.split(": ", 1)[1] for line in archive.read(meta).decode().splitlines()
                if line.startswith("Tag: ")]
    return ".".join(sorted(tags))


def _one_wheel(wheels: dict[str, Built], platform: str) -> tuple[Built, Path, str]:
    """The build for ``platform``, which succeeded with one wheel, and the platform's CPU."""
    built = wheels[platform]
    assert built.code == 0, built.err
    [wheel] = built.files
    return built, wheel, str(platforms.get(platform).arch)


def _machine(data: bytes) -> int:
    assert data[:4] == b"\x7fELF"
    return int(struct.unpack_from("<H", data, 18)[0])


def test_a_musl_wheel_is_cross_built_and_tagged_musllinux(sandbox: Sandbox,
                                                          wheels: dict[str, Built]) -> None:
    _, wheel, arch = _one_wheel(wheels, sandbox.musl)
    assert wheel.name.startswith(f"tasker_worker_py-{VERSION}-py3-none-musllinux_1_2_")
    assert wheel.name.endswith(f"_{arch}.whl") and "manylinux" not in wheel.name
    assert _wheel_tag(wheel) == f"py3-none-musllinux_1_2_{arch}"
    [library] = _wheel_libraries(wheel).values()
    assert _machine(library) == E_MACHINE[arch]
    assert read_library(library).libc == "musl"  # it needs musl's libc.so, not glibc's


def test_a_wheel_for_the_other_cpu_is_cross_built_manylinux(sandbox: Sandbox,
                                                            wheels: dict[str, Built]) -> None:
    built, wheel, arch = _one_wheel(wheels, sandbox.other)
    assert "-py3-none-manylinux" in wheel.name and wheel.name.endswith(f"_{arch}.whl")
    [library] = _wheel_libraries(wheel).values()
    assert _machine(library) == E_MACHINE[arch]
    assert read_library(library).libc == "gnu"
    assert f"--target {platforms.RUST_TRIPLES[sandbox.other]}" in built.err
    assert "--zig" in built.err


def test_macos_stays_on_its_own_runner(sandbox: Sandbox) -> None:
    built = sandbox.build("python", "macos-arm64")
    assert built.code == UsageError.exit_code and built.files == []
    require_words(built.err, ["macos-arm64 is built on its own runner (macos-latest",
                              f"PyPI cross-builds {sandbox.other}"])


def test_an_npm_platform_package_is_cross_built_with_cargo_zigbuild(sandbox: Sandbox) -> None:
    for tool in ("npm", "cargo-zigbuild"):
        require_tool(tool)
    for platform in (sandbox.other, sandbox.musl):
        built = sandbox.build("typescript", platform)
        assert built.code == 0, built.err
        assert f"cargo zigbuild -p tasker-worker-ts --release --target " \
               f"{platforms.RUST_TRIPLES[platform]}" in built.err
        [tarball] = built.files
        wanted = platforms.get(platform)
        cpu = {"x86_64": "x64", "aarch64": "arm64"}[str(wanted.arch)]
        libc = {"gnu": "glibc", "musl": "musl"}[str(wanted.libc)]
        triple = f"linux-{cpu}-{wanted.libc}"
        assert tarball.name == f"tasker-systems-worker-{triple}-{RENDERING}.tgz"
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/package.json")
            assert member is not None
            manifest = json.loads(member.read())
            node = archive.extractfile(f"package/{manifest['main']}")
            assert node is not None
            library = node.read()
        assert (manifest["os"], manifest["cpu"], manifest["libc"]) == (["linux"], [cpu], [libc])
        assert manifest["main"] == f"worker.{triple}.node"
        assert _machine(library) == E_MACHINE[str(wanted.arch)]
        assert read_library(library).libc == wanted.libc


def _toolchain_without_targets(where: Path) -> Path:
    """A copy of the Rust toolchain's compiler with the host's standard library only (its
    files hard-linked where the file system lets them be): ``bin/`` of a real ``rustc``
    that has no cross target."""
    sysroot = Path(subprocess.run(["rustc", "--print", "sysroot"], capture_output=True,
                                  text=True, check=True).stdout.strip())
    host = subprocess.run(["rustc", "--print", "host-tuple"], capture_output=True, text=True,
                          check=False).stdout.strip() or platforms.RUST_TRIPLES[
                              platforms.host().name]

    def place(source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    place(sysroot / "bin" / "rustc", where / "bin" / "rustc")
    for library in (sysroot / "lib").iterdir():
        if library.is_file():
            place(library, where / "lib" / library.name)
    shutil.copytree(sysroot / "lib" / "rustlib" / host, where / "lib" / "rustlib" / host,
                    copy_function=lambda s, d: place(Path(s), Path(d)))
    return where / "bin"


def test_a_missing_rust_target_stops_the_build_before_it_starts(
        run_cli: RunCli, sandbox: Sandbox, tmp_path: Path) -> None:
    bin_dir = _toolchain_without_targets(tmp_path / "toolchain")
    triple = platforms.RUST_TRIPLES[sandbox.other]
    out = tmp_path / "out"
    env = {"PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]]),
           "CARGO_TARGET_DIR": sandbox.env["CARGO_TARGET_DIR"]}
    for binding in ("python", "typescript"):
        if binding == "typescript":
            require_tool("cargo-zigbuild")
        cmd.ARGV_LOG.clear()
        refused = run_cli("build", binding, VERSION, "--platform", sandbox.other, "--out",
                          str(out), "--repo", str(sandbox.root), env=env)
        assert refused.code == ToolMissing.exit_code, refused.err
        require_words(refused.err, [f"cross-built for the Rust target {triple}",
                                    f"rustup target add {triple}", "nothing was built"])
        assert not out.exists()
        assert not [a for a in cmd.ARGV_LOG if Path(a[0]).name in ("maturin", "cargo")
                    and ("build" in a or "zigbuild" in a)]
