"""The ``--on-duplicate`` policy: what to do when a version is already on its registry.

A re-run after a partial failure meets the packages it already published; ``skip`` and
``warn`` carry on with the rest, ``fail`` stops, which catches version calculation bugs.
"""

from __future__ import annotations

import logging
from typing import Final, Literal, get_args

from release_tasks.errors import DuplicateVersion, UsageError

OnDuplicate = Literal["skip", "warn", "fail"]
ON_DUPLICATE_MODES: Final[tuple[OnDuplicate, ...]] = get_args(OnDuplicate)
#: The default: say so loudly, but let a re-run finish the release.
DEFAULT_ON_DUPLICATE: Final[OnDuplicate] = "warn"


def parse_on_duplicate(text: str) -> OnDuplicate:
    """``"skip"``, ``"warn"`` or ``"fail"``; anything else is a UsageError listing them."""
    for mode in ON_DUPLICATE_MODES:
        if text == mode:
            return mode
    raise UsageError(
        f"unknown --on-duplicate mode {text!r}: expected one of {', '.join(ON_DUPLICATE_MODES)}"
    )


def handle_duplicate(
    mode: OnDuplicate,
    name: str,
    version: str,
    registry_label: str,
    logger: logging.Logger,
) -> None:
    """Log the skip (``skip``: info, ``warn``: warning) or raise DuplicateVersion (``fail``).

    ``registry_label`` is the registry as users know it: crates.io, RubyGems, PyPI, npm.
    """
    if mode == "fail":
        raise DuplicateVersion(
            f"{name}@{version} already exists on {registry_label} (--on-duplicate=fail)"
        )
    level = logging.INFO if mode == "skip" else logging.WARNING
    logger.log(
        level, "  [%s] %s@%s already exists on %s, skipping", mode, name, version, registry_label
    )
