"""Build a fixture repository: files, real lockfiles, git history and tags.

Everything runs the real tools: git for history, ``cargo generate-lockfile --offline`` for
every Cargo.lock, ``uv lock --offline``, ``bun install --lockfile-only`` and
``npm install --package-lock-only --offline`` for the bindings' lockfiles. A tool that is
missing skips the test (fails it under ``CI=true``), as everywhere in the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_tasks.sandbox import GIT_IDENTITY
from tests.registries.tools import require_tool

#: Commits get fixed, increasing dates, so that history and ``git describe`` are reproducible.
_EPOCH = 1_735_689_600  # 2025-01-01T00:00:00Z


class TreeBuilder:
    """A work tree under construction at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._commits = 0
        root.mkdir(parents=True)

    # --- files ------------------------------------------------------------------------------

    def write(self, files: Mapping[str, str | None]) -> None:
        """Write each file (``None`` deletes it); parents are created as needed."""
        for rel, text in files.items():
            path = self.root / rel
            if text is None:
                path.unlink()
                self._prune(path.parent)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def replace(self, rel: str, old: str, new: str, count: int = 1) -> None:
        """Replace ``old`` (which must occur exactly ``count`` times) in one file."""
        text = self.read(rel)
        assert text.count(old) == count, f"{rel}: {old!r} occurs {text.count(old)} times"
        self.write({rel: text.replace(old, new)})

    def move(self, old: str, new: str) -> None:
        self.git("mv", old, new)

    # --- lockfiles --------------------------------------------------------------------------

    def cargo_lock(self, directory: str = ".", *, member: bool = False) -> None:
        """``cargo generate-lockfile --offline`` in ``directory``.

        ``member``: the crate there is a member of the enclosing workspace that also keeps a
        lockfile of its own (as a gem's ``ext/`` crate does, for the build on a user's
        machine). Cargo only writes that lockfile for a workspace root, so the manifest gets
        an empty ``[workspace]`` table for the duration of the call.
        """
        cargo = require_tool("cargo")
        manifest = self.root / directory / "Cargo.toml"
        original = manifest.read_bytes()
        if member:
            manifest.write_bytes(original + b"\n[workspace]\n")
        try:
            self._run([cargo, "generate-lockfile", "--offline", "--quiet"], directory)
        finally:
            manifest.write_bytes(original)

    def uv_lock(self, directory: str) -> None:
        """``uv lock --offline``: the project has no dependencies, so nothing is fetched."""
        uv = Path(sys.executable).with_name("uv")
        tool = str(uv) if uv.is_file() else require_tool("uv")
        self._run([tool, "lock", "--offline", "--quiet"], directory,
                  env={"UV_NO_CONFIG": "1", "UV_PYTHON_DOWNLOADS": "never"})

    def bun_lock(self, directory: str) -> None:
        self._run([require_tool("bun"), "install", "--lockfile-only", "--silent"], directory)

    def npm_lock(self, directory: str) -> None:
        self._run([require_tool("npm"), "install", "--package-lock-only", "--offline",
                   "--no-audit", "--no-fund", "--silent"], directory)

    # --- git --------------------------------------------------------------------------------

    def git(self, *args: str, input_text: str | None = None) -> str:
        env = {**GIT_IDENTITY, "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_AUTHOR_DATE": self._date(), "GIT_COMMITTER_DATE": self._date()}
        return self._run(["git", *args], ".", env=env, input_text=input_text).strip()

    def init(self) -> None:
        self.git("init", "--quiet", "--initial-branch=main")
        for key, value in (("user.name", GIT_IDENTITY["GIT_AUTHOR_NAME"]),
                           ("user.email", GIT_IDENTITY["GIT_AUTHOR_EMAIL"]),
                           ("commit.gpgsign", "false"), ("tag.gpgsign", "false")):
            self.git("config", key, value)

    def commit(self, message: str) -> str:
        """Commit everything in the work tree; return the commit id."""
        self._commits += 1
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, message: str | None = None, ref: str = "HEAD") -> None:
        """A lightweight tag, or an annotated one when ``message`` is given."""
        if message is None:
            self.git("tag", name, ref)
        else:
            self.git("tag", "--annotate", name, ref, "--file", "-", input_text=message)

    def tags(self, names: Sequence[str], ref: str = "HEAD") -> None:
        for name in names:
            self.tag(name, ref=ref)

    def step(self, message: str, files: Mapping[str, str | None],
             tags: Sequence[str] = ()) -> str:
        """One step of history: write ``files``, commit, tag the commit (lightweight)."""
        self.write(files)
        commit = self.commit(message)
        self.tags(tags)
        return commit

    # --- internals --------------------------------------------------------------------------

    def _prune(self, directory: Path) -> None:
        """Remove ``directory`` and its parents while they are empty (cargo reads a
        directory left by a move as a member without a manifest)."""
        while directory != self.root and not any(directory.iterdir()):
            directory.rmdir()
            directory = directory.parent

    def _date(self) -> str:
        return f"@{_EPOCH + 3600 * self._commits} +0000"

    def _run(self, argv: list[str], directory: str, env: Mapping[str, str] | None = None,
             input_text: str | None = None) -> str:
        result = subprocess.run(argv, cwd=self.root / directory, env={**os.environ, **(env or {})},
                                input=input_text, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise AssertionError(f"fixture build: {' '.join(argv)} failed in {directory}:\n"
                                 f"{result.stdout}{result.stderr}")
        return result.stdout
