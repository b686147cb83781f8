"""Logging: every log line goes to stderr, through one redaction filter.

stdout is reserved for the data a stage was asked for (``--format env|json``), so that
``... --format env >> "$GITHUB_OUTPUT"`` is always safe.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Mapping

LOGGER_NAME = "release_tasks"
REDACTED = "***"

# Environment variables whose values are secrets even when no config names them: a name
# that contains one of these words, in any case.
_SECRET_WORDS = ("TOKEN", "API_KEY", "PASSWORD", "SECRET", "_AUTH")
# Values shorter than this are not redacted: they would mangle ordinary words.
_MIN_SECRET_LEN = 6

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
        upper = name.upper()
        if any(word in upper for word in _SECRET_WORDS):
            register_secret(value)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


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
