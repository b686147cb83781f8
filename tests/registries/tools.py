"""Finding the external tools that registry tests drive.

A developer without ruby or node should still be able to run the rest of the suite, but
in CI a missing tool means the machine is set up wrong, and skipping would hide that.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_tool(name: str) -> str:
    """Return the absolute path of ``name``; skip the test, or fail it under ``CI=true``."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"required tool {name!r} is not on PATH"
    if in_ci():
        pytest.fail(f"{message} (CI=true: missing tools are errors, not skips)")
    pytest.skip(message)
