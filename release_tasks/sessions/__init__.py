"""The release stages as nox sessions, for a monorepo's own ``noxfile.py``.

A monorepo gets every session with one line in its noxfile::

    from release_tasks.sessions import *  # noqa: F403

and then ``nox -l``, ``nox -s release -- --dry-run`` or ``nox -s publish_ruby -- 0.1.9.0``
work from its root. Each session is a thin wrapper over ``python -m release_tasks STAGE
ARGS`` that passes the arguments through. The sessions that need no tool of their own share
one environment with the tool in it (:mod:`release_tasks.sessions.env`), made once; those
that do (``publish_python``: maturin; ``publish_typescript``: bun) get an environment of
their own from nox. The stage runs in the directory nox was invoked from (nox itself moves
to the noxfile's directory), so ``--repo`` defaults to it and relative paths in the
arguments mean what they mean in the invoking shell.

The tool a session installs is the one this module belongs to (see :func:`requirement`),
so a session never runs another version than the one that defined it. This module imports
nothing but nox and the standard library: importing it costs nothing, even where only nox
and this package are installed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlparse

import nox

from release_tasks.cli.stages import STAGES
from release_tasks.sessions import env as session_env

DISTRIBUTION = "release-tasks"
#: An explicit requirement for the tool (a wheel, a path, a URL, ``release-tasks==X.Y.Z``).
SPEC_VARIABLE = "RELEASE_TASKS_SPEC"
_PACKAGE = Path(__file__).resolve().parent.parent

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = False

__all__ = ["build", "demo", "detect", "doctor", "edge", "history", "init", "preflight",
           "publish", "publish_crates", "publish_python", "publish_ruby", "publish_typescript",
           "rehearse", "release", "trust", "update", "versions", "yank"]


def _bindings_on(registry: str, config: Path = Path("release.toml")) -> list[str]:
    """The tag of each binding on ``registry`` in ``config`` (nox reads the noxfile in its
    own directory: the monorepo's root), as ``nox -l`` should name it; the built-in
    layout's without a ``release.toml``. Only a name for a docstring: a file that cannot be
    read gives none here, and the stage itself reports it."""
    try:
        data = tomllib.loads(config.read_text("utf-8")) if config.is_file() else {
            "bindings": {"ruby": {"registry": "rubygems"}, "python": {"registry": "pypi"},
                         "typescript": {"registry": "npm"}}}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    bindings = data.get("bindings")
    if not isinstance(bindings, dict):
        return []
    return [f"{b.get('tag-prefix') or f'{name}-v'}..." for name, b in bindings.items()
            if isinstance(b, dict) and b.get("registry") == registry]


def _named(doc: str, registry: str) -> str:
    """``doc`` (ending in ``; tag``) with the tags of the bindings ``registry`` holds."""
    tags = _bindings_on(registry)
    if not tags:
        return f"{doc} its binding (release.toml names none on {registry})"
    if len(tags) > 1:
        return f"{doc} {' or '.join(tags)} (--binding NAME picks one)"
    return f"{doc} {tags[0]}"


def _checkout() -> Path | None:
    """The source checkout this module was imported from, if it was (not an installed copy)."""
    pyproject = _PACKAGE.parent / "pyproject.toml"
    if pyproject.is_file() and f'name = "{DISTRIBUTION}"' in pyproject.read_text("utf-8"):
        return _PACKAGE.parent
    return None


def _installed_from() -> tuple[list[str] | None, str]:
    """How to install the installed distribution again (from its PEP 610
    ``direct_url.json``): ``pip install`` arguments with ``{extra}`` where extras go, or
    ``None`` when it came from a package index; and its version."""
    from importlib import metadata  # only a session that runs reads the metadata

    dist = metadata.distribution(DISTRIBUTION)
    raw = dist.read_text("direct_url.json")
    if not raw:
        return None, dist.version
    data = json.loads(raw)
    url = str(data.get("url", ""))
    path = unquote(urlparse(url).path) if url.startswith("file:") else None
    if "vcs_info" in data:
        vcs = data["vcs_info"]
        url = f"{vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}".rstrip("@")
    elif path is not None and not Path(path).exists():
        return None, dist.version  # the wheel it was installed from is gone: use the index
    elif path is not None and data.get("dir_info", {}).get("editable"):
        return ["-e", path + "{extra}"], dist.version
    return [f"{DISTRIBUTION}{{extra}} @ {url}"], dist.version


def requirement(extras: str = "") -> list[str]:
    """The ``pip install`` arguments that install this very tool (with ``extras``).

    In order: ``$RELEASE_TASKS_SPEC`` when set (used as given); the source checkout this
    module was imported from (editable); the wheel, directory or URL the installed
    distribution was installed from; else ``release-tasks==VERSION`` from the package index.
    A :class:`LookupError` when none of them applies.
    """
    extra = f"[{extras}]" if extras else ""
    explicit = os.environ.get(SPEC_VARIABLE, "").strip()
    if explicit:
        return explicit.split()
    checkout = _checkout()
    if checkout is not None:
        return ["-e", f"{checkout}{extra}"]
    from importlib import metadata

    try:
        args, version = _installed_from()
    except metadata.PackageNotFoundError:
        raise LookupError(f"{DISTRIBUTION} is not installed and {_PACKAGE} is not a source "
                          f"checkout: set {SPEC_VARIABLE} to the requirement to install") from None
    if args is None:
        return [f"{DISTRIBUTION}{extra}=={version}"]
    return [a.replace("{extra}", extra) for a in args]


def install(session: nox.Session, extras: str = "", *tools: str) -> None:
    """Install the tool (with ``extras``) and any extra ``tools`` into the session.

    A source checkout goes on the environment's path next to its declared dependencies, as
    in the shared environment (:mod:`release_tasks.sessions.env`): no editable build.
    """
    try:
        spec = requirement(extras)
    except LookupError as exc:
        session.error(str(exc))
    session.log(f"installing the release tool: {' '.join(spec)}")
    checkout = session_env.checkout_of(spec)
    if checkout is None or session.venv_backend == "none":
        session.install(*spec, *tools)
        return
    session.install(*session_env.dependencies(checkout), *tools)
    session_env.put_on_path(Path(session.virtualenv.location), checkout[0])


def run_stage(session: nox.Session, stage: str, env: dict[str, str] | None = None) -> None:
    """``python -m release_tasks STAGE ARGS`` in the directory nox was invoked from."""
    with session.chdir(session.invoked_from):
        # stderr apart: stdout must carry only the requested data (for $GITHUB_OUTPUT).
        session.run("python", "-m", "release_tasks", stage, *session.posargs, stderr=None,
                    env=env)


def _stage(session: nox.Session, stage: str, *tools: str,
           env: dict[str, str] | None = None) -> None:
    """Run ``stage``: in the shared environment, or, with ``tools``, in the session's own."""
    if not tools and session.venv_backend == "none":
        try:
            spec = requirement()
        except LookupError as exc:
            session.error(str(exc))
        session_env.run(session, stage, spec, env=env)
        return
    install(session, "", *tools)
    run_stage(session, stage, env=env)


@nox.session(default=False, venv_backend="none")
def init(session: nox.Session) -> None:
    """Write a release.toml inferred from the workspace and the tree (--print shows it)."""
    _stage(session, "init")


@nox.session(default=False, venv_backend="none")
def detect(session: nox.Session) -> None:
    """Report which components changed since the last release (env, json or text)."""
    _stage(session, "detect")


@nox.session(default=False, venv_backend="none")
def versions(session: nox.Session) -> None:
    """Compute the next version of every component; --check verifies version files agree."""
    _stage(session, "versions")


@nox.session(default=False, venv_backend="none")
def release(session: nox.Session) -> None:
    """Plan the release, then commit the version bump and tag it (--dry-run changes nothing)."""
    _stage(session, "release")


@nox.session(default=False, venv_backend="none")
def update(session: nox.Session) -> None:
    """Write every version file: --core X.Y.Z [--ruby X.Y.Z.P ...] [--dry-run prints a diff]."""
    _stage(session, "update")


@nox.session(default=False, venv_backend="none")
def preflight(session: nox.Session) -> None:
    """Run the repository's own checks from release.toml (cargo fmt, clippy, test)."""
    _stage(session, "preflight")


@nox.session(default=False, venv_backend="none")
def publish_crates(session: nox.Session) -> None:
    """Publish the core crates phase by phase (cargo from PATH); tag core-vX.Y.Z."""
    _stage(session, "publish_crates")


def publish_ruby(session: nox.Session) -> None:
    _stage(session, "publish_ruby")


# nox -l shows the first line of each docstring: the names the user chose, not ours.
publish_ruby.__doc__ = _named("Build and push the gem (ruby, bundler and rake from the system);"
                              " tag", "rubygems")
publish_ruby = nox.session(default=False, venv_backend="none")(publish_ruby)


# Sessions with tools of their own keep their environment between runs (the workflow caches
# .nox): each run still installs the tool and its tools into it, which is quick when current.

#: What building and uploading a Python binding needs beside the tool: maturin (with cffi
#: and zig for its builds), uv, which uploads, and pypi-attestations, which signs each file
#: on the trusted-publishing path (PEP 740).
PYTHON_TOOLS = ("maturin>=1.9,<2", "cffi", "ziglang", "uv>=0.4", "pypi-attestations>=0.0.26")


def publish_python(session: nox.Session) -> None:
    _stage(session, "publish_python", *PYTHON_TOOLS)


publish_python.__doc__ = _named("Build the wheels and sdist with maturin and upload them with uv;"
                                " tag", "pypi")
publish_python = nox.session(default=False, reuse_venv=True)(publish_python)


def _bun_env(session: nox.Session) -> dict[str, str]:
    """bun from the system, else installed from the npm registry into this session."""
    if shutil.which("bun") is not None:
        return {}
    prefix = Path(session.virtualenv.location) / "node"
    session.run("npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                "bun", external=True)
    return {"PATH": os.pathsep.join([str(prefix / "node_modules" / ".bin"),
                                     os.environ.get("PATH", "")])}


def publish_typescript(session: nox.Session) -> None:
    env = _bun_env(session)
    _stage(session, "publish_typescript", env=env)


publish_typescript.__doc__ = _named("Build the cdylib and the package with bun, then npm publish;"
                                    " tag", "npm")
publish_typescript = nox.session(default=False, reuse_venv=True)(publish_typescript)


@nox.session(default=False, reuse_venv=True)
def publish(session: nox.Session) -> None:
    """Publish one binding by name: BINDING VERSION (any registry); tag it after the upload."""
    env = _bun_env(session)
    _stage(session, "publish", *PYTHON_TOOLS, env=env)


#: What a cross build on Linux needs beside zig (PYTHON_TOOLS has ``ziglang``): npm's
#: platform packages are cross-built with ``cargo zigbuild``; no other system cross-builds.
CROSS_TOOLS = ("cargo-zigbuild",) if sys.platform.startswith("linux") else ()


@nox.session(default=False, reuse_venv=True)
def build(session: nox.Session) -> None:
    """Build one platform's files of a binding: BINDING VERSION --platform P --out DIR."""
    env = _bun_env(session)
    _stage(session, "build", *PYTHON_TOOLS, *CROSS_TOOLS, env=env)


#: The PyPI and npm stand-ins of ``rehearse``: the real servers, in the session's environment.
STANDIN_TOOLS = ("pypiserver>=2", "passlib>=1.7")
VERDACCIO = "verdaccio@6.8.0"


def _verdaccio_env(session: nox.Session) -> dict[str, str]:
    """verdaccio installed from the npm registry into this session (once: the environment is
    kept), named for ``rehearse`` by ``RELEASE_TASKS_VERDACCIO``."""
    prefix = Path(session.virtualenv.location) / "verdaccio"
    entry = prefix / "node_modules" / "verdaccio" / "bin" / "verdaccio"
    if not entry.is_file():
        session.run("npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                    VERDACCIO, external=True)
    return {"RELEASE_TASKS_VERDACCIO": str(entry)}


@nox.session(default=False, reuse_venv=True)
def rehearse(session: nox.Session) -> None:
    """Publish the release to local stand-ins of the four registries, install and load each."""
    env = {**_bun_env(session), **_verdaccio_env(session)}
    _stage(session, "rehearse", *PYTHON_TOOLS, *STANDIN_TOOLS, env=env)


@nox.session(default=False, venv_backend="none")
def yank(session: nox.Session) -> None:
    """Withdraw a published version: cargo yank, gem yank, npm deprecate (--undo reverts)."""
    _stage(session, "yank")


@nox.session(default=False, venv_backend="none")
def doctor(session: nox.Session) -> None:
    """Check this job's credential path per component (OIDC or token) before any build."""
    _stage(session, "doctor")


@nox.session(default=False, venv_backend="none")
def trust(session: nox.Session) -> None:
    """The trusted-publisher settings per registry, and what each package still needs there."""
    _stage(session, "trust")


@nox.session(default=False, venv_backend="none")
def history(session: nox.Session) -> None:
    """Every release and every published version, from the annotated tags (text or json)."""
    _stage(session, "history")


@nox.session(default=False, venv_backend="none")
def edge(session: nox.Session) -> None:
    """How to depend on a branch (--ref) of the repository instead of a release."""
    _stage(session, "edge")


@nox.session(default=False, venv_backend="none")
def demo(session: nox.Session) -> None:
    """Build a sandbox of the example monorepo with history and run release --dry-run on it."""
    _stage(session, "demo")


def _generic(stage: str) -> None:
    """A session for a stage that has no function of its own above."""
    def run(session: nox.Session) -> None:
        _stage(session, stage)
    run.__doc__ = f"The {stage} stage (`release-tasks {stage} --help` lists its options)."
    run.__name__ = run.__qualname__ = stage
    nox.session(name=stage, default=False, venv_backend="none")(run)


for _name in STAGES:
    if _name not in __all__:
        _generic(_name)
