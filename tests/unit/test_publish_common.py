"""The publish context and the targets' pure parts, without running any program (the flow
itself: test_publish_flow.py). Programs are replaced by spies; starting a real one fails the
test.
"""

from __future__ import annotations

import copy
import subprocess
import tarfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from release_tasks import cmd
from release_tasks.config import credentials
from release_tasks.config import load as config_mod
from release_tasks.errors import ToolMissing, UsageError
from release_tasks.model.version import BindingVersion
from release_tasks.publish import flow as publish
from release_tasks.publish.flow import PublishContext
from release_tasks.registries import cross, kind_of, ordering
from release_tasks.registries.common import require_tools
from release_tasks.registries.interface import Build
from release_tasks.registries.npm import package as npm_package
from release_tasks.registries.pypi import KIND as PYPI
from release_tasks.registries.pypi import dists, wheels
from tests.registries.wheels import make_wheel

OIDC = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://oidc.example", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}


@pytest.fixture(autouse=True)
def no_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a unit test started a program: {args!r}")
    monkeypatch.setattr(subprocess, "Popen", refuse)


def make_config(**typescript: Any) -> config_mod.Config:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["typescript"].update(typescript)
    return config_mod.parse(data)


def context(root: Path, binding: str = "ruby", version: str = "0.1.8.2", *,
            env: dict[str, str] | None = None, dry_run: bool = False,
            config: config_mod.Config | None = None, **kw: Any) -> PublishContext:
    cfg = config or make_config()
    spec = cfg.binding(binding)
    parsed = BindingVersion.parse(version)
    return PublishContext(root=root, config=cfg, binding=spec, version=parsed,
                          rendering=ordering.render(parsed, spec.registry), env=env or {},
                          endpoints=kind_of(spec.registry).endpoints({}, {}), dry_run=dry_run,
                          on_duplicate=kw.pop("on_duplicate", "warn"), push_tags=False,
                          kind=kind_of(spec.registry),
                          secret_names=tuple(credentials.secret_names(cfg)), **kw)


def test_binding_for_picks_by_registry() -> None:
    cfg = make_config()
    assert publish.binding_for(cfg, "npm", None) == "typescript"
    assert publish.binding_for(cfg, "pypi", "python") == "python"
    with pytest.raises(UsageError, match="publishes to PyPI, not npm"):
        publish.binding_for(cfg, "npm", "python")


def test_make_context_refuses_a_version_the_files_do_not_hold(tmp_path: Path) -> None:
    package = tmp_path / "workers/typescript/package.json"
    package.parent.mkdir(parents=True)
    package.write_text('{"name": "@tasker-systems/worker", "version": "0.1.8002"}\n')
    ctx = publish.make_context(tmp_path, make_config(), "typescript", "0.1.8.2", {},
                                      dry_run=True, on_duplicate="warn", push_tags=False)
    assert (ctx.rendering, ctx.tag) == ("0.1.8002", "typescript-v0.1.8.2")
    with pytest.raises(UsageError, match=r"0\.1\.8\.3 does not match .* says 0\.1\.8002.*update"):
        publish.make_context(tmp_path, make_config(), "typescript", "0.1.8.3", {},
                                    dry_run=True, on_duplicate="warn", push_tags=False)
    with pytest.raises(UsageError, match=r"X\.Y\.Z\.P"):
        publish.make_context(tmp_path, make_config(), "typescript", "0.1.8", {},
                                    dry_run=True, on_duplicate="warn", push_tags=False)


