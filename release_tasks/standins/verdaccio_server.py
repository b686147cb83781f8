"""A real verdaccio on loopback, with no uplinks: the npm stand-in of a rehearsal.

It runs the verdaccio it is given (``node ENTRY``); the ``rehearse`` session installs one, the
tests use the version pinned in ``tests/registries/npm``.

Without uplinks verdaccio never forwards to the public registry, so a test can only ever
see what it published itself, and a typo in a package name cannot reach the internet.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from release_tasks.standins.procs import Lifecycle, ServerProcess, free_port

_CONFIG = """\
storage: {storage}
auth:
  htpasswd:
    file: {htpasswd}
    max_users: 1000
uplinks: {{}}
packages:
  '@*/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
web:
  enable: false
max_body_size: 100mb
log: {{ type: stdout, format: pretty, level: warn }}
"""


class Verdaccio(Lifecycle):
    def __init__(self, workdir: Path, node: str, entry: Path) -> None:
        self.workdir = workdir
        self.node = node
        self.entry = entry
        self.username = "release-bot"
        self.password = secrets.token_hex(12)
        self.token = ""
        self.port = 0
        self._process: ServerProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def auth_key(self) -> str:
        """The ``.npmrc`` key prefix npm matches the token to: ``//127.0.0.1:PORT/``."""
        return f"//127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> Self:
        storage = self.workdir / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "config.yaml"
        config.write_text(_CONFIG.format(storage=storage, htpasswd=self.workdir / "htpasswd"))
        self.port = self.port or free_port()
        argv = [self.node, str(self.entry), "--config", str(config)]
        argv += ["--listen", f"127.0.0.1:{self.port}"]
        self._process = ServerProcess(
            argv, self.workdir / "verdaccio.log", env=os.environ, cwd=self.workdir
        )
        self._process.wait_ready(f"{self.url}-/ping", timeout)
        self.token = self._create_user()
        return self

    def _create_user(self) -> str:
        body = json.dumps(
            {
                "name": self.username,
                "password": self.password,
                "email": "release-bot@example.invalid",
                "type": "user",
                "roles": [],
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.url}-/user/org.couchdb.user:{self.username}",
            data=body,
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.load(response)["token"])

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def reset(self) -> None:
        """Restart on the same port with empty storage and a fresh user token."""
        self.stop()
        shutil.rmtree(self.workdir / "storage", ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (self.workdir / "htpasswd").unlink()
        self.start()

    def holds(self, package: str) -> bool:
        """Whether any version of ``package`` was published here."""
        url = f"{self.url}{package.replace('/', '%2f')}"
        try:
            with urllib.request.urlopen(url, timeout=30):
                return True
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise

    def write_npmrc(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"registry={self.url}\n{self.auth_key}:_authToken={self.token}\n")
        return path

    def publish_tarball(self, tarball: Path, home: Path) -> None:
        """``npm publish TARBALL`` to this registry as its user (say, another build of a
        version, published before ours)."""
        subprocess.run(["npm", "publish", str(tarball), "--registry", self.url],
                       env={**os.environ, **self.npm_env(home)}, check=True,
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)

    def npm_env(self, home: Path) -> dict[str, str]:
        """Environment for ``npm`` that uses only this registry and a private cache.

        The cache must be private: two verdaccio runs can serve different tarballs under
        the same name and version, and a shared cache would then fail integrity checks.
        """
        return {
            "npm_config_userconfig": str(self.write_npmrc(home / ".npmrc")),
            "npm_config_cache": str(home / "npm-cache"),
            "npm_config_registry": self.url,
            "npm_config_audit": "false",
            "npm_config_fund": "false",
            "npm_config_update_notifier": "false",
        }
