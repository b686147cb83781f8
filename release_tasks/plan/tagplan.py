"""The release plan as carried in an annotated release tag's message.

The message is a human summary, a marker line, then the plan as JSON. Only this module
knows the layout, so readers (``detect``, ``history``, carry-forward, the sandbox) and the
writer agree. Readers get a typed :class:`Tagged` release; :func:`read_tag_plan` gives the
raw JSON, as stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from release_tasks.errors import ReleaseError
from release_tasks.git.tags import Tags
from release_tasks.log import get_logger
from release_tasks.plan.release_plan import ReleasePlan

log = get_logger("tagplan")

MARKER = "--- release plan (json) ---"


@dataclass(frozen=True)
class Tagged:
    """A release tag and the plan it carries."""

    tag: str
    commit: str  # the commit the tag is on
    plan: ReleasePlan
    release_commit: str | None  # the commit the plan says it made (``None`` in older tags)


class UnreadablePlan(ValueError):
    """A tag message has the marker, but what follows is not a plan this version reads."""


def format_tag_message(summary: str, plan: Mapping[str, Any]) -> str:
    """Summary, marker, pretty JSON, final newline."""
    import json

    return f"{summary.rstrip()}\n\n{MARKER}\n{json.dumps(plan, indent=2, sort_keys=True)}\n"


def read_tag_plan(message: str) -> dict[str, Any] | None:
    """The plan's JSON in a tag message, as stored; ``None`` when the tag carries none (or
    a broken one)."""
    _, found, rest = message.partition(MARKER)
    if not found:
        return None
    import json  # a run that meets no release plan has no JSON to read

    try:
        data = json.loads(rest)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def parse(tag: str, commit: str, message: str) -> Tagged | None:
    """The typed plan of a tag message (``None`` when it carries none); an
    :class:`UnreadablePlan` when the JSON is there but is not a plan."""
    data = read_tag_plan(message)
    if data is None:
        return None
    try:
        plan = ReleasePlan.from_dict(data)
    except (KeyError, TypeError, ValueError, ReleaseError) as exc:
        raise UnreadablePlan(f"the plan in its message cannot be read ({exc!r})") from exc
    recorded = data.get("release_commit")
    return Tagged(tag, commit, plan, recorded if isinstance(recorded, str) else None)


def tagged(tags: Tags, name: str) -> Tagged | None:
    """The plan carried by tag ``name``; ``None`` for a tag without one, or one this version
    cannot read (logged: the tag then marks a release without saying what it planned)."""
    tag = tags.get(name)
    if tag is None:
        return None
    try:
        return parse(tag.name, tag.commit, tag.message)
    except UnreadablePlan as exc:
        log.warning("warning: tag %s: %s; read as a tag without a plan", name, exc)
        return None


def release_at(tags: Tags, patterns: Sequence[str], commit: str) -> Tagged | None:
    """The first release tag (matching ``patterns``, by name) on ``commit`` that carries a
    plan, if any."""
    for name in tags.at(commit, patterns):
        found = tagged(tags, name)
        if found is not None:
            return found
    return None
