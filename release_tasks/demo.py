"""``demo``: a sandbox of the example monorepo with a realistic history, then a dry run.

The history is made with the real ``release`` stage: a first release, a Ruby-only fix
released as 0.1.0.1, a server-only change released as core 0.1.1 (bindings untouched),
then an FFI-facing change in ``tasker-shared`` and a Python fix, which the final
``release --dry-run`` plans as core 0.1.2 with every binding at 0.1.2.0.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from release_tasks import release, sandbox
from release_tasks.git import repo as git
from release_tasks.log import get_logger
from release_tasks.project import open_project
from release_tasks.release import Summary

log = get_logger("demo")

_STEPS: tuple[tuple[str, tuple[str, ...], datetime | None], ...] = (
    ("fix(ruby): retry a dropped worker handle", ("workers/ruby/lib/tasker_core.rb",), None),
    ("docs: explain the worker lifecycle", ("README.md",), datetime(2026, 11, 9, 9, 30, tzinfo=UTC)),
    ("feat(orchestration): batch step enqueueing", ("tasker-orchestration/src/lib.rs",), None),
    ("chore(cli): clearer config errors", ("tasker-cli/src/main.rs",),
     datetime(2026, 11, 16, 9, 30, tzinfo=UTC)),
    ("fix(shared): message envelope ordering", ("tasker-shared/src/lib.rs",), None),
    ("fix(python): close the FFI handle on exit",
     ("workers/python/python/tasker_worker/__init__.py",), None),
)


def build_history(root: Path, env: Mapping[str, str]) -> git.Repo:
    """Create the sandbox at ``root`` with three releases and unreleased work on top."""
    repo = sandbox.create(root)

    def do_release(now: datetime) -> None:
        # Each release is a run of its own, on the repository as the last one left it.
        summary, _ = release.run_release(open_project(root), env, dry_run=False, from_ref=None,
                                         yes=True, push=False, confirm=None, now=now)
        assert summary is not None
        sandbox.mark_published(repo, summary.release_tag)  # what CI does after publishing
        log.info("demo: released %s", summary.release_tag)

    do_release(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    for message, paths, release_at in _STEPS:
        sandbox.touch(repo, message, *paths)
        if release_at is not None:
            do_release(release_at)
    return repo


def run_demo(env: Mapping[str, str], keep: Path | None = None) -> tuple[str, Summary | None]:
    """Build the sandbox (in ``keep`` or a temporary directory) and dry-run a release."""
    with tempfile.TemporaryDirectory(prefix="release-tasks-demo-") as tmp:
        root = (keep or Path(tmp)) / "tasker-core"
        log.info("demo: building a sandbox of the example monorepo in %s", root)
        quiet, level = logging.getLogger("release_tasks"), logging.getLogger("release_tasks").level
        quiet.setLevel(logging.WARNING)  # the history's own releases are not the point
        try:
            repo = build_history(root, env)
        finally:
            quiet.setLevel(level)
        history = repo.out("log", "--oneline", "--decorate", "--no-color")
        summary, message = release.run_release(
            open_project(root), env, dry_run=True, from_ref=None, yes=True, push=False,
            confirm=None, now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        text = (f"Sandbox: {root}{'' if keep else ' (removed on exit; keep it with --keep DIR)'}"
                f"\n\nHistory:\n{history}\n\n$ release --dry-run\n"
                + release.render(summary, message, "text"))
        return text, summary
