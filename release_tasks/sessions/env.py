"""The one environment that the stage sessions share.

nox gives each session an environment of its own and has no way for sessions to share one
(wntrblm/nox#167). What it gives every session is a directory they all share,
``session.cache_dir``. So a stage session that needs no tool of its own (every one but
``publish_python`` and ``publish_typescript``) runs without an environment of nox's
(``venv_backend="none"``) and runs its stage in one environment under that directory:

* made the first time a session needs it, with uv when there is one (``pip install
  'nox[uv]'`` brings it), else with venv and pip; a source checkout (``-e DIR``: this
  project's own noxfile) is put on the environment's path with a ``.pth`` file next to its
  declared dependencies, which spares the seconds an editable build costs;
* kept while what it was made from is the same: the requirement, the interpreter, and the
  files that say what the tool depends on (a checkout's ``pyproject.toml``, a wheel's bytes);
  so a second session, or the same one again, installs nothing, with or without ``-R``;
* made again when one of them changes; ``--install-only`` makes it and runs no stage.

Its record of what it was made from is written last, so an environment whose making was
interrupted is made again. Making it is serialised between concurrent runs (a file lock).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import sysconfig
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

import nox
from filelock import FileLock

NAME = "release-tasks"
RECORD = "release-tasks-environment.json"
#: What a requirement's own files may declare about the tool's dependencies.
_DECLARATIONS = ("pyproject.toml", "setup.py", "setup.cfg")


def location(session: nox.Session) -> Path:
    """Where the shared environment lives (nox's ``--envdir`` moves it with the rest)."""
    # Absolute: the stage runs in the directory nox was invoked from, not the noxfile's.
    return Path(session.cache_dir).absolute() / NAME


def location_in(envdir: Path) -> Path:
    """Where :func:`location` puts it for nox's ``--envdir ENVDIR`` (its cache is
    ``ENVDIR/.cache``): for the benchmark and the tests, which look at it from outside."""
    return envdir / ".cache" / NAME


def python_of(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(session: nox.Session, stage: str, spec: Sequence[str],
        env: Mapping[str, str] | None = None) -> None:
    """``python -m release_tasks STAGE ARGS`` in the shared environment, in the directory
    nox was invoked from, once the environment holds ``spec``."""
    where = ensure(session, spec)
    bin_dir = python_of(where).parent
    child = {"VIRTUAL_ENV": str(where),
             "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]), **(env or {})}
    with session.chdir(session.invoked_from):
        # stderr apart: stdout must carry only the requested data (for $GITHUB_OUTPUT).
        session.run(str(python_of(where)), "-m", "release_tasks", stage, *session.posargs,
                    stderr=None, env=child, external=True)


def ensure(session: nox.Session, spec: Sequence[str]) -> Path:
    """The shared environment, made (again) unless it already holds ``spec``."""
    where = location(session)
    wanted = fingerprint(spec)
    shown = " ".join(spec)
    if _recorded(where) == wanted:
        session.log(f"release tool: {shown} (shared environment {where}, up to date)")
        return where
    with _lock(where.with_name(f"{NAME}.lock")):
        if _recorded(where) == wanted:  # made by another run while this one waited
            return where
        session.log(f"installing the release tool: {shown} (shared environment {where})")
        if where.exists():
            shutil.rmtree(where)
        checkout = checkout_of(spec)
        packages = list(spec) if checkout is None else dependencies(checkout)
        uv = find_uv()
        python = str(python_of(where))
        if uv is not None:
            session.run_install(uv, "venv", "--quiet", "--python", sys.executable, str(where),
                                external=True)
            if packages:
                session.run_install(uv, "pip", "install", "--quiet", "--python", python,
                                    *packages, external=True)
        else:
            session.run_install(sys.executable, "-m", "venv", str(where), external=True)
            if packages:
                session.run_install(python, "-m", "pip", "install", "--quiet", *packages,
                                    external=True)
        if checkout is not None:
            put_on_path(where, checkout[0])
        record = where / RECORD
        staged = record.with_suffix(".tmp")
        staged.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
        staged.replace(record)  # last: an interrupted making leaves no record
    return where


def fingerprint(spec: Sequence[str]) -> dict[str, object]:
    """What the environment is made from: change any of it and the environment is made again."""
    sources = {}
    for path in _local_paths(spec):
        if path.is_file():
            sources[str(path)] = _digest(path.read_bytes())
        elif path.is_dir():
            declared = [path / name for name in _DECLARATIONS if (path / name).is_file()]
            sources[str(path)] = _digest(b"".join(p.read_bytes() for p in declared))
    return {"spec": list(spec), "python": sys.executable, "version": sys.version,
            "sources": sources}


def find_uv() -> str | None:
    """uv, from the ``uv`` package next to nox (``nox[uv]``) or from PATH."""
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    try:
        return str(find_uv_bin())
    except FileNotFoundError:
        return shutil.which("uv")


def put_on_path(env: Path, checkout: Path) -> None:
    """Make the source checkout importable in the environment ``env`` (a ``.pth`` file)."""
    site = Path(sysconfig.get_path("purelib", "venv", vars={"base": str(env),
                                                             "platbase": str(env)}))
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{NAME.replace('-', '_')}_checkout.pth").write_text(f"{checkout}\n",
                                                               encoding="utf-8")


def checkout_of(spec: Sequence[str]) -> tuple[Path, str] | None:
    """``(directory, extras)`` when ``spec`` installs a source checkout editable
    (``-e DIR`` or ``-e DIR[extras]``)."""
    if len(spec) != 2 or spec[0] != "-e":
        return None
    directory, _, extras = spec[1].partition("[")
    path = Path(directory)
    return (path, extras.rstrip("]")) if (path / "pyproject.toml").is_file() else None


def dependencies(checkout: tuple[Path, str]) -> list[str]:
    """What the checkout's ``pyproject.toml`` says it depends on (with its extras)."""
    directory, extras = checkout
    project = tomllib.loads((directory / "pyproject.toml").read_text("utf-8")).get("project", {})
    wanted = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in filter(None, (e.strip() for e in extras.split(","))):
        wanted += optional.get(extra, [])
    return wanted


def _local_paths(spec: Sequence[str]) -> Iterator[Path]:
    """The files and directories a requirement installs from (``-e DIR``, ``name @ file:``,
    a bare path)."""
    for item in spec:
        if item.startswith("-"):
            continue
        target = item.split(" @ ", 1)[1] if " @ " in item else item
        target = target.split("[", 1)[0] if not target.startswith("file:") else target
        if target.startswith("file:"):
            target = unquote(urlparse(target).path)
        if os.sep in target or target.startswith("."):
            yield Path(target)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _recorded(where: Path) -> object:
    try:
        return json.loads((where / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (released when the holder ends, however it ends),
    on every system: ``filelock`` uses ``flock`` on POSIX and ``msvcrt`` on Windows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path):
        yield
