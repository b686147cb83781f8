"""The unit suite's guard is on: no unit test can start a program or reach the network."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from release_tasks import cmd
from tests.unit.conftest import NotHermetic


def test_no_program_can_start() -> None:
    with pytest.raises(NotHermetic, match="move it to tests/integration"):
        cmd.run(["git", "--version"], capture=True)
    with pytest.raises(NotHermetic):
        cmd.run_bytes(["git", "--version"])
    with pytest.raises(NotHermetic):
        subprocess.run(["true"], check=False)
    with pytest.raises(NotHermetic):
        os.system("true")


def test_no_connection_or_name_lookup() -> None:
    with pytest.raises(NotHermetic):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    with pytest.raises(NotHermetic):
        socket.getaddrinfo("pypi.org", 443)

