"""This project's sessions: every release stage, as any monorepo gets them from
:mod:`release_tasks.sessions`, plus the project's own ``tests``, ``lint`` and ``bench``.

``nox -l`` lists them, ``nox -s STAGE -- ARGS`` runs one. A stage session runs this checkout
(from the environment the stage sessions share, :mod:`release_tasks.session_env`) where nox
was invoked, so ``nox -f path/to/noxfile.py -s release -- --dry-run`` works from anywhere
inside a monorepo.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
# This checkout's package, also when the nox running this file has only nox installed.
sys.path.insert(0, str(ROOT))

from release_tasks.sessions import *  # noqa: E402, F403

nox.options.sessions = ["tests", "lint"]


def _install(session: nox.Session, extras: str = "") -> None:
    """This checkout, editable (with ``extras``): the project's own sessions test it."""
    session.install("-e", f"{ROOT}[{extras}]" if extras else str(ROOT))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (unit and integration; tools missing outside CI are skipped)."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy --strict over the package, the tests and this noxfile."""
    _install(session, "test,lint")
    session.run("ruff", "check", ".")
    session.run("mypy")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: `versions` on 5,000 commits / 20,000 files; the six-crate publish."""
    _install(session)
    session.run("python", "-m", "tests.bench", *session.posargs)
    session.run("python", "-m", "tests.bench_publish")