def test_a_lockstep_wheel_at_its_crates_version_is_published_in_pep_440(tmp_path: Path) -> None:
    """lancedb: maturin's dynamic version, the crate's manifest at 0.38.0-beta.5."""
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["python"]["versioning"] = "lockstep"
    data["bindings"]["python"]["version-files"] = [
        {"path": "workers/python/Cargo.toml", "format": "cargo", "value": "binding"}]
    cfg = config_mod.parse(data)
    manifest = tmp_path / "workers/python/Cargo.toml"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('[package]\nname = "tasker-worker-py"\nversion = "0.38.0-beta.5"\n')
    ctx = publish.make_context(tmp_path, cfg, "python", "0.38.0-beta.5", {}, dry_run=True,
                               on_duplicate="warn", push_tags=False)
    assert (ctx.rendering, ctx.tag) == ("0.38.0b5", "python-v0.38.0-beta.5")
    with pytest.raises(UsageError, match=r"says 0\.38\.0-beta\.5: release it first"):
        publish.make_context(tmp_path, cfg, "python", "0.38.0-beta.6", {}, dry_run=True,
                             on_duplicate="warn", push_tags=False)


def test_builds_never_see_the_credential(tmp_path: Path) -> None:
    ctx = context(tmp_path, "python", env={"PYPI_TOKEN": "pypi-x", "MATURIN_PYPI_TOKEN": "m",
                                            "PATH": "/bin"})
    assert ctx.build_env() == {"PATH": "/bin"}
    assert ctx.credential() == "MATURIN_PYPI_TOKEN"


EVERY_SECRET = {"GEM_HOST_API_KEY": "gem-key", "PYPI_TOKEN": "pypi-x", "MATURIN_PYPI_TOKEN": "m",
                "UV_PUBLISH_TOKEN": "uv-x", "NPM_TOKEN": "npm-x", "NODE_AUTH_TOKEN": "node-x",
                "CARGO_REGISTRY_TOKEN": "cargo-x", "CARGO_REGISTRIES_LOCAL_TOKEN": "local-x",
                "PATH": "/bin"}


@pytest.mark.parametrize(("binding", "secrets"), [
    ("ruby", {"GEM_HOST_API_KEY": "gem-key"}),
    ("python", {"MATURIN_PYPI_TOKEN": "m", "PYPI_TOKEN": "pypi-x", "UV_PUBLISH_TOKEN": "m"}),
    ("typescript", {"NPM_TOKEN": "npm-x"}),
])
def test_each_child_gets_only_its_own_secret(tmp_path: Path, binding: str,
                                             secrets: dict[str, str]) -> None:
    ctx = context(tmp_path, binding, env=EVERY_SECRET)
    assert ctx.build_env() == {"PATH": "/bin"}  # builds get no registry credential at all
    with ctx.kind.credential_env(ctx.upload_env(), ctx.credential(), ctx.endpoints) as tool:
        given = {k: v for k, v in tool.env.items() if k in EVERY_SECRET and k != "PATH"}
    assert given == secrets


def test_cargo_gets_cargo_tokens_and_no_bindings(tmp_path: Path) -> None:
    from release_tasks.publish.crates.flow import cargo_env

    child = cargo_env(EVERY_SECRET, make_config(), "local")
    assert child["CARGO_REGISTRIES_LOCAL_TOKEN"] == "cargo-x"  # the configured credential
    assert not {"GEM_HOST_API_KEY", "PYPI_TOKEN", "NPM_TOKEN", "UV_PUBLISH_TOKEN"} & set(child)


def test_require_tools_lists_every_missing_tool(tmp_path: Path) -> None:
    ctx = context(tmp_path, env={"PATH": str(tmp_path)})
    with pytest.raises(ToolMissing) as caught:
        require_tools(ctx, {"ruby": "apt-get install -y ruby", "bun": "npm i -g bun"})
    assert "apt-get install -y ruby" in str(caught.value) and "npm i -g bun" in str(caught.value)


# --- python ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("tag", "refused"), [
    ("py3-none-linux_x86_64", True), ("cp311-cp311-linux_aarch64", True),
    ("py3-none-manylinux_2_34_x86_64", False), ("py3-none-musllinux_1_2_x86_64", False),
    ("py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64", False),
    ("py3-none-macosx_11_0_arm64", False), ("py3-none-win_amd64", False), ("py3-none-any", False),
])
def test_pypi_refuses_plain_linux_tags(tag: str, refused: bool) -> None:
    assert dists.pypi_refuses(tag) is refused


