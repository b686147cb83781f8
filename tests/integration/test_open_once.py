"""A run opens the project once: the repository, its files, its tags, the config and the
cargo workspace are each read once, however many parts of the run look at them.

Counted with ``cmd.ARGV_LOG`` on the demo's sandbox (three releases, then an FFI-facing
change and a Python fix), where ``release --dry-run`` reads everything a release reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from release_tasks import cmd, demo, sandbox
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

MOST = 10  # programs that release --dry-run may start on the demo


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    require_tool("cargo")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in sandbox.GIT_IDENTITY.items():
            patch.setenv(key, value)
        root = tmp_path_factory.mktemp("demo") / "tasker-core"
        demo.build_history(root, dict(os.environ))
        yield root


def started(run_cli: RunCli, *argv: str) -> list[list[str]]:
    """The programs one in-process run of the CLI starts (it must succeed)."""
    cmd.ARGV_LOG.clear()
    result = run_cli(*argv)
    assert result.code == 0, result.err
    return list(cmd.ARGV_LOG)


def reads(programs: list[list[str]], program: str, subcommand: str) -> int:
    """How many of ``programs`` are ``program subcommand`` (``git -C ROOT status ...`` is
    ``git status``)."""
    def named(argv: list[str]) -> tuple[str, str]:
        name = Path(argv[0]).name
        rest = argv[3:] if name == "git" and argv[1:2] == ["-C"] else argv[1:]
        return name, rest[0] if rest else ""
    return sum(1 for argv in programs if named(argv) == (program, subcommand))


def test_release_dry_run_on_the_demo_starts_at_most_ten_programs(
        demo_root: Path, run_cli: RunCli) -> None:
    programs = started(run_cli, "release", "--repo", str(demo_root), "--dry-run")
    assert len(programs) <= MOST, "\n".join(" ".join(a) for a in programs)
    # Each part of the project is read once (the tags and every file with one cat-file).
    for words in (("git", "rev-parse"), ("git", "ls-files"), ("git", "cat-file"),
                  ("git", "status"), ("git", "diff-tree"), ("cargo", "metadata")):
        assert reads(programs, *words) == 1, (words, programs)


def test_the_dry_run_counted_is_the_demos_plan(demo_root: Path, run_cli: RunCli) -> None:
    result = run_cli("release", "--repo", str(demo_root), "--dry-run")
    assert result.code == 0, result.err
    assert "core 0.1.1 -> 0.1.2" in result.out
    for binding in ("ruby", "python", "typescript"):
        assert "-> 0.1.2.0" in next(line for line in result.out.splitlines()
                                     if line.strip().startswith(binding))


@pytest.mark.parametrize("stage", ["versions", "detect"])
def test_versions_and_detect_read_the_repository_once(demo_root: Path, run_cli: RunCli,
                                                      stage: str) -> None:
    programs = started(run_cli, stage, "--repo", str(demo_root), "--format", "json")
    assert reads(programs, "cargo", "metadata") == 0
    for words in (("git", "rev-parse"), ("git", "ls-files"), ("git", "cat-file")):
        assert reads(programs, *words) == 1, (words, programs)
    assert len(programs) <= 5, "\n".join(" ".join(a) for a in programs)
