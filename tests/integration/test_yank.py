"""``yank`` end to end: the real cargo, gem and npm against the local registries.

Each test publishes with the tool itself (``cargo publish``, ``gem push``, ``npm publish``),
then withdraws with ``python -m release_tasks yank`` and reads the registry's own state back:
the cargo index's ``yanked`` flag and event log, the RubyGems versions API, ``npm view``.
Dry runs and refusals must start no command at all but the git queries that find the
repository (``programs_started``), and no token may reach an argv or any output.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from release_tasks import cmd
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.publish_helpers import (
    CREDENTIALS_MISSING,
    NO_CREDENTIALS,
    PUBLISH_FAILED,
    USAGE,
    assert_no_secret,
    capture_package_logs,
    closed_port_url,
    require_words,
)
from tests.registries import sample_projects
from tests.registries.fixtures import unique_name
from tests.registries.tools import require_tool
from tests.support import CliResult, RunCli, programs_started

pytestmark = pytest.mark.integration

CRATES = ["yank-a", "yank-b"]
PRIVATE = "yank-private"  # publish = false: never on a registry, never yanked
GEM = "yank-worker-rb"
CORE, BINDING, NPM_RENDERING = "0.1.0", "0.1.0.2", "0.1.2"


def write_repo(root: Path, npm_package: str = "yank-worker-ts") -> Path:
    """A monorepo of three crates (one unpublishable) and one binding per registry."""
    sample_projects.cargo_workspace(root, {"yank-a": [], "yank-b": ["yank-a"], PRIVATE: []},
                                    version=CORE)
    manifest = root / PRIVATE / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace('license = "MIT"\n',
                                                     'license = "MIT"\npublish = false\n'))

    def binding(name: str, registry: str, package: str, credential: str, fmt: str,
                path: str) -> str:
        return (f'[bindings.{name}]\ndirectory = "{name}"\nregistry = "{registry}"\n'
                f'package = "{package}"\ncredential = ["{credential}"]\n'
                "trusted-publishing = true\n"
                f'version-files = [{{ path = "{name}/{path}", format = "{fmt}", '
                'value = "binding" }]\n\n')

    (root / "release.toml").write_text(
        '[project]\nname = "yank-test"\n\n[core]\ncredential = ["CARGO_REGISTRY_TOKEN"]\n'
        "trusted-publishing = true\n\n"
        f"[core.groups.all]\ncrates = {json.dumps([*CRATES, PRIVATE])}\n"
        f"paths = {json.dumps([*CRATES, PRIVATE])}\n\n"
        + binding("ruby", "rubygems", GEM, "GEM_HOST_API_KEY", "version", "VERSION")
        + binding("typescript", "npm", npm_package, "NPM_TOKEN", "package-json", "package.json")
        + binding("python", "pypi", "Yank_Worker.Py", "PYPI_TOKEN", "pyproject",
                  "pyproject.toml"))
    for directory in ("ruby", "typescript", "python"):
        (root / directory).mkdir()
        (root / directory / "README.md").write_text(f"the {directory} binding\n")
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "import"]):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    return root


def yank(run_cli: RunCli, root: Path, env: Mapping[str, str], *args: str) -> CliResult:
    """``python -m release_tasks yank ARGS --repo ROOT``, no machine credential, fresh ARGV_LOG."""
    cmd.ARGV_LOG.clear()
    return run_cli("yank", *args, "--repo", str(root), env={**NO_CREDENTIALS, **env})


def ran(program: str, subcommand: str) -> list[list[str]]:
    return [a for a in cmd.ARGV_LOG if Path(a[0]).name == program and a[1:2] == [subcommand]]


def run_tool(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> str:
    result = subprocess.run(list(argv), cwd=cwd, env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=180, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def fetch_json(url: str) -> Any:
    """The JSON at ``url``, or ``None`` on a 404."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


# --- crates -------------------------------------------------------------------------------

