"""``detect`` and ``versions`` start few programs and load only what they use.

On real histories (releases tagged by the tool, component tags, a version planned and never
published, work on top): at most five git programs, whatever the history and whichever
commit is analysed; and no heavy module (HTTP, TOML editing, the registries' version
parsers, nox, the registry clients, the publish stages) imported, checked in a fresh
interpreter that runs the stage as the command line does. The registry kinds themselves are
light (names, grammar, order): what speaks HTTP or builds is a module of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from release_tasks import cmd, release, sandbox
from release_tasks.git.repo import Repo
from release_tasks.project import open_project
from tests.support import RunCli

pytestmark = pytest.mark.integration

MOST_GIT = 5
#: Modules that `detect` and `versions` have no use for, and that cost start-up time.
HEAVY = ("httpx", "tomlkit", "semver", "packaging", "nox", "importlib.metadata", "filelock",
         "release_tasks.registries.http",
         "release_tasks.edge", "release_tasks.config.credentials", "release_tasks.publish.",
         "release_tasks.cargo.workspace", "release_tasks.plan.drift")
#: A registry kind's index client and its targets (build, check, upload), by module name.
HEAVY_KIND_PARTS = (".index", ".gem", ".package", ".wheels", ".dists", ".limits")
STAGES = ("versions", "detect")


def _release(repo: Repo, *, publish: tuple[str, ...] | None = None) -> str:
    """Release as a user would, then tag what CI published (``publish``: all when None)."""
    count = len(repo.out("tag", "--list", "release-*").split())
    summary, message = release.run_release(
        open_project(repo.root), {}, dry_run=False, from_ref=None, yes=True, push=False,
        confirm=None, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC) + timedelta(days=7 * count))
    assert summary is not None, message
    sandbox.mark_published(repo, summary.release_tag, only=publish)
    return summary.release_tag


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """Three releases (the last one's Python wheel never published: carried forward), a
    branch, then unreleased work on top: every kind of tag the stages read."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in sandbox.GIT_IDENTITY.items():
            patch.setenv(key, value)
        repo = sandbox.create(tmp_path_factory.mktemp("lean") / "tasker-core")
        _release(repo)
        sandbox.touch(repo, "fix(ruby): a retry", "workers/ruby/lib/tasker_core.rb")
        _release(repo)
        sandbox.touch(repo, "fix(shared): envelope order", "tasker-shared/src/lib.rs")
        _release(repo, publish=("core", "ruby", "typescript"))
        repo.out("branch", "before-work")
        sandbox.touch(repo, "feat(orchestration): batches", "tasker-orchestration/src/lib.rs")
        sandbox.touch(repo, "fix(typescript): types", "workers/typescript/src/index.ts")
        return repo


def _git_programs(run_cli: RunCli, *argv: str) -> list[list[str]]:
    cmd.ARGV_LOG.clear()
    result = run_cli(*argv)
    assert result.code == 0, result.err
    return [a for a in cmd.ARGV_LOG if Path(a[0]).name == "git"]


def _shown(programs: list[list[str]]) -> str:
    return "\n".join(" ".join(a[3:6]) for a in programs)


@pytest.mark.parametrize("stage", STAGES)
def test_at_most_five_git_programs_with_tags_plans_and_carry_forward(
        history: Repo, run_cli: RunCli, stage: str) -> None:
    programs = _git_programs(run_cli, stage, "--repo", str(history.root), "--format", "json")
    assert len(programs) <= MOST_GIT, _shown(programs)
    if stage == "versions":  # the plan really read the carried-forward version
        data = json.loads(run_cli("versions", "--repo", str(history.root), "--format",
                                  "json").out)
        python = next(b for b in data["bindings"] if b["name"] == "python")
        assert any("never published" in reason for reason in python["reasons"]), python


@pytest.mark.parametrize("stage", STAGES)
def test_at_most_five_git_programs_at_a_release_commit(
        tmp_path: Path, history: Repo, run_cli: RunCli, stage: str) -> None:
    """CI at the release tag: the analysed commit is the release's source, the base is the
    one the release compared with, and its plan is read from the tag."""
    clone = Repo(tmp_path / "ci")
    subprocess.run(["git", "clone", "--quiet", str(history.root), str(clone.root)], check=True)
    _release(clone, publish=())
    programs = _git_programs(run_cli, stage, "--repo", str(clone.root), "--format", "json")
    assert len(programs) <= MOST_GIT, _shown(programs)


@pytest.mark.parametrize("stage", STAGES)
def test_at_most_five_git_programs_from_a_branch(history: Repo, run_cli: RunCli,
                                                stage: str) -> None:
    programs = _git_programs(run_cli, stage, "--repo", str(history.root), "--from",
                             "before-work", "--format", "json")
    assert len(programs) <= MOST_GIT, _shown(programs)


@pytest.mark.parametrize("stage", STAGES)
def test_a_first_release_needs_no_describe(example_repo: Repo, run_cli: RunCli,
                                          stage: str) -> None:
    programs = _git_programs(run_cli, stage, "--repo", str(example_repo.root), "--format", "json")
    assert len(programs) <= MOST_GIT - 1, _shown(programs)
    assert not [a for a in programs if a[3] == "describe"]


def _modules_loaded(root: Path, *argv: str) -> list[str]:
    """The modules a fresh interpreter holds after running the command line ``argv``."""
    script = ("import sys\n"
              "from release_tasks import cli\n"
              "try:\n"
              "    code = cli.main(sys.argv[1:])\n"
              "except SystemExit as done:  # --help\n"
              "    code = done.code\n"
              "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
              "sys.exit(code)\n")
    proc = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True,
                          text=True, cwd=root, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr.splitlines()


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("where", ["work on top", "a release commit", "--help"])
def test_no_heavy_module_is_loaded(tmp_path: Path, history: Repo, stage: str,
                                   where: str) -> None:
    root = history.root
    argv = [stage, "--format", "env"]
    if where == "a release commit":
        root = tmp_path / "ci"
        subprocess.run(["git", "clone", "--quiet", str(history.root), str(root)], check=True)
        _release(Repo(root), publish=())
    elif where == "--help":
        argv = [stage, "--help"]
    loaded = _modules_loaded(root, *argv)
    heavy = [m for m in loaded if m.startswith(HEAVY) or (
        m.startswith("release_tasks.registries.") and m.endswith(HEAVY_KIND_PARTS))]
    assert heavy == [], heavy
