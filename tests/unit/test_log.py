"""The log: secrets registered from the environment, and redaction of every record."""

from __future__ import annotations

import logging

import pytest

from release_tasks import log

SENTINEL = "sentinel-secret-4f9a1c"


@pytest.fixture(autouse=True)
def _logging() -> None:
    log.setup()


def test_secret_env_names_are_registered(capsys: pytest.CaptureFixture[str]) -> None:
    log.register_secrets_from_env({"SOME_API_KEY": "abcdef123456", "HOME": "/root"})
    log.get_logger().info("value abcdef123456 and /root")
    err = capsys.readouterr().err
    assert "value *** and /root" in err


def test_log_records_redacted_for_caplog(caplog: pytest.LogCaptureFixture) -> None:
    log.register_secret(SENTINEL)
    with caplog.at_level(logging.INFO, logger="release_tasks"):
        log.get_logger("x").info("leak %s?", SENTINEL)
    # The handler's filter redacts the record itself, so every later handler sees ***.
    assert all(SENTINEL not in r.getMessage() for r in caplog.records)
