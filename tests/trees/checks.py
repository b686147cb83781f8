"""What the tests ask of a fixture repository, through git and cargo themselves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import semver
from packaging.version import Version

from release_tasks.standins import gem_version
from tests.registries.tools import require_tool
from tests.trees.oracle import snapshot

RepoState = tuple[dict[str, bytes], str, str, str, dict[str, bytes]]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def repo_state(root: Path) -> RepoState:
    """Everything a dry run must leave alone: the work tree, the index's entries, every ref,
    HEAD, and every file under .git but the index file (``git status`` refreshes its stat
    cache, which is not content)."""
    dot_git = {p.relative_to(root).as_posix(): p.read_bytes()
               for p in sorted((root / ".git").rglob("*"))
               if p.is_file() and p.name != "index"}
    refs = git(root, "for-each-ref", "--format=%(refname) %(objecttype) %(objectname)")
    head = git(root, "symbolic-ref", "-q", "HEAD") + git(root, "rev-parse", "HEAD")
    return snapshot(root), git(root, "ls-files", "--stage"), refs, head, dot_git


def stats(root: Path) -> dict[str, tuple[int, int]]:
    """``(mtime_ns, inode)`` of every file of the work tree: a rewrite with the same bytes,
    or a rename over a file, shows here."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and rel.parts[0] not in (".git", "target"):
            st = path.stat()
            found[rel.as_posix()] = (st.st_mtime_ns, st.st_ino)
    return found


def cargo(root: Path, directory: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("cargo"), *args], cwd=root / directory,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "CARGO_TARGET_DIR": str(root / "target")})


def metadata(root: Path, directory: str = ".") -> dict[str, Any]:
    """``cargo metadata --no-deps --offline``: what cargo itself says the workspace is."""
    result = cargo(root, directory, "metadata", "--no-deps", "--offline", "--format-version", "1")
    assert result.returncode == 0, f"cargo metadata failed in {directory}:\n{result.stderr}"
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def lock_problem(root: Path, directory: str) -> str | None:
    """Why the Cargo.lock in ``directory`` is not what cargo would write (None: it is)."""
    result = cargo(root, directory, "metadata", "--locked", "--offline", "--format-version", "1")
    return None if result.returncode == 0 else result.stderr.strip()


def nested_lock_problem(root: Path, member: str) -> str | None:
    """The same for the lockfile of a workspace member that is also built on its own (a
    gem's ext crate): checked on a copy, where the crate is made a workspace root."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tree"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", "target"))
        manifest = copy / member / "Cargo.toml"
        manifest.write_bytes(manifest.read_bytes() + b"\n[workspace]\n")
        return lock_problem(copy, member)


def block(text: str, title: str) -> list[str]:
    """The indented lines under ``title`` in a text report."""
    lines = text.splitlines()
    assert title in lines, f"{title!r} not in:\n{text}"
    found = []
    for line in lines[lines.index(title) + 1:]:
        if not line.startswith("  "):
            break
        found.append(line.strip())
    return found


def crate_phases(out: str) -> list[dict[str, str]]:
    """The phases of a ``publish_crates --dry-run`` report: crate -> version, per phase."""
    phases: list[dict[str, str]] = []
    inside = False
    for line in out.splitlines():
        if line.startswith("Phase ") and line.endswith(":"):
            phases.append({})
            inside = True
        elif inside and line.startswith("  "):
            crate, version = line.split()[:2]
            phases[-1][crate] = version
        else:
            inside = False
    return phases


# --- the registries' own orderings ----------------------------------------------------------

def npm_rendering(version: str) -> str:
    """A tag's version as npm sees it: a two-tier ``X.Y.Z.P`` becomes ``X.Y.(Z*1000+P)``."""
    parts = [int(p) for p in version.split(".")]
    if len(parts) == 4:
        x, y, z, p = parts
        return f"{x}.{y}.{z * 1000 + p}"
    return version


def registry_greater(registry: str, a: str, b: str) -> bool:
    """``a > b`` in the registry's own order (RubyGems, PEP 440, npm's and cargo's semver)."""
    if registry == "rubygems":
        return gem_version.version_key(a) > gem_version.version_key(b)
    if registry == "pypi":
        return Version(a) > Version(b)
    if registry == "npm":
        return bool(semver.Version.parse(npm_rendering(a)) > semver.Version.parse(npm_rendering(b)))
    return bool(semver.Version.parse(a) > semver.Version.parse(b))


def tagged_versions(root: Path, prefix: str) -> list[str]:
    """The versions of every ``<prefix>X...`` tag of the repository."""
    return [t[len(prefix):] for t in git(root, "tag", "--list", f"{prefix}*").split()]