@pytest.fixture
def cargo_env(cargo_registry: CargoRegistry, tmp_path: Path) -> tuple[dict[str, str], str]:
    """cargo pointed at the registry ``local``; the token apart, for the test to place."""
    require_tool("cargo")
    env = cargo_registry.configure_cargo("local", tmp_path / "cargo-home")
    token = env.pop("CARGO_REGISTRIES_LOCAL_TOKEN")
    return {**env, "CARGO_TARGET_DIR": str(tmp_path / "target"),
            "RELEASE_TASKS_CARGO_REGISTRY": ""}, token


def cargo_publish(root: Path, env: Mapping[str, str], token: str, *crates: str) -> None:
    for crate in crates:
        run_tool(["cargo", "publish", "--no-verify", "--allow-dirty", "-p", crate,
                  "--registry", "local"], {**env, "CARGO_REGISTRIES_LOCAL_TOKEN": token}, root)


def index_yanked(registry: CargoRegistry, crate: str) -> list[bool]:
    """The ``yanked`` flag of every version in the crate's sparse-index file."""
    with urllib.request.urlopen(f"{registry.url}/index/{crate[:2]}/{crate[2:4]}/{crate}",
                                timeout=10) as response:
        return [json.loads(line)["yanked"] for line in response.read().decode().splitlines()]


def test_crates_dry_run_yank_and_undo(run_cli: RunCli, tmp_path: Path,
                                      cargo_registry: CargoRegistry,
                                      cargo_env: tuple[dict[str, str], str],
                                      caplog: pytest.LogCaptureFixture) -> None:
    env, token = cargo_env
    root = write_repo(tmp_path / "repo")
    cargo_publish(root, env, token, *CRATES)

    dry = yank(run_cli, root, env, "core", CORE, "--registry", "local", "--dry-run")
    assert dry.code == 0, dry.err
    for crate in CRATES:
        assert f"  cargo yank --version {CORE} --registry local {crate}\n" in dry.out
    require_words(dry.out, [f"Left out: {PRIVATE} (publish = false)",
                            "CARGO_REGISTRY_TOKEN, given to cargo as CARGO_REGISTRIES_LOCAL_TOKEN",
                            "A real run would stop here: CARGO_REGISTRY_TOKEN"])
    assert programs_started() == [] and cargo_registry.log.events("yank") == []

    with capture_package_logs(caplog):
        done = yank(run_cli, root, {**env, "CARGO_REGISTRY_TOKEN": token}, "core", CORE,
                    "--registry", "local")
    assert done.code == 0, done.err
    assert [a[-1] for a in ran("cargo", "yank")] == CRATES  # yank-private is never tried
    assert sorted(e.name for e in cargo_registry.log.events("yank")) == CRATES
    assert all(index_yanked(cargo_registry, crate) == [True] for crate in CRATES)
    require_words(done.out, [f"yank of core {CORE} on cargo registry local: done",
                             f"Undo with: python -m release_tasks yank core {CORE} --undo "
                             "--registry local"])
    assert all(f"  {crate}" in done.out and "yanked" in done.out for crate in CRATES)
    assert_no_secret(token, done, caplog)

    undone = yank(run_cli, root, {**env, "CARGO_REGISTRY_TOKEN": token}, "core", CORE,
                  "--registry", "local", "--undo")
    assert undone.code == 0, undone.err
    assert all("--undo" in argv for argv in ran("cargo", "yank"))
    assert sorted(e.name for e in cargo_registry.log.events("unyank")) == CRATES
    assert all(index_yanked(cargo_registry, crate) == [False] for crate in CRATES)
    assert "un-yanked" in undone.out and "Undo with" not in undone.out


