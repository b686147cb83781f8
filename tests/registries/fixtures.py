"""Pytest fixtures for local package registries (``pytest_plugins``-loadable).

* ``cargo_registry`` / ``rubygems_registry``: in-process servers, fresh for every test.
* ``verdaccio`` / ``pypi_server``: real servers in child processes, one per session;
  tests should use :func:`unique_name` for package names, or call ``.reset()``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.registries.tools import require_tool
from tests.registries.verdaccio_install import ensure_installed

_counter = itertools.count(1)


def unique_name(prefix: str) -> str:
    """A package name no other test in this session uses (registries are shared)."""
    return f"{prefix}-{os.getpid()}-{next(_counter)}"


@pytest.fixture
def cargo_registry() -> Iterator[CargoRegistry]:
    with CargoRegistry() as registry:
        yield registry


@pytest.fixture
def rubygems_registry() -> Iterator[RubyGemsRegistry]:
    with RubyGemsRegistry() as registry:
        yield registry


@pytest.fixture(scope="session")
def verdaccio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Verdaccio]:
    node = require_tool("node")
    entry = ensure_installed(require_tool("npm"))
    with Verdaccio(tmp_path_factory.mktemp("verdaccio"), node, entry) as server:
        yield server


@pytest.fixture(scope="session")
def pypi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PypiServer]:
    with PypiServer(tmp_path_factory.mktemp("pypiserver")) as server:
        yield server
