"""This project's sessions: every release stage, as any monorepo gets them from
:mod:`release_tasks.sessions`, plus the project's own ``tests``, ``lint`` and ``bench``.

``nox -l`` lists them, ``nox -s STAGE -- ARGS`` runs one. A stage session runs this checkout
(from the environment the stage sessions share, :mod:`release_tasks.sessions.env`) where nox
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
from release_tasks.sessions import install  # noqa: E402

nox.options.sessions = ["tests", "lint"]


def _install(session: nox.Session, extras: str = "") -> None:
    """This checkout (with ``extras``): the project's own sessions test it. On the session's
    path, as the stage sessions have it (no editable build, no import hook at start-up)."""
    install(session, extras)


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
    """Benchmarks against the design document's scripts: versions, release, sessions, publish."""
    _install(session, "test")  # the local registries of the publish parts are test code
    session.run("python", "-m", "tests.bench", *session.posargs)
