"""Types and helpers shared by the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from release_tasks import cli, config

IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class CliResult:
    """What one in-process ``python -m release_tasks`` run left."""

    code: int
    out: str
    err: str


class RunCli(Protocol):
    def __call__(self, *args: str, env: dict[str, str] | None = None) -> CliResult: ...


def nox_sessions() -> set[str]:
    """The sessions noxfile.py defines."""
    import nox.registry

    import noxfile  # noqa: F401  (registers the sessions)

    return set(nox.registry.get())


def assert_parses(session: str, args: list[str]) -> None:
    """The nox session exists and the real CLI parser accepts its arguments (``update``'s
    per-binding options included, with the built-in config)."""
    assert session in nox_sessions(), f"nox session {session!r} is not in noxfile.py"
    parsed, extras = cli.build_parser().parse_known_args([session, *args])
    assert parsed.stage == session
    if session == "update":
        parsed.extras = extras
        cli._binding_versions(parsed, config.load(Path("/nonexistent")))
        return
    assert extras == [], f"{session}: unrecognized arguments {extras}"
