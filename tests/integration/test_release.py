"""``release`` on real git repositories built from the example monorepo.

The guards, the summary, the dry run (compared byte for byte, ``.git`` included), and the
real thing: one commit carrying exactly the files of the version table, one annotated tag
carrying the plan, a push only when asked for.
"""

from __future__ import annotations

import itertools
import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from release_tasks import release as release_mod
from release_tasks import sandbox
from release_tasks.config import load as config_mod
from release_tasks.git.repo import Repo
from release_tasks.plan.tagplan import read_tag_plan
from release_tasks.project import open_project
from tests.integration.test_update import (
    CORE_LOCKED,
    PACKAGE_JSON,
    PYPROJECT,
    TABLE,
    VERSION_RB,
    Subs,
    build_hard_cases,
    commit_all,
    expect,
    git,
    hard_case_subs,
    lock_subs,
    replace_text,
    stats,
    tree,
)
from tests.support import CliResult, RunCli

pytestmark = pytest.mark.integration

PHASES = [["tasker-pgmq"], ["tasker-shared"], ["tasker-client", "tasker-orchestration"],
          ["tasker-worker", "tasker-cli"]]
#: The example's published dependencies, from its manifests (plus the test's new edge).
DEPENDS_ON = {"tasker-pgmq": {"tasker-worker"}, "tasker-shared": {"tasker-pgmq"},
              "tasker-client": {"tasker-shared"}, "tasker-orchestration": {"tasker-pgmq",
                                                                           "tasker-shared"},
              "tasker-worker": {"tasker-pgmq", "tasker-client", "tasker-shared"},
              "tasker-cli": {"tasker-client", "tasker-shared"}}
TAG_RE = re.compile(r"release-(\d{8}-\d{4})(-\d+)?")
NO_CREDENTIALS = {name: "" for name in ("CARGO_REGISTRY_TOKEN", "GEM_HOST_API_KEY",
                                        "MATURIN_PYPI_TOKEN", "PYPI_TOKEN", "NPM_TOKEN")}


# --- helpers --------------------------------------------------------------------------------

def release(run_cli: RunCli, root: Path, *args: str, env: dict[str, str] | None = None,
            ) -> CliResult:
    return run_cli("release", "--repo", str(root), *args, env={**NO_CREDENTIALS, **(env or {})})


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def tags(root: Path) -> list[str]:
    return git(root, "tag", "--list", "release-*").split()


def first_release(run_cli: RunCli, root: Path) -> str:
    """Release the example as it is (the first release), and publish it as CI would (the
    component tags); return the release tag."""
    before = set(tags(root))
    result = release(run_cli, root, "--yes")
    assert result.code == 0, result.err
    (tag,) = set(tags(root)) - before
    sandbox.mark_published(Repo(root), tag)
    return tag


def change(root: Path, *paths: str) -> str:
    """Commit a one-line change to each of ``paths``; return the commit."""
    return sandbox.touch(Repo(root), f"change {' '.join(paths)}", *paths)


State = tuple[dict[str, bytes], dict[str, tuple[int, int]], str, str, dict[str, bytes]]


def state(root: Path) -> State:
    """Everything a release could change: the work tree (bytes, mtimes, inodes), every ref,
    HEAD, and every file under .git but the index (which ``git status`` may refresh)."""
    refs = git(root, "for-each-ref", "--format=%(refname) %(objecttype) %(objectname)")
    where = git(root, "symbolic-ref", "-q", "HEAD") + head(root)
    dot_git = {p.relative_to(root).as_posix(): p.read_bytes()
               for p in sorted((root / ".git").rglob("*"))
               if p.is_file() and p.name != "index"}
    return tree(root), stats(root), refs, where, dot_git


