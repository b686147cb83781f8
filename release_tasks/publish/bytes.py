"""What "already published" means: these bytes (the publish room: ``publish/bytes.py``).

A registry file whose digest differs from the one this commit builds is never tagged as
published, in any ``--on-duplicate`` mode: the stage uploads what it can, then ends with
:class:`~release_tasks.errors.OtherBytes` (its own exit code), naming both digests and the
two ways on: withdraw the version and release the next one, or, after checking the
registry's bytes, re-run with ``--accept-registry-bytes``, which tags and records in the
tag's message what was accepted. Crates and bindings alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from release_tasks.errors import OtherBytes

ACCEPT_OPTION = "--accept-registry-bytes"
ACCEPT_HELP = ("tag even where the registry holds other bytes than this commit builds, once "
               "you have checked them; the tag's message records what was accepted")

__all__ = ["ACCEPT_HELP", "ACCEPT_OPTION", "accepted_or_refused", "ways_on"]


def ways_on(yank: str, rerun: str) -> str:
    """What to do about other bytes: the two ways on, with real commands."""
    return ("A published file cannot be replaced. Either withdraw the version (`" + yank
            + "`) and release the next one (`nox -s release`), or, once you have checked that "
            "the registry's bytes are what this version should hold, re-run with "
            f"{ACCEPT_OPTION} (`{rerun} {ACCEPT_OPTION}`): the tag then records them.")


def accepted_or_refused(what: str, tag: str, differing: Sequence[str], *, accept: bool,
                        yank: str, rerun: str) -> list[str]:
    """Nothing when nothing differs; with ``accept``, the lines the tag's message records;
    else OtherBytes: ``tag`` is not created."""
    if not differing:
        return []
    if accept:
        return [f"accepted with {ACCEPT_OPTION}: {line.strip()}" for line in differing]
    lines = "\n".join(f"  - {line.strip()}" for line in differing)
    raise OtherBytes(f"{what}: the registry holds other bytes than this commit builds, so "
                     f"{tag} was NOT created (\"already published\" means these bytes):\n"
                     f"{lines}\n{ways_on(yank, rerun)}")
