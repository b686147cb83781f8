"""``detect`` on real git repositories built from the example monorepo.

Each test builds its history with git itself (commits, tags, renames, merges of unrelated
histories, shallow clones) and runs the CLI in-process. Expected values are exact: the
component flags, the base ref, and the files that triggered each component.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from release_tasks import sandbox
from release_tasks.config import load as config_mod
from release_tasks.git import repo as git
from release_tasks.git.repo import Repo
from tests.support import RunCli, client_rb_config, parse_env, stage_env, stage_json

pytestmark = pytest.mark.integration

ENV_KEYS = ("CHANGES_BASE_REF", "FFI_CORE_CHANGED", "SERVER_CORE_CHANGED", "CORE_CHANGED",
            "RUBY_CHANGED", "PYTHON_CHANGED", "TYPESCRIPT_CHANGED")
GROUPS = ("ffi", "server")
BINDINGS = ("ruby", "python", "typescript")
BASE_TAG = "release-20260101-0900"

# One change: ("write", path) appends a line (creating the file), ("delete", path),
# ("rename", old, new) is a pure `git mv`, ("chmod", path) makes a file executable.
Op = tuple[str, ...]


def apply(repo: Repo, *ops: Op, message: str = "change") -> str:
    """Make ``ops`` in the work tree and commit them all; return the commit id."""
    for kind, path, *rest in ops:
        file = repo.root / path
        if kind == "write":
            file.parent.mkdir(parents=True, exist_ok=True)
            old = file.read_text(encoding="utf-8") if file.is_file() else ""
            file.write_text(f"{old}# {message}\n", encoding="utf-8")
        elif kind == "delete":
            repo.out("rm", "--quiet", "--", path)
        elif kind == "rename":
            (repo.root / rest[0]).parent.mkdir(parents=True, exist_ok=True)
            repo.out("mv", "--", path, rest[0])
        elif kind == "chmod":
            file.chmod(0o755)
        else:  # pragma: no cover - a typo in a table
            raise AssertionError(f"unknown op {kind!r}")
    repo.out("add", "--all")
    repo.out("commit", "--quiet", "-m", message)
    return repo.out("rev-parse", "HEAD")


def detect_env(run_cli: RunCli, repo: Repo, *args: str) -> dict[str, str]:
    return stage_env(run_cli, "detect", repo.root, *args)


def detect_json(run_cli: RunCli, repo: Repo, *args: str) -> dict[str, object]:
    return stage_json(run_cli, "detect", repo.root, *args)


def expected_env(base: str, files: Mapping[str, list[str]]) -> dict[str, str]:
    """The env answer for a base ref and the components that have files."""
    def flag(*names: str) -> str:
        return "true" if any(files.get(n) for n in names) else "false"

    return {"CHANGES_BASE_REF": base, "FFI_CORE_CHANGED": flag("ffi"),
            "SERVER_CORE_CHANGED": flag("server"), "CORE_CHANGED": flag(*GROUPS),
            "RUBY_CHANGED": flag("ruby"), "PYTHON_CHANGED": flag("python"),
            "TYPESCRIPT_CHANGED": flag("typescript")}


def files_by_component(data: Mapping[str, object]) -> dict[str, list[str]]:
    files = data["files"]
    assert isinstance(files, dict)
    found: dict[str, list[str]] = {}
    for kind in ("core", "bindings"):
        for name, paths in files[kind].items():
            if paths:
                found[name] = paths
    return found


@pytest.fixture
def released(example_repo: Repo) -> Repo:
    """The example monorepo with a hand-made release tag on its only commit."""
    sandbox.tag(example_repo, BASE_TAG)
    return example_repo


# --- which component a change belongs to ---------------------------------------------------

CHANGES: list[tuple[str, list[Op], dict[str, list[str]]]] = [
    ("docs-only", [("write", "README.md"), ("write", "docs/guide.md")], {}),
    ("ffi-modified", [("write", "tasker-pgmq/src/lib.rs")], {"ffi": ["tasker-pgmq/src/lib.rs"]}),
    ("ffi-added", [("write", "tasker-worker/src/extra.rs")],
     {"ffi": ["tasker-worker/src/extra.rs"]}),
    ("ffi-deleted", [("delete", "tasker-shared/src/lib.rs")],
     {"ffi": ["tasker-shared/src/lib.rs"]}),
    ("root-manifest", [("write", "Cargo.toml")], {"ffi": ["Cargo.toml"]}),
    ("cargo-lock-only", [("write", "Cargo.lock")], {"ffi": ["Cargo.lock"]}),
    ("server-only", [("write", "tasker-orchestration/src/lib.rs"), ("write", "tasker-cli/src/main.rs")],
     {"server": ["tasker-cli/src/main.rs", "tasker-orchestration/src/lib.rs"]}),
    ("server-client-crate", [("write", "tasker-client/src/lib.rs")],
     {"server": ["tasker-client/src/lib.rs"]}),
    ("ruby-modified", [("write", "workers/ruby/lib/tasker_core.rb")],
     {"ruby": ["workers/ruby/lib/tasker_core.rb"]}),
    ("python-added", [("write", "workers/python/python/tasker_worker/extra.py")],
     {"python": ["workers/python/python/tasker_worker/extra.py"]}),
    ("typescript-deleted", [("delete", "workers/typescript/tsconfig.json")],
     {"typescript": ["workers/typescript/tsconfig.json"]}),
    ("mode-change", [("chmod", "workers/ruby/Rakefile")], {"ruby": ["workers/ruby/Rakefile"]}),
    ("rename-within-component",
     [("rename", "workers/ruby/lib/tasker_core.rb", "workers/ruby/lib/tasker_core/core.rb")],
     {"ruby": ["workers/ruby/lib/tasker_core.rb", "workers/ruby/lib/tasker_core/core.rb"]}),
    ("rename-out-of-component",
     [("rename", "workers/ruby/lib/tasker_core.rb", "workers/python/python/tasker_core.rb")],
     {"ruby": ["workers/ruby/lib/tasker_core.rb"],
      "python": ["workers/python/python/tasker_core.rb"]}),
    ("rename-core-to-docs", [("rename", "tasker-pgmq/src/lib.rs", "docs/pgmq.rs")],
     {"ffi": ["tasker-pgmq/src/lib.rs"]}),
    ("rename-into-component", [("rename", "README.md", "workers/typescript/README.md")],
     {"typescript": ["workers/typescript/README.md"]}),
    ("look-alike-paths",
     [("write", p) for p in ("tasker-pgmq-extra/x", "workers/rubyish/x", "tasker-shared.md",
                             "workers/ruby.md", "docs/tasker-worker/x", "Cargo.toml.bak",
                             "sub/Cargo.lock", "tasker-orchestrationx/y", "workers/python2/x",
                             "workers/typescript-old/x", "xtasker-cli/y")], {}),
    ("unpublished-crates", [("write", "workers/rust/src/main.rs"), ("write", "src/lib.rs")], {}),
    ("odd-file-names",
     [("write", "workers/ruby/lib/with space ü.rb"), ("write", 'workers/python/"quoted".py')],
     {"ruby": ["workers/ruby/lib/with space ü.rb"], "python": ['workers/python/"quoted".py']}),
    ("ffi-and-binding", [("write", "tasker-worker/src/lib.rs"),
                         ("write", "workers/typescript/src/index.ts")],
     {"ffi": ["tasker-worker/src/lib.rs"], "typescript": ["workers/typescript/src/index.ts"]}),
    ("everything", [("write", "tasker-shared/src/lib.rs"), ("write", "tasker-cli/src/lib.rs"),
                    ("write", "workers/ruby/Gemfile"), ("write", "workers/python/src/lib.rs"),
                    ("write", "workers/typescript/src-rust/lib.rs")],
     {"ffi": ["tasker-shared/src/lib.rs"], "server": ["tasker-cli/src/lib.rs"],
      "ruby": ["workers/ruby/Gemfile"], "python": ["workers/python/src/lib.rs"],
      "typescript": ["workers/typescript/src-rust/lib.rs"]}),
]


@pytest.mark.parametrize(("ops", "files"), [pytest.param(o, f, id=i) for i, o, f in CHANGES])
def test_change_is_assigned_to_its_components(
    run_cli: RunCli, released: Repo, ops: list[Op], files: dict[str, list[str]]
) -> None:
    apply(released, *ops)
    assert detect_env(run_cli, released) == expected_env(BASE_TAG, files)
    data = detect_json(run_cli, released)
    assert files_by_component(data) == files
    # A rename counts its old and its new path.
    assert data["paths_changed"] == sum(2 if op[0] == "rename" else 1 for op in ops)


def test_changes_across_several_commits_add_up(run_cli: RunCli, released: Repo) -> None:
    apply(released, ("write", "workers/ruby/Gemfile"))
    apply(released, ("write", "README.md"))
    apply(released, ("write", "tasker-orchestration/src/lib.rs"))
    data = detect_json(run_cli, released)
    assert files_by_component(data) == {"server": ["tasker-orchestration/src/lib.rs"],
                                        "ruby": ["workers/ruby/Gemfile"]}
    assert data["paths_changed"] == 3


def test_a_reverted_change_is_no_change(run_cli: RunCli, released: Repo) -> None:
    apply(released, ("write", "tasker-shared/src/lib.rs"))
    released.out("revert", "--no-edit", "HEAD")
    assert detect_env(run_cli, released) == expected_env(BASE_TAG, {})


# --- the base of the comparison -----------------------------------------------------------


def test_base_is_the_newest_release_tag_reachable(run_cli: RunCli, released: Repo) -> None:
    apply(released, ("write", "tasker-shared/src/lib.rs"))
    sandbox.tag(released, "release-20260108-0900", message="second release")
    apply(released, ("write", "workers/python/src/lib.rs"))
    assert detect_env(run_cli, released) == expected_env(
        "release-20260108-0900", {"python": ["x"]})


def test_release_tag_on_an_unmerged_branch_is_not_a_base(run_cli: RunCli, released: Repo) -> None:
    released.out("checkout", "--quiet", "-b", "side")
    apply(released, ("write", "tasker-cli/src/lib.rs"))
    sandbox.tag(released, "release-20260201-0900")
    released.out("checkout", "--quiet", "main")
    apply(released, ("write", "workers/ruby/Gemfile"))
    assert detect_env(run_cli, released) == expected_env(BASE_TAG, {"ruby": ["x"]})


def test_the_nearest_release_tag_is_the_base_whatever_its_pattern(
    run_cli: RunCli, released: Repo
) -> None:
    apply(released, ("write", "tasker-pgmq/src/lib.rs"))
    sandbox.tag(released, "v0.1.1")
    apply(released, ("write", "workers/ruby/Gemfile"))
    assert detect_env(run_cli, released) == expected_env("v0.1.1", {"ruby": ["x"]})


def test_component_tags_mark_a_release_without_a_release_tag(
    run_cli: RunCli, example_repo: Repo
) -> None:
    sandbox.tag(example_repo, "v0.1.0", message="v0.1.0")
    sandbox.tag(example_repo, "core-v0.1.0")
    marked = apply(example_repo, ("write", "tasker-pgmq/src/lib.rs"))
    sandbox.tag(example_repo, "core-v0.1.1")
    apply(example_repo, ("write", "workers/typescript/src/index.ts"))
    assert detect_env(run_cli, example_repo) == expected_env(
        "core-v0.1.1", {"typescript": ["x"]})
    assert detect_json(run_cli, example_repo)["base_commit"] == marked


@pytest.mark.parametrize("tag", ["core-v0.1.0", "ruby-v0.1.10", "python-v0.1.8.0",
                                 "typescript-v0.1.10"])
def test_any_component_tag_marks_a_release(run_cli: RunCli, example_repo: Repo,
                                           tag: str) -> None:
    sandbox.tag(example_repo, tag)
    apply(example_repo, ("write", "workers/ruby/Gemfile"))
    assert detect_env(run_cli, example_repo) == expected_env(tag, {"ruby": ["x"]})


def test_a_release_tag_on_the_marked_commit_is_the_ref_shown(
    run_cli: RunCli, example_repo: Repo
) -> None:
    # Component tags made after the release tag (CI's publishes): the release tag is shown,
    # since its plan is what carry-forward reads.
    sandbox.tag(example_repo, BASE_TAG, message="release")
    for tag in ("core-v0.1.0", "ruby-v0.1.0.0", "typescript-v0.1.0.0"):
        sandbox.tag(example_repo, tag, message=f"{tag} published")
    apply(example_repo, ("write", "workers/ruby/Gemfile"))
    assert detect_env(run_cli, example_repo)["CHANGES_BASE_REF"] == BASE_TAG


def test_a_release_whose_v_tag_is_missing_still_marks_the_base(
    run_cli: RunCli, example_repo: Repo
) -> None:
    """CI published 0.1.7 (its component tags exist) and failed before tagging v0.1.7."""
    for tag in ("v0.1.6", "core-v0.1.6", "ruby-v0.1.6.0"):
        sandbox.tag(example_repo, tag, message=tag)
    apply(example_repo, ("write", "tasker-shared/src/lib.rs"), message="feat")
    published = apply(example_repo, ("write", "VERSION"), message="Release 0.1.7")
    for tag in ("core-v0.1.7", "ruby-v0.1.7.0", "python-v0.1.7.0", "typescript-v0.1.7.0"):
        sandbox.tag(example_repo, tag, message=f"{tag} published")
    apply(example_repo, ("write", "workers/python/src/lib.rs"))
    data = detect_json(run_cli, example_repo)
    assert data["base_commit"] == published
    assert data["CHANGES_BASE_REF"] in {"core-v0.1.7", "ruby-v0.1.7.0", "python-v0.1.7.0",
                                        "typescript-v0.1.7.0"}
    # Only the Python change since: the 0.1.7 core change is not counted a second time.
    assert files_by_component(data) == {"python": ["workers/python/src/lib.rs"]}


@pytest.mark.parametrize("annotated", [False, True], ids=["lightweight", "annotated"])
def test_release_tag_on_head_compares_with_the_previous_one(
    run_cli: RunCli, released: Repo, annotated: bool
) -> None:
    apply(released, ("write", "workers/ruby/Gemfile"))
    sandbox.tag(released, "release-20260301-0900", message="by hand" if annotated else None)
    assert detect_env(run_cli, released) == expected_env(BASE_TAG, {"ruby": ["x"]})


def test_first_release_compares_with_the_empty_tree(run_cli: RunCli, example_repo: Repo) -> None:
    everything = {"ffi": ["x"], "server": ["x"], "ruby": ["x"], "python": ["x"], "typescript": ["x"]}
    assert detect_env(run_cli, example_repo) == expected_env(git.EMPTY_TREE, everything)
    data = detect_json(run_cli, example_repo)
    tracked = example_repo.out("ls-files").splitlines()
    assert data["paths_changed"] == len(tracked)
    text = run_cli("detect", "--repo", str(example_repo.root), "--format", "text").out
    assert text.splitlines()[0].endswith(
        f"since the beginning of history (first release): {len(tracked)} path(s)")
    assert files_by_component(data)["ffi"] == [
        "Cargo.lock", "Cargo.toml", "tasker-pgmq/Cargo.toml", "tasker-pgmq/src/lib.rs",
        "tasker-shared/Cargo.toml", "tasker-shared/src/lib.rs", "tasker-worker/Cargo.toml",
        "tasker-worker/src/lib.rs"]
    # A release tag by hand on the only commit: still nothing before it; nor with component
    # tags on it.
    sandbox.tag(example_repo, BASE_TAG)
    sandbox.tag(example_repo, "ruby-v0.1.0.0")
    assert detect_env(run_cli, example_repo) == expected_env(git.EMPTY_TREE, everything)


def test_several_root_commits(run_cli: RunCli, released: Repo, tmp_path: Path) -> None:
    other = Repo(tmp_path / "other")
    other.root.mkdir()
    other.out("init", "--quiet", "--initial-branch=main")
    for rel in ("workers/ruby/contrib/extra.rb", "tasker-cli/contrib/notes.md", "LICENSE-OTHER"):
        (other.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (other.root / rel).write_text("imported\n", encoding="utf-8")
    other.out("add", "--all")
    other.out("-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "unrelated history")
    released.out("fetch", "--quiet", str(other.root), "main")
    released.out("merge", "--quiet", "--no-edit", "--allow-unrelated-histories", "FETCH_HEAD")
    assert len(released.out("rev-list", "--max-parents=0", "HEAD").split()) == 2

    imported = {"server": ["tasker-cli/contrib/notes.md"], "ruby": ["workers/ruby/contrib/extra.rb"]}
    assert files_by_component(detect_json(run_cli, released)) == imported
    # Without any tag, both histories are new: the empty tree is the base.
    released.out("tag", "-d", BASE_TAG)
    data = detect_json(run_cli, released)
    assert data["CHANGES_BASE_REF"] == git.EMPTY_TREE
    assert data["paths_changed"] == len(released.out("ls-files").splitlines())
    assert "workers/ruby/contrib/extra.rb" in files_by_component(data)["ruby"]


# --- --from -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "files"),
    [
        ("HEAD~1", {"ruby": ["workers/ruby/Gemfile"]}),
        ("HEAD~2", {"ffi": ["tasker-pgmq/src/lib.rs"], "ruby": ["workers/ruby/Gemfile"]}),
        ("first-change", {"ruby": ["workers/ruby/Gemfile"]}),
        ("side", {"ruby": ["workers/ruby/Gemfile"]}),
        (BASE_TAG, {"ffi": ["tasker-pgmq/src/lib.rs"], "ruby": ["workers/ruby/Gemfile"]}),
        ("HEAD", {}),
    ],
)
def test_from_any_ref(run_cli: RunCli, released: Repo, ref: str, files: dict[str, list[str]]) -> None:
    first = apply(released, ("write", "tasker-pgmq/src/lib.rs"))
    sandbox.tag(released, "first-change", message="annotated, not a release tag")
    released.out("branch", "side")
    apply(released, ("write", "workers/ruby/Gemfile"))
    env = detect_env(run_cli, released, "--from", ref)
    assert env == expected_env(ref, files)
    assert files_by_component(detect_json(run_cli, released, "--from", ref)) == files
    # A full commit id works as well as a name.
    if ref == "first-change":
        assert detect_env(run_cli, released, "--from", first) == expected_env(first, files)


@pytest.mark.parametrize("ref", ["no-such-tag", "release-29990101-0000", "HEAD~9", "deadbeef"])
def test_from_unknown_ref_is_a_clear_error(run_cli: RunCli, released: Repo, ref: str) -> None:
    result = run_cli("detect", "--repo", str(released.root), "--format", "env", "--from", ref)
    assert result.code == 5
    assert result.out == ""
    assert f"unknown git ref {ref!r}" in result.err
    assert "Traceback" not in result.err


# --- output formats -----------------------------------------------------------------------


def test_env_output_is_exactly_the_keys_and_logs_go_to_stderr(run_cli: RunCli, released: Repo) -> None:
    apply(released, ("write", "tasker-cli/src/main.rs"))
    result = run_cli("detect", "--repo", str(released.root), "--format", "env")
    assert result.code == 0
    assert result.out == (
        f"CHANGES_BASE_REF={BASE_TAG}\nFFI_CORE_CHANGED=false\nSERVER_CORE_CHANGED=true\n"
        "CORE_CHANGED=true\nRUBY_CHANGED=false\nPYTHON_CHANGED=false\nTYPESCRIPT_CHANGED=false\n")
    assert tuple(parse_env(result.out)) == ENV_KEYS
    assert f"to {BASE_TAG}" in result.err
    # Without --format and without a terminal, env is the default.
    assert run_cli("detect", "--repo", str(released.root)).out == result.out


def test_json_output_has_the_env_keys_and_the_triggering_files(
    run_cli: RunCli, released: Repo
) -> None:
    head = apply(released, ("write", "tasker-worker/src/lib.rs"), ("write", "workers/ruby/Gemfile"),
                 ("write", "README.md"))
    data = detect_json(run_cli, released)
    assert {k: data[k] for k in ENV_KEYS} == {
        "CHANGES_BASE_REF": BASE_TAG, "FFI_CORE_CHANGED": True, "SERVER_CORE_CHANGED": False,
        "CORE_CHANGED": True, "RUBY_CHANGED": True, "PYTHON_CHANGED": False,
        "TYPESCRIPT_CHANGED": False}
    assert data["files"] == {
        "core": {"ffi": ["tasker-worker/src/lib.rs"], "server": []},
        "bindings": {"ruby": ["workers/ruby/Gemfile"], "python": [], "typescript": []}}
    assert data["head_commit"] == head
    assert data["base_commit"] == released.out("rev-parse", BASE_TAG)
    assert data["paths_changed"] == 3
    assert data["release_tag"] is None


def test_text_output_says_why(run_cli: RunCli, released: Repo) -> None:
    apply(released, ("write", "tasker-shared/src/lib.rs"), ("write", "workers/python/src/lib.rs"))
    result = run_cli("detect", "--repo", str(released.root), "--format", "text")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].endswith(f"since {BASE_TAG}: 2 path(s)")
    assert lines[1] == ("  FFI-facing core: changed (1 file(s): tasker-shared/src/lib.rs) -> release "
                        "every core crate and rebuild ruby, python, typescript at .0")
    assert lines[2] == "  server/client core: unchanged"
    assert lines[3] == "  ruby binding: unchanged"
    assert lines[4] == ("  python binding: changed (1 file(s): workers/python/src/lib.rs) -> "
                        "release the binding")
    assert lines[5] == "  typescript binding: unchanged"


# --- an extra binding, from release.toml alone ---------------------------------------------


def write_client_rb_config(repo: Repo) -> None:
    """release.toml = the built-in layout + tasker-client-rb under clients/ruby."""
    (repo.root / config_mod.CONFIG_FILE).write_text(client_rb_config(), encoding="utf-8")
    version_rb = repo.root / "clients/ruby/lib/tasker_client/version.rb"
    version_rb.parent.mkdir(parents=True)
    version_rb.write_text("# frozen_string_literal: true\n\nmodule TaskerClient\n"
                          "  VERSION = '0.1.0'\n  RUST_CORE_VERSION = '0.1.0'\nend\n",
                          encoding="utf-8")
    repo.out("add", "--all")
    repo.out("commit", "--quiet", "-m", "Add tasker-client-rb")


def test_extra_binding_from_release_toml_is_detected(run_cli: RunCli, example_repo: Repo) -> None:
    write_client_rb_config(example_repo)
    assert [b.name for b in config_mod.load(example_repo.root).bindings] == [
        *BINDINGS, "client-rb"]
    sandbox.tag(example_repo, BASE_TAG)
    apply(example_repo, ("write", "clients/ruby/lib/tasker_client.rb"),
          ("write", "clients/rubyish/x"))
    env = detect_env(run_cli, example_repo)
    assert env == {**expected_env(BASE_TAG, {}), "CLIENT_RB_CHANGED": "true"}
    assert tuple(env) == (*ENV_KEYS, "CLIENT_RB_CHANGED")
    data = detect_json(run_cli, example_repo)
    assert data["CLIENT_RB_CHANGED"] is True
    assert files_by_component(data) == {"client-rb": ["clients/ruby/lib/tasker_client.rb"]}
    text = run_cli("detect", "--repo", str(example_repo.root), "--format", "text").out
    assert ("  client-rb binding: changed (1 file(s): clients/ruby/lib/tasker_client.rb) -> "
            "release the binding") in text.splitlines()


# --- repositories detection cannot trust ---------------------------------------------------


def test_shallow_clone_is_refused_with_an_explanation(
    run_cli: RunCli, released: Repo, tmp_path: Path
) -> None:
    apply(released, ("write", "workers/ruby/Gemfile"))
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{released.root}", str(clone)],
                   check=True)
    for stage in ("detect", "versions"):
        result = run_cli(stage, "--repo", str(clone), "--format", "env")
        assert result.code == 5, result.err
        assert result.out == ""
        assert "shallow clone" in result.err
        assert "fetch-depth: 0" in result.err
        assert "git fetch --unshallow --tags" in result.err


def test_not_a_git_repository(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = run_cli("detect", "--repo", str(plain), "--format", "env")
    assert (result.code, result.out) == (5, "")
    assert f"{plain} is not inside a git repository" in result.err


def test_repository_without_commits(run_cli: RunCli, tmp_path: Path) -> None:
    empty = Repo(tmp_path / "empty")
    empty.root.mkdir()
    empty.out("init", "--quiet")
    result = run_cli("detect", "--repo", str(empty.root), "--format", "env")
    assert (result.code, result.out) == (5, "")
    assert "has no commits yet" in result.err


def test_missing_repository_directory(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("detect", "--repo", str(tmp_path / "nowhere"), "--format", "env")
    assert (result.code, result.out) == (2, "")
    assert "not a directory" in result.err
