"""The ``.crate`` of each version, against what the local cargo registry holds: reproducible
packaging, a tampered crate reported with both hashes, and no core tag before every crate is
read back with the bytes that were uploaded."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from release_tasks import cmd, sandbox
from release_tasks.git.repo import Repo
from release_tasks.publish.crates import checks as crate_checks
from release_tasks.standins.cargo_registry import CargoRegistry
from tests.integration.crate_helpers import (
    CRATES,
    cargo_env_for,
    git,
    publish,
    published,
    sha256,
    tampered,
)
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration
OTHER_BYTES = 16  # the registry holds other bytes: never tagged as published


@pytest.fixture
def cargo_env(cargo_registry: CargoRegistry, tmp_path: Path) -> dict[str, str]:
    require_tool("cargo")
    return cargo_env_for(cargo_registry, tmp_path)


def package(root: Path, env: dict[str, str], target: Path) -> dict[str, str]:
    """sha256 of each core crate's ``.crate``, packaged (unverified) into ``target``."""
    files = crate_checks.package_all(root, CRATES, "0.1.0",
                                     {**os.environ, **env, "CARGO_TARGET_DIR": str(target)},
                                     registry="local", offline=True, verify=False)
    return {crate: sha256(path.read_bytes()) for crate, path in files.items()}


def test_cargo_package_gives_the_same_bytes_for_one_commit(
        example_repo: Repo, cargo_env: dict[str, str], tmp_path: Path) -> None:
    first = package(example_repo.root, cargo_env, tmp_path / "t1")
    for path in example_repo.root.rglob("*.rs"):  # other mtimes, same contents
        os.utime(path, (1_000_000_000, 1_000_000_000))
    again = package(example_repo.root, cargo_env, tmp_path / "t2")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(example_repo.root), str(clone))
    cloned = package(clone, cargo_env, tmp_path / "t3")

    assert first == again == cloned
    assert len(set(first.values())) == len(CRATES)

    sandbox.touch(example_repo, "another commit", "README.md")
    later = package(example_repo.root, cargo_env, tmp_path / "t4")
    # .cargo_vcs_info.json names the commit: every crate of another commit has other bytes.
    assert all(later[crate] != first[crate] for crate in CRATES)


def test_the_registry_holds_the_bytes_the_dry_run_packaged(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    dry = publish(run_cli, example_repo, cargo_env, "--dry-run")
    assert dry.code == 0, dry.err
    promised = dict(re.findall(r"^  (\S+)\s+0\.1\.0\s+\S+ \(\d+ bytes, sha256 ([0-9a-f]{64})\)$",
                               dry.out, re.MULTILINE))

    assert publish(run_cli, example_repo, cargo_env).code == 0

    assert sorted(promised) == sorted(CRATES)
    for crate in CRATES:
        [version] = cargo_registry.versions(crate)
        assert version.entry["cksum"] == sha256(version.crate) == promised[crate]


def plant_tampered_pgmq(registry: CargoRegistry, repo: Repo, env: dict[str, str],
                        tmp_path: Path) -> tuple[str, str]:
    """tasker-pgmq 0.1.0 on the registry with other bytes than this commit's; returns the
    local and the registry's sha256."""
    genuine = crate_checks.package_all(
        repo.root, ["tasker-pgmq"], "0.1.0",
        {**os.environ, **env, "CARGO_TARGET_DIR": str(tmp_path / "genuine")},
        registry="local", offline=True, verify=False)["tasker-pgmq"].read_bytes()
    shutil.rmtree(tmp_path / "genuine")
    return sha256(genuine), registry.plant("tasker-pgmq", "0.1.0", tampered(genuine))


def test_a_tampered_crate_stops_strict_mode_with_both_hashes(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str], tmp_path: Path) -> None:
    local, remote = plant_tampered_pgmq(cargo_registry, example_repo, cargo_env, tmp_path)
    start = len(cmd.ARGV_LOG)

    result = publish(run_cli, example_repo, cargo_env, "--on-duplicate=fail")

    assert result.code == OTHER_BYTES
    assert local != remote
    assert f"tasker-pgmq-0.1.0.crate has sha256 {remote}" in result.err
    assert f"has sha256 {local}" in result.err
    assert "(--on-duplicate=fail)" in result.err
    assert [a for a in cmd.ARGV_LOG[start:] if a[1:2] == ["publish"]] == []
    assert published(cargo_registry) == []
    assert git(example_repo.root, "tag", "--list") == ""


@pytest.mark.parametrize("mode", ["skip", "warn"])
def test_a_tampered_crate_is_never_tagged_unless_accepted(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str], tmp_path: Path, mode: str) -> None:
    local, remote = plant_tampered_pgmq(cargo_registry, example_repo, cargo_env, tmp_path)

    result = publish(run_cli, example_repo, cargo_env, f"--on-duplicate={mode}")

    assert result.code == OTHER_BYTES, result.err
    [warning] = [line for line in result.err.splitlines() if "!!!" in line]
    assert warning.startswith(f"  [{mode}] !!! tasker-pgmq@0.1.0 on cargo registry local is "
                              "not the .crate this commit packages")
    assert remote in warning and local in warning
    note = f"tasker-pgmq@0.1.0: OTHER BYTES: registry sha256 {remote}, local {local}"
    assert "core-v0.1.0 was NOT created" in result.err and note in result.err
    assert "nox -s yank -- core 0.1.0" in result.err
    assert "--accept-registry-bytes" in result.err
    # What this commit builds and the registry lacked is published; nothing is tagged.
    assert sorted(published(cargo_registry)) == sorted(CRATES[1:])
    assert git(example_repo.root, "tag", "--list") == ""

    rerun = publish(run_cli, example_repo, cargo_env, f"--on-duplicate={mode}")
    assert rerun.code == OTHER_BYTES, rerun.err
    # The dependents hold the registry's tasker-pgmq checksum in their Cargo.lock: said once
    # each, not as tampering of their own.
    assert [line for line in rerun.err.splitlines() if "!!!" in line] == [warning]
    assert rerun.err.count("because a crate it depends on does") == len(CRATES) - 1
    assert git(example_repo.root, "tag", "--list") == ""

    accepted = publish(run_cli, example_repo, cargo_env, f"--on-duplicate={mode}",
                       "--accept-registry-bytes")
    assert accepted.code == 0, accepted.err
    message = git(example_repo.root, "tag", "-l", "--format=%(contents)", "core-v0.1.0")
    assert f"!!! accepted with --accept-registry-bytes: {note}" in message


def test_an_index_that_lists_other_bytes_than_uploaded_gets_no_tag(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    cargo_registry.misreport("tasker-client", "0" * 64)

    result = publish(run_cli, example_repo, cargo_env)

    assert result.code == 13
    assert "failed:           tasker-client" in result.err
    assert f"the registry's tasker-client-0.1.0.crate has sha256 {'0' * 64}" in result.err
    assert "not attempted:    tasker-worker, tasker-cli" in result.err
    assert git(example_repo.root, "tag", "--list") == ""
