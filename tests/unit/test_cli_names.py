"""The command line calls itself what users type: ``release-tasks``."""

from __future__ import annotations

import pytest

from release_tasks import cli


def test_usage_names_the_installed_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.build_parser().format_usage().startswith("usage: release-tasks ")
    assert cli.main(["versions", "--no-such-option"], env={}) == 2
    err = capsys.readouterr().err
    assert "release-tasks versions" in err and "release_tasks" not in err
