"""Logging: every log line goes to stderr, through one redaction filter.

stdout is reserved for the data a stage was asked for (``--format env|json``), so that
``... --format env >> "$GITHUB_OUTPUT"`` is always safe.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping

LOGGER_NAME = "release_tasks"
REDACTED = "***"

# Environment variables whose values are secrets even when no config names them: a name
# with one of these words (split at anything but letters and digits: GIT_AUTHOR_NAME has no
# word AUTH, NPM_CONFIG__AUTH and NODE_AUTH_TOKEN have), in any case, or API then KEY.
_SECRET_WORDS = frozenset({"TOKEN", "PASSWORD", "PASSWD", "SECRET", "AUTH", "AUTHTOKEN",
                           "APIKEY", "CREDENTIALS"})
# The usual shapes of registry and forge tokens, redacted wherever they appear.
_TOKEN_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
                           r"|pypi-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{20,}"
                           r"|rubygems_[0-9a-f]{20,}|cio[A-Za-z0-9]{28,})")
# Values shorter than this are not redacted: they would mangle ordinary words.
_MIN_SECRET_LEN = 6


def is_secret_name(name: str) -> bool:
    """Whether an environment variable of that name holds a secret (see ``_SECRET_WORDS``)."""
    words = [w for w in re.split(r"[^A-Z0-9]+", name.upper()) if w]
    return bool(_SECRET_WORDS.intersection(words)) or any(
        a == "API" and b == "KEY" for a, b in itertools.pairwise(words))

_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that it is replaced by ``***`` in every later output."""
    if value and len(value) >= _MIN_SECRET_LEN:
        _secrets.add(value)


def register_secrets_from_env(
    env: Mapping[str, str], names: Iterable[str] = ()
) -> None:
    """Register the values of ``names`` and of every variable that looks like a secret."""
    for name in names:
        register_secret(env.get(name))
    for name, value in env.items():
        if is_secret_name(name):
            register_secret(value)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret, and anything shaped like a registry or
    forge token, replaced by ``***``."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPES.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Redacts the fully formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time (test capture, nox, a terminal)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def get_logger(name: str | None = None) -> logging.Logger:
    """The package logger, or a child of it."""
    return logging.getLogger(LOGGER_NAME if name is None else f"{LOGGER_NAME}.{name}")


def setup(verbose: bool = False) -> None:
    """Send the package's logs to stderr, redacted. Safe to call more than once."""
    logger = get_logger()
    logger.setLevel(logging.DEBUG if verbose or os.environ.get("RELEASE_TASKS_DEBUG") else logging.INFO)
    for handler in list(logger.handlers):
        if getattr(handler, "_release_tasks", False):
            logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter())
    handler._release_tasks = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = True  # records also reach handlers of the caller (pytest caplog)
