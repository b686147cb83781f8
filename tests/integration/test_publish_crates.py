"""``publish_crates`` with the real cargo against the local cargo registry.

The example monorepo (six publishable crates, four phases) is published as the alternative
registry ``local``. The token is given only as ``CARGO_REGISTRY_TOKEN``: every successful
publish here also proves that it reaches cargo as ``CARGO_REGISTRIES_LOCAL_TOKEN``.
"""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
from pathlib import Path

import pytest

from release_tasks import cmd, sandbox
from release_tasks import log as log_mod
from release_tasks.config import load as config_mod
from release_tasks.git.repo import Repo
from release_tasks.publish.crates import flow as publish_crates
from release_tasks.registries import crates_io
from release_tasks.registries.crates_io.limits import Limit, RateLimits
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.events import Kind
from tests.registries.tools import require_tool
from tests.support import CliResult, RunCli

pytestmark = pytest.mark.integration

CRATES = ["tasker-pgmq", "tasker-shared", "tasker-client", "tasker-orchestration",
          "tasker-worker", "tasker-cli"]
PHASES = [["tasker-pgmq"], ["tasker-shared"], ["tasker-client", "tasker-orchestration"],
          ["tasker-worker", "tasker-cli"]]
DEPENDANTS_OF_CLIENT = ["tasker-worker", "tasker-cli"]


# --- fixtures and helpers -------------------------------------------------------------------

@pytest.fixture
def registry_env(cargo_registry: CargoRegistry, tmp_path: Path) -> dict[str, str]:
    """cargo pointed at the local registry, its token only in ``CARGO_REGISTRY_TOKEN``."""
    env = cargo_registry.configure_cargo("local", tmp_path / "cargo-home")
    token = env.pop("CARGO_REGISTRIES_LOCAL_TOKEN")
    return {**env, "CARGO_REGISTRY_TOKEN": token, "CARGO_TARGET_DIR": str(tmp_path / "target"),
            "RELEASE_TASKS_CARGO_REGISTRY": ""}


@pytest.fixture
def cargo_env(registry_env: dict[str, str]) -> dict[str, str]:
    """:func:`registry_env` for tests that run cargo (skipped without it, except in CI)."""
    require_tool("cargo")
    return registry_env


def started_since(start: int) -> list[list[str]]:
    return cmd.ARGV_LOG[start:]


def cargo_calls(start: int, subcommand: str | None = None) -> list[list[str]]:
    return [a for a in started_since(start)
            if Path(a[0]).name == "cargo" and (subcommand is None or a[1] == subcommand)]


def publish(run_cli: RunCli, repo: Repo, env: dict[str, str], *args: str) -> CliResult:
    return run_cli("publish_crates", "--repo", str(repo.root), "--registry", "local", *args,
                   env=env)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def published(registry: CargoRegistry) -> list[str]:
    return [name for name, _ in registry.log.published()]


def stamps(registry: CargoRegistry, kind: Kind) -> dict[str, float]:
    return {e.name: e.timestamp for e in registry.log.events(kind)}


def replace_in(repo: Repo, rel: str, old: str, new: str) -> None:
    path = repo.root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- publishing ---------------------------------------------------------------------------

def test_six_crates_publish_in_dependency_order_and_are_tagged(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str], tmp_path: Path) -> None:
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--bare", "--quiet", str(remote)], check=True)
    git(example_repo.root, "remote", "add", "origin", str(remote))
    cargo_registry.set_index_delay(1)

    result = publish(run_cli, example_repo, cargo_env, "--push-tags")

    assert result.code == 0, result.err
    assert sorted(published(cargo_registry)) == sorted(CRATES)
    assert cargo_registry.order_violations() == []
    publish_order = published(cargo_registry)
    for earlier, later in itertools.pairwise(PHASES):
        assert max(publish_order.index(c) for c in earlier) < min(
            publish_order.index(c) for c in later)
    for crate in CRATES:
        assert f"  {crate}@0.1.0: waiting for index" in result.err
        assert f"  {crate}@0.1.0: done (" in result.err
        assert any(line.split()[:3] == [crate, "0.1.0", "published"]
                   for line in result.out.splitlines())
    head = git(example_repo.root, "rev-parse", "HEAD").strip()
    assert git(example_repo.root, "rev-parse", "core-v0.1.0^{commit}").strip() == head
    assert git(example_repo.root, "cat-file", "-t", "core-v0.1.0").strip() == "tag"
    assert "core-v0.1.0" in git(remote, "tag", "--list")
    assert "Tagged core-v0.1.0" in result.out and "pushed" in result.out


