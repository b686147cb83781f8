"""A real pypiserver on loopback, with uploads protected by a ``__token__`` password.

Uploads authenticate like PyPI API tokens: user ``__token__``, the token as password. The
password file uses the ``{SHA}`` htpasswd scheme because it can be written with hashlib
and pypiserver verifies it through passlib.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Self

from release_tasks.standins.procs import Lifecycle, ServerProcess, free_port

TOKEN_USER = "__token__"


class PypiServer(Lifecycle):
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.packages_dir = workdir / "packages"
        self.username = TOKEN_USER
        self.password = "pypi-" + secrets.token_hex(16)
        self.port = 0
        self._process: ServerProcess | None = None

    @property
    def url(self) -> str:
        """The simple index, for ``pip install --index-url``."""
        return f"http://127.0.0.1:{self.port}/simple/"

    @property
    def upload_url(self) -> str:
        """The legacy upload endpoint, for ``maturin upload`` / ``twine upload``."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30.0) -> Self:
        self.packages_dir.mkdir(parents=True, exist_ok=True)
        digest = base64.b64encode(hashlib.sha1(self.password.encode()).digest()).decode()
        htpasswd = self.workdir / "htpasswd"
        htpasswd.write_text(f"{self.username}:{{SHA}}{digest}\n")
        self.port = free_port()
        argv = [
            sys.executable, "-m", "pypiserver", "run",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--authenticate", "update", "--passwords", str(htpasswd),
            # Never redirect unknown packages to pypi.org: tests must see only uploads.
            "--disable-fallback",
            # Rescan the directory on every request so reset() takes effect at once.
            "--backend", "simple-dir",
            str(self.packages_dir),
        ]  # fmt: skip
        self._process = ServerProcess(
            argv, self.workdir / "pypiserver.log", env=os.environ, cwd=self.workdir
        )
        self._process.wait_ready(f"http://127.0.0.1:{self.port}/health", timeout)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def reset(self) -> None:
        """Remove every uploaded file."""
        shutil.rmtree(self.packages_dir, ignore_errors=True)
        self.packages_dir.mkdir(parents=True)

    def files(self) -> list[str]:
        return sorted(p.name for p in self.packages_dir.rglob("*") if p.is_file())

    def put(self, filename: str, data: bytes) -> Path:
        """Serve ``data`` as ``filename``, as if uploaded (say, another build under the same
        name): the simple index lists it with the SHA-256 of these bytes."""
        path = self.packages_dir / filename
        path.write_bytes(data)
        return path

    def maturin_env(self) -> dict[str, str]:
        """``maturin upload`` reads these instead of flags (the token implies __token__)."""
        return {
            "MATURIN_REPOSITORY_URL": self.upload_url,
            "MATURIN_PYPI_TOKEN": self.password,
            "MATURIN_NON_INTERACTIVE": "true",
        }

    def twine_env(self) -> dict[str, str]:
        return {
            "TWINE_REPOSITORY_URL": self.upload_url,
            "TWINE_USERNAME": self.username,
            "TWINE_PASSWORD": self.password,
            "TWINE_NON_INTERACTIVE": "1",
        }

    def pip_env(self) -> dict[str, str]:
        """Install only from this server; ignore any machine-wide pip configuration."""
        return {
            "PIP_INDEX_URL": self.url,
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
