"""Shared by the ``publish_*`` integration tests: sandboxes at a binding version, in-process
runs that record every argv, secret scans, and a fault-injecting proxy for real registries.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from release_tasks import cmd, sandbox
from release_tasks.apply import update
from release_tasks.config import load as config_mod
from release_tasks.log import LOGGER_NAME
from release_tasks.model.version import BindingVersion
from release_tasks.standins.httpbase import RegistryApp, Request, Response
from tests.support import CliResult, RunCli

#: Every credential variable of the default config, emptied so the machine's own never count.
NO_CREDENTIALS = {name: "" for name in ("GEM_HOST_API_KEY", "MATURIN_PYPI_TOKEN", "PYPI_TOKEN",
                                        "NPM_TOKEN", "NODE_AUTH_TOKEN", "CARGO_REGISTRY_TOKEN")}
#: The commands that build each binding; none of them may run when nothing is to be built.
BUILD_COMMANDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ruby": (("rake", "compile"), ("gem", "build"), ("cargo", "build")),
    "python": (("maturin", "build"), ("maturin", "sdist"), ("cargo", "build")),
    "typescript": (("cargo", "build"), ("bun", "install"), ("bun", "run", "build"),
                   ("npm", "pack")),
}
USAGE, CREDENTIALS_MISSING, REGISTRY_DOWN, DUPLICATE, PUBLISH_FAILED = 2, 11, 10, 12, 13


def sandbox_at(tmp_path: Path, version: str) -> Path:
    """The example monorepo as a git repository, every binding at ``version`` (committed)."""
    repo = sandbox.create(tmp_path / "tasker-core")
    config = config_mod.load(repo.root)
    wanted = BindingVersion.parse(version)
    update.run_update(repo.root, config, wanted.core, {b.name: wanted for b in config.bindings},
                      dry_run=False)
    sandbox.change(repo, f"bindings at {version}", {})
    return repo.root


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def tags(root: Path) -> list[str]:
    return git(root, "tag", "--list").split()


def publish(run_cli: RunCli, lang: str, version: str, root: Path, env: dict[str, str],
            *extra: str) -> CliResult:
    """``python -m release_tasks publish_<lang> VERSION --repo ROOT ...`` with a fresh ARGV_LOG."""
    cmd.ARGV_LOG.clear()
    return run_cli(f"publish_{lang}", version, "--repo", str(root), *extra,
                   env={**NO_CREDENTIALS, **env})


def ran(*words: str) -> bool:
    """Whether a recorded argv starts (after the program's directory) with ``words``."""
    for argv in cmd.ARGV_LOG:
        head = [Path(argv[0]).name, *argv[1:]]
        if any(head[i:i + len(words)] == list(words) for i in range(len(head))):
            return True
    return False


def built(lang: str) -> list[tuple[str, ...]]:
    """The build commands of ``lang`` that ran since the last :func:`publish`."""
    return [words for words in BUILD_COMMANDS[lang] if ran(*words)]


def assert_no_secret(secret: str, result: CliResult, caplog: pytest.LogCaptureFixture) -> None:
    """The secret is in no output, no log record and no argv."""
    assert len(secret) >= 8
    assert secret not in result.out
    assert secret not in result.err
    assert secret not in caplog.text
    assert all(secret not in message for message in caplog.messages)
    assert not [argv for argv in cmd.ARGV_LOG if any(secret in arg for arg in argv)]


@contextmanager
def capture_package_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """caplog sees the package's records *before* the redacting stderr handler does.

    The package logger does not propagate, so caplog's handler is attached to it directly;
    ``cli.main`` re-adds its own handler afterwards, which makes caplog's run first.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(caplog.handler)


def closed_port_url(path: str = "/") -> str:
    """A loopback URL nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registry checks still retry, without the real backoff."""
    monkeypatch.setattr("release_tasks.registries.http.backoff_delay", lambda attempt: 0.0)


class FaultProxy(RegistryApp):
    """Forwards every request to ``upstream``; the fault switches apply on the way.

    Categories: ``upload`` for PUT/POST (a publish), ``index`` for everything else.
    """

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")

    def category(self, method: str, path: str) -> str:
        return "upload" if method in ("PUT", "POST") else "index"

    def fault_response(self, status: int) -> Response:
        return Response.text(status, f"injected fault: HTTP {status}")

    def route(self, request: Request) -> Response:
        query = "&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs)
        url = f"{self.upstream}{request.path}" + (f"?{query}" if query else "")
        keep = ("accept", "authorization", "content-type", "npm-command", "user-agent")
        headers = {k: v for k, v in request.headers.items() if k in keep}
        forwarded = urllib.request.Request(url, data=request.body or None, headers=headers,
                                           method=request.method)
        try:
            with urllib.request.urlopen(forwarded, timeout=30) as answer:
                return Response(answer.status, answer.read(),
                                answer.headers.get("Content-Type", "application/json"))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read(), exc.headers.get("Content-Type", "text/plain"))


def require_words(text: str, words: Sequence[str]) -> None:
    """Every one of ``words`` is in ``text`` (with the text shown when one is missing)."""
    missing = [w for w in words if w not in text]
    assert not missing, f"missing {missing} in:\n{text}"