def test_crates_of_one_phase_are_published_at_the_same_time(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    cargo_registry.set_index_delay(1)

    assert publish(run_cli, example_repo, cargo_env).code == 0

    uploaded, visible = stamps(cargo_registry, "publish"), stamps(cargo_registry, "visible")
    for phase in PHASES[2:]:
        # Each crate of the phase was uploaded before its sibling became visible.
        assert max(uploaded[c] for c in phase) < min(visible[c] for c in phase), phase
    assert cargo_registry.order_violations() == []


def test_rerun_publishes_nothing_and_follows_on_duplicate(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    assert publish(run_cli, example_repo, cargo_env).code == 0
    before = len(cargo_registry.log.events())

    for mode in ("skip", "warn"):
        start = len(cmd.ARGV_LOG)
        result = publish(run_cli, example_repo, cargo_env, f"--on-duplicate={mode}")
        assert result.code == 0, result.err
        for crate in CRATES:
            line = f"  [{mode}] {crate}@0.1.0 already exists on cargo registry local, skipping"
            assert line in result.err.splitlines()
            assert any(row.split()[:4] == [crate, "0.1.0", "already", "published"]
                       for row in result.out.splitlines())
        assert cargo_calls(start, "publish") == []
        assert "Tag core-v0.1.0 was already on" in result.out

    start = len(cmd.ARGV_LOG)
    result = publish(run_cli, example_repo, cargo_env, "--on-duplicate=fail")
    assert result.code == 12
    assert "tasker-pgmq@0.1.0 already exists on cargo registry local" in result.err
    assert "tasker-shared" not in result.err  # stopped at the first duplicate
    assert cargo_calls(start, "publish") == []
    assert len(cargo_registry.log.events()) == before  # nothing uploaded, nothing refused


def test_rerun_on_crates_io_uses_its_name(
        example_repo: Repo, cargo_registry: CargoRegistry, cargo_env: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    """crates.io mode: the web API answers, cargo publishes without --registry, paced by
    crates.io's limits (here in tenths of a second: the sixth new crate waits)."""
    env = {**os.environ, **cargo_env,
           "CARGO_REGISTRIES_LOCAL_TOKEN": cargo_env["CARGO_REGISTRY_TOKEN"]}
    config = config_mod.load(example_repo.root)
    endpoints = crates_io.make_endpoints(api=cargo_registry.url)
    scaled = RateLimits(new_crate=Limit(burst=5, period=0.3), new_version=Limit(30, 0.1))
    log_mod.setup()
    start = len(cmd.ARGV_LOG)
    publish_crates.run(example_repo.root, config, env, publish_crates.CrateOptions(),
                       endpoints=endpoints, limits=lambda registry: scaled)
    assert "6 upload(s) to crates.io: 6 new crate(s)" in capsys.readouterr().err
    assert all("--registry" not in argv for argv in cargo_calls(start, "publish"))
    capsys.readouterr()

    publish_crates.run(example_repo.root, config, env, publish_crates.CrateOptions(),
                       endpoints=endpoints, limits=lambda registry: scaled)

    lines = capsys.readouterr().err.splitlines()
    assert "  [warn] tasker-pgmq@0.1.0 already exists on crates.io, skipping" in lines
    assert sorted(published(cargo_registry)) == sorted(CRATES)


def test_rejected_crate_stops_its_dependants_and_a_rerun_completes(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    cargo_registry.faults.reject_next_publish("tasker-client", 500)

    first = publish(run_cli, example_repo, cargo_env)

    assert first.code == 13
    assert first.out == ""
    assert sorted(published(cargo_registry)) == sorted(
        ["tasker-pgmq", "tasker-shared", "tasker-orchestration"])
    assert [e.name for e in cargo_registry.log.events("rejected")] == ["tasker-client"]
    assert "failed:           tasker-client" in first.err
    assert "not attempted:    tasker-worker, tasker-cli" in first.err
    assert "injected rejection of tasker-client" in first.err  # cargo's own message
    assert "depends on tasker-client failed" in first.err
    assert git(example_repo.root, "tag", "--list") == ""

    second = publish(run_cli, example_repo, cargo_env, "--on-duplicate=skip")

    assert second.code == 0, second.err
    assert sorted(published(cargo_registry)) == sorted(CRATES)  # each exactly once
    assert published(cargo_registry)[3] == "tasker-client"
    assert set(published(cargo_registry)[4:]) == set(DEPENDANTS_OF_CLIENT)
    assert cargo_registry.order_violations() == []
    for crate in ("tasker-pgmq", "tasker-shared", "tasker-orchestration"):
        assert f"  [skip] {crate}@0.1.0 already exists" in second.err
    assert git(example_repo.root, "tag", "--list").split() == ["core-v0.1.0"]


def test_tag_on_another_commit_is_refused(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    assert publish(run_cli, example_repo, cargo_env).code == 0
    sandbox.touch(example_repo, "later change", "README.md")

    result = publish(run_cli, example_repo, cargo_env, "--on-duplicate=skip")
    # Packaged from another commit, every .crate differs from the registry's: never tagged.
    assert result.code == 16
    assert "core-v0.1.0 was NOT created" in result.err

    accepted = publish(run_cli, example_repo, cargo_env, "--on-duplicate=skip",
                       "--accept-registry-bytes")
    assert accepted.code == 14
    assert "tag core-v0.1.0 already exists" in accepted.err


# --- secrets --------------------------------------------------------------------------------

def test_missing_token_fails_before_any_packaging(
        run_cli: RunCli, example_repo: Repo, registry_env: dict[str, str]) -> None:
    start = len(cmd.ARGV_LOG)

    result = publish(run_cli, example_repo, {**registry_env, "CARGO_REGISTRY_TOKEN": ""})

    assert result.code == 11
    assert "CARGO_REGISTRY_TOKEN" in result.err
    assert "nothing was built or published" in result.err
    assert cargo_calls(start) == []


def test_the_token_never_reaches_argv_or_output(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    token = cargo_env["CARGO_REGISTRY_TOKEN"]
    package_logger = logging.getLogger(log_mod.LOGGER_NAME)
    package_logger.addHandler(caplog.handler)  # the package logger does not propagate
    cargo_registry.faults.reject_next_publish("tasker-shared", 400)
    start = len(cmd.ARGV_LOG)
    try:
        failed = publish(run_cli, example_repo, cargo_env)
        dry = publish(run_cli, example_repo, cargo_env, "--dry-run")
        done = publish(run_cli, example_repo, cargo_env, "--on-duplicate=skip")
    finally:
        package_logger.removeHandler(caplog.handler)

    assert (failed.code, dry.code, done.code) == (13, 0, 0)
    assert cargo_calls(start, "publish")
    assert not any(token in arg for argv in started_since(start) for arg in argv)
    for result in (failed, dry, done):
        assert token not in result.out and token not in result.err
    assert caplog.records
    assert not any(token in record.getMessage() for record in caplog.records)


# --- dry run ----------------------------------------------------------------------------------

def test_dry_run_packages_every_crate_and_uploads_nothing(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str], tmp_path: Path) -> None:
    start = len(cmd.ARGV_LOG)

    result = publish(run_cli, example_repo, {**cargo_env, "CARGO_REGISTRY_TOKEN": ""},
                     "--dry-run")

    assert result.code == 0, result.err
    assert cargo_registry.log.events() == []
    [package] = cargo_calls(start, "package")
    assert package[2:] == [*(a for c in CRATES for a in ("-p", c)), "--registry", "local",
                           "--offline"]
    assert cargo_calls(start, "publish") == []
    assert "a real run would stop here: CARGO_REGISTRY_TOKEN" in result.err
    lines = result.out.splitlines()
    for number, phase in enumerate(PHASES, start=1):
        at = lines.index(f"Phase {number}:")
        for offset, crate in enumerate(phase, start=1):
            crate_file = tmp_path / "target" / "package" / f"{crate}-0.1.0.crate"
            assert lines[at + offset].split()[:3] == [crate, "0.1.0", str(crate_file)]
            assert crate_file.is_file()
    for crate in ("tasker-core", "tasker-worker-rust", "tasker-worker-rb", "tasker-worker-py",
                  "tasker-worker-ts"):
        assert f"Left out: {crate} (publish = false)" in lines


def test_dry_run_shows_cargos_message_when_a_crate_does_not_build(
        run_cli: RunCli, example_repo: Repo, cargo_env: dict[str, str]) -> None:
    sandbox.change(example_repo, "break it", {"tasker-orchestration/src/lib.rs": "pub fn x( {\n"})

    result = publish(run_cli, example_repo, cargo_env, "--dry-run")

    assert result.code == 13
    assert "tasker-orchestration failed to package; nothing was published" in result.err
    assert "unclosed delimiter" in result.err


@pytest.mark.parametrize(("rel", "old", "new", "expected"), [
    ("tasker-client/Cargo.toml", 'license = "MIT"\n', "",
     "tasker-client (tasker-client/Cargo.toml): no `license` or `license-file`"),
    ("tasker-cli/Cargo.toml", 'version = "=0.1.0"\n', "",
     "tasker-cli (tasker-cli/Cargo.toml): [dependencies] tasker-client: path dependency "
     "without a version"),
], ids=["no-license", "no-pin"])
def test_dry_run_refuses_what_the_registry_would_refuse(
        run_cli: RunCli, example_repo: Repo, registry_env: dict[str, str],
        rel: str, old: str, new: str, expected: str) -> None:
    replace_in(example_repo, rel, old, new)
    start = len(cmd.ARGV_LOG)

    result = publish(run_cli, example_repo, registry_env, "--dry-run")

    assert result.code == 13
    assert expected in result.err
    assert "nothing was packaged or published" in result.err
    assert [c for c in cargo_calls(start) if c[1] != "metadata"] == []


def test_every_problem_is_reported_at_once(
        run_cli: RunCli, example_repo: Repo, registry_env: dict[str, str]) -> None:
    replace_in(example_repo, "tasker-pgmq/Cargo.toml", 'description = "PGMQ wrapper with NOTIFY '
               'support"\n', "")
    replace_in(example_repo, "tasker-client/Cargo.toml", 'license = "MIT"\n', "")
    replace_in(example_repo, "tasker-worker/Cargo.toml", "[dependencies]\n",
               '[dependencies]\nrand = "*"\n')
    replace_in(example_repo, "Cargo.toml", 'tasker-shared = { path = "tasker-shared", '
               'version = "=0.1.0" }', 'tasker-shared = { path = "tasker-shared" }')

    result = publish(run_cli, example_repo, registry_env, "--dry-run")

    assert result.code == 13
    for expected in ("tasker-pgmq (tasker-pgmq/Cargo.toml): no `description`",
                     "tasker-client (tasker-client/Cargo.toml): no `license`",
                     "tasker-worker (tasker-worker/Cargo.toml): [dependencies] rand: wildcard",
                     "tasker-shared: path dependency without a version"):
        assert expected in result.err
