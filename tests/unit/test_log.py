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


@pytest.mark.parametrize(("name", "secret"), [
    ("GEM_HOST_API_KEY", True), ("NPM_CONFIG__AUTH", True), ("NODE_AUTH_TOKEN", True),
    ("CARGO_REGISTRIES_ACME_LOCAL_TOKEN", True), ("ACME_PUBLISH_PASSWORD", True),
    ("npm_config_//registry.npmjs.org/:_authToken", True), ("SOME_SECRET", True),
    ("GIT_AUTHOR_NAME", False), ("GIT_AUTHOR_EMAIL", False), ("AUTHOR", False),
    ("TOKENIZERS_PARALLELISM", False), ("KEYRING_BACKEND", False), ("HOME", False),
])
def test_a_secret_is_known_by_a_word_of_its_name(name: str, secret: bool) -> None:
    assert log.is_secret_name(name) is secret


def test_the_authors_name_is_never_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    log.register_secrets_from_env({"GIT_AUTHOR_NAME": "github-actions",
                                   "GIT_COMMITTER_NAME": "github-actions"})
    log.get_logger().info("tagged by github-actions in /home/runner/github-actions/work")
    assert "tagged by github-actions in /home/runner/github-actions/work" in capsys.readouterr().err


def test_token_shapes_are_redacted_wherever_they_appear(capsys: pytest.CaptureFixture[str]) -> None:
    shapes = ["pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3A", "npm_" + "a1B2" * 9,
              "ghp_" + "x" * 36, "rubygems_" + "0f" * 24]
    log.get_logger().info("leaked: %s", " ".join(shapes))
    err = capsys.readouterr().err
    assert all(shape not in err for shape in shapes)
    assert err.count("***") == len(shapes)
