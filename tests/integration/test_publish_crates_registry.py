"""The core published whole to a cargo registry other than crates.io: the local cargo
registry, with crates.io *not* redirected to it, so that a dependency that names no
registry would really be looked up on crates.io (and the publish would fail after the first
crate). The pins the release writes name the registry; the dry run catches the ones that
do not, before anything is packaged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from release_tasks import cmd, sandbox
from release_tasks.config.builtin import DATA_FILE
from release_tasks.git.repo import Repo
from release_tasks.standins.cargo_registry import CargoRegistry
from tests.integration.crate_helpers import CRATES, cargo_env_for, git, publish, published
from tests.registries.tools import require_tool
from tests.support import RunCli
from tests.trees.checks import repo_state

pytestmark = pytest.mark.integration


@pytest.fixture
def own_registry() -> Iterator[CargoRegistry]:
    """A registry that does not stand in for crates.io."""
    with CargoRegistry(replaces_crates_io=False) as registry:
        yield registry


@pytest.fixture
def cargo_env(own_registry: CargoRegistry, tmp_path: Path) -> dict[str, str]:
    require_tool("cargo")
    env = cargo_env_for(own_registry, tmp_path)
    assert not (Path(env["CARGO_HOME"]) / "config.toml").exists()  # no source replacement
    return env


def configure_registry(repo: Repo, name: str) -> None:
    """The built-in layout as the repository's release.toml, with ``cargo-registry``."""
    text = resources.files("release_tasks").joinpath(DATA_FILE).read_text(encoding="utf-8")
    text = text.replace('tag-prefix = "core-v"\n',
                        f'tag-prefix = "core-v"\ncargo-registry = "{name}"\n', 1)
    assert f'cargo-registry = "{name}"' in text
    sandbox.change(repo, "Publish the core to its own registry", {"release.toml": text})


def test_the_dry_run_catches_dependencies_that_would_resolve_on_crates_io(
        run_cli: RunCli, example_repo: Repo, own_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    start = len(cmd.ARGV_LOG)

    result = publish(run_cli, example_repo, cargo_env, "--dry-run")

    assert result.code == 13
    assert "nothing was packaged or published" in result.err
    assert ('tasker-shared (tasker-shared/Cargo.toml): [dependencies] tasker-pgmq: has no '
            'registry = "local", so once published it would be looked up on crates.io, not on '
            "local") in result.err
    assert ('tasker-cli (tasker-cli/Cargo.toml): [dependencies] tasker-client: has no registry '
            '= "local"') in result.err
    assert ('Set cargo-registry = "local" in [core] of release.toml and run `nox -s update -- '
            '--core 0.1.0`') in result.err
    assert '[source.crates-io] replace-with = "local"' in result.err
    assert [a for a in cmd.ARGV_LOG[start:] if a[1:2] in (["package"], ["publish"])] == []

    real = publish(run_cli, example_repo, cargo_env)

    assert real.code == 13 and "has no registry" in real.err
    assert published(own_registry) == []  # caught before the first upload, not after it


def test_the_pins_name_the_registry_and_a_real_cargo_publish_resolves_there(
        run_cli: RunCli, example_repo: Repo, own_registry: CargoRegistry,
        cargo_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    configure_registry(example_repo, "local")
    # Every cargo command now needs the registry's index: the shell that runs the stages
    # has it (a repository would say it in .cargo/config.toml).
    for key, value in cargo_env.items():
        monkeypatch.setenv(key, value)
    env = dict(os.environ)

    update = run_cli("update", "--repo", str(example_repo.root), "--core", "0.1.0", env=env)

    assert update.code == 0, update.err
    manifest = (example_repo.root / "Cargo.toml").read_text(encoding="utf-8")
    for crate in CRATES:
        assert (f'{crate} = {{ path = "{crate}", version = "=0.1.0", registry = "local" }}'
                in manifest)
    assert 'version = "=0.1.0"\nregistry = "local"\n' in (
        example_repo.root / "tasker-cli/Cargo.toml").read_text(encoding="utf-8")
    sandbox.change(example_repo, "Pins name the registry", {})
    assert run_cli("versions", "--repo", str(example_repo.root), "--check", env=env).code == 0

    dry = run_cli("publish_crates", "--repo", str(example_repo.root), "--dry-run", env=env)
    assert dry.code == 0, dry.err
    assert "to cargo registry local; all packaged and verified" in dry.out

    # No --registry: the release.toml says where the core goes.
    result = run_cli("publish_crates", "--repo", str(example_repo.root), env=env)

    assert result.code == 0, result.err
    assert sorted(published(own_registry)) == sorted(CRATES)
    assert own_registry.order_violations() == []
    [shared] = own_registry.versions("tasker-shared")
    [pgmq_dep] = [d for d in shared.entry["deps"] if d["name"] == "tasker-pgmq"]
    assert "registry" not in pgmq_dep  # this same registry, as cargo tells it
    assert git(example_repo.root, "tag", "--list").split() == ["core-v0.1.0"]


def test_a_cargo_registry_cargo_does_not_know_is_refused_and_nothing_changes(
        run_cli: RunCli, example_repo: Repo, cargo_env: dict[str, str]) -> None:
    before = repo_state(example_repo.root)
    dry = run_cli("publish_crates", "--repo", str(example_repo.root), "--dry-run",
                  "--registry", "nowhere", env=cargo_env)
    assert dry.code == 2, dry.err
    assert "cargo registry nowhere: cargo knows no registry 'nowhere'" in dry.err
    assert 'Set cargo-registry = "nowhere"' not in dry.err  # never recommended
    assert repo_state(example_repo.root) == before

    configure_registry(example_repo, "nowhere")
    before = repo_state(example_repo.root)

    update = run_cli("update", "--repo", str(example_repo.root), "--core", "0.1.1", env=cargo_env)
    release = run_cli("release", "--repo", str(example_repo.root), "--dry-run", "--yes",
                      "--core", "0.1.1", env=cargo_env)
    check = run_cli("versions", "--repo", str(example_repo.root), "--check", env=cargo_env)
    publish_dry = run_cli("publish_crates", "--repo", str(example_repo.root), "--dry-run",
                          env=cargo_env)

    for result in (update, release, check, publish_dry):
        assert result.code == 3, result.err  # a config error, not drift
        assert ("[core] cargo-registry = 'nowhere': cargo knows no registry 'nowhere': neither "
                "CARGO_REGISTRIES_NOWHERE_INDEX nor [registries.nowhere] index") in result.err
        assert "Traceback" not in result.err
    assert repo_state(example_repo.root) == before  # no `registry = "nowhere"` written
