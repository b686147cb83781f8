"""``versions --check`` on real repositories built from the example monorepo.

Each drift is planted in a real file; the check must name every one of them at once, as
``file: key: found X, expected Y``, and exit non-zero without writing anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from release_tasks.git.repo import Repo
from tests.integration.test_update import (
    PACKAGE_JSON,
    PYPROJECT,
    PYTHON_CARGO,
    VERSION_RB,
    commit_all,
    replace_text,
    tree,
)
from tests.support import CliResult, RunCli

pytestmark = pytest.mark.integration

DRIFT_EXIT = 6
Plant = Callable[[Path], None]


def check(run_cli: RunCli, root: Path) -> CliResult:
    return run_cli("versions", "--check", "--repo", str(root))


def problems(result: CliResult) -> set[str]:
    """The ``  - ...`` lines of a drift report."""
    return set(re.findall(r"^  - (.+)$", result.err, re.M))


def update(run_cli: RunCli, root: Path, *args: str) -> None:
    result = run_cli("update", "--repo", str(root), *args)
    assert result.code == 0, result.err


def ruby_versions(root: Path, version: str, core: str) -> None:
    text = (root / VERSION_RB).read_text()
    text = re.sub(r"(?m)^  VERSION = '[^']*'", f"  VERSION = '{version}'", text)
    text = re.sub(r"RUST_CORE_VERSION = '[^']*'", f"RUST_CORE_VERSION = '{core}'", text)
    (root / VERSION_RB).write_text(text)


def test_the_example_and_an_updated_example_agree(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    first = check(run_cli, root)
    update(run_cli, root, "--core", "0.1.8", "--ruby", "0.1.8.2", "--python", "0.1.8.1",
           "--typescript", "0.1.8.3")
    second = check(run_cli, root)

    assert (first.code, second.code) == (0, 0), first.err + second.err
    assert "core 0.1.8" in second.err
    assert second.out == ""


def test_every_drift_is_reported_at_once(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    replace_text(root, "tasker-shared/Cargo.toml", 'version = "0.1.0"', 'version = "0.1.1"')
    replace_text(root, "tasker-cli/Cargo.toml", 'version = "=0.1.0"', 'version = "=0.0.9"')
    replace_text(root, "Cargo.toml", 'tasker-worker", version = "=0.1.0"',
                 'tasker-worker", version = "=0.1.1"')
    replace_text(root, "tasker-orchestration/Cargo.toml", '"../tasker-pgmq", version = "=0.1.0"',
                 '"../tasker-pgmq", version = "0.0.7"')
    replace_text(root, "Cargo.lock", 'name = "tasker-pgmq"\nversion = "0.1.0"',
                 'name = "tasker-pgmq"\nversion = "0.1.2"')
    replace_text(root, PYTHON_CARGO, 'version = "0.1.0"', 'version = "0.1.1"')
    ruby_versions(root, "0.1.0.3", "0.0.9")
    replace_text(root, PACKAGE_JSON, '"version": "0.1.0"', '"version": "0.1.0.0"')
    before = tree(root)

    result = check(run_cli, root)

    assert result.code == DRIFT_EXIT
    assert problems(result) == {
        "tasker-shared/Cargo.toml: package.version: found 0.1.1, expected 0.1.0",
        "tasker-cli/Cargo.toml: dependencies.tasker-client.version: found =0.0.9, "
        "expected =0.1.0",
        "Cargo.toml: workspace.dependencies.tasker-worker.version: found =0.1.1, "
        "expected =0.1.0",
        "tasker-orchestration/Cargo.toml: dev-dependencies.tasker-pgmq.version: found 0.0.7, "
        "expected 0.1.0",
        "Cargo.lock: package tasker-pgmq: found 0.1.2, expected 0.1.0",
        "workers/python/Cargo.toml: package.version: found 0.1.1, expected 0.1.0",
        "workers/ruby/lib/tasker_core/version.rb: RUST_CORE_VERSION: found 0.0.9, "
        "expected 0.1.0",
        "workers/typescript/package.json: version: found 0.1.0.0, expected an npm version "
        "X.Y.(Z*1000+P), the npm rendering of X.Y.Z.P",
    }
    assert "8 problem(s)" in result.err
    assert result.out == ""
    assert tree(root) == before


def _worker_manifest_edit(old: str, new: str) -> Plant:
    return lambda root: replace_text(root, "tasker-worker/Cargo.toml", old, new)


@pytest.mark.parametrize(("plant", "expected"), [
    pytest.param(lambda root: ruby_versions(root, "0.1.1.0", "0.1.1"),
                 "workers/ruby/lib/tasker_core/version.rb: ruby 0.1.1.0 is built on core 0.1.1, "
                 "newer than VERSION 0.1.0", id="binding built on a newer core"),
    pytest.param(lambda root: ruby_versions(root, "0.1.0.2", "0.1.1"),
                 "workers/ruby/lib/tasker_core/version.rb: RUST_CORE_VERSION: found 0.1.1, "
                 "expected 0.1.0", id="RUST_CORE_VERSION not the core part of VERSION"),
    pytest.param(lambda root: replace_text(root, PACKAGE_JSON, '"0.1.0"', '"0.1.1000"'),
                 "workers/typescript/package.json: typescript 0.1.1.0 is built on core 0.1.1, "
                 "newer than VERSION 0.1.0", id="npm rendering of a newer core"),
    pytest.param(lambda root: replace_text(root, PYPROJECT, '"0.1.0"', '"0.1.0.x"'),
                 "workers/python/pyproject.toml: version: found 0.1.0.x, expected a binding "
                 "version X.Y.Z.P", id="pyproject version not a version"),
    pytest.param(_worker_manifest_edit("[dependencies]\n", "[build-dependencies]\ntasker-pgmq = "
                                       '{ path = "../tasker-pgmq", version = "0.2" }\n\n'
                                       "[dependencies]\n"),
                 "tasker-worker/Cargo.toml: build-dependencies.tasker-pgmq.version: found "
                 "0.2, which does not allow 0.1.0", id="a requirement the version does not meet"),
    pytest.param(_worker_manifest_edit("[dependencies]\n", "[target.'cfg(unix)'.dependencies]\n"
                                       'tasker-pgmq = { path = "../tasker-pgmq", version = '
                                       '"=0.1.1" }\n\n[dependencies]\n'),
                 "tasker-worker/Cargo.toml: target.'cfg(unix)'.dependencies.tasker-pgmq.version: "
                 "found =0.1.1, expected =0.1.0", id="target-specific pin"),
    pytest.param(lambda root: (root / "VERSION").write_text("0.1\n"),
                 "VERSION: '0.1' is not a core version X.Y.Z or X.Y.Z-LABEL.N (e.g. 0.1.8, "
                 "0.2.0-beta.1; LABEL one of dev, alpha, beta, rc)", id="VERSION broken"),
    pytest.param(lambda root: (root / "VERSION").unlink(), "VERSION: file not found",
                 id="VERSION missing"),
    pytest.param(lambda root: (root / PYPROJECT).unlink(),
                 "workers/python/pyproject.toml: file not found", id="pyproject.toml missing"),
    pytest.param(lambda root: (root / "Cargo.lock").write_text("[[package]]\nname = 1\n"),
                 "Cargo.lock: is not laid out the way cargo writes Cargo.lock; let cargo rewrite "
                 "it (`cargo update --workspace`) and try again", id="Cargo.lock broken"),
])
def test_each_kind_of_drift_is_named(example_repo: Repo, run_cli: RunCli, plant: Plant,
                                     expected: str) -> None:
    root = example_repo.root
    plant(root)

    result = check(run_cli, root)

    assert result.code == DRIFT_EXIT, result.err
    assert problems(result) == {expected}


def test_a_pin_the_release_adds_is_not_drift(example_repo: Repo, run_cli: RunCli) -> None:
    """A path dependency of a published crate without a version: cargo needs a pin there,
    so the release writes one; the check passes and the dry run lists the manifest."""
    root = example_repo.root
    _worker_manifest_edit("[dependencies]\n", "[build-dependencies]\ntasker-pgmq = "
                          '{ path = "../tasker-pgmq" }\n\n[dependencies]\n')(root)
    commit_all(root, "A build dependency without a version")

    result = check(run_cli, root)
    dry = run_cli("release", "--repo", str(root), "--dry-run", "--format", "json")

    assert result.code == 0, result.err
    assert dry.code == 0, dry.err
    assert "tasker-worker/Cargo.toml" in json.loads(dry.out)["summary"]["files"]


_NPM_LOCK = """\
{
  "name": "@tasker-systems/worker",
  "version": "%s",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "@tasker-systems/worker",
      "version": "%s",
      "license": "MIT"
    }
  }
}
"""
_UV_LOCK = """\
version = 1
revision = 5
requires-python = ">=3.9"

