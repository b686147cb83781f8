"""Release stages as nox sessions: ``nox -l`` lists them, ``nox -s STAGE -- ARGS`` runs one.

Every stage session is a thin wrapper over ``python -m release_tasks STAGE ARGS``: it
installs the tool (and the toolchain the stage needs) into its own environment and passes
the arguments through. The stage runs in the directory nox was invoked from (nox itself
moves to the noxfile's directory), so ``--repo`` defaults to it and relative paths in the
arguments mean what they mean in the invoking shell: ``nox -f path/to/noxfile.py -s release
-- --dry-run`` works from anywhere inside a monorepo.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = False


def _install(session: nox.Session, extras: str = "", *tools: str) -> None:
    """Install the tool (editable, with ``extras``) and any extra ``tools``."""
    session.install("-e", f"{ROOT}[{extras}]" if extras else str(ROOT), *tools)


def _stage(session: nox.Session, stage: str, *tools: str,
           env: dict[str, str] | None = None) -> None:
    """Install the tool (and ``tools``) and run one stage with the session's arguments."""
    _install(session, "", *tools)
    _run_cli(session, stage, env=env)


def _run_cli(session: nox.Session, stage: str, env: dict[str, str] | None = None) -> None:
    """``python -m release_tasks STAGE ARGS`` in the directory nox was invoked from."""
    with session.chdir(session.invoked_from):
        # stderr apart: stdout must carry only the requested data (for $GITHUB_OUTPUT).
        session.run("python", "-m", "release_tasks", stage, *session.posargs, stderr=None,
                    env=env)


@nox.session(default=False)
def detect(session: nox.Session) -> None:
    """Report which components changed since the last release (env, json or text)."""
    _stage(session, "detect")


@nox.session(default=False)
def versions(session: nox.Session) -> None:
    """Compute the next version of every component; --check verifies version files agree."""
    _stage(session, "versions")


@nox.session(default=False)
def release(session: nox.Session) -> None:
    """Plan the release, then commit the version bump and tag it (--dry-run changes nothing)."""
    _stage(session, "release")


@nox.session(default=False)
def update(session: nox.Session) -> None:
    """Write every version file: --core X.Y.Z [--ruby X.Y.Z.P ...] [--dry-run prints a diff]."""
    _stage(session, "update")


@nox.session(default=False)
def preflight(session: nox.Session) -> None:
    """Run the repository's own checks from release.toml (cargo fmt, clippy, test)."""
    _stage(session, "preflight")


@nox.session(default=False)
def publish_crates(session: nox.Session) -> None:
    """Publish the core crates phase by phase (cargo from PATH); tag core-vX.Y.Z."""
    _stage(session, "publish_crates")


@nox.session(default=False)
def publish(session: nox.Session) -> None:
    """Publish one binding by its name: NAME VERSION (its registry's tools as below)."""
    _stage(session, "publish", *_PYTHON_TOOLS, env=_bun_env(session))


@nox.session(default=False)
def publish_ruby(session: nox.Session) -> None:
    """Build and push the Ruby gem (ruby, bundler and rake from the system); tag ruby-v..."""
    _stage(session, "publish_ruby")


@nox.session(default=False)
def publish_python(session: nox.Session) -> None:
    """Build the wheels and sdist with maturin and upload them with uv; tag python-v..."""
    _stage(session, "publish_python", *_PYTHON_TOOLS)


@nox.session(default=False)
def publish_typescript(session: nox.Session) -> None:
    """Build the cdylib and the package with bun, then npm publish; tag typescript-v..."""
    _stage(session, "publish_typescript", env=_bun_env(session))


_PYTHON_TOOLS = ("maturin>=1.9,<2", "cffi", "ziglang", "uv")


def _bun_env(session: nox.Session) -> dict[str, str]:
    """bun on PATH: the system's, else one installed into this session's environment."""
    if shutil.which("bun") is not None:
        return {}
    # bun is served by the npm registry.
    prefix = Path(session.virtualenv.location) / "node"
    session.run("npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), "bun",
                external=True)
    return {"PATH": os.pathsep.join([str(prefix / "node_modules" / ".bin"),
                                     os.environ.get("PATH", "")])}


@nox.session(default=False)
def yank(session: nox.Session) -> None:
    """Withdraw a published version: cargo yank, gem yank, npm deprecate (--undo reverts)."""
    _stage(session, "yank")


@nox.session(default=False)
def history(session: nox.Session) -> None:
    """Every release and every published version, from the annotated tags (text or json)."""
    _stage(session, "history")


@nox.session(default=False)
def edge(session: nox.Session) -> None:
    """How to depend on a branch (--ref) of the repository instead of a release."""
    _stage(session, "edge")


@nox.session(default=False)
def workflow(session: nox.Session) -> None:
    """Write .github/workflows/release.yml from release.toml (--check: is it current?)."""
    _stage(session, "workflow")


@nox.session(default=False)
def demo(session: nox.Session) -> None:
    """Build a sandbox of the example monorepo with history and run release --dry-run on it."""
    _install(session)
    _run_cli(session, "demo")


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
