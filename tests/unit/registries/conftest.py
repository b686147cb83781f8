"""Registry unit tests are hermetic: any real socket or DNS lookup fails the test."""

from __future__ import annotations

import socket
from typing import NoReturn

import pytest

from .helpers import Sleeps


class RealNetworkUsed(AssertionError):
    """Raised instead of opening a connection; an AssertionError so nothing swallows it."""


def _refuse(*args: object, **kwargs: object) -> NoReturn:
    raise RealNetworkUsed(f"a unit test tried to use the real network: {args!r}")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
