"""Platforms: the canonical names, each registry's name for them, ``platforms = [...]`` in
the config, and the gate that judges a publish's artifacts as one set per platform (with
wheels and sdists made here; a gem and an npm tarball need their tools: integration tests).
"""

from __future__ import annotations

import copy
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from release_tasks.config import load as config_mod
from release_tasks.errors import ConfigError, IncompleteSet, UsageError
from release_tasks.model import platforms
from release_tasks.publish import flow as publish
from release_tasks.publish.platforms import check_set, on_registry
from release_tasks.registries import kind_of
from release_tasks.registries.interface import RemoteFile
from release_tasks.registries.npm import package as npm_package
from release_tasks.registries.npm import platforms as npm_platforms
from release_tasks.registries.pypi import platforms as pypi_platforms
from release_tasks.registries.rubygems import platforms as gem_platforms
from tests.registries.wheels import make_wheel
from tests.unit.test_publish_common import context

DECLARED = ["linux-x86_64", "macos-arm64", "windows-x86_64", "source"]
DIST = "tasker_worker_py-0.1.8.2"
LINUX = f"{DIST}-cp39-abi3-manylinux_2_34_x86_64.whl"
MAC = f"{DIST}-cp39-abi3-macosx_11_0_arm64.whl"
WINDOWS = f"{DIST}-cp39-abi3-win_amd64.whl"
SDIST = f"{DIST}.tar.gz"


@pytest.mark.parametrize(("system", "machine", "libc", "expected"), [
    ("linux", "x86_64", "gnu", "linux-x86_64"),
    ("linux", "aarch64", "gnu", "linux-aarch64"),
    ("linux", "x86_64", "musl", "linux-x86_64-musl"),
    ("linux", "aarch64", "musl", "linux-aarch64-musl"),
    ("darwin", "arm64", None, "macos-arm64"),
    ("darwin", "x86_64", None, "macos-x86_64"),
    ("win32", "AMD64", None, "windows-x86_64"),
    ("win32", "ARM64", None, "windows-arm64"),
])
def test_host_platform(system: str, machine: str, libc: str | None, expected: str) -> None:
    assert platforms.host(system, machine, libc).name == expected


def test_unknown_host_names_the_known_platforms() -> None:
    with pytest.raises(platforms.UnknownPlatform, match=r"'freebsd14-riscv64'.*linux-x86_64"):
        platforms.host("freebsd14", "riscv64")


@pytest.mark.parametrize(("tag", "expected"), [
    ("manylinux_2_34_x86_64", {"linux-x86_64"}),
    ("manylinux2014_aarch64", {"linux-aarch64"}),
    ("musllinux_1_2_x86_64", {"linux-x86_64-musl"}),
    ("musllinux_1_2_aarch64", {"linux-aarch64-musl"}),
    ("macosx_11_0_arm64", {"macos-arm64"}),
    ("macosx_10_12_x86_64", {"macos-x86_64"}),
    ("macosx_10_12_universal2", {"macos-x86_64", "macos-arm64"}),
    ("win_amd64", {"windows-x86_64"}),
    ("win_arm64", {"windows-arm64"}),
    ("linux_x86_64", set()),  # PyPI refuses it: no platform
    ("any", set()),
])
def test_wheel_platform_tags(tag: str, expected: set[str]) -> None:
    assert pypi_platforms.platforms_of_tag(tag) == expected


def test_pypi_files_by_name() -> None:
    pypi = kind_of("pypi")
    assert pypi.platforms_of_file(MAC, "tasker-worker-py", "0.1.8.2") == {"macos-arm64"}
    assert pypi.platforms_of_file(SDIST, "tasker-worker-py", "0.1.8.2") == {"source"}
    assert pypi.platforms_of_file(MAC, "tasker-worker-py", "0.1.8.3") == set()


