"""The documents are true to the code: every ``nox -s STAGE -- ARGS`` they show names a
session of the noxfile, and its arguments parse with the real CLI parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from release_tasks import cli
from tests.support import assert_parses, nox_sessions

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "RELEASING.md", "VERSIONING.md")
# Placeholders the documents use, and a value of the right shape for each.
PLACEHOLDERS = {"X.Y.Z.P": "0.1.9.0", "X.Y.Z": "0.1.9", "VERSION": "0.1.9.0",
                "COMPONENT": "ruby", "REF": "main", "PATH": ".", "DIR": "dist", "NAME": "local",
                "BINDING": "python", "TEXT": "withdrawn", "SECONDS": "600", "N": "2"}
_COMMAND = re.compile(r"nox -s ([a-z_]+)(?: -- ([^`\n|]*))?")


def commands() -> list[tuple[str, str, str, list[str]]]:
    """``(document, line, session, args)`` for every nox command in the documents."""
    found = []
    for doc in DOCS:
        for line in (ROOT / doc).read_text(encoding="utf-8").splitlines():
            for match in _COMMAND.finditer(line):
                raw = (match.group(2) or "").split(">>")[0].split("&&")[0]
                raw = re.sub(r"\[([^\]]*)\]", r"\1", raw)  # optional parts: check them too
                raw = raw.replace("|", " ").replace("...", "")
                args = [PLACEHOLDERS.get(a, a) for a in shlex.split(raw, comments=True)]
                args = [a for a in args if not a.startswith(("#", "$"))]
                found.append((doc, line.strip(), match.group(1), args))
    return found


def test_the_documents_show_commands() -> None:
    docs = {doc for doc, *_ in commands()}
    assert docs >= {"README.md", "RELEASING.md"}, docs


@pytest.mark.parametrize(("doc", "line", "session", "args"), commands(),
                         ids=[f"{d}:{s}:{i}" for i, (d, _, s, _) in enumerate(commands())])
def test_command_parses(doc: str, line: str, session: str, args: list[str]) -> None:
    stages = set(cli.stage_names())
    try:
        if session in stages:
            assert_parses(session, args)
        else:  # the project's own sessions (tests, lint, bench) take no stage arguments
            assert session in nox_sessions(), f"no nox session {session!r}"
    except Exception as exc:  # say which line of which document is wrong
        raise AssertionError(f"{doc}: `{line}`: {exc}") from exc