def test_a_failed_crate_does_not_stop_the_others(run_cli: RunCli, tmp_path: Path,
                                                 cargo_registry: CargoRegistry,
                                                 cargo_env: tuple[dict[str, str], str]) -> None:
    env, token = cargo_env
    root = write_repo(tmp_path / "repo")
    cargo_publish(root, env, token, "yank-a")  # yank-b was never published

    result = yank(run_cli, root, {**env, "RELEASE_TASKS_CARGO_REGISTRY": "local",
                                  "CARGO_REGISTRY_TOKEN": token}, "core", CORE)
    assert result.code == PUBLISH_FAILED
    assert [a[-1] for a in ran("cargo", "yank")] == CRATES
    assert [e.name for e in cargo_registry.log.events("yank")] == ["yank-a"]
    require_words(result.err, [f"yank of core {CORE} on cargo registry local is incomplete: "
                               "1 of 2 failed", "yank-a  yanked", "yank-b  FAILED",
                               "- yank-b: command failed", "run the same command again"])
    assert result.out == ""


# --- RubyGems ---------------------------------------------------------------------------------

def test_gem_push_then_yank_every_platform(run_cli: RunCli, tmp_path: Path,
                                           rubygems_registry: RubyGemsRegistry,
                                           caplog: pytest.LogCaptureFixture) -> None:
    gem = require_tool("gem")
    root = write_repo(tmp_path / "repo")
    home_env = rubygems_registry.gem_env(tmp_path / "gem-home")
    for native in (False, True):
        built = sample_projects.ruby_gem(gem, tmp_path / f"gem-{native}", GEM, BINDING,
                                         native=native)
        run_tool([gem, "push", str(built), "--host", rubygems_registry.url], home_env, tmp_path)
    key = home_env.pop("GEM_HOST_API_KEY")
    env = {**home_env, "RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url}
    platforms = sorted(g.spec.platform for g in rubygems_registry.gems(GEM))
    assert len(platforms) == 2 and "ruby" in platforms

    dry = yank(run_cli, root, env, "ruby", BINDING, "--dry-run")
    assert dry.code == 0, dry.err
    for platform in platforms:
        assert (f"  gem yank {GEM} -v {BINDING} --platform {platform} --host "
                f"{rubygems_registry.url}\n") in dry.out
    require_words(dry.out, ["A real run would stop here: GEM_HOST_API_KEY", "no un-yank"])
    assert programs_started() == [] and rubygems_registry.log.events("yank") == []

    with capture_package_logs(caplog):
        done = yank(run_cli, root, {**env, "GEM_HOST_API_KEY": key}, "ruby", BINDING)
    assert done.code == 0, done.err
    assert sorted(a[a.index("--platform") + 1] for a in ran("gem", "yank")) == platforms
    assert len(rubygems_registry.log.events("yank", GEM)) == 2
    assert all(g.yanked for g in rubygems_registry.gems(GEM))
    assert fetch_json(f"{rubygems_registry.url}/api/v1/versions/{GEM}.json") is None
    require_words(done.out, [f"yank of ruby {BINDING} on RubyGems", "yanked"])
    assert "Undo with" not in done.out
    assert_no_secret(key, done, caplog)

    again = yank(run_cli, root, {**env, "GEM_HOST_API_KEY": key}, "ruby", BINDING)
    assert again.code == USAGE
    require_words(again.err, [f"{GEM} {BINDING} is not on RubyGems", "already yanked"])
    assert programs_started() == []


# --- npm ----------------------------------------------------------------------------------

def test_npm_deprecate_then_undo(run_cli: RunCli, tmp_path: Path, verdaccio: Verdaccio,
                                 monkeypatch: pytest.MonkeyPatch,
                                 caplog: pytest.LogCaptureFixture) -> None:
    npm = require_tool("npm")
    package = unique_name("yank-npm")
    root = write_repo(tmp_path / "repo", npm_package=package)
    npm_env = verdaccio.npm_env(tmp_path / "npm-home")
    project = sample_projects.npm_package(tmp_path / "pkg", package, NPM_RENDERING)
    run_tool([npm, "publish"], npm_env, project)

    def deprecated() -> str:
        return run_tool([npm, "view", f"{package}@{NPM_RENDERING}", "deprecated"], npm_env,
                        tmp_path).strip()

    env = {"RELEASE_TASKS_NPM_REGISTRY": verdaccio.url,
           "npm_config_cache": npm_env["npm_config_cache"],
           # A user's own npmrc must not matter: the stage brings its own.
           "npm_config_userconfig": str(tmp_path / "no-such-npmrc")}
    message = f"{BINDING} (npm {NPM_RENDERING}) is withdrawn; upgrade to a newer release"
    dry = yank(run_cli, root, env, "typescript", BINDING, "--dry-run")
    assert dry.code == 0, dry.err
    require_words(dry.out, [f"  npm deprecate {package}@{NPM_RENDERING} '{message}' --registry "
                            f"{verdaccio.url}\n",
                            f"{verdaccio.auth_key}:_authToken=${{NPM_TOKEN}}",
                            "A real run would stop here: NPM_TOKEN"])
    assert programs_started() == [] and deprecated() == ""

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen: list[tuple[int, str]] = []
    real_run = cmd.run

    def spy(argv: Sequence[str | os.PathLike[str]], **kwargs: Any) -> cmd.Result:
        if Path(argv[0]).name != "git":  # git only finds the repository
            userconfig = Path(kwargs["env"]["npm_config_userconfig"])
            seen.append((stat.S_IMODE(userconfig.stat().st_mode), userconfig.read_text()))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(cmd, "run", spy)
    with capture_package_logs(caplog):
        done = yank(run_cli, root, {**env, "NPM_TOKEN": verdaccio.token}, "typescript", BINDING)
    assert done.code == 0, done.err
    assert deprecated() == message
    assert seen == [(0o600, f"registry={verdaccio.url}\n"
                            f"{verdaccio.auth_key}:_authToken=${{NPM_TOKEN}}\n")]
    assert list(scratch.iterdir()) == []  # the userconfig is gone
    require_words(done.out, [f"deprecate of typescript {BINDING} on npm", "deprecated",
                             f"yank typescript {BINDING} --undo"])
    assert_no_secret(verdaccio.token, done, caplog)

    undone = yank(run_cli, root, {**env, "NPM_TOKEN": verdaccio.token}, "typescript", BINDING,
                  "--undo")
    assert undone.code == 0, undone.err
    assert [a[1:] for a in ran("npm", "deprecate")] == [
        ["deprecate", f"{package}@{NPM_RENDERING}", "", "--registry", verdaccio.url]]
    assert deprecated() == ""
    assert "un-deprecated" in undone.out

    # npm deprecate exits 0 for a version that does not exist: the stage asks npm first.
    absent = yank(run_cli, root, {**env, "NPM_TOKEN": verdaccio.token}, "typescript", "0.1.0.9")
    assert absent.code == USAGE
    require_words(absent.err, [f"{package}@0.1.9 is not on npm", "nothing to deprecate"])
    assert programs_started() == []


# --- PyPI, usage and credentials (no tool needed) ---------------------------------------------

@pytest.mark.parametrize(("index", "expected"), [
    (None, ["PyPI has no API to yank", "Sign in to https://pypi.org",
            f"https://pypi.org/manage/project/yank-worker-py/release/{BINDING}/",
            f"type {BINDING} to confirm", "the reason: \"use 0.1.0.3\""]),
    ("https://test.pypi.org/simple/",
     [f"https://test.pypi.org/manage/project/yank-worker-py/release/{BINDING}/"]),
    ("http://127.0.0.1:1/simple/", ["custom index (http://127.0.0.1:1/simple/)",
                                    "no yank API known to us"]),
])
def test_pypi_prints_the_steps(run_cli: RunCli, tmp_path: Path, index: str | None,
                               expected: list[str]) -> None:
    root = write_repo(tmp_path / "repo")
    env = {"RELEASE_TASKS_PYPI_INDEX_URL": index} if index else {}
    result = yank(run_cli, root, env, "python", BINDING, "--message", "use 0.1.0.3")
    assert result.code == 0, result.err
    require_words(result.out, expected)
    assert programs_started() == []


def test_pypi_undo_prints_the_un_yank_steps(run_cli: RunCli, tmp_path: Path) -> None:
    result = yank(run_cli, write_repo(tmp_path / "repo"), {}, "python", BINDING, "--undo")
    assert result.code == 0, result.err
    require_words(result.out, ["PyPI has no API to un-yank", '"Un-yank release"'])


@pytest.mark.parametrize(("args", "words"), [
    (["core", "0.1.0.2"], ["'0.1.0.2'", "X.Y.Z"]),
    (["core", "v0.1.0"], ["'v0.1.0'"]),
    (["ruby", "0.1.0"], ["'0.1.0'", "X.Y.Z.P"]),
    (["typescript", "0.1.0.1000"], ["1000"]),
    (["golang", "0.1.0"], ["'golang'", "core, ruby, typescript, python"]),
    (["ruby", BINDING, "--undo"], ["RubyGems has no un-yank", "Publish a new version",
                                   "0.1.0.3"]),
    (["ruby", BINDING, "--message", "why"], ["gem yank takes no message"]),
    (["core", CORE, "--message", "why"], ["cargo yank takes no message"]),
    (["typescript", BINDING, "--undo", "--message", "why"], ["--message with --undo"]),
    (["typescript", BINDING, "--message", " "], ["must not be empty", "--undo"]),
    (["python", BINDING, "--registry", "local"], ["--registry local", "`yank core` only"]),
])
def test_usage_errors_come_first(run_cli: RunCli, tmp_path: Path, args: list[str],
                                 words: list[str]) -> None:
    result = yank(run_cli, write_repo(tmp_path / "repo"), {}, *args)
    assert result.code == USAGE, result.err
    require_words(result.err, words)
    assert programs_started() == [] and result.out == ""


@pytest.mark.parametrize(("component", "command"), [
    ("ruby", f"gem yank {GEM} -v {BINDING} --platform ruby --host "),
    ("typescript", f"npm deprecate yank-worker-ts@{NPM_RENDERING} "),
])
def test_dry_run_with_the_registry_down_still_shows_the_commands(
        run_cli: RunCli, tmp_path: Path, component: str, command: str) -> None:
    env = {"RELEASE_TASKS_RUBYGEMS_HOST": closed_port_url(""),
           "RELEASE_TASKS_NPM_REGISTRY": closed_port_url()}
    result = yank(run_cli, write_repo(tmp_path / "repo"), env, component, BINDING, "--dry-run")
    assert result.code == 0, result.err
    require_words(result.out, [f"  {command}", "Could not ask the registry",
                               "a real run asks first", "A real run would stop here"])
    assert programs_started() == []


@pytest.mark.parametrize(("component", "version", "variable"), [
    ("core", CORE, "CARGO_REGISTRY_TOKEN"),
    ("ruby", BINDING, "GEM_HOST_API_KEY"),
    ("typescript", BINDING, "NPM_TOKEN"),
])
def test_missing_credential_stops_before_any_command(run_cli: RunCli, tmp_path: Path,
                                                     component: str, version: str,
                                                     variable: str) -> None:
    # Registries nobody listens on: the credential check must not even ask them.
    env = {"RELEASE_TASKS_RUBYGEMS_HOST": closed_port_url(""),
           "RELEASE_TASKS_NPM_REGISTRY": closed_port_url(),
           # Trusted publishing covers uploads only: an OIDC token does not count here.
           "ACTIONS_ID_TOKEN_REQUEST_URL": "https://example.invalid/oidc",
           "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-request-token"}
    result = yank(run_cli, write_repo(tmp_path / "repo"), env, component, version)
    assert result.code == CREDENTIALS_MISSING, result.err
    require_words(result.err, ["missing credentials", f"{variable} (for {component}"])
    assert programs_started() == [] and result.out == ""
