"""What every publish ends with: waiting until the registry shows what was uploaded, then the
annotated component tag on HEAD, made idempotently and pushed when asked (crates and
bindings alike)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from release_tasks.errors import PublishError, RegistryUnavailable, TagError
from release_tasks.git import repo as git
from release_tasks.registries.http import Sleep

Clock = Callable[[], float]
FIRST_POLL_DELAY = 0.5
MAX_POLL_DELAY = 10.0

__all__ = ["NotVisible", "tag_and_push", "wait_until_visible"]


class NotVisible(PublishError):
    """An upload succeeded but the registry did not list it in time."""


def wait_until_visible(is_visible: Callable[[], bool], timeout: float, what: str, *,
                       sleep: Sleep | None = None, clock: Clock = time.monotonic,
                       patient: tuple[type[Exception], ...] = (RegistryUnavailable,)) -> float:
    """Poll ``is_visible`` with exponential backoff until it says yes; return seconds waited.

    The first poll is immediate (cargo usually waited already). An error in ``patient`` (by
    default: a registry that gives no answer) counts as "not yet" until ``timeout``; then
    :class:`NotVisible` says so. Any other error is raised at once.
    """
    pause = sleep or time.sleep
    start = clock()
    delay = FIRST_POLL_DELAY
    last_error = ""
    while True:
        try:
            if is_visible():
                return clock() - start
        except patient as exc:
            last_error = f" (last answer: {exc})"
        remaining = timeout - (clock() - start)
        if remaining <= 0:
            raise NotVisible(
                f"{what} was uploaded but the registry did not show it within {timeout:g} s"
                f"{last_error}. It may still appear: re-run with --on-duplicate=skip, or "
                "raise --index-timeout.")
        pause(min(delay, remaining))
        delay = min(delay * 2, MAX_POLL_DELAY)



def tag_and_push(root: Path, tag: str, message: str, *, push: bool, published: str) -> str:
    """Create (idempotently) the annotated ``tag`` on HEAD, and push it when asked; the line
    to report. A failed push does not hide the publish: the error says what is out."""
    repo = git.open_repo(root)
    commit = git.resolve(repo, "HEAD")
    created = git.create_tag(repo, tag, commit, message)
    line = (f"Tagged {tag} on {commit[:12]}" if created
            else f"Tag {tag} was already on {commit[:12]}")
    if push:
        try:
            git.push(repo, "origin", [f"refs/tags/{tag}"])
        except TagError as exc:
            raise TagError(f"{published}, but pushing {tag} failed: {exc}. "
                           f"Push it by hand: git push origin {tag}") from exc
        line += "; pushed"
    return line
