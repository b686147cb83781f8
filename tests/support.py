"""Types and helpers shared by the tests."""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import tomlkit

from release_tasks import cli, cmd
from release_tasks.cli.stages import update as update_stage
from release_tasks.config import load as config

IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class CliResult:
    """What one in-process ``python -m release_tasks`` run left."""

    code: int
    out: str
    err: str


class RunCli(Protocol):
    def __call__(self, *args: str, env: dict[str, str] | None = None) -> CliResult: ...


def programs_started() -> list[list[str]]:
    """Every argv in ``cmd.ARGV_LOG`` but the read-only queries with which every stage finds
    its repository, lists its files and reads its workspace (``git rev-parse --show-toplevel``,
    ``git ls-files``, ``cargo metadata``)."""
    def locating(argv: list[str]) -> bool:
        if Path(argv[0]).name == "cargo":
            return argv[1:2] == ["metadata"]
        return (Path(argv[0]).name == "git" and len(argv) > 3
                and argv[3:5] in (["rev-parse", "--show-toplevel"], ["ls-files", "-z"]))
    return [argv for argv in cmd.ARGV_LOG if not locating(argv)]


def nox_sessions() -> set[str]:
    """The sessions noxfile.py defines."""
    import nox.registry

    import noxfile  # noqa: F401  (registers the sessions)

    return set(nox.registry.get())


def assert_parses(session: str, args: list[str]) -> None:
    """The nox session exists and the real CLI parser accepts its arguments (``update``'s
    per-binding options included, with the built-in config)."""
    assert session in nox_sessions(), f"nox session {session!r} is not in noxfile.py"
    parsed, extras = cli.build_parser().parse_known_args([session, *args])
    assert parsed.stage == session
    if session == "update":
        parsed.extras = extras
        update_stage.binding_versions(parsed, config.builtin())
        return
    assert extras == [], f"{session}: unrecognized arguments {extras}"


def parse_env(stdout: str) -> dict[str, str]:
    """``KEY=VALUE`` lines, strictly: every line one pair, no key twice, nothing else."""
    lines = stdout.splitlines()
    assert stdout.endswith("\n"), stdout
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*=\S+", line) for line in lines), stdout
    keys = [line.split("=", 1)[0] for line in lines]
    assert len(set(keys)) == len(keys), stdout
    return dict(line.split("=", 1) for line in lines)


def stage_env(run_cli: RunCli, stage: str, root: Path, *args: str) -> dict[str, str]:
    """``python -m release_tasks STAGE --format env`` at ``root``, parsed strictly."""
    result = run_cli(stage, "--repo", str(root), "--format", "env", *args)
    assert result.code == 0, result.err
    return parse_env(result.out)


def stage_json(run_cli: RunCli, stage: str, root: Path, *args: str) -> dict[str, Any]:
    """``python -m release_tasks STAGE --format json`` at ``root``."""
    result = run_cli(stage, "--repo", str(root), "--format", "json", *args)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def client_rb_config() -> str:
    """release.toml text: the built-in layout plus a fourth binding, tasker-client-rb under
    clients/ruby, that the FFI-facing core propagates to."""
    doc: dict[str, Any] = copy.deepcopy(dict(config.DEFAULT_CONFIG))
    doc["core"]["groups"]["ffi"]["propagates-to"].append("client-rb")
    doc["bindings"]["client-rb"] = {
        "directory": "clients/ruby", "registry": "rubygems", "package": "tasker-client-rb",
        "crate": "tasker-client-rb", "credential": ["GEM_HOST_API_KEY"],
        "version-files": [
            {"path": "clients/ruby/lib/tasker_client/version.rb", "format": "ruby",
             "key": "VERSION", "value": "binding"},
            {"path": "clients/ruby/lib/tasker_client/version.rb", "format": "ruby",
             "key": "RUST_CORE_VERSION", "value": "binding-core"},
        ],
    }
    return tomlkit.dumps(doc)
