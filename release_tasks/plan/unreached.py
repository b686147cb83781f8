"""Every release is seen: core release tags beyond the base.

The base of a plan is the nearest release reachable from the analysed commit. A release made
on a release branch is not reachable from the main branch, and planning from an older base
would compare with the wrong release without a word. Each core release tag (``v*``,
``core-v*``, any pattern of the release tags followed by a version) whose version is above
the base's (or, without a versioned tag on the base, above the core version the analysed
commit holds) and that the analysed commit does not reach is such a release: it is named
with the way to compare with it (``--from TAG``).

Only those tags are asked about (one ``git for-each-ref --merged`` for all of them), so a
history whose newest release is reachable costs no git program.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from release_tasks.git.snapshot import Snapshot
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.model.version import CoreVersion

log = get_logger("versions")

#: A version after a tag's prefix: what could name a core release (``v0.23.1``, ``v0.38.0-beta.4``).
VERSIONED = r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?"


def core_release_tags(config: Config, tags: Iterable[str]) -> dict[str, str]:
    """Each tag that names a core release by its version: ``{tag: version text}``. The core's
    own tags (``core-v0.1.8``) and release tags ``PREFIX*`` followed by a version
    (``v0.1.8``); a release tag with a date (``release-20261102-0900``) names none."""
    prefixes = [config.core.tag_prefix, *(p[:-1] for p in config.release_tag_patterns
                                         if p.endswith("*") and "*" not in p[:-1]
                                         and "?" not in p and "[" not in p)]
    found: dict[str, str] = {}
    for tag in tags:
        for prefix in prefixes:
            if tag.startswith(prefix) and re.fullmatch(VERSIONED, tag[len(prefix):]):
                found[tag] = tag[len(prefix):]
                break
    return found


def _above(text: str, core: CoreVersion) -> bool:
    try:
        return CoreVersion.parse(text) > core
    except ValueError:
        return False


def newer_unreached(repo: Snapshot, config: Config, head: str, core: CoreVersion,
                    base_commit: str) -> list[str]:
    """The core release tags above the base that ``head`` does not reach, newest first.

    "Above" is above the version the base's own core release tags name (``v0.21.3``), else
    at or above ``core`` (what ``VERSION`` says at the analysed commit).
    """
    named = core_release_tags(config, repo.tags)
    at_base = [CoreVersion.parse(text) for tag, text in named.items()
               if repo.tags.commit(tag) == base_commit and CoreVersion.parses(text)]
    floor = max(at_base) if at_base else core
    # Without a core release at the base, a release of the very version the files hold,
    # made on a commit this one does not reach (lancedb's ``Bump version`` commit, tagged
    # on a twin of it), is one too.
    candidates = {tag: text for tag, text in named.items()
                  if (_above(text, floor) or (not at_base and CoreVersion.parses(text)
                                              and CoreVersion.parse(text) == core))
                  and repo.tags.commit(tag) not in (head, base_commit)}
    reached = _reached(repo, head, list(candidates))
    unreached = [tag for tag in candidates if tag not in reached]
    return sorted(unreached, key=lambda t: CoreVersion.parse(candidates[t]), reverse=True)


def _reached(repo: Snapshot, head: str, tags: list[str]) -> set[str]:
    """Which of ``tags`` ``head`` reaches: one ``git for-each-ref --merged`` for them all."""
    if not tags:
        return set()
    result = repo.git.git("for-each-ref", f"--merged={head}", "--format=%(refname:strip=2)",
                          *(f"refs/tags/{t}" for t in tags), check=False)
    if result.returncode != 0:
        return set(tags)  # cannot tell: name none
    return set(result.stdout.split())


def warn(tags: list[str], base_ref: str, core: CoreVersion) -> None:
    """Name the releases the plan does not compare with, and how to compare with them."""
    if not tags:
        return
    shown = ", ".join(tags[:5]) + (f" and {len(tags) - 5} more" if len(tags) > 5 else "")
    log.warning("warning: release tag(s) %s, newer than the base %s, are not reachable from "
                "the analysed commit (made on a release branch?; VERSION says %s); this plan "
                "compares with %s. To compare with the newest: --from %s", shown, base_ref, core,
                base_ref, tags[0])