@pytest.mark.parametrize(("compatibility", "glibc", "zig"), [
    ("pypi", (2, 36), False), ("manylinux_2_28", (2, 36), True), ("manylinux2014", (2, 36), True),
    ("manylinux_2_36", (2, 36), False), ("manylinux_2_28", None, False),
    ("musllinux_1_2", (2, 36), False),
])
def test_zig_only_for_a_manylinux_older_than_the_host(compatibility: str,
                                                      glibc: tuple[int, int] | None,
                                                      zig: bool) -> None:
    assert dists.needs_zig(compatibility, glibc) is zig


def write_python_package(root: Path, pyproject_extra: str = "", cargo_extra: str = "") -> None:
    pkg = root / "workers/python"
    pkg.mkdir(parents=True)
    (pkg / "README.md").write_text("# pkg\n")
    (pkg / "pyproject.toml").write_text(
        f'[project]\nname = "tasker-worker-py"\nreadme = "README.md"\n{pyproject_extra}')
    (pkg / "Cargo.toml").write_text(f'[package]\nname = "tasker-worker-py"\n{cargo_extra}')
    (root / "Cargo.toml").write_text('[workspace]\n[workspace.package]\nreadme = "README.md"\n')


def test_compatibility_comes_from_option_env_pyproject_then_pypi(tmp_path: Path) -> None:
    write_python_package(tmp_path, '[tool.maturin]\ncompatibility = "manylinux_2_28"\n')
    ctx = context(tmp_path, "python")
    assert wheels.resolve_compatibility(ctx) == "manylinux_2_28"
    env_ctx = context(tmp_path, "python", env={wheels.COMPATIBILITY_VAR: "manylinux_2_34"})
    assert wheels.resolve_compatibility(env_ctx) == "manylinux_2_34"
    assert wheels.resolve_compatibility(replace(env_ctx, options={"compatibility": "pypi"})) == (
        "pypi")
    with pytest.raises(UsageError, match="PyPI refuses"):
        wheels.resolve_compatibility(replace(ctx, options={"compatibility": "linux"}))


@pytest.mark.parametrize(("cargo_extra", "problem"), [
    ("", None),
    ('readme = "README.md"\n', None),
    ('readme = "../../README.md"\n', "resolves to README.md, outside workers/python"),
    ("readme.workspace = true\n", "inherited from the workspace"),
])
def test_readme_must_resolve_inside_the_package(tmp_path: Path, cargo_extra: str,
                                                problem: str | None) -> None:
    write_python_package(tmp_path, cargo_extra=cargo_extra)
    (tmp_path / "README.md").write_text("# workspace\n")
    found = dists.readme_problems(context(tmp_path, "python"))
    assert (found == []) if problem is None else (len(found) == 1 and problem in found[0])


def test_preflight_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_python_package(tmp_path, '[tool.maturin]\nbindings = "cffi"\n')
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("maturin", "cargo", "uv"):
        (tools / name).write_text("#!/bin/sh\n")
        (tools / name).chmod(0o755)
    ctx = context(tmp_path, "python", env={"PATH": str(tools)})
    maturin = ["maturin 1.16.0\n"]
    monkeypatch.setattr("release_tasks.cmd.run",
                        lambda argv, **kw: cmd.Result(list(argv), 0, maturin[0], ""))
    monkeypatch.setattr(wheels, "_python_runs", lambda env, *args: False)
    with pytest.raises(ToolMissing, match="pip install cffi"):
        wheels.check_tools(ctx)
    monkeypatch.setattr(wheels, "_python_runs", lambda env, *args: True)
    monkeypatch.setattr(cross, "zig_available", lambda env: False)
    monkeypatch.setattr(wheels, "host_glibc", lambda: (2, 36))
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(ToolMissing, match=r"manylinux_2_28 wheels need zig.*pip install ziglang"):
        wheels.check_tools(replace(ctx, options={"compatibility": "manylinux_2_28"}))
    wheels.check_tools(ctx)
    assert wheels.build_options(ctx) == ("pypi", False)
    maturin[0] = "maturin 1.8.7\n"
    with pytest.raises(ToolMissing, match=r"maturin>=1\.9"):
        wheels.check_tools(ctx)


