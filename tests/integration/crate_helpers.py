"""What the ``publish_crates`` integration tests share: cargo pointed at the local registry,
the stage run in-process or as a real child process, and reading the registry's events."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

from release_tasks.git.repo import Repo
from release_tasks.standins.cargo_registry import CargoRegistry
from tests.support import CliResult, RunCli

CRATES = ["tasker-pgmq", "tasker-shared", "tasker-client", "tasker-orchestration",
          "tasker-worker", "tasker-cli"]


def cargo_env_for(registry: CargoRegistry, tmp_path: Path) -> dict[str, str]:
    """cargo pointed at ``registry`` as ``local``, its token only in ``CARGO_REGISTRY_TOKEN``."""
    env = registry.configure_cargo("local", tmp_path / "cargo-home")
    token = env.pop("CARGO_REGISTRIES_LOCAL_TOKEN")
    return {**env, "CARGO_REGISTRY_TOKEN": token, "CARGO_TARGET_DIR": str(tmp_path / "target"),
            "RELEASE_TASKS_CARGO_REGISTRY": ""}


def publish(run_cli: RunCli, repo: Repo, env: dict[str, str], *args: str) -> CliResult:
    """``publish_crates --registry local ARGS`` in-process."""
    return run_cli("publish_crates", "--repo", str(repo.root), "--registry", "local", *args,
                   env=env)


def spawn(repo: Repo, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``python -m release_tasks publish_crates --registry local ARGS`` as a child process in
    its own process group (a signal sent to it reaches it alone, as ``kill PID`` does)."""
    return subprocess.Popen(
        [sys.executable, "-m", "release_tasks", "publish_crates", "--repo", str(repo.root),
         "--registry", "local", *args],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        process_group=0)


def published(registry: CargoRegistry) -> list[str]:
    return [name for name, _ in registry.log.published()]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tampered(crate: bytes, member: str = "src/lib.rs") -> bytes:
    """``crate`` (a ``.crate``: gzipped tar) with one line added to ``member``: a valid crate
    that still builds, with other bytes."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(crate))) as source, \
            tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as target:
        for info in source.getmembers():
            file = source.extractfile(info)
            data = file.read() if file is not None else b""
            if info.name.endswith("/" + member):
                data += b"// altered after it was packaged\n"
                info.size = len(data)
            target.addfile(info, io.BytesIO(data))
    return gzip.compress(out.getvalue(), mtime=0)
