"""``versions`` on real git repositories with real releases of the example monorepo.

Histories are made of commits and of real releases (``release.run_release``: the version
bump committed and tagged with its plan), so every rule is checked against what the tool
itself leaves behind. Each scenario also checks the release that follows: at the tagged
release commit, ``detect`` and ``versions`` answer exactly the plan in the tag, even after
CI has created the component tags, and a later commit does not bump a second time.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from release_tasks import release, sandbox
from release_tasks.apply import update
from release_tasks.config import load as config_mod
from release_tasks.git import repo as git
from release_tasks.git.repo import Repo
from release_tasks.model.version import CoreVersion
from release_tasks.plan.tagplan import format_tag_message, read_tag_plan
from release_tasks.project import open_project
from tests.support import RunCli, client_rb_config, parse_env, stage_env, stage_json

pytestmark = pytest.mark.integration

R = "release"
FFI = "tasker-shared/src/lib.rs"
SERVER = "tasker-orchestration/src/lib.rs"
RUBY = "workers/ruby/lib/tasker_core.rb"
PYTHON = "workers/python/python/tasker_worker/__init__.py"
TS = "workers/typescript/src/index.ts"
ENV_KEYS = ("CURRENT_CORE_VERSION", "NEXT_CORE_VERSION", "NEXT_RUBY_VERSION",
            "NEXT_PYTHON_VERSION", "NEXT_TYPESCRIPT_VERSION", "PUBLISH_CORE")

# A step of a history: "release" (a real release), or the paths one commit touches.
Step = str | tuple[str, ...]


def expect(current: str, nxt: str, ruby: str = "unchanged", python: str = "unchanged",
           ts: str = "unchanged", npm: str | None = None, *,
           publish_core: bool | None = None) -> dict[str, str]:
    """The exact ``versions --format env`` answer (``npm``: the typescript rendering).

    The crates are published when the core moves on (``publish_core`` says otherwise for a
    first release, which publishes the current version).
    """
    env = {"CURRENT_CORE_VERSION": current, "NEXT_CORE_VERSION": nxt,
           "NEXT_RUBY_VERSION": ruby, "NEXT_PYTHON_VERSION": python,
           "NEXT_TYPESCRIPT_VERSION": ts}
    if npm is not None:
        env["NEXT_TYPESCRIPT_NPM_VERSION"] = npm
    publish = current != nxt if publish_core is None else publish_core
    env["PUBLISH_CORE"] = "true" if publish else "false"
    return env


def versions_env(run_cli: RunCli, repo: Repo, *args: str) -> dict[str, str]:
    return stage_env(run_cli, "versions", repo.root, *args)


def versions_json(run_cli: RunCli, repo: Repo, *args: str) -> dict[str, Any]:
    return stage_json(run_cli, "versions", repo.root, *args)


def versions_error(run_cli: RunCli, repo: Repo, *args: str, code: int = 4) -> str:
    """stderr of a ``versions`` run that must fail (a version error unless ``code`` says
    otherwise), with nothing on stdout."""
    result = run_cli("versions", "--repo", str(repo.root), "--format", "env", *args)
    assert (result.code, result.out) == (code, ""), result.err
    assert "Traceback" not in result.err
    return result.err


def detect_base(run_cli: RunCli, repo: Repo) -> str:
    result = run_cli("detect", "--repo", str(repo.root), "--format", "env")
    assert result.code == 0, result.err
    return parse_env(result.out)["CHANGES_BASE_REF"]


def do_release(repo: Repo, *, published: bool = True, core: str | None = None,
               bump: str | None = None) -> str:
    """A real release (commit + annotated tag carrying the plan); returns the tag.

    ``published`` also creates the component tags, as CI does after each publish.
    """
    done = len(repo.out("tag", "--list", "release-*").split())
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=7 * done)
    summary, message = release.run_release(
        open_project(repo.root), {}, dry_run=False, from_ref=None, yes=True,
        push=False, confirm=None, now=now, core=core, bump=bump)
    assert summary is not None, message
    if published:
        sandbox.mark_published(repo, summary.release_tag)
    return summary.release_tag


def build(repo: Repo, steps: list[Step]) -> None:
    for step in steps:
        if step == R:
            do_release(repo)
        else:
            paths = (step,) if isinstance(step, str) else step
            sandbox.touch(repo, f"change {' '.join(paths)}", *paths)


def commit_files(repo: Repo, files: dict[str, bytes], message: str = "edit") -> None:
    """Write ``files`` byte for byte and commit them."""
    for rel, content in files.items():
        (repo.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo.root / rel).write_bytes(content)
    repo.out("add", "--all")
    repo.out("commit", "--quiet", "-m", message)


# --- the version rules, over histories of real releases --------------------------------------

SCENARIOS: list[tuple[str, list[Step], dict[str, str]]] = [
    ("first-release", [],
     expect("0.1.0", "0.1.0", "0.1.0.0", "0.1.0.0", "0.1.0.0", npm="0.1.0",
            publish_core=True)),
    ("ffi-core-change", [R, FFI],
     expect("0.1.0", "0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1.0", npm="0.1.1000")),
    ("cargo-lock-only", [R, "Cargo.lock"],
     expect("0.1.0", "0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1.0", npm="0.1.1000")),
    ("root-manifest-only", [R, "Cargo.toml"],
     expect("0.1.0", "0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1.0", npm="0.1.1000")),
    ("server-only", [R, SERVER], expect("0.1.0", "0.1.1")),
    ("client-crate-only", [R, "tasker-client/src/lib.rs"], expect("0.1.0", "0.1.1")),
    ("docs-only", [R, "README.md"], expect("0.1.0", "0.1.0")),
    ("unpublished-example-crate", [R, "workers/rust/src/main.rs"], expect("0.1.0", "0.1.0")),
    ("binding-only", [R, RUBY], expect("0.1.0", "0.1.0", ruby="0.1.0.1")),
    ("binding-only-twice", [R, RUBY, R, RUBY], expect("0.1.0", "0.1.0", ruby="0.1.0.2")),
    ("typescript-twice", [R, TS, R, TS], expect("0.1.0", "0.1.0", ts="0.1.0.2", npm="0.1.2")),
    ("unreleased-binding-work-piles-up", [R, RUBY, PYTHON, RUBY],
     expect("0.1.0", "0.1.0", ruby="0.1.0.1", python="0.1.0.1")),
    ("binding-after-server-bump", [R, PYTHON, R, SERVER, R, PYTHON],
     expect("0.1.1", "0.1.1", python="0.1.1.0")),
    ("server-and-binding-together", [R, PYTHON, R, (SERVER, PYTHON)],
     expect("0.1.0", "0.1.1", python="0.1.1.0")),
    ("ffi-and-binding-together", [R, RUBY, R, (FFI, RUBY)],
     expect("0.1.0", "0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1.0", npm="0.1.1000")),
    ("binding-after-ffi-release", [R, FFI, R, PYTHON],
     expect("0.1.1", "0.1.1", python="0.1.1.1")),
    ("long-history", [R, RUBY, R, SERVER, R, TS, R, FFI, R, RUBY, R, RUBY],
     expect("0.1.2", "0.1.2", ruby="0.1.2.2")),
]


@pytest.mark.parametrize(("steps", "expected"), [pytest.param(s, e, id=i) for i, s, e in SCENARIOS])
def test_versions_then_release_at_the_tag(
    run_cli: RunCli, example_repo: Repo, steps: list[Step], expected: dict[str, str]
) -> None:
    repo = example_repo
    build(repo, steps)
    before = versions_env(run_cli, repo)
    assert before == expected
    plan_before = versions_json(run_cli, repo)
    base_before = detect_base(run_cli, repo)
    previous = sorted(repo.out("tag", "--list", "release-*").split())
    assert base_before == (previous[-1] if previous else git.EMPTY_TREE)
    current = expected["CURRENT_CORE_VERSION"]
    if expected == expect(current, current):
        summary, message = release.run_release(open_project(repo.root), {}, dry_run=False,
                                               from_ref=None, yes=True, push=False, confirm=None)
        assert summary is None
        assert message == f"Nothing to release: no component changed since {base_before}."
        return

    tag = do_release(repo, published=False)
    head = repo.out("rev-parse", "HEAD")
    assert repo.out("rev-parse", f"{tag}^{{commit}}") == head
    # At the release commit: the plan that was tagged, not a second bump.
    assert versions_env(run_cli, repo) == before
    at_tag = versions_json(run_cli, repo)
    assert at_tag == plan_before
    tagged = read_tag_plan(git.tag_message(repo, tag))
    assert tagged is not None
    assert tagged.pop("release_tag") == tag
    assert tagged.pop("release_commit") == head
    # The tag carries the release's changelog beside the plan; the plan is the same.
    assert tag in tagged.pop("changelog")
    assert tagged == at_tag
    detected = json.loads(run_cli("detect", "--repo", str(repo.root), "--format", "json").out)
    assert (detected["CHANGES_BASE_REF"], detected["release_tag"], detected["head_commit"]) == (
        base_before, tag, plan_before["source_commit"])
    assert (repo.root / "VERSION").read_text(encoding="utf-8").strip() == expected["NEXT_CORE_VERSION"]
    # CI tags each component after its publish; a re-run at the tag still answers the plan.
    for component_tag in at_tag["core"]["tag"], *(b["tag"] for b in at_tag["bindings"]):
        if component_tag:
            repo.out("tag", component_tag, head)
    assert versions_env(run_cli, repo) == before
    # The release commit's own edits are not changes: a docs commit releases nothing.
    sandbox.touch(repo, "docs", "README.md")
    nxt = expected["NEXT_CORE_VERSION"]
    assert versions_env(run_cli, repo) == expect(nxt, nxt)
    assert detect_base(run_cli, repo) == tag


def test_release_after_release_moves_on(run_cli: RunCli, example_repo: Repo) -> None:
    """Each release's versions are the start of the next one's (0.1.N.1 then 0.1.N.2)."""
    seen = []
    for _ in range(3):
        sandbox.touch(example_repo, "fix", RUBY)
        seen.append(versions_env(run_cli, example_repo)["NEXT_RUBY_VERSION"])
        do_release(example_repo)
    assert seen == ["0.1.0.0", "0.1.0.1", "0.1.0.2"]
    version_rb = (example_repo.root / "workers/ruby/lib/tasker_core/version.rb").read_text("utf-8")
    assert "VERSION = '0.1.0.2'" in version_rb
    assert "RUST_CORE_VERSION = '0.1.0'" in version_rb


# --- the base and the first release ---------------------------------------------------------


def test_from_ref(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R, RUBY, SERVER])
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.1", ruby="0.1.1.0")
    assert versions_env(run_cli, example_repo, "--from", "HEAD~1") == expect("0.1.0", "0.1.1")
    assert versions_env(run_cli, example_repo, "--from", "HEAD") == expect("0.1.0", "0.1.0")
    assert versions_json(run_cli, example_repo, "--from", "HEAD~1")["base_ref"] == "HEAD~1"
    err = versions_error(run_cli, example_repo, "--from", "v9.9.9", code=5)
    assert "unknown git ref 'v9.9.9'" in err


def test_hand_made_release_tag_on_head(run_cli: RunCli, example_repo: Repo) -> None:
    # First release tagged by hand on HEAD: still the first release.
    sandbox.tag(example_repo, "release-20260101-0900")
    first = expect("0.1.0", "0.1.0", "0.1.0.0", "0.1.0.0", "0.1.0.0", npm="0.1.0",
                   publish_core=True)
    assert versions_env(run_cli, example_repo) == first
    example_repo.out("tag", "-d", "release-20260101-0900")
    # After a real release: a lightweight tag on HEAD compares with the release before it.
    released = do_release(example_repo)
    sandbox.touch(example_repo, "fix", RUBY)
    sandbox.tag(example_repo, "release-20260301-0900")
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.0", ruby="0.1.0.1")
    assert detect_base(run_cli, example_repo) == released


def test_v_tag_is_a_previous_release_with_three_part_bindings(
    run_cli: RunCli, example_repo: Repo
) -> None:
    sandbox.tag(example_repo, "v0.1.0")
    sandbox.touch(example_repo, "fix", RUBY, TS)
    # Ruby's '0.1.0' is three-part, which RubyGems holds equal to 0.1.0.0: P = 0 is known on
    # core 0.1.0, so the fix is 0.1.0.1. npm holds renderings, and '0.1.0' is the rendering of
    # 0.1.0.0: its next is 0.1.0.1, npm 0.1.1.
    assert versions_env(run_cli, example_repo) == expect(
        "0.1.0", "0.1.0", ruby="0.1.0.1", ts="0.1.0.1", npm="0.1.1")


def test_missing_binding_version_file_means_core_dot_zero(run_cli: RunCli, example_repo: Repo) -> None:
    sandbox.tag(example_repo, "v0.1.0")
    sandbox.change(example_repo, "no version.rb", {"workers/ruby/lib/tasker_core/version.rb": None})
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.0", ruby="0.1.0.0")


def test_npm_version_from_before_the_two_tier_scheme(run_cli: RunCli, example_repo: Repo) -> None:
    package_json = example_repo.root / "workers/typescript/package.json"
    text = package_json.read_text(encoding="utf-8").replace('"0.1.0"', '"0.1.8"')
    commit_files(example_repo, {"VERSION": b"0.1.8\n",
                                "workers/typescript/package.json": text.encode()})
    sandbox.tag(example_repo, "v0.1.8")
    sandbox.touch(example_repo, "fix", TS)
    assert versions_env(run_cli, example_repo) == expect(
        "0.1.8", "0.1.8", ts="0.1.8.0", npm="0.1.8000")


def test_a_core_tag_alone_marks_a_release(run_cli: RunCli, example_repo: Repo) -> None:
    sandbox.tag(example_repo, "core-v0.1.0")
    sandbox.touch(example_repo, "docs", "README.md")
    # Not the first release, and the tagged commit is the base: a docs change releases nothing.
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.0")
    assert detect_base(run_cli, example_repo) == "core-v0.1.0"
    sandbox.touch(example_repo, "fix", FFI)
    assert versions_env(run_cli, example_repo) == expect(
        "0.1.0", "0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1.0", npm="0.1.1000")


def test_a_binding_tag_alone_marks_a_release(run_cli: RunCli, example_repo: Repo) -> None:
    sandbox.tag(example_repo, "typescript-v0.1.0.0")
    sandbox.touch(example_repo, "docs", "README.md")
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.0")


def test_commit_dates_older_than_the_release_do_not_matter(
    run_cli: RunCli, example_repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    do_release(example_repo)
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2001-01-01T00:00:00+0000")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2001-01-01T00:00:00+0000")
    # More skewed commits than git's date-based walks tolerate (they allow 5).
    for index in range(8):
        sandbox.touch(example_repo, f"skewed {index}", SERVER)
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.1")


# --- never backwards, never reused, always valid on the registry -----------------------------


def test_a_tagged_patch_level_is_never_reused(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R])
    example_repo.out("tag", "ruby-v0.1.0.1", "HEAD~1")  # published from somewhere else
    sandbox.touch(example_repo, "fix", RUBY)
    # P is one more than the highest known on the core: the file's 0 and the tag's 1.
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.0", ruby="0.1.0.2")
    # At a release commit, the tagged plan is what CI publishes: a tag made since that
    # changes it is an error, not a silent other version.
    example_repo.out("tag", "-d", "ruby-v0.1.0.1")
    tag = do_release(example_repo, published=False)
    example_repo.out("tag", "ruby-v0.1.0.1", "HEAD~1")
    err = versions_error(run_cli, example_repo)
    assert (f"HEAD is release {tag}, but the repository no longer gives the versions it planned "
            "(ruby 0.1.0.1 -> 0.1.0.2)") in err
    # Its own component tags are the release's own: a re-run after publishing is fine.
    example_repo.out("tag", "-d", "ruby-v0.1.0.1")
    example_repo.out("tag", "ruby-v0.1.0.1", "HEAD")
    assert versions_env(run_cli, example_repo) == expect("0.1.0", "0.1.0", ruby="0.1.0.1")


def test_a_core_version_is_never_reused(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R])
    example_repo.out("tag", "core-v0.1.1", "HEAD~1")
    sandbox.touch(example_repo, "feat", SERVER)
    err = versions_error(run_cli, example_repo)
    assert "  - core 0.1.1 was already released (tag core-v0.1.1)\n" in err
    assert "  nox -s release -- --core 0.1.2  # core 0.1.2\n" in err


def test_a_binding_version_never_goes_backwards(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R])
    version_rb = "workers/ruby/lib/tasker_core/version.rb"
    text = (example_repo.root / version_rb).read_text(encoding="utf-8")
    commit_files(example_repo, {version_rb: text.replace("'0.1.0.0'", "'0.1.5.3'").encode()})
    err = versions_error(run_cli, example_repo)
    assert ("ruby 0.1.0.1 would go backwards: RubyGems orders it below 0.1.5.3 "
            f"({version_rb})") in err


@pytest.mark.parametrize(
    ("path", "old", "new", "binding"),
    [
        ("workers/ruby/lib/tasker_core/version.rb", "'0.1.0.0'", "'0.1.0.999'", "ruby"),
        ("workers/typescript/package.json", '"0.1.0"', '"0.1.999"', "typescript"),
    ],
)
def test_patch_level_stops_at_999(
    run_cli: RunCli, example_repo: Repo, path: str, old: str, new: str, binding: str
) -> None:
    build(example_repo, [R])
    text = (example_repo.root / path).read_text(encoding="utf-8")
    assert old in text
    commit_files(example_repo, {path: text.replace(old, new).encode()})
    err = versions_error(run_cli, example_repo)
    assert "binding patch level 1000 of 0.1.0.1000 is outside 0..999" in err
    assert "npm rendering X.Y.(Z*1000+P)" in err


# --- the VERSION file --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"\n", b"0.1", b"v0.1.8\n", b"0.01.8\n", b"0.1.8 beta\n", b"0.1.8-rc1\n",
     b"0.1.8\nextra\n", b"0.1.8.0\n", b"version = 0.1.8\n"],
)
def test_bad_version_file_is_an_error_naming_file_and_value(
    run_cli: RunCli, example_repo: Repo, content: bytes
) -> None:
    commit_files(example_repo, {"VERSION": content})
    err = versions_error(run_cli, example_repo)
    shown = repr(content.decode().strip())
    assert f"VERSION: {shown} is not a core version X.Y.Z" in err


@pytest.mark.parametrize(
    "content",
    [b"0.1.7", b"0.1.7\n", b"  0.1.7  \n", b"\n0.1.7\n\n", b"0.1.7\r\n", b"\xef\xbb\xbf0.1.7\n",
     b"\xef\xbb\xbf0.1.7\r\n", b"\t0.1.7\t\r\n"],
)
def test_version_file_whitespace_bom_and_crlf_are_tolerated(
    run_cli: RunCli, example_repo: Repo, content: bytes
) -> None:
    commit_files(example_repo, {"VERSION": content})
    assert versions_env(run_cli, example_repo) == expect(
        "0.1.7", "0.1.7", "0.1.7.0", "0.1.7.0", "0.1.7.0", npm="0.1.7000", publish_core=True)


def test_missing_version_file(run_cli: RunCli, example_repo: Repo) -> None:
    sandbox.change(example_repo, "no VERSION", {"VERSION": None})
    err = versions_error(run_cli, example_repo)
    assert "VERSION: file not found" in err


# --- output -----------------------------------------------------------------------------------


def test_env_output_is_exactly_the_keys(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R, FFI])
    result = run_cli("versions", "--repo", str(example_repo.root), "--format", "env")
    assert result.code == 0
    assert result.out == (
        "CURRENT_CORE_VERSION=0.1.0\nNEXT_CORE_VERSION=0.1.1\nNEXT_RUBY_VERSION=0.1.1.0\n"
        "NEXT_PYTHON_VERSION=0.1.1.0\nNEXT_TYPESCRIPT_VERSION=0.1.1.0\n"
        "NEXT_TYPESCRIPT_NPM_VERSION=0.1.1000\nPUBLISH_CORE=true\n")
    assert "Comparing" in result.err
    sandbox.touch(example_repo, "docs", "README.md")
    do_release(example_repo)
    sandbox.touch(example_repo, "docs", "README.md")
    assert tuple(versions_env(run_cli, example_repo)) == ENV_KEYS


def test_json_and_text_say_why(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R, PYTHON, R, (SERVER, PYTHON)])
    data = versions_json(run_cli, example_repo)
    assert data["first_release"] is False
    assert data["core"]["reasons"] == ["server/client core changed (1 file(s))"]
    assert data["core"]["tag"] == "core-v0.1.1"
    python = next(b for b in data["bindings"] if b["name"] == "python")
    assert python == {
        "name": "python", "env_key": "PYTHON", "registry": "pypi", "package": "tasker-worker-py",
        "current": "0.1.0.1", "next": "0.1.1.0", "rendering": "0.1.1.0",
        "reasons": ["1 binding file(s) changed"], "files": [PYTHON], "tag": "python-v0.1.1.0",
        "skipped": None, "versioning": "two-tier"}
    text = run_cli("versions", "--repo", str(example_repo.root), "--format", "text").out
    lines = text.splitlines()
    assert "  core 0.1.0 -> 0.1.1  (server/client core changed (1 file(s)))" in lines
    assert ("  python       tasker-worker-py 0.1.0.1 -> 0.1.1.0  (1 binding file(s) changed)"
            in lines)
    assert "  ruby         tasker-worker-rb 0.1.0.0 (unchanged)" in lines


# --- an extra binding from release.toml alone ---------------------------------------------------


def add_client_rb(repo: Repo) -> None:
    """release.toml = the built-in layout + tasker-client-rb under clients/ruby, committed."""
    commit_files(repo, {
        config_mod.CONFIG_FILE: client_rb_config().encode(),
        "clients/ruby/lib/tasker_client/version.rb": (
            b"# frozen_string_literal: true\n\nmodule TaskerClient\n"
            b"  VERSION = '0.1.0'\n  RUST_CORE_VERSION = '0.1.0'\nend\n"),
        "clients/ruby/lib/tasker_client.rb": b"require_relative 'tasker_client/version'\n",
    }, "Add tasker-client-rb")


def test_extra_binding_from_release_toml(run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    add_client_rb(repo)
    client_first = {"NEXT_CLIENT_RB_VERSION": "0.1.0.0"}
    first = expect("0.1.0", "0.1.0", "0.1.0.0", "0.1.0.0", "0.1.0.0", npm="0.1.0",
                   publish_core=True)
    assert versions_env(run_cli, repo) == {**first, **client_first}
    assert list(versions_env(run_cli, repo)) == [*ENV_KEYS[:-1], "NEXT_TYPESCRIPT_NPM_VERSION",
                                                 "NEXT_CLIENT_RB_VERSION", "PUBLISH_CORE"]
    do_release(repo)
    version_rb = repo.root / "clients/ruby/lib/tasker_client/version.rb"
    assert "VERSION = '0.1.0.0'" in version_rb.read_text(encoding="utf-8")

    sandbox.touch(repo, "fix", "clients/ruby/lib/tasker_client.rb")
    assert versions_env(run_cli, repo) == {**expect("0.1.0", "0.1.0"),
                                           "NEXT_CLIENT_RB_VERSION": "0.1.0.1"}
    plan = versions_json(run_cli, repo)
    client = plan["bindings"][-1]
    assert (client["name"], client["package"], client["files"], client["tag"]) == (
        "client-rb", "tasker-client-rb", ["clients/ruby/lib/tasker_client.rb"],
        "client-rb-v0.1.0.1")
    text = run_cli("versions", "--repo", str(repo.root), "--format", "text").out
    assert ("  client-rb    tasker-client-rb 0.1.0.0 -> 0.1.0.1  (1 binding file(s) changed)"
            in text.splitlines())
    do_release(repo)

    sandbox.touch(repo, "fix", FFI)
    assert versions_env(run_cli, repo) == {
        **expect("0.1.0", "0.1.1", "0.1.1.0", "0.1.1.0", "0.1.1.0", npm="0.1.1000"),
        "NEXT_CLIENT_RB_VERSION": "0.1.1.0"}


def test_shallow_clone_is_refused(run_cli: RunCli, example_repo: Repo, tmp_path: Path) -> None:
    do_release(example_repo)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{example_repo.root}",
                    str(clone)], check=True)
    err = versions_error(run_cli, Repo(clone), code=5)
    assert "is a shallow clone" in err


# --- histories from before the tool: versions only go up, in each registry's order ---------

VERSION_RB = "workers/ruby/lib/tasker_core/version.rb"


def set_versions(repo: Repo, core: str, files: dict[str, str], message: str) -> None:
    """VERSION and the core crates at ``core`` (through ``update``), the bindings' own files
    at the given texts (three-part versions included, as a tree from before the tool has)."""
    config = config_mod.load(repo.root)
    update.run_update(repo.root, config, CoreVersion.parse(core), {}, dry_run=False)
    for binding, text in files.items():
        if binding == "ruby":
            (repo.root / VERSION_RB).write_text(
                f"# frozen_string_literal: true\n\nmodule TaskerCore\n  VERSION = '{text}'\n"
                f"  RUST_CORE_VERSION = '{core}'\nend\n", encoding="utf-8")
        else:
            path = repo.root / config.binding(binding).primary_file.path
            old = path.read_text(encoding="utf-8")
            key = '"version": "' if path.name == "package.json" else 'version = "'
            start = old.index(key) + len(key)
            path.write_text(old[:start] + text + old[old.index('"', start):], encoding="utf-8")
    sandbox.change(repo, message, {})


@pytest.fixture
def adopted(example_repo: Repo) -> Repo:
    """Published before adopting the tool: core 0.1.8 (v0.1.8, core-v0.1.8) with three-part
    binding versions, the gem and the npm package ahead of the core."""
    set_versions(example_repo, "0.1.8", {"ruby": "0.1.10", "python": "0.1.8",
                                         "typescript": "0.1.10"}, "Release 0.1.8 by hand")
    for name in ("v0.1.8", "core-v0.1.8", "ruby-v0.1.10", "python-v0.1.8", "typescript-v0.1.10"):
        sandbox.tag(example_repo, name)
    return example_repo


def test_a_release_made_by_hand_on_head_is_nothing_to_release(
        run_cli: RunCli, adopted: Repo) -> None:
    # HEAD carries v0.1.8 and a tag of every component, and no plan: it is a release.
    assert versions_env(run_cli, adopted) == expect("0.1.8", "0.1.8")
    plan = versions_json(run_cli, adopted)
    assert plan["base_ref"] == "v0.1.8" and not plan["first_release"]
    dry = run_cli("release", "--repo", str(adopted.root), "--dry-run", "--yes")
    assert dry.code == 0, dry.err
    assert "Nothing to release" in dry.out
    # Without the v0.1.8 tag, the component tags alone say the same.
    adopted.out("tag", "-d", "v0.1.8")
    assert versions_env(run_cli, adopted) == expect("0.1.8", "0.1.8")
    # A component without a tag on HEAD: not a whole release, so HEAD is compared as before.
    adopted.out("tag", "-d", "typescript-v0.1.10")
    assert versions_error(run_cli, adopted)


def test_adopted_history_a_ruby_fix_cannot_go_below_the_published_gem(
        run_cli: RunCli, adopted: Repo) -> None:
    sandbox.touch(adopted, "fix", RUBY)
    err = versions_error(run_cli, adopted)
    assert err.splitlines()[1:] == [
        "error: versions only go up, in each registry's own order, and this plan would not:",
        "  - ruby 0.1.8.0 would go backwards: RubyGems orders it below 0.1.10 (tag ruby-v0.1.10)",
        "Ways out (`versions` takes --core and --bump too, to show the plan first):",
        "  nox -s release -- --core 0.1.10  # core 0.1.10, ruby 0.1.10.1",
        "  nox -s release -- --bump minor   # core 0.2.0, ruby 0.2.0.0",
        "  nox -s release -- --skip ruby    # ruby stays out of this release; it is carried "
        "forward"]
    # VERSIONING.md shows this very output in its worked example.
    doc = (Path(__file__).resolve().parents[2] / "VERSIONING.md").read_text(encoding="utf-8")
    shown = doc[doc.index("\nerror: versions only go up") + 1:].split("\n```")[0]
    assert shown.splitlines() == err.splitlines()[1:]
    assert versions_env(run_cli, adopted, "--core", "0.1.11") == expect(
        "0.1.8", "0.1.11", ruby="0.1.11.0")
    assert versions_env(run_cli, adopted, "--bump", "minor") == expect(
        "0.1.8", "0.2.0", ruby="0.2.0.0")
    # On core 0.1.10 the published gem 0.1.10 is RubyGems' 0.1.10.0: the fix is 0.1.10.1.
    assert versions_env(run_cli, adopted, "--core", "0.1.10") == expect(
        "0.1.8", "0.1.10", ruby="0.1.10.1")
    # The npm package's 0.1.10 was published before the tool: shown as it is.
    text = run_cli("versions", "--repo", str(adopted.root), "--format", "text",
                   "--core", "0.1.10")
    assert "  typescript   @tasker-systems/worker 0.1.10 (unchanged)" in text.out.splitlines()


def test_adopted_history_python_and_typescript(run_cli: RunCli, adopted: Repo) -> None:
    sandbox.touch(adopted, "fix", PYTHON)
    # The wheel published as 0.1.8 is 0.1.8.0 to PyPI: a Python-only fix is 0.1.8.1.
    assert versions_env(run_cli, adopted) == expect("0.1.8", "0.1.8", python="0.1.8.1")
    adopted.out("checkout", "--quiet", "v0.1.8", "--", PYTHON)
    sandbox.touch(adopted, "fix", TS)
    # npm compares renderings as semver: 0.1.8000 is above the published 0.1.10.
    assert versions_env(run_cli, adopted) == expect("0.1.8", "0.1.8", ts="0.1.8.0", npm="0.1.8000")


def test_adopted_history_released_with_core_and_reproduced_at_the_tag(
        run_cli: RunCli, adopted: Repo) -> None:
    sandbox.touch(adopted, "fix", FFI)
    err = versions_error(run_cli, adopted)
    assert [line for line in err.splitlines() if line.startswith("  ")] == [
        "  - ruby 0.1.9.0 would go backwards: RubyGems orders it below 0.1.10 (tag ruby-v0.1.10)",
        "  nox -s release -- --core 0.1.10  # core 0.1.10, ruby 0.1.10.1",
        "  nox -s release -- --bump minor   # core 0.2.0, ruby 0.2.0.0",
        "  nox -s release -- --skip ruby    # ruby stays out of this release; it is carried "
        "forward"]
    planned = versions_env(run_cli, adopted, "--core", "0.1.11")
    assert planned == expect("0.1.8", "0.1.11", "0.1.11.0", "0.1.11.0", "0.1.11.0",
                             npm="0.1.11000")
    plan = versions_json(run_cli, adopted, "--core", "0.1.11")
    assert plan["core_override"] == {"version": "0.1.11", "option": "--core 0.1.11"}
    assert plan["core"]["reasons"] == ["FFI-facing core changed (1 file(s))", "--core 0.1.11"]

    dry = run_cli("release", "--repo", str(adopted.root), "--dry-run", "--yes", "--core", "0.1.11",
                  "--format", "json")
    assert dry.code == 0, dry.err
    assert json.loads(dry.out)["summary"]["plan"] == plan
    assert "--core 0.1.10" in versions_error(run_cli, adopted)  # the error without the option
    tag = do_release(adopted, published=False, core="0.1.11")
    at_tag = run_cli("versions", "--repo", str(adopted.root), "--format", "env")
    assert at_tag.err.count(f"HEAD is release {tag}; analysing its source commit") == 1
    tagged = read_tag_plan(git.tag_message(adopted, tag))
    assert tagged is not None and tagged["core_override"] == plan["core_override"]
    # CI at the tag, without the option: the recorded choice, the same plan.
    assert versions_env(run_cli, adopted) == planned
    assert versions_json(run_cli, adopted) == plan
    assert versions_env(run_cli, adopted, "--core", "0.1.11") == planned
    err = versions_error(run_cli, adopted, "--bump", "minor", code=2)
    assert "HEAD is a release made with --core 0.1.11 (core 0.1.11); --bump minor disagrees" in err
    sandbox.mark_published(adopted, tag)
    assert versions_env(run_cli, adopted) == planned
    sandbox.touch(adopted, "fix", RUBY)
    assert versions_env(run_cli, adopted) == expect("0.1.11", "0.1.11", ruby="0.1.11.1")


def test_a_four_part_tag_above_the_version_file(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R])
    example_repo.out("tag", "ruby-v0.1.3.0")
    sandbox.touch(example_repo, "fix", RUBY)
    err = versions_error(run_cli, example_repo)
    assert ("  - ruby 0.1.0.1 would go backwards: RubyGems orders it below 0.1.3.0 "
            "(tag ruby-v0.1.3.0)") in err
    # The gem 0.1.3.0 was built on core 0.1.3: releasing that core gives the gem P = 1.
    assert "  nox -s release -- --core 0.1.3  # core 0.1.3, ruby 0.1.3.1" in err
    assert versions_env(run_cli, example_repo, "--core", "0.1.3") == expect(
        "0.1.0", "0.1.3", ruby="0.1.3.1")


def test_a_core_tag_above_the_version_file(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R])
    example_repo.out("tag", "core-v0.2.0")
    sandbox.touch(example_repo, "feat", SERVER)
    err = versions_error(run_cli, example_repo)
    assert [line for line in err.splitlines() if line.startswith("  ")] == [
        "  - core 0.1.1 would go backwards: crates.io orders it below 0.2.0 (tag core-v0.2.0)",
        "  nox -s release -- --core 0.2.1  # core 0.2.1",
        "  nox -s release -- --bump major  # core 1.0.0"]
    assert "  - core 0.2.0 was already released (tag core-v0.2.0)" in versions_error(
        run_cli, example_repo, "--bump", "minor")
    # The greatest version in the way is the one named.
    assert "  - core 0.1.5 would go backwards: crates.io orders it below 0.2.0" in versions_error(
        run_cli, example_repo, "--core", "0.1.5")
    assert versions_env(run_cli, example_repo, "--core", "0.2.1") == expect("0.1.0", "0.2.1")


def test_a_release_that_ci_published_without_its_v_tag_is_the_base(
        run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    everything = {"ruby": "0.1.6.0", "python": "0.1.6.0", "typescript": "0.1.6000"}
    set_versions(repo, "0.1.6", everything, "Release 0.1.6")
    for name in ("v0.1.6", "core-v0.1.6", "ruby-v0.1.6.0", "python-v0.1.6.0",
                 "typescript-v0.1.6.0"):
        sandbox.tag(repo, name)
    sandbox.touch(repo, "feat", FFI)
    set_versions(repo, "0.1.7", {"ruby": "0.1.7.0", "python": "0.1.7.0",
                                 "typescript": "0.1.7000"}, "Release 0.1.7")
    # CI published 0.1.7 and tagged each component, then failed before `v0.1.7`.
    published = repo.out("rev-parse", "HEAD")
    for name in ("core-v0.1.7", "ruby-v0.1.7.0", "python-v0.1.7.0", "typescript-v0.1.7.0"):
        sandbox.tag(repo, name, message=f"{name} published")
    sandbox.touch(repo, "fix", PYTHON)
    assert versions_env(run_cli, repo) == expect("0.1.7", "0.1.7", python="0.1.7.1")
    plan = versions_json(run_cli, repo)
    assert plan["base_commit"] == published
    assert plan["base_ref"] in {"core-v0.1.7", "ruby-v0.1.7.0", "python-v0.1.7.0",
                                "typescript-v0.1.7.0"}


def test_core_and_bump_options(run_cli: RunCli, example_repo: Repo) -> None:
    build(example_repo, [R, "README.md"])
    # Nothing changed, yet the core is released at the version asked for.
    assert versions_env(run_cli, example_repo, "--core", "0.1.4") == expect("0.1.0", "0.1.4")
    text = run_cli("versions", "--repo", str(example_repo.root), "--format", "text",
                   "--bump", "major").out
    assert "  core 0.1.0 -> 1.0.0  (--bump major: 1.0.0)" in text.splitlines()
    for args, message in [(("--core", "0.1"), "--core: '0.1' is not a core version X.Y.Z"),
                          (("--core", "0.1.4", "--bump", "minor"), "not allowed with argument"),
                          (("--bump", "patch"), "invalid choice: 'patch'")]:
        assert message in versions_error(run_cli, example_repo, *args, code=2)

    sandbox.touch(example_repo, "fix", RUBY)
    planned = versions_env(run_cli, example_repo, "--bump", "minor")
    assert planned == expect("0.1.0", "0.2.0", ruby="0.2.0.0")
    tag = do_release(example_repo, published=False, bump="minor")
    assert (example_repo.root / "VERSION").read_text(encoding="utf-8") == "0.2.0\n"
    assert (read_tag_plan(git.tag_message(example_repo, tag)) or {})["core_override"] == {
        "version": "0.2.0", "option": "--bump minor"}
    assert versions_env(run_cli, example_repo) == planned
    assert versions_env(run_cli, example_repo, "--bump", "minor") == planned
    assert "--core 0.3.0 disagrees" in versions_error(run_cli, example_repo, "--core", "0.3.0",
                                                       code=2)


def test_a_release_tag_without_a_core_record_is_still_read(run_cli: RunCli,
                                                           example_repo: Repo) -> None:
    build(example_repo, [R, RUBY])
    planned = versions_json(run_cli, example_repo)
    tag = do_release(example_repo, published=False)
    message = git.tag_message(example_repo, tag)
    old = read_tag_plan(message)
    assert old is not None and old.pop("core_override") is None
    example_repo.out("tag", "-d", tag)
    sandbox.tag(example_repo, tag, message=format_tag_message(message.split("\n\n")[0], old))
    assert "core_override" not in (read_tag_plan(git.tag_message(example_repo, tag)) or {})
    assert versions_json(run_cli, example_repo) == planned
    err = versions_error(run_cli, example_repo, "--core", "0.1.5", code=2)
    assert "HEAD is a release made without --core or --bump; --core 0.1.5 cannot change" in err
