"""One error tree for the whole tool.

Every error a user can cause or fix derives from :class:`ReleaseError`. Each class carries
the process exit code the CLI uses; the CLI catches ``ReleaseError`` in ``main`` only and
prints the message without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class ReleaseError(Exception):
    """Base of every error the tool reports to a user."""

    exit_code: int = 1


class UsageError(ReleaseError, ValueError):
    """Bad command-line input: a malformed version, an unknown option, a bad mode."""

    exit_code = 2


class ConfigError(ReleaseError):
    """``release.toml`` is missing something, has an unknown key, or a bad value.

    Carries every problem found, so that one run reports all of them.
    """

    exit_code = 3

    def __init__(self, problems: Iterable[str], source: str = "release.toml") -> None:
        self.problems = tuple(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n{lines}")


class VersionError(ReleaseError, ValueError):
    """A version string that does not parse, or a version rule that would be broken."""

    exit_code = 4


class GitError(ReleaseError):
    """The repository cannot answer: not a repository, no commits, shallow, unknown ref."""

    exit_code = 5


class DriftError(ReleaseError):
    """Version files disagree with each other (version drift)."""

    exit_code = 6

    def __init__(self, problems: Iterable[str], hint: str | None = None) -> None:
        self.problems = tuple(problems)
        self.hint = hint
        lines = "\n".join(f"  - {p}" for p in self.problems)
        hint = hint or "Run `nox -s update -- --core X.Y.Z ...` to bring every file in line."
        super().__init__(f"version drift: {len(self.problems)} problem(s):\n{lines}\n{hint}")


class UpdateError(ReleaseError):
    """A version file could not be read, parsed, edited or written."""

    exit_code = 7


#: A command longer than this is shown shortened (94 ``-p CRATE`` pairs are 3 KB).
COMMAND_WIDTH = 200


def shorten_command(argv: list[str], width: int = COMMAND_WIDTH) -> str:
    """``argv`` as one line, cut at an argument past ``width`` characters with how many
    arguments were left out."""
    text = " ".join(argv)
    if len(text) <= width:
        return text
    kept: list[str] = []
    used = 0
    for arg in argv:
        if used + len(arg) + 1 > width - 30:
            break
        kept.append(arg)
        used += len(arg) + 1
    return f"{' '.join(kept)} ... (+{len(argv) - len(kept)} more arguments)"


class CommandError(ReleaseError):
    """An external program failed."""

    exit_code = 8

    def __init__(self, argv: list[str], returncode: int, tail: str = "") -> None:
        self.argv = argv
        self.returncode = returncode
        self.tail = tail
        shown = shorten_command(argv)
        message = f"command failed with exit code {returncode}: {shown}"
        if tail:
            message += "\n--- last lines of its output ---\n" + tail.rstrip("\n")
        super().__init__(message)


class ToolMissing(ReleaseError):
    """A program the stage needs is not installed; the message says how to install it."""

    exit_code = 9


class RegistryUnavailable(ReleaseError):
    """A registry gave no definite answer (timeouts, 5xx, 429) after every retry."""

    exit_code = 10

    def __init__(self, registry: str, url: str, reason: str) -> None:
        self.registry = registry
        self.url = url
        self.reason = reason
        super().__init__(
            f"{registry} gave no definite answer for {url}: {reason}. "
            "Nothing is assumed: re-run when the registry is reachable."
        )


class RegistryError(ReleaseError):
    """A registry answered, but with something that cannot be used (malformed document,
    refused credentials): a setup problem, not a reason to retry later."""

    exit_code = 15


class CredentialsMissing(ReleaseError):
    """One or more credentials needed for this release are not set."""

    exit_code = 11

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(missing)
        lines = "\n".join(f"  - {m}" for m in self.missing)
        super().__init__(f"missing credentials, nothing was built or published:\n{lines}")


class DuplicateVersion(ReleaseError):
    """The version is already on the registry and ``--on-duplicate=fail`` was given."""

    exit_code = 12


class PublishError(ReleaseError):
    """A publish did not complete; the message says what was published and what was not."""

    exit_code = 13


class IncompleteSet(PublishError):
    """The artifacts of a publish are not one set per declared platform: nothing was
    uploaded."""


class OtherBytes(PublishError):
    """The registry holds, under a name this commit builds, other bytes than it builds: the
    component is never tagged as published (unless ``--accept-registry-bytes``)."""

    exit_code = 16


class TagError(ReleaseError):
    """A tag exists on another commit, or could not be created or pushed."""

    exit_code = 14


class RehearsalError(ReleaseError):
    """A rehearsal could not run (a stand-in registry did not start), or one of its steps
    failed; nothing real was touched either way."""

    exit_code = 17
