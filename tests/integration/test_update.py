"""``update`` on real git repositories built from the example monorepo.

Every check compares whole files byte for byte with an oracle written here (the old bytes
with explicitly listed replacements), so a change anywhere else in any file fails a test.
Cargo itself then judges the manifests and the lockfile.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import release_tasks.apply.update  # noqa: F401  # loaded before a test forks and drops privileges
from release_tasks import cli, sandbox
from release_tasks.edit import journal
from release_tasks.git.repo import Repo
from tests.registries.tools import require_tool
from tests.support import IN_CI, RunCli

pytestmark = pytest.mark.integration

CRATES = ("tasker-pgmq", "tasker-shared", "tasker-client", "tasker-orchestration",
          "tasker-worker", "tasker-cli")
VERSION_RB = "workers/ruby/lib/tasker_core/version.rb"
RUBY_CARGO = "workers/ruby/ext/tasker_core/Cargo.toml"
PYPROJECT = "workers/python/pyproject.toml"
PYTHON_CARGO = "workers/python/Cargo.toml"
PACKAGE_JSON = "workers/typescript/package.json"
TS_CARGO = "workers/typescript/Cargo.toml"
#: The design document's "Version Files to Update", in its order.
TABLE = ("VERSION", "Cargo.toml", "tasker-pgmq/Cargo.toml", "tasker-shared/Cargo.toml",
         "tasker-client/Cargo.toml", "tasker-cli/Cargo.toml", "tasker-orchestration/Cargo.toml",
         "tasker-worker/Cargo.toml", VERSION_RB, RUBY_CARGO, PYPROJECT, PYTHON_CARGO,
         PACKAGE_JSON, TS_CARGO)
#: Cargo.lock packages whose manifests carry the core version (not the unpublished example).
CORE_LOCKED = ("tasker-core", *CRATES, "tasker-worker-rb", "tasker-worker-py", "tasker-worker-ts")
BUMP = ("--core", "0.1.8", "--ruby", "0.1.8.2", "--python", "0.1.8.1", "--typescript", "0.1.8.3")
NPM_RENDERING = "0.1.8003"  # X.Y.(Z*1000+P) of 0.1.8.3
OLD_NS = 1_000_000_000_000_000_000  # 2001-09-09: no write during a test can produce it

Subs = list[tuple[bytes, bytes, int]]


# --- helpers --------------------------------------------------------------------------------

def require(tool: str) -> None:
    """Skip without ``tool`` (fail in CI, where every tool must be installed)."""
    if shutil.which(tool) is None:
        if IN_CI:
            pytest.fail(f"{tool} is required in CI")
        pytest.skip(f"{tool} is not installed")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", message)


def tree(root: Path) -> dict[str, bytes]:
    """Every file of the work tree (not ``.git``, not cargo's ``target``), by relative path."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] not in (".git", "target") and path.is_file():
            files[rel.as_posix()] = path.read_bytes()
    return files


def stats(root: Path) -> dict[str, tuple[int, int]]:
    """``(st_mtime_ns, st_ino)`` of every file and directory of the work tree.

    A rewrite with identical bytes changes the mtime, a rename-over changes the inode, and a
    temporary file created and removed changes its directory's mtime.
    """
    found = {}
    for path in [root, *sorted(root.rglob("*"))]:
        rel = path.relative_to(root)
        if rel.parts and rel.parts[0] in (".git", "target"):
            continue
        st = path.stat()
        found[rel.as_posix()] = (st.st_mtime_ns, st.st_ino)
    return found


def age(root: Path) -> None:
    """Set every mtime of the work tree far in the past, so that any later write shows."""
    for path in [root, *root.rglob("*")]:
        rel = path.relative_to(root)
        if not (rel.parts and rel.parts[0] in (".git", "target")):
            os.utime(path, ns=(OLD_NS, OLD_NS))


def substitute(data: bytes, subs: Subs, where: str) -> bytes:
    """``data`` with each ``old`` replaced by ``new``; ``old`` must occur exactly ``count``
    times, so that the oracle itself cannot silently miss."""
    for old, new, count in subs:
        assert data.count(old) == count, f"{where}: {old!r} occurs {data.count(old)} times"
        data = data.replace(old, new)
    return data


def expect(before: Mapping[str, bytes], subs: Mapping[str, Subs]) -> dict[str, bytes]:
    """The whole tree after an update: ``before`` with ``subs`` applied to the listed files."""
    return {path: substitute(data, subs[path], path) if path in subs else data
            for path, data in before.items()}


def lock_subs(names: tuple[str, ...], old: str, new: str) -> Subs:
    return [(f'name = "{n}"\nversion = "{old}"\n'.encode(),
             f'name = "{n}"\nversion = "{new}"\n'.encode(), 1) for n in names]


def example_subs() -> dict[str, Subs]:
    """What :data:`BUMP` must change in the example monorepo, and nothing else."""
    manifest: Subs = [(b'\nversion = "0.1.0"\n', b'\nversion = "0.1.8"\n', 1)]
    subs: dict[str, Subs] = {
        "VERSION": [(b"0.1.0\n", b"0.1.8\n", 1)],
        "Cargo.toml": [*manifest, (b'"=0.1.0"', b'"=0.1.8"', 6)],
        "tasker-cli/Cargo.toml": [*manifest, (b'"=0.1.0"', b'"=0.1.8"', 1)],
        "tasker-orchestration/Cargo.toml": [*manifest, (b'"=0.1.0"', b'"=0.1.8"', 1)],
        VERSION_RB: [(b"\n  VERSION = '0.1.0'\n", b"\n  VERSION = '0.1.8.2'\n", 1),
                     (b"RUST_CORE_VERSION = '0.1.0'", b"RUST_CORE_VERSION = '0.1.8'", 1)],
        PYPROJECT: [(b'\nversion = "0.1.0"\n', b'\nversion = "0.1.8.1"\n', 1)],
        PACKAGE_JSON: [(b'"version": "0.1.0"', f'"version": "{NPM_RENDERING}"'.encode(), 1)],
        "Cargo.lock": lock_subs(CORE_LOCKED, "0.1.0", "0.1.8"),
    }
    for path in ("tasker-pgmq/Cargo.toml", "tasker-shared/Cargo.toml", "tasker-client/Cargo.toml",
                 "tasker-worker/Cargo.toml", RUBY_CARGO, PYTHON_CARGO, TS_CARGO):
        subs[path] = manifest
    return subs


def changed(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


_DEP_TABLES = ("dependencies", "build-dependencies", "dev-dependencies")


def crate_dependencies(manifest: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """``(table, crate, entry)`` of every dependency, target-specific ones included."""
    tables: list[tuple[str, Mapping[str, Any]]] = [
        ("workspace.dependencies", manifest.get("workspace", {}).get("dependencies", {}))]
    tables += [(t, manifest.get(t, {})) for t in _DEP_TABLES]
    for target, spec in manifest.get("target", {}).items():
        tables += [(f"target.{target}.{t}", spec.get(t, {})) for t in _DEP_TABLES]
    for table, deps in tables:
        for key, entry in deps.items():
            crate = entry.get("package", key) if isinstance(entry, dict) else key
            yield table, crate, entry


def pins(root: Path) -> dict[str, str | None]:
    """``{"manifest table crate": requirement}`` of every dependency on a published crate
    that cargo publishes with a version (``None``: a path dependency without one)."""
    found: dict[str, str | None] = {}
    for path in sorted(root.rglob("Cargo.toml")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("target/"):
            continue
        for table, crate, entry in crate_dependencies(tomllib.loads(path.read_text())):
            if crate not in CRATES or (isinstance(entry, dict) and entry.get("workspace")):
                continue
            version = entry if isinstance(entry, str) else entry.get("version")
            if version is None and table.endswith("dev-dependencies"):
                continue  # cargo drops a version-less path dev-dependency when publishing
            found[f"{rel} {table} {crate}"] = version
    return found


# A version string as the files write it: quoted or not (VERSION), `=` pin, JSON comma.
_TOKEN = re.compile(r"""(["']?)=?[0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?\1,?""")


def word_diff(root: Path) -> tuple[set[str], list[tuple[str, str]]]:
    """Files and ``(removed, added)`` words of ``git diff --word-diff=porcelain``."""
    out = git(root, "diff", "--word-diff=porcelain", "--word-diff-regex=[^[:space:]]+")
    files: set[str] = set()
    removed: list[str] = []
    added: list[str] = []
    in_hunk = False
    for line in out.splitlines():
        if line.startswith("diff --git "):
            files.add(line.split(" b/", 1)[1])
            in_hunk = False
        elif line.startswith("@@"):
            in_hunk = True
        elif in_hunk and line.startswith("-"):
            removed.append(line[1:])
        elif in_hunk and line.startswith("+"):
            added.append(line[1:])
    assert len(removed) == len(added), (removed, added)
    return files, list(zip(removed, added, strict=True))


def replace_text(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    data = path.read_bytes().decode()
    assert data.count(old) == 1, f"{rel}: {old!r}"
    path.write_bytes(data.replace(old, new).encode())


def to_crlf(root: Path, rel: str, *, final_newline: bool = True) -> None:
    path = root / rel
    text = path.read_bytes().decode().replace("\r\n", "\n")
    if not final_newline:
        text = text.rstrip("\n")
    path.write_bytes(text.replace("\n", "\r\n").encode())


def cargo(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["cargo", *args], cwd=root, capture_output=True, text=True,
                          check=False, env={**os.environ, "CARGO_TERM_COLOR": "never"})


def package_crates(root: Path) -> subprocess.CompletedProcess[str]:
    """``cargo package`` of the six published crates: each is packaged and built against
    a local overlay registry of the others, offline (what ``cargo publish`` would upload)."""
    return cargo(root, "package", "--offline", *(a for c in CRATES for a in ("-p", c)))


# --- the hard cases -------------------------------------------------------------------------

_HARD_ROOT_DEPS = """\
[workspace.package]
version = "0.1.0"

[workspace.dependencies]
# Exact pins, so the crates publish in lock-step: version = "=0.1.0" in a comment stays.
tasker-pgmq = { path = "tasker-pgmq", version = "=0.1.0" }
tasker-shared = { version = "=0.1.0", path = "tasker-shared" }
tasker-client = { path = "tasker-client", version = "=0.1.0" }
tasker-orchestration = { path = "tasker-orchestration", version = "=0.1.0" }
tasker-worker = { path = "tasker-worker", version = '=0.1.0' }
tasker-cli = { path = "tasker-cli", version = "=0.1.0" }
"""

_HARD_PGMQ = """\
[package]
name = "tasker-pgmq"
version.workspace = true
edition = "2021"
description = "PGMQ wrapper with NOTIFY support"
license = "MIT\""""  # no final newline

_HARD_WORKER = """\
[package]
name = "tasker-worker"
version = "0.1.0"
edition = "2021"
description = "FFI-capable worker foundation for Tasker"
license = "MIT"

[lib]
crate-type = ["rlib", "cdylib"]

[dependencies]
tasker-pgmq = { workspace = true }

# Written long-hand: a line-based edit of `^version = ` would hit it too.
[dependencies.tasker-shared]
path = "../tasker-shared"
version = "=0.1.0"

[target.'cfg(unix)'.dependencies]
tasker-client = { path = "../tasker-client", version = "=0.1.0" }

[build-dependencies]
tasker-pgmq = { path = "../tasker-pgmq" }
"""

_HARD_VERSION_RB = """\
# frozen_string_literal: true

module TaskerCore
  RUST_CORE_VERSION = "0.1.0"
  VERSION = "0.1.0".freeze # the gem's own version
end
"""


def build_hard_cases(root: Path) -> None:
    """Turn the example at ``root`` into one that has every layout a naive edit gets wrong.

    Long-hand and target-specific dependency tables, a renamed dependency, a pin written
    version-first and one with a literal string, a path dependency without a version (a
    build-dependency: it must get one) and a path dev-dependency without one (it must not),
    ``version.workspace = true``, CRLF files, files without a final newline, a second
    ``version`` key in pyproject.toml, and a double-quoted Ruby ``VERSION`` written after
    ``RUST_CORE_VERSION``. Cargo.lock is regenerated by cargo, then everything is committed.
    """
    require("cargo")
    root_manifest = (root / "Cargo.toml").read_text()
    head, _, _ = root_manifest.partition("[workspace.dependencies]\n")
    (root / "Cargo.toml").write_text(
        head.replace('version = "0.1.0"\n', 'version = "0.1.0" # same as VERSION\n', 1)
        + _HARD_ROOT_DEPS)
    (root / "tasker-pgmq/Cargo.toml").write_text(_HARD_PGMQ)
    (root / "tasker-worker/Cargo.toml").write_bytes(_HARD_WORKER.replace("\n", "\r\n").encode())
    replace_text(root, "tasker-client/Cargo.toml", "[dependencies]\n",
                 '[dependencies]\npgmq = { package = "tasker-pgmq", path = "../tasker-pgmq", '
                 'version = "=0.1.0" }\n')
    replace_text(root, "tasker-orchestration/Cargo.toml", "[dev-dependencies]\n",
                 '[dev-dependencies]\ntasker-cli = { path = "../tasker-cli" }\n')
    (root / VERSION_RB).write_bytes(_HARD_VERSION_RB.replace("\n", "\r\n").encode())
    to_crlf(root, PACKAGE_JSON, final_newline=False)
    (root / PYPROJECT).write_text((root / PYPROJECT).read_text()
                                  + '\n[tool.tasker-docs]\nversion = "0.1.0"\n')
    (root / "VERSION").write_text("0.1.0")
    result = cargo(root, "generate-lockfile", "--offline")
    assert result.returncode == 0, result.stderr
    commit_all(root, "Hard cases")


def hard_case_subs(core: str, ruby: str, python: str, npm: str) -> dict[str, Subs]:
    """What an update from 0.1.0 to these versions changes in :func:`build_hard_cases`."""
    c = core.encode()
    package: Subs = [(b'\nversion = "0.1.0"\n', b'\nversion = "%s"\n' % c, 1)]
    return {
        "VERSION": [(b"0.1.0", c, 1)],
        "Cargo.toml": [(b'version = "0.1.0" # same', b'version = "%s" # same' % c, 1),
                       (b'[workspace.package]\nversion = "0.1.0"\n',
                        b'[workspace.package]\nversion = "%s"\n' % c, 1),
                       (b'version = "=0.1.0" }', b'version = "=%s" }' % c, 4),
                       (b'{ version = "=0.1.0", path', b'{ version = "=%s", path' % c, 1),
                       (b"version = '=0.1.0' }", b"version = '=%s' }" % c, 1)],
        "tasker-worker/Cargo.toml": [
            (b'\r\nversion = "0.1.0"\r\n', b'\r\nversion = "%s"\r\n' % c, 1),
            (b'\r\nversion = "=0.1.0"\r\n', b'\r\nversion = "=%s"\r\n' % c, 1),
            (b'"../tasker-client", version = "=0.1.0" }',
             b'"../tasker-client", version = "=%s" }' % c, 1),
            (b'tasker-pgmq = { path = "../tasker-pgmq" }\r\n',
             b'tasker-pgmq = { path = "../tasker-pgmq", version = "=%s" }\r\n' % c, 1)],
        "tasker-client/Cargo.toml": [*package, (b'"=0.1.0"', b'"=%s"' % c, 1)],
        "tasker-orchestration/Cargo.toml": [*package, (b'"=0.1.0"', b'"=%s"' % c, 1)],
        "tasker-cli/Cargo.toml": [*package, (b'"=0.1.0"', b'"=%s"' % c, 1)],
        "tasker-shared/Cargo.toml": package,
        VERSION_RB: [(b'RUST_CORE_VERSION = "0.1.0"\r\n', b'RUST_CORE_VERSION = "%s"\r\n' % c, 1),
                     (b'  VERSION = "0.1.0".freeze', b'  VERSION = "%s".freeze' % ruby.encode(),
                      1)],
        RUBY_CARGO: package,
        PYPROJECT: [(b'\nname = "tasker-worker-py"\nversion = "0.1.0"\n',
                     b'\nname = "tasker-worker-py"\nversion = "%s"\n' % python.encode(), 1)],
        PYTHON_CARGO: package,
        PACKAGE_JSON: [(b'"version": "0.1.0"', b'"version": "%s"' % npm.encode(), 1)],
        TS_CARGO: package,
        "Cargo.lock": lock_subs(CORE_LOCKED, "0.1.0", core),
    }


# --- every file of the table, and cargo accepts the result ------------------------------------

def test_update_writes_every_file_of_the_table_and_nothing_else(
        example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    before = tree(root)

    result = run_cli("update", "--repo", str(root), *BUMP)

    assert result.code == 0, result.err
    after = tree(root)
    assert changed(before, after) == {*TABLE, "Cargo.lock"}
    assert after == expect(before, example_subs())
    # The same facts read back with the reference parsers, independently of the oracle.
    assert after["VERSION"] == b"0.1.8\n"
    for rel in ("Cargo.toml", *(f"{c}/Cargo.toml" for c in CRATES), RUBY_CARGO, PYTHON_CARGO,
                TS_CARGO):
        assert tomllib.loads(after[rel].decode())["package"]["version"] == "0.1.8", rel
    assert tomllib.loads(after[PYPROJECT].decode())["project"]["version"] == "0.1.8.1"
    assert json.loads(after[PACKAGE_JSON])["version"] == NPM_RENDERING
    ruby = dict(re.findall(r"^\s*(\w+) = '([^']*)'", after[VERSION_RB].decode(), re.M))
    assert ruby == {"VERSION": "0.1.8.2", "RUST_CORE_VERSION": "0.1.8"}
    assert set(pins(root).values()) == {"=0.1.8"}
    locked = {p["name"]: p["version"] for p in tomllib.loads(after["Cargo.lock"].decode())["package"]}
    assert locked == {**dict.fromkeys(CORE_LOCKED, "0.1.8"), "tasker-worker-rust": "0.1.0"}
    assert run_cli("versions", "--check", "--repo", str(root)).code == 0


def test_only_version_strings_change_in_the_word_diff(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    assert run_cli("update", "--repo", str(root), *BUMP).code == 0

    files, words = word_diff(root)

    assert files == {*TABLE, "Cargo.lock"}
    assert words, "the update changed nothing"
    for removed, added in words:
        assert _TOKEN.fullmatch(removed) and _TOKEN.fullmatch(added), (removed, added)


def test_cargo_accepts_the_updated_workspace(example_repo: Repo, run_cli: RunCli) -> None:
    require("cargo")
    root = example_repo.root
    stale_lock = (root / "Cargo.lock").read_bytes()
    assert run_cli("update", "--repo", str(root), *BUMP).code == 0
    commit_all(root, "Bump to 0.1.8")

    metadata = cargo(root, "metadata", "--offline", "--locked", "--format-version", "1")
    packaged = package_crates(root)

    assert metadata.returncode == 0, metadata.stderr
    assert packaged.returncode == 0, packaged.stderr
    for crate in CRATES:
        assert (root / f"target/package/{crate}-0.1.8.crate").is_file()
    assert not git(root, "status", "--porcelain", "--untracked-files=no")
    # The control: the same manifests with the lockfile left as it was are rejected.
    (root / "Cargo.lock").write_bytes(stale_lock)
    assert cargo(root, "metadata", "--offline", "--locked", "--format-version", "1").returncode


def test_own_lockfile_entries_follow_their_manifests(example_repo: Repo, run_cli: RunCli) -> None:
    """uv.lock and package-lock.json written by uv and npm themselves (the example's
    dependencies dropped, so that no index is needed) are current again after the update."""
    require("uv")
    require("npm")
    root = example_repo.root
    pyproject = (root / PYPROJECT).read_text()
    (root / PYPROJECT).write_text(re.sub(r"(?m)^dependencies = .*$", "dependencies = []",
                                         pyproject))
    package = json.loads((root / PACKAGE_JSON).read_text())
    del package["devDependencies"]
    (root / PACKAGE_JSON).write_text(json.dumps(package, indent=2) + "\n")
    (root / "workers/typescript/bun.lock").unlink()
    python_dir, ts_dir = root / "workers/python", root / "workers/typescript"
    subprocess.run(["uv", "lock", "--offline", "--quiet"], cwd=python_dir, check=True)
    subprocess.run(["npm", "install", "--package-lock-only", "--offline", "--ignore-scripts",
                    "--no-audit", "--no-fund", "--silent"], cwd=ts_dir, check=True)
    commit_all(root, "Lockfiles")

    assert run_cli("update", "--repo", str(root), *BUMP).code == 0

    uv_lock = tomllib.loads((python_dir / "uv.lock").read_text())
    assert [p["version"] for p in uv_lock["package"] if p["name"] == "tasker-worker-py"] == [
        "0.1.8.1"]
    npm_lock = json.loads((ts_dir / "package-lock.json").read_text())
    assert (npm_lock["version"], npm_lock["packages"][""]["version"]) == (NPM_RENDERING,) * 2
    # The tools agree that their lockfiles are current: uv checks, npm rewrites nothing.
    subprocess.run(["uv", "lock", "--offline", "--check", "--quiet"], cwd=python_dir, check=True)
    lock_bytes = (ts_dir / "package-lock.json").read_bytes()
    subprocess.run(["npm", "install", "--package-lock-only", "--offline", "--ignore-scripts",
                    "--no-audit", "--no-fund", "--silent"], cwd=ts_dir, check=True)
    assert (ts_dir / "package-lock.json").read_bytes() == lock_bytes
    assert run_cli("versions", "--check", "--repo", str(root)).code == 0


def test_a_lockfile_without_the_packages_version_is_left_alone(
        example_repo: Repo, run_cli: RunCli) -> None:
    """bun.lock records no version for the workspace itself: it stays byte for byte."""
    root = example_repo.root
    bun_lock = (root / "workers/typescript/bun.lock").read_bytes()

    result = run_cli("update", "--repo", str(root), *BUMP)

    assert result.code == 0
    assert "workers/typescript/bun.lock: already current" in result.err
    assert (root / "workers/typescript/bun.lock").read_bytes() == bun_lock


# --- format preservation ----------------------------------------------------------------------

def test_crlf_files_keep_crlf_and_every_other_byte(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    crlf = ("Cargo.toml", "tasker-cli/Cargo.toml", "tasker-orchestration/Cargo.toml", VERSION_RB,
            PYPROJECT, PACKAGE_JSON, "VERSION")
    for rel in crlf:
        to_crlf(root, rel, final_newline=rel != PACKAGE_JSON)
    commit_all(root, "CRLF")
    before = tree(root)

    assert run_cli("update", "--repo", str(root), *BUMP).code == 0

    after = tree(root)
    crlf_subs = {path: [(old.replace(b"\n", b"\r\n"), new.replace(b"\n", b"\r\n"), count)
                        for old, new, count in subs] if path in crlf else subs
                 for path, subs in example_subs().items()}
    assert after == expect(before, crlf_subs)
    for rel in crlf:
        assert after[rel].count(b"\n") == after[rel].count(b"\r\n") > 0, rel
    assert not after[PACKAGE_JSON].endswith(b"\n")


def test_hard_cases_change_only_their_version_strings(tmp_path: Path, run_cli: RunCli) -> None:
    root = sandbox.create(tmp_path / "hard").root
    build_hard_cases(root)
    unpinned = package_crates(root)  # the control: cargo refuses a path dependency without one
    assert unpinned.returncode != 0
    assert "tasker-pgmq" in unpinned.stderr
    before = tree(root)

    assert run_cli("update", "--repo", str(root), *BUMP).code == 0

    after = tree(root)
    assert after == expect(before, hard_case_subs("0.1.8", "0.1.8.2", "0.1.8.1", NPM_RENDERING))
    assert "tasker-pgmq/Cargo.toml" not in changed(before, after)  # version.workspace = true
    assert set(pins(root).values()) == {"=0.1.8"}
    assert run_cli("versions", "--check", "--repo", str(root)).code == 0
    commit_all(root, "Bump to 0.1.8")
    metadata = cargo(root, "metadata", "--offline", "--locked", "--format-version", "1")
    assert metadata.returncode == 0, metadata.stderr
    packaged = package_crates(root)
    assert packaged.returncode == 0, packaged.stderr


# --- dry run and idempotence ------------------------------------------------------------------

def test_dry_run_prints_the_exact_diff_and_writes_nothing(
        example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    age(root)
    before, before_stats = tree(root), stats(root)

    result = run_cli("update", "--repo", str(root), *BUMP, "--dry-run")

    assert result.code == 0, result.err
    assert (tree(root), stats(root)) == (before, before_stats)
    headers = set(re.findall(r"^\+\+\+ b/(.+)$", result.out, re.M))
    assert headers == {*TABLE, "Cargo.lock"}
    # Applying the printed diff gives exactly what the real update writes.
    (tmp := root.parent / "dry-run.diff").write_text(result.out)
    git(root, "apply", str(tmp))
    applied = tree(root)
    git(root, "checkout", "--", ".")
    assert run_cli("update", "--repo", str(root), *BUMP).code == 0
    assert applied == tree(root) == expect(before, example_subs())


def test_a_second_identical_run_writes_nothing(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    assert run_cli("update", "--repo", str(root), *BUMP).code == 0
    age(root)
    before, before_stats = tree(root), stats(root)

    result = run_cli("update", "--repo", str(root), *BUMP)

    assert result.code == 0, result.err
    for rel in (*TABLE, "Cargo.lock"):
        assert f"  {rel}: already current" in result.err.splitlines()
    assert ": updated" not in result.err
    assert tree(root) == before
    assert stats(root) == before_stats


# --- atomicity --------------------------------------------------------------------------------

Breakage = Callable[[Path], None]


def _delete(rel: str) -> Breakage:
    return lambda root: (root / rel).unlink()


def _append(rel: str, text: str) -> Breakage:
    def apply(root: Path) -> None:
        (root / rel).write_text((root / rel).read_text() + text)
    return apply


@pytest.mark.parametrize(("break_repo", "named"), [
    pytest.param(_delete(PYPROJECT), PYPROJECT, id="missing pyproject.toml"),
    pytest.param(_delete(VERSION_RB), VERSION_RB, id="missing version.rb"),
    pytest.param(_delete("tasker-cli/Cargo.toml"), "tasker-cli/Cargo.toml",
                 id="missing member manifest"),
    pytest.param(_append(PACKAGE_JSON, "}"), PACKAGE_JSON, id="package.json not JSON"),
    pytest.param(_append("tasker-client/Cargo.toml", "[package]\n"), "tasker-client/Cargo.toml",
                 id="Cargo.toml not TOML"),
    pytest.param(_append("Cargo.lock", "[[package]]\nname = 1\n"), "Cargo.lock",
                 id="Cargo.lock not cargo's"),
    pytest.param(lambda root: (root / VERSION_RB).write_text("module TaskerCore\nend\n"),
                 VERSION_RB, id="version.rb without VERSION"),
])
def test_a_broken_file_changes_no_file(example_repo: Repo, run_cli: RunCli,
                                       break_repo: Breakage, named: str) -> None:
    root = example_repo.root
    break_repo(root)
    age(root)
    before, before_stats = tree(root), stats(root)

    result = run_cli("update", "--repo", str(root), *BUMP)

    assert result.code != 0
    assert named in result.err
    assert (tree(root), stats(root)) == (before, before_stats)


def _nobody() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def _real_cargo() -> str:
    """The cargo binary itself, not rustup's proxy for it."""
    rustup = shutil.which("rustup")
    if rustup is not None:
        found = subprocess.run([rustup, "which", "cargo"], capture_output=True, text=True,
                               check=False)
        if found.returncode == 0:
            return found.stdout.strip()
    return os.path.realpath(require_tool("cargo"))


@pytest.fixture
def unprivileged_repo() -> Iterator[Path]:
    """The example in a directory of its own, owned by an unprivileged user when we are root.

    Root writes through any permission bits, so a read-only file only means something to
    another user: the update then runs in a forked child that has become that user (see
    :func:`run_unprivileged`), and the kernel enforces the bits for real.
    """
    base = Path(tempfile.mkdtemp(prefix="release-tasks-perm-"))
    try:
        root = sandbox.create(base / "repo").root
        # The unprivileged user cannot run root's rustup proxy: it gets a copy of the real
        # cargo binary (which `cargo metadata` needs) and a cargo home of its own.
        (base / "bin").mkdir()
        shutil.copy(_real_cargo(), base / "bin" / "cargo")
        (base / "cargo-home").mkdir()
        if os.geteuid() == 0:
            uid, gid = _nobody()
            for path in [base, *base.rglob("*")]:
                os.lchown(path, uid, gid)
        yield root
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(base)


def run_unprivileged(args: list[str], log: Path) -> tuple[int, str]:
    """``python -m release_tasks ARGS`` in a forked child that drops root, if we are root."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.stdout = sys.stderr = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            base = Path(args[args.index("--repo") + 1]).parent
            os.environ["PATH"] = f"{base / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
            os.environ["CARGO_HOME"] = str(base / "cargo-home")
            if os.geteuid() == 0:
                uid, gid = _nobody()
                os.setgroups([])
                os.setresgid(gid, gid, gid)
                os.setresuid(uid, uid, uid)
            code = cli.main(args, env=dict(os.environ))
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), log.read_text()


@pytest.mark.parametrize(("lock", "named"), [
    pytest.param(None, None, id="control: nothing read-only"),
    pytest.param(VERSION_RB, VERSION_RB, id="read-only file"),
    pytest.param("workers/typescript", PACKAGE_JSON, id="read-only directory"),
])
def test_an_unwritable_file_changes_no_file(unprivileged_repo: Path, tmp_path: Path,
                                            lock: str | None, named: str | None) -> None:
    root = unprivileged_repo
    if lock is not None:
        (root / lock).chmod(0o555 if (root / lock).is_dir() else 0o444)
    before = tree(root)

    code, output = run_unprivileged(["update", "--repo", str(root), *BUMP], tmp_path / "log")

    if named is None:
        assert code == 0, output
        assert changed(before, tree(root)) == {*TABLE, "Cargo.lock"}
    else:
        assert code == 7, output
        assert f"{named}: not writable" in output
        assert tree(root) == before


@pytest.mark.parametrize("fail_at", ["mkstemp", "replace"])
def test_a_failed_write_midway_leaves_every_file_as_it_was(
        example_repo: Repo, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch,
        fail_at: str) -> None:
    """The disk fails on the fourth temporary file, or on the fourth rename (the journal's
    and two files' done): every file is left with its old bytes, no temporary file and no
    journal remains."""
    root = example_repo.root
    before = tree(root)
    calls = 0
    target: Any = tempfile if fail_at == "mkstemp" else Path
    real = getattr(target, fail_at)

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise OSError(errno.EIO, "simulated I/O error")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, fail_at, failing)
    result = run_cli("update", "--repo", str(root), *BUMP)
    monkeypatch.undo()

    assert result.code == 7
    assert "no file was changed" in result.err
    assert "simulated I/O error" in result.err
    assert calls == 4 if fail_at == "mkstemp" else calls > 4  # renamed back after the failure
    assert tree(root) == before
    assert not journal.journal_dir(root / ".git").exists()


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "named"), [
    (["--core", "0.1"], "'0.1'"),
    (["--core", "0.1.8.0"], "'0.1.8.0'"),
    (["--core", "v0.1.8"], "'v0.1.8'"),
    (["--core", "0.1.08"], "'0.1.08'"),
    (["--core", "0.1.8", "--ruby", "0.1.8"], "'0.1.8'"),
    (["--core", "0.1.8", "--python", "0.1.8.x"], "'0.1.8.x'"),
    (["--core", "0.1.8", "--typescript", "0.1.8.1000"], "0.1.8.1000"),
    (["--core", "0.1.8", "--python", "0.1.9.0"], "0.1.9.0"),
    (["--core", "0.1.8", "--rust", "0.1.8.0"], "--rust"),
    (["--core", "0.1.8", "--verbose-diff"], "--verbose-diff"),
    (["--ruby", "0.1.8.0"], "--core"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_input_is_a_usage_error_before_any_file_is_touched(
        example_repo: Repo, run_cli: RunCli, args: list[str], named: str) -> None:
    root = example_repo.root
    age(root)
    before, before_stats = tree(root), stats(root)

    result = run_cli("update", "--repo", str(root), *args)

    assert result.code == 2
    assert named in result.err
    assert result.out == ""
    assert (tree(root), stats(root)) == (before, before_stats)