def test_check_reads_wheel_and_sdist_metadata(tmp_path: Path) -> None:
    ctx = context(tmp_path, "python", "0.1.8.2")
    wheel = make_wheel(tmp_path, "tasker-worker-py", "0.1.8.2")
    good = wheel.rename(tmp_path / "tasker_worker_py-0.1.8.2-py3-none-manylinux_2_34_x86_64.whl")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / good.name.replace("manylinux_2_34", "linux")).write_bytes(good.read_bytes())
    sdist = tmp_path / "tasker_worker_py-0.1.8.2.tar.gz"
    info = tmp_path / "PKG-INFO"
    info.write_text("Metadata-Version: 2.1\nName: tasker-worker-py\nVersion: 0.1.8.2\n")
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(info, arcname="tasker_worker_py-0.1.8.2/PKG-INFO")
    assert wheels.verify(ctx, Build(artifacts=(good, sdist))) == []
    shown = wheels.describe(ctx, Build(artifacts=(good, sdist)))
    assert "tags:     py3-none-manylinux_2_34_x86_64" in shown and "kind:     sdist" in shown
    other = context(tmp_path, "python", "0.1.8.3")
    assert any("expected 0.1.8.3" in p for p in wheels.verify(other, Build(artifacts=(good,))))
    problems = wheels.verify(ctx, Build(artifacts=(*bad.iterdir(), info)))
    assert any("linux_x86_64" in p for p in problems)
    assert any("PKG-INFO: not a wheel" in p for p in problems)


def test_upload_env_maps_pypi_token_and_never_prompts(tmp_path: Path) -> None:
    ctx = context(tmp_path, "python", env={"PYPI_TOKEN": "pypi-secret", "NPM_TOKEN": "npm-x"})
    with PYPI.credential_env(ctx.upload_env(), ctx.credential(), ctx.endpoints) as tool:
        env = tool.env
    assert env["UV_PUBLISH_TOKEN"] == "pypi-secret"
    assert env["UV_KEYRING_PROVIDER"] == "disabled"  # uv asks no keyring and prompts for nothing
    assert "NPM_TOKEN" not in env  # another binding's secret never reaches this upload
    argv = wheels.upload_argv(ctx, Build(artifacts=(tmp_path / "w.whl",)))
    assert argv[:2] == ["uv", "publish"] and "pypi-secret" not in argv
    assert argv[argv.index("--publish-url") + 1] == "https://upload.pypi.org/legacy/"
    assert argv[argv.index("--trusted-publishing") + 1] == "never"


# --- typescript -----------------------------------------------------------------------------

def test_registry_key_and_entry_points() -> None:
    assert npm_package.registry_key("http://127.0.0.1:4873/") == "//127.0.0.1:4873/"
    assert npm_package.registry_key("https://npm.example/api/npm") == "//npm.example/api/npm/"
    manifest = {"main": "./dist/index.js", "types": "./dist/index.d.ts",
                "exports": {".": {"import": "./dist/index.js", "types": "./dist/index.d.ts"},
                            "./*": "./dist/*.js"}}
    assert npm_package.entry_points(manifest) == ["dist/index.js", "dist/index.d.ts"]


