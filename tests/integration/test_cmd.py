"""The command runner: echo, streaming, failures, and redaction of secrets in what it shows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from release_tasks import cmd, log
from release_tasks.errors import CommandError, ToolMissing, UpdateError

pytestmark = pytest.mark.integration

SENTINEL = "sentinel-secret-4f9a1c"


@pytest.fixture(autouse=True)
def _logging() -> None:
    log.setup()


def test_streamed_output_and_failure_tail_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    log.register_secret(SENTINEL)
    code = "import os, sys; print('token is', os.environ['T']); sys.exit(3)"
    with pytest.raises(CommandError) as info:
        cmd.run([sys.executable, "-c", code], env={"T": SENTINEL}, prefix="demo")
    err = capsys.readouterr().err
    assert SENTINEL not in err
    assert "[demo] token is ***" in err
    assert info.value.returncode == 3
    assert "token is ***" in info.value.tail
    assert SENTINEL not in str(info.value)


def test_echo_and_argv_log(capsys: pytest.CaptureFixture[str]) -> None:
    before = len(cmd.ARGV_LOG)
    result = cmd.run([sys.executable, "-c", "print('hi')"], capture=True)
    assert result.stdout == "hi\n"
    assert cmd.ARGV_LOG[before] == [sys.executable, "-c", "print('hi')"]
    assert f"+ {sys.executable} -c" in capsys.readouterr().err


def test_check_false_returns_the_code() -> None:
    result = cmd.run([sys.executable, "-c", "raise SystemExit(4)"], capture=True, check=False)
    assert result.returncode == 4


def test_missing_program_is_tool_missing() -> None:
    with pytest.raises(ToolMissing, match="no-such-program-xyz"):
        cmd.run(["no-such-program-xyz"])
    with pytest.raises(ToolMissing, match="apt-get install nothing"):
        cmd.which("no-such-program-xyz", "apt-get install nothing")


def test_git_and_cargo_metadata_children_see_no_registry_token(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A git child (the default environment) and cargo metadata (the workspace reader's)
    get no credential: a tool that only reads has nothing to do with one."""
    from release_tasks.cargo import workspace

    monkeypatch.setenv("CARGO_REGISTRY_TOKEN", "s3cr3t-cargo-token")
    monkeypatch.setenv("CARGO_REGISTRIES_LOCAL_TOKEN", "s3cr3t-local-token")
    shown = cmd.run([sys.executable, "-c", "import os; print(sorted(os.environ))"],
                    capture=True).stdout
    assert "CARGO_REGISTRY_TOKEN" not in shown and "CARGO_REGISTRIES_LOCAL_TOKEN" not in shown
    seen: list[dict[str, str]] = []
    real = cmd.run

    def spy(argv: list[str], **kw: object) -> cmd.Result:
        if argv[:2] == ["cargo", "metadata"]:
            seen.append(dict(kw["env"]))  # type: ignore[call-overload]
        return real(argv, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(cmd, "run", spy)
    (tmp_path / "Cargo.toml").write_text("not [ toml\n", encoding="utf-8")
    with pytest.raises(UpdateError, match=r"Fix Cargo\.toml"):  # the child ran, and failed
        workspace.load(tmp_path, ".")
    [env] = seen
    assert "CARGO_REGISTRY_TOKEN" not in env and "CARGO_REGISTRIES_LOCAL_TOKEN" not in env
def test_a_long_command_is_echoed_once_shortened_and_failures_shorten_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    """94 `-p CRATE` pairs are 3 KB: one line each time it is shown, with what was cut."""
    crates = [a for n in range(94) for a in ("-p", f"crate-number-{n}")]
    argv = [sys.executable, "-c", "import sys; sys.exit(2)", *crates]
    with pytest.raises(CommandError) as info:
        cmd.run(argv)
    err = capsys.readouterr().err
    echoed = [line for line in err.splitlines() if "+ " in line and sys.executable in line]
    assert len(echoed) == 1 and len(echoed[0]) < 300, echoed
    assert "more arguments)" in echoed[0] and "crate-number-93" not in err
    message = str(info.value)
    assert len(message.splitlines()[0]) < 300 and "more arguments)" in message
    assert info.value.argv == argv