[[package]]
name = "tasker-worker-py"
version = "%s"
source = { editable = "." }
"""


@pytest.mark.parametrize(("lockfile", "content", "expected"), [
    pytest.param("workers/typescript/package-lock.json", _NPM_LOCK % ("0.1.0", "0.1.0"), None,
                 id="package-lock.json current"),
    pytest.param("workers/typescript/package-lock.json", _NPM_LOCK % ("0.1.1", "0.1.1"),
                 "workers/typescript/package-lock.json: @tasker-systems/worker: found 0.1.1, "
                 "expected 0.1.0", id="package-lock.json stale"),
    pytest.param("workers/python/uv.lock", _UV_LOCK % "0.1.0", None, id="uv.lock current"),
    pytest.param("workers/python/uv.lock", _UV_LOCK % "0.0.9",
                 "workers/python/uv.lock: tasker-worker-py: found 0.0.9, expected 0.1.0",
                 id="uv.lock stale"),
])
def test_a_bindings_own_lockfile_entry_must_agree(example_repo: Repo, run_cli: RunCli,
                                                  lockfile: str, content: str,
                                                  expected: str | None) -> None:
    root = example_repo.root
    (root / lockfile).write_text(content)

    result = check(run_cli, root)

    if expected is None:
        assert result.code == 0, result.err
    else:
        assert result.code == DRIFT_EXIT
        assert problems(result) == {expected}


def test_a_binding_may_stay_on_an_older_core_part(example_repo: Repo, run_cli: RunCli) -> None:
    """A server-only core bump leaves the bindings unpublished, on the previous core part."""
    root = example_repo.root
    update(run_cli, root, "--core", "0.1.0", "--ruby", "0.1.0.2", "--python", "0.1.0.1",
           "--typescript", "0.1.0.4")
    commit_all(root, "Bindings released on 0.1.0")
    update(run_cli, root, "--core", "0.1.1")

    result = check(run_cli, root)

    assert result.code == 0, result.err
    assert (root / "VERSION").read_text() == "0.1.1\n"
    assert "VERSION = '0.1.0.2'" in (root / VERSION_RB).read_text()
    assert "RUST_CORE_VERSION = '0.1.0'" in (root / VERSION_RB).read_text()
    assert '"version": "0.1.4"' in (root / PACKAGE_JSON).read_text()


def test_python_runtime_version_from_the_crate_is_flagged(example_repo: Repo,
                                                          run_cli: RunCli) -> None:
    root = example_repo.root
    clean = check(run_cli, root)
    assert clean.code == 0 and "__version__" not in clean.err  # the example reads metadata
    init = root / "workers/python/python/tasker_worker/__init__.py"
    init.write_text(init.read_text().replace('_dist_version("tasker-worker-py")',
                                             "_lib.core_version()"))
    flagged = check(run_cli, root)
    assert flagged.code == 0  # a warning: the version files themselves agree
    assert ("workers/python/python/tasker_worker/__init__.py sets __version__ = "
            "_lib.core_version()") in flagged.err
    assert "importlib.metadata.version" in flagged.err


def test_a_member_cargo_cannot_read_is_named_without_the_version_hint(
        run_cli: RunCli, example_repo: Repo) -> None:
    manifest = example_repo.root / "tasker-client" / "Cargo.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "this is [[ not toml\n",
                        encoding="utf-8")
    commit_all(example_repo.root, "a broken manifest")
    before = tree(example_repo.root)

    result = check(run_cli, example_repo.root)

    assert result.code == 7, result.err  # a file that cannot be read, not drift
    assert "cargo cannot read the workspace" in result.err
    assert "Fix tasker-client/Cargo.toml (cargo reads every manifest" in result.err
    assert "VERSION" not in result.err and "version drift" not in result.err
    assert tree(example_repo.root) == before
def test_a_broken_version_file_is_answered_with_the_crates_version(example_repo: Repo,
                                                                    run_cli: RunCli) -> None:
    root = example_repo.root
    (root / "VERSION").write_text("0.1\n")
    result = check(run_cli, root)
    assert result.code == DRIFT_EXIT, result.err
    assert "the core crates say 0.1.0, so `echo 0.1.0 > VERSION`" in result.err
    (root / "VERSION").write_text("0.1.0\n")
    assert check(run_cli, root).code == 0
