"""The four stand-ins of a rehearsal, started together, and the environment that sends every
publish and every install to them.

All four start before anything else happens: one that cannot start (pypiserver or verdaccio
not installed, a port taken, a server that dies) stops the rehearsal with a
:class:`RehearsalError` that says which and how to fix it, while nothing has been cloned,
built or published. The environment drops every real registry credential and redirection
the caller had, and gives each registry's stand-in URL and token instead; it also points
``CARGO_HOME`` at a private directory whose ``config.toml`` replaces crates.io with the cargo
stand-in, so that cargo never reads the user's ``~/.cargo`` credentials.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from release_tasks.errors import RehearsalError
from release_tasks.model.components import Config
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.procs import ServerStartError
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio

#: Where the ``rehearse`` session (or the user) says verdaccio's entry script is.
VERDACCIO_VARIABLE = "RELEASE_TASKS_VERDACCIO"
#: Every variable through which a publish could reach a real registry: the credentials the
#: tool reads, the tools' own, their upload URLs and the tool's redirections (set again
#: below). What builds read their own dependencies from (an index mirror) stays.
_REAL = ("CARGO_REGISTRY_TOKEN", "GEM_HOST_API_KEY", "MATURIN_PYPI_TOKEN", "PYPI_TOKEN",
         "UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD", "UV_PUBLISH_USERNAME", "TWINE_PASSWORD",
         "TWINE_USERNAME", "NPM_TOKEN", "NODE_AUTH_TOKEN", "MATURIN_REPOSITORY_URL",
         "MATURIN_REPOSITORY", "MATURIN_USERNAME", "MATURIN_PASSWORD", "TWINE_REPOSITORY_URL",
         "UV_PUBLISH_URL", "GEM_HOST", "RUBYGEMS_HOST", "CARGO_REGISTRY_DEFAULT",
         "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
         "RELEASE_TASKS_STOP_AFTER_UPLOADS")
_REAL_PREFIXES = ("CARGO_REGISTRIES_", "RELEASE_TASKS_CARGO_", "RELEASE_TASKS_RUBYGEMS_",
                  "RELEASE_TASKS_PYPI_", "RELEASE_TASKS_NPM_", "GITHUB_")


@dataclass(frozen=True)
class StandIns:
    """The four running stand-ins, and what the rehearsal needs to reach them."""

    cargo: CargoRegistry
    cargo_name: str  # the name cargo knows the stand-in by
    gems: RubyGemsRegistry
    pypi: PypiServer
    npm: Verdaccio
    cargo_home: Path

    def urls(self) -> dict[str, str]:
        """Each registry's stand-in, for the report."""
        return {"crates": self.cargo.index_url, "rubygems": self.gems.url,
                "pypi": self.pypi.url, "npm": self.npm.url}


def verdaccio_entry(env: Mapping[str, str]) -> tuple[str, Path]:
    """``(node, verdaccio's entry script)``: from :data:`VERDACCIO_VARIABLE`, else the
    ``verdaccio`` on ``PATH``; a :class:`RehearsalError` saying how to get one otherwise."""
    node = shutil.which("node", path=env.get("PATH"))
    if node is None:
        raise RehearsalError("the npm stand-in (verdaccio) needs node, which is not on PATH")
    given = env.get(VERDACCIO_VARIABLE)
    entry = Path(given) if given else None
    if entry is None:
        found = shutil.which("verdaccio", path=env.get("PATH"))
        entry = Path(found).resolve() if found else None
    if entry is None or not entry.is_file():
        where = f"{VERDACCIO_VARIABLE}={given} is not a file" if given else "not found"
        raise RehearsalError(
            f"the npm stand-in cannot start: verdaccio {where}. Run `nox -s rehearse` (it "
            f"installs verdaccio in its own environment), or `npm install verdaccio` and set "
            f"{VERDACCIO_VARIABLE} to node_modules/verdaccio/bin/verdaccio")
    return node, entry


def check_pypiserver() -> None:
    if importlib.util.find_spec("pypiserver") is None or importlib.util.find_spec(
            "passlib") is None:
        raise RehearsalError(
            "the PyPI stand-in cannot start: pypiserver (and passlib) are not installed in this "
            "Python. Run `nox -s rehearse` (it installs them in its own environment), or "
            "`pip install pypiserver passlib`")


@contextmanager
def running(work: Path, config: Config, env: Mapping[str, str]) -> Iterator[StandIns]:
    """Start the four stand-ins under ``work``; stop them all on the way out."""
    check_pypiserver()
    node, entry = verdaccio_entry(env)
    with ExitStack() as stack:
        started: list[str] = []
        try:
            cargo = stack.enter_context(CargoRegistry())
            started.append("cargo")
            gems = stack.enter_context(RubyGemsRegistry())
            started.append("rubygems")
            (work / "pypi").mkdir(parents=True)
            pypi = stack.enter_context(PypiServer(work / "pypi"))
            started.append("pypi")
            (work / "npm").mkdir(parents=True)
            npm = stack.enter_context(Verdaccio(work / "npm", node, entry))
        except (ServerStartError, OSError) as exc:
            failed = ("cargo", "rubygems", "pypi", "npm")[len(started)]
            raise RehearsalError(f"the {failed} stand-in did not start, so nothing was "
                                 f"published: {exc}") from exc
        yield StandIns(cargo, config.core.cargo_registry or "rehearsal", gems, pypi, npm,
                       work / "cargo-home")


def environment(base: Mapping[str, str], standins: StandIns, config: Config,
                work: Path) -> dict[str, str]:
    """``base`` without any real registry credential or redirection, plus every registry's
    stand-in (see the module docstring)."""
    env = {k: v for k, v in base.items()
           if k not in _REAL and not k.startswith(_REAL_PREFIXES)}
    for binding in config.bindings:  # a config's own credential names go too
        for name in binding.credential:
            env.pop(name, None)
    for name in config.core.credential:
        env.pop(name, None)
    cargo = standins.cargo.configure_cargo(standins.cargo_name, standins.cargo_home)
    key = standins.cargo_name.upper().replace("-", "_")
    token = cargo[f"CARGO_REGISTRIES_{key}_TOKEN"]
    env.update(cargo)
    env.update({
        "RELEASE_TASKS_CARGO_REGISTRY": standins.cargo_name,
        "CARGO_TARGET_DIR": str(work / "target"),
        "RELEASE_TASKS_RUBYGEMS_HOST": standins.gems.url,
        "RELEASE_TASKS_PYPI_INDEX_URL": standins.pypi.url,
        "RELEASE_TASKS_PYPI_UPLOAD_URL": standins.pypi.upload_url,
        "RELEASE_TASKS_NPM_REGISTRY": standins.npm.url,
        "GIT_TERMINAL_PROMPT": "0",
    })
    secrets = {"rubygems": standins.gems.api_key, "pypi": standins.pypi.password,
               "npm": standins.npm.token}
    env.update({name: token for name in (config.core.credential or ("CARGO_REGISTRY_TOKEN",))})
    for binding in config.bindings:
        value = secrets.get(binding.registry)
        for name in binding.credential[:1]:
            if value is not None:
                env[name] = value
    return env