@pytest.mark.parametrize("trusted", [False, True])
def test_npm_token_goes_through_a_temporary_userconfig(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       trusted: bool) -> None:
    seen: list[tuple[list[str], dict[str, str], str, int]] = []

    def spy(argv: Sequence[str], **kwargs: Any) -> cmd.Result:
        env = dict(kwargs["env"])
        userconfig = Path(env["npm_config_userconfig"])
        seen.append((list(argv), env, userconfig.read_text(), userconfig.stat().st_mode & 0o777))
        return cmd.Result(list(argv), 0, "", "")

    monkeypatch.setattr("release_tasks.cmd.run", spy)
    env = {"NPM_TOKEN": "npm-secret-token", "NODE_AUTH_TOKEN": "leftover",
           **(OIDC if trusted else {})}
    cfg = make_config(**{"trusted-publishing": True})
    ctx = context(tmp_path, "typescript", env=env, config=cfg)
    npm_package.upload(ctx, Build(artifacts=(tmp_path / "pkg.tgz",)))
    [(argv, child_env, text, mode)] = seen
    assert mode == 0o600
    assert "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" in text and "npm-secret-token" not in text
    assert not any("npm-secret-token" in a for a in argv)
    assert argv[:3] == ["npm", "publish", str(tmp_path / "pkg.tgz")]
    assert ("--provenance" in argv) is trusted
    assert not Path(child_env["npm_config_userconfig"]).exists()


@pytest.mark.parametrize(("version", "dist_tag"), [("0.1.8.2", None), ("0.38.0-beta.5.0", "beta"),
                                                ("0.23.2-rc.0.1", "rc")])
def test_npm_prerelease_goes_under_its_label_never_latest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, dist_tag: str | None) -> None:
    seen: list[list[str]] = []

    def spy(argv: Sequence[str], **kwargs: Any) -> cmd.Result:
        seen.append(list(argv))
        return cmd.Result(list(argv), 0, "", "")

    monkeypatch.setattr("release_tasks.cmd.run", spy)
    ctx = context(tmp_path, "typescript", version, env={"NPM_TOKEN": "t"})
    npm_package.upload(ctx, Build(artifacts=(tmp_path / "pkg.tgz",)))
    [argv] = seen
    if dist_tag is None:
        assert "--tag" not in argv
    else:
        assert argv[argv.index("--tag") + 1] == dist_tag


@pytest.mark.parametrize(("platform", "name", "matches"), [
    ("linux-x86_64", "py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64", True),
    ("linux-x86_64", "py3-none-musllinux_1_2_x86_64", True),
    ("linux-x86_64", "py3-none-linux_x86_64", False),
    ("linux-x86_64", "py3-none-manylinux_2_28_aarch64", False),
    ("macosx-11.0-arm64", "cp311-abi3-macosx_11_0_arm64", True),
    ("win-amd64", "py3-none-win_amd64", True),
])
def test_the_expected_wheel_is_one_for_this_platform(tmp_path: Path, platform: str, name: str,
                                                      matches: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sysconfig.get_platform", lambda: platform)
    wheel, sdist = wheels.expected_files(context(tmp_path, "python", "0.1.8.2"))
    assert (wheel.step, sdist.step, sdist.name) == ("wheel", "sdist", "tasker_worker_py-0.1.8.2.tar.gz")
    assert wheel.matches(f"tasker_worker_py-0.1.8.2-{name}.whl") is matches
    assert not wheel.matches(f"tasker_worker_py-0.1.8.1-{name}.whl")


@pytest.mark.parametrize(("sbom", "warned"), [("", True), ("[tool.maturin.sbom]\nrust = true\n", True),
                                              ("[tool.maturin.sbom]\nrust = false\n", False)])
def test_a_maturin_sbom_that_makes_wheels_differ_is_warned_about(tmp_path: Path, sbom: str,
                                                                 warned: bool) -> None:
    write_python_package(tmp_path, f'[build-system]\nbuild-backend = "maturin"\n{sbom}')
    binding = make_config().binding("python")
    found = [w for w in PYPI.source_warnings(tmp_path, binding) if "SBOM" in w]
    assert bool(found) is warned
    assert not found or "[tool.maturin.sbom] rust = false" in found[0]
