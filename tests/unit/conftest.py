"""Unit tests are hermetic by construction: starting a program or opening a socket fails.

A test that needs git, cargo or a registry belongs in ``tests/integration``; here, code
that would start one (through :mod:`release_tasks.cmd` or any other way) raises instead,
and HTTP goes through ``httpx.MockTransport``.
"""

from __future__ import annotations

import os
import socket
import subprocess
from typing import NoReturn

import pytest


class NotHermetic(AssertionError):
    """Raised instead of starting a program or connecting; an AssertionError, so that no
    ``except ReleaseError`` or ``except OSError`` in the code under test swallows it."""


def _no_program(*args: object, **kwargs: object) -> NoReturn:
    raise NotHermetic(f"a unit test tried to start a program: {args[:1]!r}; move it to "
                      "tests/integration")


def _no_socket(*args: object, **kwargs: object) -> NoReturn:
    raise NotHermetic(f"a unit test tried to use the network: {args!r}; use "
                      "httpx.MockTransport")


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every way of starting a program and every connection or name lookup."""
    monkeypatch.setattr(subprocess, "Popen", _no_program)
    for name in ("system", "posix_spawn", "posix_spawnp", "fork", "forkpty", "execv", "execve",
                 "execvp", "execvpe"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, _no_program)
    monkeypatch.setattr(socket.socket, "connect", _no_socket)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_socket)
    monkeypatch.setattr(socket, "getaddrinfo", _no_socket)
