"""Release stages as nox sessions: ``nox -l`` lists them, ``nox -s STAGE -- ARGS`` runs one.

Every stage session is a thin wrapper over ``python -m release_tasks STAGE ARGS``: it
installs the tool (and the toolchain the stage needs) into its own environment and passes
the arguments through. ``--repo`` defaults to the directory nox was invoked from, so
``nox -f path/to/noxfile.py -s release -- --dry-run`` works from a monorepo's root.
"""

from __future__ import annotations

from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = False


def _install(session: nox.Session, extras: str = "", *tools: str) -> None:
    """Install the tool (editable, with ``extras``) and any extra ``tools``."""
    session.install("-e", f"{ROOT}[{extras}]" if extras else str(ROOT), *tools)


def _stage(session: nox.Session, stage: str, *tools: str) -> None:
    """Install the tool and run one stage with the session's arguments."""
    _install(session, "", *tools)
    args = list(session.posargs)
    if not any(a == "--repo" or a.startswith("--repo=") for a in args):
        args += ["--repo", session.invoked_from]
    # stderr apart: stdout must carry only the requested data (for $GITHUB_OUTPUT).
    session.run("python", "-m", "release_tasks", stage, *args, stderr=None)


@nox.session(default=False)
def detect(session: nox.Session) -> None:
    """Report which components changed since the last release (env, json or text)."""
    _stage(session, "detect")


@nox.session(default=False)
def versions(session: nox.Session) -> None:
    """Compute the next version of every component; --check verifies version files agree."""
    _stage(session, "versions")


@nox.session(default=False)
def demo(session: nox.Session) -> None:
    """Build a sandbox of the example monorepo with history and run release --dry-run on it."""
    _install(session)
    session.run("python", "-m", "release_tasks", "demo", *session.posargs, stderr=None)


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
    """Time `versions` on a synthetic history of 5,000 commits and 20,000 changed files."""
    _install(session)
    session.run("python", "-m", "tests.bench", *session.posargs)