def block(text: str, title: str) -> list[str]:
    """The indented lines under ``title`` in a text summary."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    found = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        found.append(line.strip())
    return found


def from_subs(old_core: str, new_core: str, old_bindings: tuple[str, str, str],
              new_bindings: tuple[str, str, str]) -> dict[str, Subs]:
    """The example's version table moving from one release to the next (single quotes in
    version.rb, the example's layout)."""
    o, n = old_core.encode(), new_core.encode()
    package: Subs = [(b'\nversion = "%s"\n' % o, b'\nversion = "%s"\n' % n, 1)]
    ruby, python, npm = ((old.encode(), new.encode())
                         for old, new in zip(old_bindings, new_bindings, strict=True))
    subs: dict[str, Subs] = {
        "VERSION": [(o + b"\n", n + b"\n", 1)],
        "Cargo.toml": [*package, (b'"=%s"' % o, b'"=%s"' % n, 6)],
        "tasker-cli/Cargo.toml": [*package, (b'"=%s"' % o, b'"=%s"' % n, 1)],
        "tasker-orchestration/Cargo.toml": [*package, (b'"=%s"' % o, b'"=%s"' % n, 1)],
        VERSION_RB: [(b"  VERSION = '%s'" % ruby[0], b"  VERSION = '%s'" % ruby[1], 1),
                     (b"RUST_CORE_VERSION = '%s'" % o, b"RUST_CORE_VERSION = '%s'" % n, 1)],
        PYPROJECT: [(b'\nversion = "%s"\n' % python[0], b'\nversion = "%s"\n' % python[1], 1)],
        PACKAGE_JSON: [(b'"version": "%s"' % npm[0], b'"version": "%s"' % npm[1], 1)],
        "Cargo.lock": lock_subs(CORE_LOCKED, old_core, new_core),
    }
    for path in ("tasker-pgmq/Cargo.toml", "tasker-shared/Cargo.toml", "tasker-client/Cargo.toml",
                 "tasker-worker/Cargo.toml", "workers/ruby/ext/tasker_core/Cargo.toml",
                 "workers/python/Cargo.toml", "workers/typescript/Cargo.toml"):
        subs[path] = package
    return subs


def at_commit(root: Path, commit: str) -> dict[str, bytes]:
    """Every tracked file at ``commit``, by path."""
    files = {}
    for path in git(root, "ls-tree", "-r", "--name-only", commit).splitlines():
        files[path] = subprocess.run(["git", "-C", str(root), "cat-file", "blob",
                                      f"{commit}:{path}"], check=True,
                                     capture_output=True).stdout
    return files


# --- the summary ------------------------------------------------------------------------------

