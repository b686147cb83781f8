"""The workspace as cargo reads it: bad manifests are cargo's own clear errors, and no stage
changes a file or prints a traceback on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_tasks.cargo import workspace
from release_tasks.git.repo import Repo
from tests.integration.test_update import commit_all, tree
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

MEMBER = '[package]\nname = "tasker-pgmq"\nversion = "0.1.0"\n'


@pytest.mark.parametrize(("rel", "text", "says"), [
    pytest.param("Cargo.toml", None, "expected a sequence", id="members is a string"),
    pytest.param("tasker-pgmq/Cargo.toml", '[lib]\npath = "src/lib.rs"\n',
                 "tasker-pgmq/Cargo.toml", id="member without [package]"),
    pytest.param("tasker-pgmq/Cargo.toml", '[package]\nversion = "0.1.0"\n',
                 "missing field `package.name`", id="member without a name"),
    pytest.param("tasker-pgmq/Cargo.toml", MEMBER + "[target]\nunix = 1\n",
                 "tasker-pgmq/Cargo.toml", id="a [target] value that is not a table"),
])
# A workspace cargo cannot read is the workspace's error (exit 7) in every stage, never
# version drift: the fix is the manifest cargo names, not VERSION.
@pytest.mark.parametrize(("stage", "code"), [
    (("update", "--core", "0.1.1"), 7),
    (("release", "--dry-run"), 7),
    (("versions", "--check"), 7),
    (("publish_crates", "--dry-run"), 7),
])
def test_a_broken_manifest_is_cargos_clear_error(example_repo: Repo, run_cli: RunCli, rel: str,
                                                 text: str | None, says: str,
                                                 stage: tuple[str, ...], code: int) -> None:
    require_tool("cargo")
    root = example_repo.root
    path = root / rel
    if text is None:
        path.write_text(path.read_text().replace("members = [", 'members = "tasker-pgmq"\nx = ['))
    else:
        path.write_text(text)
    commit_all(root, "Break a manifest")
    before = tree(root)

    result = run_cli(stage[0], "--repo", str(root), *stage[1:])

    assert result.code == code, result.err
    assert "cargo cannot read the workspace" in result.err
    assert says in result.err
    assert "Traceback" not in result.err
    assert "VERSION" not in result.err
    assert str(root) not in result.err  # paths are the repository's own
    assert tree(root) == before


def test_a_lockfile_that_is_not_utf8_is_named(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    lock = root / "Cargo.lock"
    lock.write_bytes(lock.read_bytes().replace(b"tasker-cli", b"tasker-\xffcli", 1))
    before = tree(root)

    result = run_cli("update", "--repo", str(root), "--core", "0.1.1")

    assert result.code == 7, result.err
    assert "Cargo.lock: not UTF-8 text (byte" in result.err
    assert "Traceback" not in result.err
    assert tree(root) == before


def test_the_model_is_cargos(example_repo: Repo) -> None:
    ws = workspace.load(example_repo.root)

    assert ws.root_manifest == "Cargo.toml"
    assert ws.root_package is not None and ws.root_package.name == "tasker-core"
    assert ws.lockfile == "Cargo.lock"
    worker = ws.crate("tasker-worker")
    assert worker.manifest == "tasker-worker/Cargo.toml" and worker.directory == "tasker-worker"
    assert {d.name: (d.kind, d.req, d.path) for d in worker.dependencies} == {
        "tasker-client": ("normal", "=0.1.0", "tasker-client"),
        "tasker-pgmq": ("normal", "=0.1.0", "tasker-pgmq"),
        "tasker-shared": ("normal", "=0.1.0", "tasker-shared")}
    assert not ws.crate("tasker-worker-rb").publish
    assert ws.target_directory == Path(example_repo.root / "target").resolve()


def test_a_pinned_toolchain_this_machine_lacks_is_named_with_its_fix(
        example_repo: Repo, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repository's rust-toolchain.toml pins a toolchain rustup has not installed (a newer
    one than this machine's): cargo's error, the fix, no backtrace even with RUST_BACKTRACE."""
    require_tool("cargo")
    require_tool("rustup")
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    root = example_repo.root
    (root / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "1.0.99"\n')
    commit_all(root, "Pin a toolchain")
    before = tree(root)

    result = run_cli("versions", "--repo", str(root), "--check")

    assert result.code == 7, result.err
    assert "toolchain '1.0.99-" in result.err and "is not installed" in result.err
    assert "pins the Rust toolchain 1.0.99-" in result.err
    assert "`rustup toolchain install` in the repository" in result.err
    assert "Stack backtrace" not in result.err and "Traceback" not in result.err
    assert tree(root) == before
