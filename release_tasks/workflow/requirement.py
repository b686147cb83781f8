"""The release tool that the generated workflow installs: ``.github/release-tasks.txt``.

Every job of ``.github/workflows/release.yml`` that runs nox installs
``python -m pip install -r .github/release-tasks.txt``: the monorepo's one-line
``noxfile.py`` imports ``release_tasks``, so the tool must be in the job's Python, at the
version that made the workflow. The file is one pip requirement file the repository commits:
``release-tasks==X.Y.Z`` (the version running ``init`` or ``workflow``; or what
``RELEASE_TASKS_SPEC`` names) and ``nox[uv]``; what the maintainer adds below its marker
line is kept. The workflow's cache keys hash it, so a new pin makes new environments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import release_tasks

#: Where the requirement lives in the repository.
REQUIREMENT_PATH = Path(".github") / "release-tasks.txt"
#: The tool's distribution, and the variable that names another requirement for it.
DISTRIBUTION = "release-tasks"
SPEC_VARIABLE = "RELEASE_TASKS_SPEC"
#: nox with uv, its fast backend (the tool depends on it too; said here so the file says all).
NOX = "nox[uv]"
#: The workflow's step that installs it (the same in every job).
INSTALL_COMMAND = f"python -m pip install -r {REQUIREMENT_PATH.as_posix()}"
HEADER = (
    "# The release tool that .github/workflows/release.yml installs in every job that runs nox",
    "# (the noxfile imports it), with nox and uv. Written by `release-tasks workflow` (and",
    "# `init`) at the version that ran it; `release-tasks workflow --check` fails when this is",
    "# not the installed version. Upgrade: install the new version, run `release-tasks",
    "# workflow`, commit.",
)
#: The line after which the maintainer's own requirements go (kept when the file is rewritten).
MARKER = "# Your own requirements below this line are kept:"
_PIN = re.compile(r"^release[-_.]tasks\s*(?:\[[^\]]*\])?\s*==\s*(?P<version>\S+)\s*$", re.I)


def tool_line(env: Mapping[str, str]) -> str:
    """The requirement of the tool: ``$RELEASE_TASKS_SPEC`` as given, else this version."""
    explicit = env.get(SPEC_VARIABLE, "").strip()
    return explicit or f"{DISTRIBUTION}=={release_tasks.__version__}"


def render(env: Mapping[str, str], current: str | None = None) -> str:
    """The file's text: the header, the tool, nox, the marker; then what followed the marker
    in ``current``."""
    lines = [] if current is None else current.splitlines()
    kept = lines[lines.index(MARKER) + 1:] if MARKER in lines else []
    return "\n".join([*HEADER, tool_line(env), NOX, MARKER, *kept]) + "\n"


def pinned_version(text: str) -> str | None:
    """The ``release-tasks==X`` version the file pins, if it pins one."""
    for line in text.splitlines():
        if match := _PIN.match(line.strip()):
            return match.group("version")
    return None


@dataclass(frozen=True)
class Outcome:
    """What :func:`write` found: whether the file was current, and what to say."""

    current: bool
    message: str


def write(root: Path, env: Mapping[str, str], *, check: bool) -> Outcome:
    """Write ``.github/release-tasks.txt`` under ``root`` unless it is current (``check``:
    only compare, and say what differs: above all a pin of another version than this)."""
    target = root / REQUIREMENT_PATH
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    text = render(env, current)
    shown = REQUIREMENT_PATH.as_posix()
    if current == text:
        return Outcome(True, f"{shown} is current ({tool_line(env)})")
    if check:
        return Outcome(False, _stale(shown, current, env))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return Outcome(False, f"wrote {shown} ({tool_line(env)})")


def _stale(shown: str, current: str | None, env: Mapping[str, str]) -> str:
    fix = f"run `release-tasks workflow` and commit {shown}"
    if current is None:
        return f"{shown} does not exist: the workflow's jobs install the release tool from it; {fix}"
    pinned, installed = pinned_version(current), release_tasks.__version__
    if pinned is not None and not env.get(SPEC_VARIABLE, "").strip() and pinned != installed:
        return (f"{shown} pins {DISTRIBUTION} {pinned}, but this is {DISTRIBUTION} {installed}: "
                f"the workflow would run another version than the one that made it. Either "
                f"{fix} (to release with {installed}), or install {DISTRIBUTION}=={pinned} "
                "and check again")
    return (f"{shown} is not what {DISTRIBUTION} {installed} writes (expected the requirement "
            f"{tool_line(env)!r} and {NOX!r}); {fix}")
