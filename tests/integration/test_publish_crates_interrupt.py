"""A real signal to a real ``publish_crates`` process while ``cargo publish`` is uploading to
the local cargo registry: no crate starts after it, the upload in flight finishes (or, at a
second signal, is abandoned), the account says what is published and what is not, and the
command it prints completes the release."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from release_tasks.git.repo import Repo
from release_tasks.standins.cargo_registry import CargoRegistry
from tests.integration.crate_helpers import CRATES, cargo_env_for, git, published, spawn
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

#: Each upload takes this long on the registry: long enough to signal one in flight.
UPLOAD_SECONDS = 2.0


@pytest.fixture
def cargo_env(cargo_registry: CargoRegistry, tmp_path: Path) -> dict[str, str]:
    require_tool("cargo")
    return cargo_env_for(cargo_registry, tmp_path)


class Stderr:
    """The child's stderr, read as it comes; :meth:`wait_for` a line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            with self._seen:
                self.lines.append(line.rstrip("\n"))
                self._seen.notify_all()

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        with self._seen:
            if not self._seen.wait_for(lambda: any(text in line for line in self.lines),
                                       timeout):
                raise AssertionError(f"{text!r} never came; stderr so far:\n" + self.text)

    @property
    def text(self) -> str:
        self._thread.join(timeout=0)
        return "\n".join(self.lines)

    def finish(self) -> str:
        self._thread.join(timeout=30)
        return "\n".join(self.lines)


def run_until_shared_uploads(repo: Repo, env: dict[str, str]) -> tuple[subprocess.Popen[str],
                                                                       Stderr]:
    proc = spawn(repo, env)
    stderr = Stderr(proc)
    stderr.wait_for("tasker-shared@0.1.0: uploading")
    time.sleep(0.5)  # cargo is verifying or uploading: in flight
    return proc, stderr


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_a_signal_lets_the_upload_in_flight_finish_and_accounts_for_every_crate(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str], sig: signal.Signals, code: int) -> None:
    cargo_registry.faults.set_upload_latency(UPLOAD_SECONDS)
    proc, stderr = run_until_shared_uploads(example_repo, cargo_env)

    proc.send_signal(sig)
    assert proc.wait(timeout=60) == code
    err = stderr.finish()

    assert f"{sig.name}: stopping. No new upload starts" in err
    assert published(cargo_registry) == ["tasker-pgmq", "tasker-shared"]  # it finished
    assert "published:        tasker-pgmq, tasker-shared" in err
    assert "not started:      tasker-client, tasker-orchestration, tasker-worker, " \
           "tasker-cli" in err
    assert f"({sig.name} received)" in err
    assert "to resume: nox -s publish_crates -- --on-duplicate=skip --registry local" in err
    assert not any("tasker-client@0.1.0: uploading" in line for line in stderr.lines)
    assert git(example_repo.root, "tag", "--list") == ""
    assert "Traceback" not in err

    cargo_registry.faults.set_upload_latency(0)
    result = run_cli("publish_crates", "--repo", str(example_repo.root), "--on-duplicate=skip",
                     "--registry", "local", env=cargo_env)

    assert result.code == 0, result.err
    assert sorted(published(cargo_registry)) == sorted(CRATES)  # each exactly once
    assert git(example_repo.root, "tag", "--list").split() == ["core-v0.1.0"]


def test_a_second_signal_abandons_the_upload_and_the_registry_says_where_it_is(
        example_repo: Repo, cargo_registry: CargoRegistry, cargo_env: dict[str, str]) -> None:
    cargo_registry.faults.set_upload_latency(UPLOAD_SECONDS)
    proc, stderr = run_until_shared_uploads(example_repo, cargo_env)

    proc.send_signal(signal.SIGINT)
    stderr.wait_for("SIGINT: stopping")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = stderr.finish()

    assert "SIGINT again: abandoning 1 upload(s) in flight" in err
    time.sleep(UPLOAD_SECONDS + 0.5)  # whatever the registry was still processing is done
    on_registry = published(cargo_registry)
    assert on_registry[0] == "tasker-pgmq"
    assert set(on_registry) <= {"tasker-pgmq", "tasker-shared"}
    # The account is the registry's: what it calls published is there, and the abandoned
    # crate is published or said to be in doubt, never said to be absent.
    [line] = [ln for ln in err.splitlines() if ln.startswith("  published:")]
    assert set(line.split(":", 1)[1].strip().split(", ")) <= set(on_registry)
    if "tasker-shared" not in line:
        assert "interrupted:      tasker-shared" in err
        assert "it may still appear, and a re-run asks first" in err
    assert "not started:      tasker-client, tasker-orchestration" in err
    assert "Traceback" not in err


def test_stopped_at_every_crate_boundary_each_run_publishes_one_crate_then_the_tag(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    """RELEASE_TASKS_STOP_AFTER_UPLOADS stops as SIGINT does: before the first upload, then
    after each one. Even the two crates of a phase never overrun a stop."""
    counts, codes = [], []
    for stop_after in ["0"] + ["1"] * (len(CRATES) + 1):
        before = len(published(cargo_registry))
        result = run_cli("publish_crates", "--repo", str(example_repo.root),
                         "--on-duplicate=skip", "--registry", "local",
                         env={**cargo_env, "RELEASE_TASKS_STOP_AFTER_UPLOADS": stop_after})
        counts.append(len(published(cargo_registry)) - before)
        codes.append(result.code)
        tagged = git(example_repo.root, "tag", "--list") != ""
        assert tagged == (result.code == 0), result.err
        if result.code == 130:
            assert "to resume: nox -s publish_crates -- --on-duplicate=skip" in result.err

    assert counts == [0] + [1] * len(CRATES) + [0]
    assert codes == [130] * (len(CRATES) + 1) + [0]
    assert sorted(published(cargo_registry)) == sorted(CRATES)
    assert cargo_registry.order_violations() == []