def test_dry_run_summary_of_an_ffi_change(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    previous = first_release(run_cli, root)
    change(root, "tasker-shared/src/lib.rs")
    before = state(root)

    text = release(run_cli, root, "--dry-run", env={"CARGO_REGISTRY_TOKEN": "crates-test-token"})
    data = release(run_cli, root, "--dry-run", "--format", "json")

    assert (text.code, data.code) == (0, 0), text.err + data.err
    assert state(root) == before
    out = text.out
    assert "  core 0.1.0 -> 0.1.1  (FFI-facing core changed (1 file(s)))" in out
    assert block(out, "Crates to publish, by phase:") == [
        "phase 1: tasker-pgmq@0.1.1", "phase 2: tasker-shared@0.1.1",
        "phase 3: tasker-client@0.1.1, tasker-orchestration@0.1.1",
        "phase 4: tasker-worker@0.1.1, tasker-cli@0.1.1"]
    assert "ruby         tasker-worker-rb 0.1.0.0 -> 0.1.1.0  (FFI-facing core changed)" in out
    assert "python       tasker-worker-py 0.1.0.0 -> 0.1.1.0  (FFI-facing core changed)" in out
    assert ("typescript   @tasker-systems/worker 0.1.0.0 [npm: 0.1.0] -> 0.1.1.0 (on npm: 0.1.1000)  "
            "(FFI-facing core changed)") in out
    assert set(block(out, "Files that will change:")) == {*TABLE, "Cargo.lock", "CHANGELOG.md"}
    release_tag, *component_tags = block(out, "Tags that will be created:")
    assert TAG_RE.fullmatch(release_tag.split()[0])
    assert component_tags == [f"{t} (after its publish succeeds)" for t in (
        "core-v0.1.1", "ruby-v0.1.1.0", "python-v0.1.1.0", "typescript-v0.1.1.0")]
    credentials = block(out, "Credentials the publish will need:")
    assert credentials[:4] == [
        "CARGO_REGISTRY_TOKEN (for core on crates-io)", "GEM_HOST_API_KEY (for ruby on rubygems)",
        "MATURIN_PYPI_TOKEN or PYPI_TOKEN (for python on pypi)", "NPM_TOKEN (for typescript on npm)"]
    assert [c.split(" (")[0] for c in credentials[4:]] == [
        "missing now: GEM_HOST_API_KEY", "missing now: MATURIN_PYPI_TOKEN or PYPI_TOKEN",
        "missing now: NPM_TOKEN"]
    assert out.rstrip().endswith("Dry run: nothing was written, committed or tagged.")

    summary = json.loads(data.out)["summary"]
    assert summary["phases"] == PHASES
    assert set(summary["files"]) == {*TABLE, "Cargo.lock", "CHANGELOG.md"}
    assert summary["tags"][1:] == ["core-v0.1.1", "ruby-v0.1.1.0", "python-v0.1.1.0",
                                   "typescript-v0.1.1.0"]
    plan = summary["plan"]
    assert plan["base_ref"] == previous
    assert (plan["core"]["current"], plan["core"]["next"]) == ("0.1.0", "0.1.1")
    assert {b["name"]: (b["next"], b["rendering"], b["reasons"]) for b in plan["bindings"]} == {
        "ruby": ("0.1.1.0", "0.1.1.0", ["FFI-facing core changed"]),
        "python": ("0.1.1.0", "0.1.1.0", ["FFI-facing core changed"]),
        "typescript": ("0.1.1.0", "0.1.1000", ["FFI-facing core changed"])}
    assert len(summary["missing_credentials"]) == 4


def test_a_binding_only_change_and_from(example_repo: Repo, run_cli: RunCli) -> None:
    """A Python-only change releases the Python binding alone; ``--from`` moves the base."""
    root = example_repo.root
    first_release(run_cli, root)
    server_change = change(root, "tasker-orchestration/src/lib.rs")
    change(root, "workers/python/src/lib.rs", "workers/python/README.md")
    before = state(root)

    since_tag = release(run_cli, root, "--dry-run", "--format", "json")
    since_ref = release(run_cli, root, "--dry-run", "--from", server_change)

    assert (since_tag.code, since_ref.code) == (0, 0), since_tag.err + since_ref.err
    assert state(root) == before
    summary = json.loads(since_tag.out)["summary"]
    assert summary["plan"]["core"]["next"] == "0.1.1"  # the server change is in this range
    python = next(b for b in summary["plan"]["bindings"] if b["name"] == "python")
    assert python["next"] == "0.1.1.0"  # built on the new core: P starts again at 0
    out = since_ref.out
    assert "core 0.1.0 (unchanged)" in out
    assert "python       tasker-worker-py 0.1.0.0 -> 0.1.0.1  (2 binding file(s) changed)" in out
    assert "ruby         tasker-worker-rb 0.1.0.0 (unchanged)" in out
    assert block(out, f"Binding files changed since {server_change}:") == [
        "python: workers/python/README.md, workers/python/src/lib.rs"]
    assert "Crates to publish" not in out
    assert block(out, "Files that will change:") == [PYPROJECT, "CHANGELOG.md"]
    assert block(out, "Tags that will be created:")[1:] == [
        "python-v0.1.0.1 (after its publish succeeds)"]
    assert block(out, "Credentials the publish will need:") == [
        "MATURIN_PYPI_TOKEN or PYPI_TOKEN (for python on pypi)",
        "missing now: MATURIN_PYPI_TOKEN or PYPI_TOKEN (for python on pypi) is not set"]


def test_a_dependency_cycle_is_an_error_naming_it(example_repo: Repo, run_cli: RunCli) -> None:
    """A dev-dependency with a version is published with the crate: pgmq -> worker -> pgmq
    cannot be ordered."""
    root = example_repo.root
    (root / "tasker-pgmq/Cargo.toml").write_text(
        (root / "tasker-pgmq/Cargo.toml").read_text()
        + '\n[dev-dependencies]\ntasker-worker = { path = "../tasker-worker", version = "=0.1.0" }\n')
    commit_all(root, "pgmq tests use the worker")
    before = state(root)

    result = release(run_cli, root, "--dry-run")

    assert result.code == 3
    cycle = re.search(r"dependency cycle among published crates: ([^:\n]+)", result.err)
    assert cycle is not None, result.err
    names = cycle.group(1).split(" -> ")
    assert names[0] == names[-1]
    assert {"tasker-pgmq", "tasker-worker"} <= set(names)
    for crate, dependency in itertools.pairwise(names):
        assert dependency in DEPENDS_ON[crate], (crate, dependency)
    assert state(root) == before


# --- guards -----------------------------------------------------------------------------------

Dirty = Callable[[Path], tuple[set[str], set[str]]]  # paths that must be listed, may be listed


def _modify(root: Path) -> tuple[set[str], set[str]]:
    (root / "VERSION").write_text("0.1.0\n\n")
    (root / "tasker-cli/src/main.rs").write_text("fn main() {}\n")
    return {"VERSION", "tasker-cli/src/main.rs"}, set()


def _stage(root: Path) -> tuple[set[str], set[str]]:
    replace_text(root, "tasker-shared/src/lib.rs", "Foundational", "Basic")
    git(root, "add", "tasker-shared/src/lib.rs")
    return {"tasker-shared/src/lib.rs"}, set()


def _stage_new_and_delete(root: Path) -> tuple[set[str], set[str]]:
    (root / "workers/python/NOTES.md").write_text("notes\n")
    git(root, "add", "workers/python/NOTES.md")
    (root / "workers/ruby/Rakefile").unlink()
    return {"workers/python/NOTES.md", "workers/ruby/Rakefile"}, set()


def _rename(root: Path) -> tuple[set[str], set[str]]:
    git(root, "mv", "workers/typescript/tsconfig.json", "workers/typescript/tsconfig.base.json")
    return {"workers/typescript/tsconfig.base.json"}, {"workers/typescript/tsconfig.json"}


@pytest.mark.parametrize("dirty", [
    pytest.param(_modify, id="modified"),
    pytest.param(_stage, id="staged"),
    pytest.param(_stage_new_and_delete, id="added and deleted"),
    pytest.param(_rename, id="renamed"),
])
@pytest.mark.parametrize("dry_run", [False, True], ids=["release", "dry run"])
def test_modified_or_staged_tracked_files_stop_the_release(
        example_repo: Repo, run_cli: RunCli, dirty: Dirty, dry_run: bool) -> None:
    root = example_repo.root
    required, allowed = dirty(root)
    (root / "untracked.txt").write_text("untracked files do not count\n")
    before = state(root)

    result = release(run_cli, root, "--yes", *(["--dry-run"] if dry_run else []))

    assert result.code == 1
    assert state(root) == before
    assert "tracked files are modified or staged" in result.err
    listed = set(re.findall(r"^  - (.+)$", result.err, re.M))
    assert required <= listed <= required | allowed, listed


def test_untracked_files_do_not_stop_the_release(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    (root / "notes.txt").write_text("scratch\n")

    result = release(run_cli, root, "--yes")

    assert result.code == 0, result.err
    assert (root / "notes.txt").read_text() == "scratch\n"
    assert "notes.txt" not in git(root, "show", "--name-only", "--format=", "HEAD")


def _cli(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "release_tasks", "release", "--repo", str(root), *args]


@pytest.mark.parametrize("stdin", ["/dev/null", "open pipe"])
def test_off_main_without_a_terminal_fails_at_once(example_repo: Repo, stdin: str) -> None:
    """No terminal, no --yes: an error at once. An open pipe would block a reader forever,
    so the timeout catches any read of stdin."""
    root = example_repo.root
    git(root, "checkout", "--quiet", "-b", "feature")
    before = state(root)
    read_end, write_end = os.pipe()
    try:
        with Path(os.devnull).open("rb") as devnull:
            proc = subprocess.run(_cli(root), stdin=devnull if stdin == "/dev/null" else read_end,
                                  capture_output=True, text=True, timeout=60, check=False)
    finally:
        os.close(read_end)
        os.close(write_end)

    assert proc.returncode == 2, proc.stderr
    assert "warning: releasing from branch 'feature', not 'main'" in proc.stderr
    assert "pass --yes" in proc.stderr
    assert proc.stdout == ""
    assert state(root) == before


def test_off_main_with_yes_warns_and_releases(example_repo: Repo) -> None:
    root = example_repo.root
    git(root, "checkout", "--quiet", "-b", "feature")
    start = head(root)

    proc = subprocess.run(_cli(root, "--yes"), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60, check=False)

    assert proc.returncode == 0, proc.stderr
    assert "warning: releasing from branch 'feature', not 'main'" in proc.stderr
    assert git(root, "rev-parse", "HEAD~1").strip() == start
    assert git(root, "symbolic-ref", "--short", "HEAD").strip() == "feature"
    assert "git push origin feature release-" in proc.stdout


@pytest.mark.parametrize(("answer", "released"), [(b"n\n", False), (b"y\n", True)])
def test_off_main_on_a_terminal_asks(example_repo: Repo, answer: bytes, released: bool) -> None:
    root = example_repo.root
    git(root, "checkout", "--quiet", "-b", "feature")
    before = state(root)
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(_cli(root), stdin=terminal, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        os.close(terminal)
        os.write(controller, answer)  # the terminal holds it until the question reads it
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(controller)

    assert "Release from branch 'feature' instead of 'main'? [y/N]" in err
    if released:
        assert proc.returncode == 0, err
        assert len(tags(root)) == 1
        assert "git push origin feature" in out
    else:
        assert proc.returncode == 1
        assert "release cancelled" in err
        assert state(root) == before


def test_version_drift_stops_the_release(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    replace_text(root, "tasker-client/Cargo.toml", 'version = "0.1.0"', 'version = "0.1.1"')
    commit_all(root, "Drift")
    before = state(root)

    result = release(run_cli, root, "--yes")

    assert result.code == 6
    assert "tasker-client/Cargo.toml: package.version: found 0.1.1, expected 0.1.0" in result.err
    assert state(root) == before


@pytest.mark.parametrize("tag_args", [
    pytest.param(["release-20240102-0304"], id="lightweight release tag"),
    pytest.param(["-a", "v0.1.0", "-m", "old style"], id="annotated v tag"),
])
def test_an_already_released_head_has_nothing_to_release(
        example_repo: Repo, run_cli: RunCli, tag_args: list[str]) -> None:
    root = example_repo.root
    git(root, "tag", *tag_args)
    before = state(root)

    result = release(run_cli, root, "--yes")

    assert result.code == 0, result.err
    assert result.out.startswith("Nothing to release: HEAD is already released (")
    assert state(root) == before


def test_after_a_release_nothing_is_left_to_release(example_repo: Repo, run_cli: RunCli) -> None:
    root = example_repo.root
    tag = first_release(run_cli, root)
    before = state(root)

    again = release(run_cli, root, "--yes")
    change(root, "README.md")  # belongs to no component
    unrelated = release(run_cli, root, "--yes", "--format", "json")

    assert (again.code, unrelated.code) == (0, 0)
    assert again.out.strip() == f"Nothing to release: HEAD is already released ({tag})."
    assert json.loads(unrelated.out) == {
        "summary": None, "message": f"Nothing to release: no component changed since {tag}."}
    assert tags(root) == [tag]
    assert before[0] == at_commit(root, "HEAD~1")


# --- the release itself -----------------------------------------------------------------------

def test_release_round_trip(example_repo: Repo, run_cli: RunCli, tmp_path: Path) -> None:
    """change -> release -> one commit with exactly the table's files, one annotated tag on
    it carrying the plan, nothing pushed; the printed abort command undoes it."""
    root = example_repo.root
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "--quiet", "origin", "main")
    previous = first_release(run_cli, root)
    source = change(root, "tasker-worker/src/lib.rs")
    files_before = tree(root)
    start = datetime.now(UTC)

    result = release(run_cli, root)

    end = datetime.now(UTC)
    assert result.code == 0, result.err
    commit = head(root)
    assert git(root, "rev-parse", "HEAD~1").strip() == source
    # The commit: exactly the files of the version table plus Cargo.lock, exactly so.
    shown = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert set(shown) == {*TABLE, "Cargo.lock", "CHANGELOG.md"}
    after, committed = tree(root), at_commit(root, commit)
    notes = after.pop("CHANGELOG.md").decode()
    assert committed.pop("CHANGELOG.md").decode() == notes
    old_notes = files_before["CHANGELOG.md"].decode()
    unchanged = {k: v for k, v in files_before.items() if k != "CHANGELOG.md"}
    assert after == committed == expect(unchanged, from_subs(
        "0.1.0", "0.1.1", ("0.1.0.0", "0.1.0.0", "0.1.0"), ("0.1.1.0", "0.1.1.0", "0.1.1000")))
    # The changelog: a new section on top of the first release's, in the file and the tag.
    assert notes.startswith("# Changelog\n") and notes.endswith(old_notes.split("\n## ", 1)[1])
    section = notes.split("\n## ", 2)[1]
    assert section.startswith("release-") and "### core 0.1.1\n" in section
    assert f"- change tasker-worker/src/lib.rs ({source[:7]})" in section
    assert f"changes since {previous}" not in section  # each since its own component tag
    assert "crates tasker-pgmq" in section and "changes since core-v0.1.0." in section
    assert not git(root, "status", "--porcelain")
    message = git(root, "log", "-1", "--format=%B")
    assert message.startswith(
        "Release core 0.1.1, ruby 0.1.1.0, python 0.1.1.0, typescript 0.1.1.0\n")
    for line in ("- core crates: 0.1.0 -> 0.1.1", "- ruby (tasker-worker-rb): 0.1.0.0 -> 0.1.1.0",
                 "- typescript (@tasker-systems/worker): 0.1.0.0 -> 0.1.1.0 [npm: 0.1.1000]"):
        assert line in message.splitlines()
    # The tag: release-YYYYMMDD-HHMM (UTC, this minute), annotated, on the commit.
    (tag,) = set(tags(root)) - {previous}
    match = TAG_RE.fullmatch(tag)
    assert match is not None
    assert match.group(1) in {f"{t:%Y%m%d-%H%M}" for t in (start, end)}
    assert git(root, "cat-file", "-t", tag).strip() == "tag"
    assert git(root, "rev-parse", f"{tag}^{{commit}}").strip() == commit
    plan = read_tag_plan(git(root, "for-each-ref", f"refs/tags/{tag}", "--format=%(contents)"))
    assert plan is not None
    assert (plan["release_tag"], plan["release_commit"], plan["source_commit"]) == (
        tag, commit, source)
    assert plan["base_ref"] == previous
    assert plan["core"]["next"] == "0.1.1"
    assert plan["changelog"] == "## " + section.rstrip("\n") + "\n"
    tag_text = git(root, "for-each-ref", f"refs/tags/{tag}", "--format=%(contents)")
    assert plan["changelog"] in tag_text.split("--- release plan")[0]
    assert [(b["name"], b["next"], b["rendering"]) for b in plan["bindings"]] == [
        ("ruby", "0.1.1.0", "0.1.1.0"), ("python", "0.1.1.0", "0.1.1.0"),
        ("typescript", "0.1.1.0", "0.1.1000")]
    # The output: the summary, then how to publish and how to abort. Nothing pushed.
    assert "phase 3: tasker-client@0.1.1, tasker-orchestration@0.1.1" in result.out
    assert f"  git push origin main {tag}\n" in result.out
    abort = f"git tag -d {tag} && git reset --hard HEAD~1"
    assert f"  {abort}" in result.out.splitlines()
    assert git(origin, "tag", "--list") == ""
    assert git(origin, "rev-parse", "main").strip() != commit
    assert run_cli("versions", "--check", "--repo", str(root)).code == 0
    # The abort command, run as printed, leaves the repository as it was before.
    subprocess.run(abort, shell=True, cwd=root, check=True, capture_output=True)
    assert head(root) == source
    assert tags(root) == [previous]
    assert tree(root) == files_before


def test_push_sends_the_commit_and_the_tag(example_repo: Repo, run_cli: RunCli,
                                           tmp_path: Path) -> None:
    root = example_repo.root
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "--quiet", "origin", "main")

    result = release(run_cli, root, "--push", "--format", "json")

    assert result.code == 0, result.err
    (tag,) = tags(root)
    assert json.loads(result.out)["summary"]["release_tag"] == tag  # git's output is not on stdout
    remote = {ref: sha for sha, ref in (line.split("\t") for line in
                                        git(root, "ls-remote", "origin").splitlines())}
    assert remote["refs/heads/main"] == head(root)
    assert remote[f"refs/tags/{tag}"] == git(root, "rev-parse", tag).strip()  # the tag object
    assert json.loads(result.out)["message"].startswith(f"Pushed main and {tag}")


def test_a_taken_tag_name_gets_a_suffix(example_repo: Repo) -> None:
    """Two releases in one minute: ``-2``, ``-3``; the minute is UTC whatever the zone."""
    root = example_repo.root
    sandbox.tag(example_repo, "release-20250102-0304")
    sandbox.tag(example_repo, "release-20250102-0304-2", "an earlier release")
    change(root, "tasker-cli/src/lib.rs")
    now = datetime(2025, 1, 2, 5, 4, 59, tzinfo=timezone(timedelta(hours=2)))
    config = config_mod.load(root)

    summary, message = release_mod.run_release(
        open_project(root, config), NO_CREDENTIALS, dry_run=False, from_ref=None, yes=False, push=False,
        confirm=None, now=now)

    assert summary is not None
    assert summary.release_tag == "release-20250102-0304-3"
    assert git(root, "rev-parse", "release-20250102-0304-3^{commit}").strip() == head(root)
    assert "release-20250102-0304-3" in message


def test_hard_cases_round_trip(tmp_path: Path, run_cli: RunCli) -> None:
    """Long-hand and target tables, CRLF, version.workspace, a path dependency without a
    version, double-quoted Ruby with RUST_CORE_VERSION first: exact bytes after a release."""
    root = sandbox.create(tmp_path / "hard").root
    build_hard_cases(root)
    # The pin cargo needs is part of the plan, not drift: the dry run lists its file.
    dry = release(run_cli, root, "--dry-run", "--format", "json")
    assert dry.code == 0, dry.err
    assert "tasker-worker/Cargo.toml" in json.loads(dry.out)["summary"]["files"]
    assert run_cli("update", "--repo", str(root), "--core", "0.1.0").code == 0
    assert git(root, "diff", "--name-only").split() == ["tasker-worker/Cargo.toml"]
    commit_all(root, "Pin the build-dependency")
    git(root, "tag", "release-20250101-0000")  # released before, under the old scheme
    change(root, "tasker-pgmq/src/lib.rs")
    before = tree(root)

    result = release(run_cli, root)

    assert result.code == 0, result.err
    subs = hard_case_subs("0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1000")
    subs["tasker-worker/Cargo.toml"][-1] = (
        b'{ path = "../tasker-pgmq", version = "=0.1.0" }\r\n',
        b'{ path = "../tasker-pgmq", version = "=0.1.1" }\r\n', 1)
    after = tree(root)
    assert after.pop("CHANGELOG.md").startswith(b"# Changelog\n")
    assert after == expect(before, subs)
    shown = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert set(shown) == {*TABLE, "Cargo.lock", "CHANGELOG.md"} - {"tasker-pgmq/Cargo.toml"}
    assert not git(root, "status", "--porcelain")
    (tag,) = set(tags(root)) - {"release-20250101-0000"}
    tag_plan: dict[str, Any] | None = read_tag_plan(
        git(root, "for-each-ref", f"refs/tags/{tag}", "--format=%(contents)"))
    assert tag_plan is not None
    assert tag_plan["release_commit"] == head(root)
    assert tag_plan["core"]["next"] == "0.1.1"
