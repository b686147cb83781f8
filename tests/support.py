"""Types and helpers shared by the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class CliResult:
    """What one in-process ``python -m release_tasks`` run left."""

    code: int
    out: str
    err: str


class RunCli(Protocol):
    def __call__(self, *args: str, env: dict[str, str] | None = None) -> CliResult: ...