@pytest.mark.parametrize(("gem", "expected"), [
    ("x86_64-linux", "linux-x86_64"), ("x86_64-linux-gnu", "linux-x86_64"),
    ("aarch64-linux", "linux-aarch64"), ("x86_64-linux-musl", "linux-x86_64-musl"),
    ("arm64-darwin", "macos-arm64"), ("arm64-darwin-23", "macos-arm64"),
    ("x86_64-darwin", "macos-x86_64"), ("x64-mingw-ucrt", "windows-x86_64"),
    ("x64-mingw32", "windows-x86_64"), ("ruby", "source"), ("java", None),
])
def test_gem_platforms(gem: str, expected: str | None) -> None:
    assert gem_platforms.platform_of(gem) == expected


def test_gem_files_by_name() -> None:
    rubygems = kind_of("rubygems")
    assert rubygems.platforms_of_file("w-rb-0.1.8.2-arm64-darwin.gem", "w-rb", "0.1.8.2") == {
        "macos-arm64"}
    assert rubygems.platforms_of_file("w-rb-0.1.8.2.gem", "w-rb", "0.1.8.2") == {"source"}
    assert rubygems.platforms_of_file("w-rb-0.1.8.20.gem", "w-rb", "0.1.8.2") == set()


def test_npm_platform_packages() -> None:
    npm = kind_of("npm")
    assert npm.platform_package("@t/worker", "linux-x86_64") == "@t/worker-linux-x64-gnu"
    assert npm.platform_package("@t/worker", "windows-x86_64") == "@t/worker-win32-x64-msvc"
    assert npm_platforms.platform_of(["linux"], ["x64"], ["glibc"]) == "linux-x86_64"
    assert npm_platforms.platform_of(["linux"], ["arm64"], ["musl"]) == "linux-aarch64-musl"
    assert npm_platforms.platform_of(["darwin"], ["arm64"], []) == "macos-arm64"
    assert npm_platforms.platform_of(["linux"], ["x64"], []) is None  # which libc?
    assert npm_platforms.platform_of(["linux", "darwin"], ["x64"], []) is None


def test_every_binding_registry_names_every_platform() -> None:
    for name in ("pypi", "rubygems"):
        assert set(kind_of(name).platform_tags) == set(platforms.PLATFORMS)
    assert set(kind_of("npm").platform_tags) == set(platforms.PLATFORMS) - {"source"}
    assert kind_of("crates-io").platform_tags == {}


def config_with(**python: Any) -> config_mod.Config:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["python"].update(python)
    return config_mod.parse(data)


def test_config_reads_platforms_in_their_order() -> None:
    assert config_with().binding("python").platforms == ()
    assert config_with(platforms=DECLARED).binding("python").platforms == tuple(DECLARED)


def test_config_refuses_unknown_repeated_and_unpublishable_platforms() -> None:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["python"]["platforms"] = ["linux-x86_64", "linux-x86_64", "solaris"]
    data["bindings"]["typescript"]["platforms"] = ["linux-x86_64", "source"]
    with pytest.raises(ConfigError) as caught:
        config_mod.parse(data)
    text = str(caught.value)
    assert "bindings.python.platforms: 'linux-x86_64' is listed more than once" in text
    assert "bindings.python.platforms: 'solaris' is not one of linux-x86_64" in text
    assert "bindings.typescript.platforms: npm has no 'source' package" in text


def sdist(out: Path, name: str = "tasker-worker-py", version: str = "0.1.8.2") -> Path:
    top = f"{name.replace('-', '_')}-{version}"
    data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    path = out / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def wheel(out: Path, filename: str, name: str = "tasker-worker-py",
          version: str = "0.1.8.2") -> Path:
    """A wheel whose metadata says ``name`` ``version``, under a platform's file name."""
    made = make_wheel(out / "made", name, version)
    return made.rename(out / filename)


def artifacts(tmp_path: Path, *names: str) -> list[Path]:
    out = tmp_path / "dist"
    out.mkdir(exist_ok=True)
    return sorted(sdist(out) if n == SDIST else wheel(out, n) for n in names)


