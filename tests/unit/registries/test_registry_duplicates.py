"""The --on-duplicate policy: the exact log lines, and the failure."""

from __future__ import annotations

import logging

import pytest

from release_tasks.errors import DuplicateVersion, UsageError
from release_tasks.model.duplicates import (
    DEFAULT_ON_DUPLICATE,
    ON_DUPLICATE_MODES,
    OnDuplicate,
    handle_duplicate,
    parse_on_duplicate,
)
from release_tasks.registries import REGISTRY_LABELS

LOGGER = logging.getLogger("release_tasks.test_duplicates")


@pytest.mark.parametrize("mode", ["skip", "warn", "fail"])
def test_parse_known_modes(mode: str) -> None:
    assert parse_on_duplicate(mode) == mode


@pytest.mark.parametrize("text", ["", "SKIP", "ignore", " warn"])
def test_parse_unknown_mode_lists_the_three(text: str) -> None:
    with pytest.raises(UsageError, match="expected one of skip, warn, fail"):
        parse_on_duplicate(text)


def test_default_is_warn() -> None:
    assert DEFAULT_ON_DUPLICATE == "warn"
    assert ON_DUPLICATE_MODES == ("skip", "warn", "fail")


@pytest.mark.parametrize(
    ("mode", "level", "line"),
    [
        (
            "skip",
            logging.INFO,
            "  [skip] tasker-pgmq@0.1.9 already exists on crates.io, skipping",
        ),
        (
            "warn",
            logging.WARNING,
            "  [warn] tasker-pgmq@0.1.9 already exists on crates.io, skipping",
        ),
    ],
)
def test_skip_and_warn_log_the_design_line(
    mode: OnDuplicate, level: int, line: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER.name):
        handle_duplicate(mode, "tasker-pgmq", "0.1.9", "crates.io", LOGGER)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [(level, line)]


def test_fail_raises_with_the_design_message(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(DuplicateVersion) as caught:
        handle_duplicate("fail", "tasker-rb", "0.1.8.2", "RubyGems", LOGGER)
    assert str(caught.value) == "tasker-rb@0.1.8.2 already exists on RubyGems (--on-duplicate=fail)"
    assert caught.value.exit_code == 12
    assert caplog.records == []


def test_registry_labels() -> None:
    assert REGISTRY_LABELS == {
        "crates-io": "crates.io",
        "rubygems": "RubyGems",
        "pypi": "PyPI",
        "npm": "npm",
    }
