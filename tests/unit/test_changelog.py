"""The changelog's grouping, rendering and CHANGELOG.md layout, and the git-cliff command,
without git: commits are built by hand, ``git log`` output is parsed from text."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_tasks.config import load as config
from release_tasks.git import repo as git
from release_tasks.model.paths import PathSet
from release_tasks.plan import changelog, cliff
from release_tasks.plan.changelog import Changelog, Commit, ComponentLog, Released

CONFIG = config.builtin()


def commit(subject: str, body: str = "", sha: str = "") -> Commit:
    return Commit(sha=sha or (str(abs(hash(subject)))[:7] + "0" * 33), subject=subject, body=body)


@pytest.mark.parametrize(("subject", "body", "kind", "scope", "text", "breaking"), [
    ("fix(shared): envelope ordering", "", "fix", "shared", "envelope ordering", False),
    ("feat!: drop the v1 API", "", "feat", None, "drop the v1 API", True),
    ("Feat(ruby)!: new hook", "", "feat", "ruby", "new hook", True),
    ("refactor: split", "BREAKING CHANGE: the env var is gone", "refactor", None, "split", True),
    ("chore: x", "BREAKING-CHANGE: y", "chore", None, "x", True),
    ("Tidy the docs", "", None, None, "Tidy the docs", False),
    ("Update README.md: typo", "", None, None, "Update README.md: typo", False),
    ("fix:no space", "", None, None, "fix:no space", False),
    ("Plain subject", "BREAKING CHANGE: removed", None, None, "Plain subject", True),
])
def test_conventional_subjects_are_read(subject: str, body: str, kind: str | None,
                                        scope: str | None, text: str, breaking: bool) -> None:
    c = commit(subject, body)
    assert (c.kind, c.scope, c.text, c.breaking) == (kind, scope, text, breaking)


def component(*commits: Commit, since: str = "core-v0.1.0") -> ComponentLog:
    return ComponentLog(name="core", package="crates a, b", version="0.1.1", since=since,
                        commits=commits)


def test_grouped_by_type_breaking_first_plain_subjects_last() -> None:
    log = component(commit("docs: readme", sha="d" * 40), commit("fix(shared): a", sha="a" * 40),
                    commit("feat(x)!: b", sha="b" * 40), commit("Tidy up", sha="c" * 40),
                    commit("feat: e", sha="e" * 40), commit("wip: f", sha="f" * 40))
    titles = [(t, [c.sha[0] for c in cs]) for t, cs in log.groups()]
    assert titles == [("Breaking changes", ["b"]), ("Features", ["e"]), ("Fixes", ["a"]),
                      ("Documentation", ["d"]), ("Wip", ["f"]), ("Other changes", ["c"])]
    text = log.markdown()
    assert text.startswith("### core 0.1.1\n\ncrates a, b: changes since core-v0.1.0.\n\n"
                           "#### Breaking changes\n\n- **x**: b (bbbbbbb)\n\n#### Features\n")
    assert text.index("#### Fixes") < text.index("#### Documentation") < text.index("#### Other")


def test_plain_subjects_stay_as_they_are_breaking_ones_first() -> None:
    log = component(commit("Tidy up", sha="a" * 40),
                    commit("Remove the v1 API", "BREAKING CHANGE: gone", sha="b" * 40))
    assert [(t, len(cs)) for t, cs in log.groups()] == [("Breaking changes", 1), ("", 1)]
    assert log.body() == "#### Breaking changes\n\n- Remove the v1 API (bbbbbbb)\n\n- Tidy up (aaaaaaa)"
    only_plain = component(commit("Tidy up", sha="a" * 40))
    assert only_plain.body() == "- Tidy up (aaaaaaa)"


def test_no_commit_of_its_own_says_it_is_carried_forward() -> None:
    assert "carried forward" in component(since="python-v0.1.0.0").body()
    assert "first release" in component(commit("x"), since="").markdown()


def test_git_cliff_output_replaces_the_entries() -> None:
    log = ComponentLog(name="ruby", package="gem", version="0.1.1.0", since="ruby-v0.1.0.0",
                       commits=(commit("fix: a"),), rendered="\n### Bug Fixes\n- a\n")
    assert log.body() == "### Bug Fixes\n- a"


def test_the_release_section_and_changelog_md() -> None:
    section = Changelog(title="release-20261207-1800", date="2026-12-07",
                        components=(component(commit("fix: a", sha="a" * 40)),)).markdown()
    assert section.startswith("## release-20261207-1800 (2026-12-07)\n\n### core 0.1.1\n")
    new = changelog.prepend(None, section)
    assert new.startswith("# Changelog\n\n") and new.endswith("- a (aaaaaaa)\n")
    later = changelog.prepend(new, "## release-2 (2026-12-08)\n\n### core 0.1.2\n")
    assert later.index("## release-2") < later.index("## release-20261207-1800")
    assert later.startswith(new.split("## ")[0].rstrip("\n") + "\n\n## release-2")
    # A hand-written changelog keeps its heading, its introduction and its old sections.
    mine = "# History\n\nSee below.\n\n## 0.1.0\n\n- first\n"
    assert changelog.prepend(mine, "## r2 (d)\n\n- x\n") == (
        "# History\n\nSee below.\n\n## r2 (d)\n\n- x\n\n## 0.1.0\n\n- first\n")
    assert changelog.prepend("# Only a heading\n", "## r (d)\n") == "# Only a heading\n\n## r (d)\n"


def test_git_log_output_is_parsed_with_paths() -> None:
    out = ("\x1e" + "a" * 40 + "\x1ffix: x\x1fbody line\n\nBREAKING CHANGE: y\n\x1f\n\na/b.rs\nc\n"
           "\x1e" + "b" * 40 + "\x1fPlain\x1f\x1f\n\nd.txt\n")
    first, second = changelog.parse_log(out)
    assert (first.sha, first.subject, first.paths, first.breaking) == ("a" * 40, "fix: x",
                                                                       ("a/b.rs", "c"), True)
    assert (second.subject, second.body, second.paths) == ("Plain", "", ("d.txt",))
    assert "--no-merges" in changelog.log_args()


def test_ranges_and_the_nearest_tag_come_from_the_history_shape() -> None:
    #  a - b - c (tag x-v1) - d - e (HEAD, tag x-v2 on HEAD itself is not a base)
    #       \- f (tag x-v9, on a branch HEAD does not have)
    parents = {"e": ("d",), "d": ("c",), "c": ("b",), "b": ("a",), "a": ()}
    tagged = {"c": ["x-v1"], "e": ["x-v2"], "f": ["x-v9"]}
    assert changelog.nearest(parents, "e", tagged, "x-v") == "x-v1"
    assert changelog.nearest(parents, "e", tagged, "y-v") is None
    assert changelog.reachable(parents, "e") - changelog.reachable(parents, "c") == {"d", "e"}
    assert changelog.reachable(parents, "f") == set()  # not in the history: nothing excluded


def test_a_binding_covers_the_core_groups_that_propagate_to_it() -> None:
    ruby = changelog.component_paths(CONFIG, "ruby")
    assert ruby.matches("workers/ruby/lib/x.rb")
    assert ruby.matches("tasker-shared/src/lib.rs")  # the FFI-facing group propagates
    assert not ruby.matches("tasker-orchestration/src/lib.rs")  # the server group does not
    core = changelog.component_paths(CONFIG, "core")
    assert core.matches("tasker-orchestration/src/lib.rs") and not core.matches("workers/ruby/x")


def test_git_cliff_is_asked_for_the_same_commits_and_paths(tmp_path: Path) -> None:
    item = Released("ruby", "tasker-worker-rb", "0.1.1.0", "ruby-v")
    argv = cliff.argv("/bin/git-cliff", tmp_path, item, "b" * 40, "h" * 40, ["r" * 40],
                      PathSet(("workers/ruby", "src/**")))
    assert argv[:2] == ["/bin/git-cliff", "--config"]
    assert argv[argv.index("--tag-pattern") + 1] == "^ruby\\-v"
    assert argv[argv.index("--tag") + 1] == "ruby-v0.1.1.0"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--include-path"] == [
        "workers/ruby", "workers/ruby/**", "src/**"]
    assert argv[argv.index("--skip-commit") + 1] == "r" * 40
    assert argv[-1] == f"{'b' * 40}..{'h' * 40}"
    assert not cliff.argv("g", tmp_path, item, git.EMPTY_TREE, "h", [], PathSet(("a",)))[-1].endswith(
        "..h")
    assert cliff.renderer(tmp_path, "h") is None  # no cliff.toml: the built-in format
