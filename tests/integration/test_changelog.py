"""The changelog on real git histories of the example: per component since its own last tag,
a binding with the core groups that propagate to it, release commits left out; and
git-cliff's rendering where the repository keeps a ``cliff.toml``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from release_tasks import sandbox
from release_tasks.git.repo import Repo
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

CLIFF_TOML = '''[changelog]
header = ""
body = """
{% for group, commits in commits | group_by(attribute="group") %}
#### cliff: {{ group }}
{% for commit in commits %}
- {{ commit.message | upper_first }}
{%- endfor %}
{% endfor %}
"""
trim = true

[git]
conventional_commits = true
filter_unconventional = false
commit_parsers = [
  { message = "^feat", group = "Added" },
  { message = "^fix", group = "Fixed" },
  { message = ".*", group = "Other" },
]
'''


def dry_run(run_cli: RunCli, repo: Repo) -> dict[str, Any]:
    result = run_cli("release", "--dry-run", "--format", "json", "--repo", str(repo.root))
    assert result.code == 0, result.err
    summary: dict[str, Any] = json.loads(result.out)["summary"]
    return summary


def first_release(run_cli: RunCli, repo: Repo) -> str:
    result = run_cli("release", "--yes", "--repo", str(repo.root))
    assert result.code == 0, result.err
    tag = repo.out("tag", "--list", "release-*")
    sandbox.mark_published(repo, tag)
    return tag


def history(repo: Repo) -> dict[str, str]:
    """A breaking FFI-facing fix, a Ruby feature, a plain server change, a README edit."""
    return {
        "shared": sandbox.touch(repo, "fix(shared)!: envelope ordering", "tasker-shared/src/lib.rs"),
        "ruby": sandbox.touch(repo, "feat(ruby): cleanup hook", "workers/ruby/lib/tasker_core.rb"),
        "server": sandbox.touch(repo, "Faster claims", "tasker-orchestration/src/lib.rs"),
        "readme": sandbox.touch(repo, "docs: the README", "README.md"),
    }


def test_each_component_lists_its_own_commits_grouped(run_cli: RunCli,
                                                      example_repo: Repo) -> None:
    repo = example_repo
    first = first_release(run_cli, repo)
    commits = history(repo)

    summary = dry_run(run_cli, repo)

    logs = {c["name"]: c for c in summary["changelog"]["components"]}
    assert list(logs) == ["core", "ruby", "python", "typescript"]
    subjects = {name: [c["sha"] for c in log["commits"]] for name, log in logs.items()}
    assert subjects["core"] == [commits["server"], commits["shared"]]  # newest first
    assert subjects["ruby"] == [commits["ruby"], commits["shared"]]
    assert subjects["python"] == subjects["typescript"] == [commits["shared"]]
    assert logs["ruby"]["since"] == "ruby-v0.1.0.0" and logs["core"]["since"] == "core-v0.1.0"
    ruby = logs["ruby"]["markdown"]
    assert ruby.index("#### Breaking changes") < ruby.index("**shared**: envelope ordering") \
        < ruby.index("#### Features") < ruby.index("**ruby**: cleanup hook")
    core = logs["core"]["markdown"]
    assert "#### Other changes\n\n- Faster claims (" in core
    markdown = summary["changelog"]["markdown"]
    assert markdown.startswith(f"## {summary['release_tag']} (")
    assert first not in json.dumps(summary["changelog"]["components"])  # own tags, not the release
    assert "Import tasker-core" not in markdown and "Release core" not in markdown
    assert "CHANGELOG.md" in summary["files"]
    text = run_cli("release", "--dry-run", "--repo", str(repo.root)).out
    assert "Changelog (prepended to CHANGELOG.md, repeated in the tag):" in text
    assert "  #### Breaking changes" in text


def test_a_repository_with_cliff_toml_gets_git_cliffs_rendering(run_cli: RunCli,
                                                               example_repo: Repo) -> None:
    require_tool("git-cliff")
    repo = example_repo
    sandbox.change(repo, "Keep a cliff.toml", {"cliff.toml": CLIFF_TOML})
    first_release(run_cli, repo)
    history(repo)

    summary = dry_run(run_cli, repo)

    logs = {c["name"]: c["markdown"] for c in summary["changelog"]["components"]}
    assert "#### cliff: Added\n\n- Cleanup hook" in logs["ruby"]
    assert "#### cliff: Fixed\n\n- Envelope ordering" in logs["ruby"]
    assert "Faster claims" not in logs["ruby"]  # its paths only
    assert "#### cliff: Other\n\n- Faster claims" in logs["core"]
    assert "Cleanup hook" not in logs["core"] and "README" not in logs["core"]
    assert "Release core" not in json.dumps(logs)  # the release commit is skipped
    assert logs["python"].startswith("### python 0.1.1.0\n\ntasker-worker-py: changes since")


def test_cliff_toml_without_git_cliff_stops_before_anything_is_written(
        run_cli: RunCli, example_repo: Repo) -> None:
    repo = example_repo
    sandbox.change(repo, "Keep a cliff.toml", {"cliff.toml": CLIFF_TOML})
    head = repo.out("rev-parse", "HEAD")
    result = run_cli("release", "--yes", "--repo", str(repo.root), env={"PATH": "/nonexistent"})
    assert result.code != 0
    assert "pip install git-cliff" in result.err
    assert repo.out("rev-parse", "HEAD") == head and repo.out("tag", "--list") == ""
    assert repo.out("status", "--porcelain") == ""