def ctx_for(tmp_path: Path, declared: list[str] = DECLARED, **kw: Any) -> Any:
    return context(tmp_path, "python", config=config_with(platforms=declared),
                   artifacts_dir=tmp_path / "dist", **kw)


def test_a_complete_set_passes(tmp_path: Path) -> None:
    found = check_set(ctx_for(tmp_path), artifacts(tmp_path, LINUX, MAC, WINDOWS, SDIST))
    assert {n: [p.name for p in f] for n, f in found.files.items()} == {
        "linux-x86_64": [LINUX], "macos-arm64": [MAC], "windows-x86_64": [WINDOWS],
        "source": [SDIST]}
    assert found.main is None and found.on_registry == {}


def test_a_missing_platform_is_named(tmp_path: Path) -> None:
    with pytest.raises(IncompleteSet) as caught:
        check_set(ctx_for(tmp_path), artifacts(tmp_path, LINUX, WINDOWS, SDIST))
    text = str(caught.value)
    assert "nothing was uploaded to PyPI" in text
    assert "macos-arm64: missing: no tasker-worker-py 0.1.8.2 for macosx_*_arm64" in text
    assert "linux-x86_64" not in text.split("\n", 1)[1]


def test_every_problem_is_named_with_its_platform_and_file(tmp_path: Path) -> None:
    paths = artifacts(tmp_path, LINUX, f"{DIST}-cp39-abi3-manylinux_2_28_x86_64.whl",
                      f"{DIST}-cp39-abi3-musllinux_1_2_x86_64.whl",
                      f"{DIST}-cp39-abi3-linux_x86_64.whl", SDIST)
    paths.append(wheel(tmp_path / "dist", MAC, version="0.1.8.1"))
    paths.append(wheel(tmp_path / "dist", WINDOWS, name="other-package"))
    with pytest.raises(IncompleteSet) as caught:
        check_set(ctx_for(tmp_path), paths)
    text = str(caught.value)
    assert (f"linux-x86_64: 2 files for cp39-abi3, one set per platform is wanted: "
            f"{DIST}-cp39-abi3-manylinux_2_28_x86_64.whl, {LINUX}") in text
    assert ("-musllinux_1_2_x86_64.whl: extra: it is for linux-x86_64-musl "
            "(musllinux_1_2_x86_64), which python does not declare") in text
    assert "-linux_x86_64.whl: extra: its platform 'linux_x86_64' is none of" in text
    assert f"{MAC}: version '0.1.8.1', expected 0.1.8.2" in text
    assert f"{WINDOWS}: package 'other-package', expected 'tasker-worker-py'" in text


def test_a_platform_set_may_hold_a_wheel_per_python(tmp_path: Path) -> None:
    paths = artifacts(tmp_path, LINUX, f"{DIST}-cp312-cp312-manylinux_2_34_x86_64.whl",
                      MAC, WINDOWS, SDIST)
    assert len(check_set(ctx_for(tmp_path), paths).files["linux-x86_64"]) == 2


def test_backfill_needs_only_the_platforms_the_registry_lacks(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, backfill=True)
    remote = [RemoteFile(name=n) for n in (LINUX, WINDOWS, SDIST, "unrelated-1.0.tar.gz")]
    present = on_registry(ctx, remote)
    assert present == {"linux-x86_64": LINUX, "windows-x86_64": WINDOWS, "source": SDIST}
    found = check_set(ctx, artifacts(tmp_path, MAC), present=present)
    assert {n: [p.name for p in f] for n, f in found.files.items()} == {"macos-arm64": [MAC]}
    assert found.on_registry == present
    with pytest.raises(IncompleteSet, match="macos-arm64: missing"):
        check_set(ctx, artifacts(tmp_path, WINDOWS), present={"linux-x86_64": LINUX})


