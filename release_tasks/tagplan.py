"""The release plan as carried in an annotated release tag's message.

The message is a human summary, a marker line, then the plan as JSON. Only this module
knows the layout, so readers (``detect``, ``history``, carry-forward) and the writer agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from release_tasks import git

MARKER = "--- release plan (json) ---"


def format_tag_message(summary: str, plan: dict[str, Any]) -> str:
    """Summary, marker, pretty JSON, final newline."""
    return f"{summary.rstrip()}\n\n{MARKER}\n{json.dumps(plan, indent=2, sort_keys=True)}\n"


def read_tag_plan(message: str) -> dict[str, Any] | None:
    """The plan in a tag message, or ``None`` when the tag carries none (or a broken one)."""
    _, found, rest = message.partition(MARKER)
    if not found:
        return None
    try:
        data = json.loads(rest)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def tag_plan(repo: git.Repo, tag: str) -> dict[str, Any] | None:
    """The plan carried by ``tag`` (``None`` for a tag without one)."""
    return read_tag_plan(git.tag_message(repo, tag))


def release_plan_at(repo: git.Repo, patterns: Sequence[str],
                    commit: str) -> tuple[str, dict[str, Any]] | None:
    """``(tag, plan)`` of a release tag (matching ``patterns``) on ``commit`` that carries a
    plan, if any."""
    for tag in git.tags_at(repo, commit, patterns):
        plan = tag_plan(repo, tag)
        if plan is not None:
            return tag, plan
    return None