def npm_tarball(out: Path, manifest: dict[str, Any]) -> Path:
    data = json.dumps(manifest).encode()
    path = out / f"{manifest['name'].strip('@').replace('/', '-')}-{manifest['version']}.tgz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_npm_wants_a_package_per_platform_and_the_main_package(tmp_path: Path) -> None:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["typescript"]["platforms"] = ["linux-x86_64", "macos-arm64"]
    cfg = config_mod.parse(data)
    ctx = context(tmp_path, "typescript", config=cfg, artifacts_dir=tmp_path)
    name, version = "@tasker-systems/worker", "0.1.8002"
    linux = npm_tarball(tmp_path, {"name": f"{name}-linux-x64-gnu", "version": version,
                                   "os": ["linux"], "cpu": ["x64"], "libc": ["glibc"]})
    mac = npm_tarball(tmp_path, {"name": f"{name}-darwin-arm64", "version": version,
                                 "os": ["darwin"], "cpu": ["arm64"]})
    pins = {f"{name}-linux-x64-gnu": version, f"{name}-darwin-arm64": version}
    main = npm_tarball(tmp_path, {"name": name, "version": version,
                                  "optionalDependencies": pins})
    assert npm_package.identify(ctx, mac).platforms == {"macos-arm64"}
    found = check_set(ctx, [linux, mac, main])
    assert found.main == main and set(found.files) == {"linux-x86_64", "macos-arm64"}
    with pytest.raises(IncompleteSet) as caught:
        check_set(ctx, [linux, main])
    assert "macos-arm64: missing: no @tasker-systems/worker-darwin-arm64 0.1.8002" in str(
        caught.value)
    with pytest.raises(IncompleteSet, match="main package: missing"):
        check_set(ctx, [linux, mac])
    loose = npm_tarball(tmp_path, {"name": name, "version": version, "optionalDependencies": {
        f"{name}-linux-x64-gnu": f"^{version}"}})
    with pytest.raises(IncompleteSet) as caught:
        check_set(ctx, [linux, mac, loose])
    text = str(caught.value)
    assert (f"linux-x86_64: {loose.name}: optionalDependencies pins '^0.1.8002'; expected "
            f'"{name}-linux-x64-gnu": "0.1.8002"') in text
    assert "macos-arm64: " + loose.name + ": optionalDependencies does not list it" in text


def test_backfill_is_refused_where_it_cannot_work(tmp_path: Path) -> None:
    package = tmp_path / "workers/typescript/package.json"
    package.parent.mkdir(parents=True)
    package.write_text('{"name": "@tasker-systems/worker", "version": "0.1.8002"}\n')
    with pytest.raises(UsageError, match="a version on npm never takes new files"):
        publish.make_context(tmp_path, config_with(), "typescript", "0.1.8.2", {},
                             dry_run=True, on_duplicate="warn", push_tags=False,
                             artifacts_dir=tmp_path, backfill=True)
    pyproject = tmp_path / "workers/python/pyproject.toml"
    pyproject.parent.mkdir(parents=True)
    pyproject.write_text('[project]\nname = "tasker-worker-py"\nversion = "0.1.8.2"\n')
    with pytest.raises(UsageError, match="declares no platforms"):
        publish.make_context(tmp_path, config_with(), "python", "0.1.8.2", {}, dry_run=True,
                             on_duplicate="warn", push_tags=False, artifacts_dir=tmp_path,
                             backfill=True)
    declared = config_with(platforms=DECLARED)
    with pytest.raises(UsageError, match="needs --artifacts DIR"):
        publish.make_context(tmp_path, declared, "python", "0.1.8.2", {}, dry_run=True,
                             on_duplicate="warn", push_tags=False, backfill=True)
    with pytest.raises(UsageError, match="--on-duplicate=fail contradicts"):
        publish.make_context(tmp_path, declared, "python", "0.1.8.2", {}, dry_run=True,
                             on_duplicate="fail", push_tags=False, artifacts_dir=tmp_path,
                             backfill=True)
    ctx = publish.make_context(tmp_path, declared, "python", "0.1.8.2", {}, dry_run=True,
                               on_duplicate="warn", push_tags=False, artifacts_dir=tmp_path,
                               backfill=True)
    assert (ctx.backfill, ctx.on_duplicate) == (True, "skip")
