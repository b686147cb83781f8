"""Sandboxes of the example monorepo: a copy in a directory of your choice, made a git
repository with a commit. Used by the ``demo`` stage, the benchmarks and the tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import UsageError
from release_tasks.git import repo as git
from release_tasks.plan import tagplan

# The example of a source checkout; an installed wheel carries a copy as package data.
_CHECKOUT_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tasker-core"
_PACKAGED_EXAMPLE = Path(__file__).resolve().parent / "_example" / "tasker-core"
EXAMPLE = _CHECKOUT_EXAMPLE if _CHECKOUT_EXAMPLE.is_dir() else _PACKAGED_EXAMPLE
_IGNORE = shutil.ignore_patterns("target", "node_modules", "dist", "*.gem", "*.so", "*.dylib",
                                 "__pycache__", "*.whl", ".venv")

# A fixed identity, so that sandboxes work on machines with no git config at all.
GIT_IDENTITY: Mapping[str, str] = {
    "GIT_AUTHOR_NAME": "Release Sandbox",
    "GIT_AUTHOR_EMAIL": "sandbox@example.invalid",
    "GIT_COMMITTER_NAME": "Release Sandbox",
    "GIT_COMMITTER_EMAIL": "sandbox@example.invalid",
}


def _git(root: Path, *args: str, input_text: str | None = None) -> str:
    env = {**os.environ, **GIT_IDENTITY}
    return cmd.run(["git", "-C", str(root), *args], env=env, capture=True, echo=False,
                   input_text=input_text).stdout.strip()


def create(dest: Path, example: Path = EXAMPLE, message: str = "Import tasker-core") -> git.Repo:
    """Copy ``example`` to ``dest`` (which must not exist), ``git init`` and commit it."""
    if not example.is_dir():
        raise UsageError(f"the example monorepo is not at {example}: reinstall release-tasks "
                         "from a wheel or sdist (they ship it), or run from a checkout")
    shutil.copytree(example, dest, ignore=_IGNORE)
    _git(dest, "init", "--quiet", "--initial-branch=main")
    _git(dest, "config", "user.name", GIT_IDENTITY["GIT_AUTHOR_NAME"])
    _git(dest, "config", "user.email", GIT_IDENTITY["GIT_AUTHOR_EMAIL"])
    _git(dest, "config", "commit.gpgsign", "false")
    _git(dest, "config", "tag.gpgsign", "false")
    _git(dest, "add", "--all")
    _git(dest, "commit", "--quiet", "-m", message)
    return git.Repo(dest)


def change(repo: git.Repo, message: str, files: Mapping[str, str | None]) -> str:
    """Write (or, for ``None``, delete) ``files``, commit them, return the commit id."""
    for rel, content in files.items():
        path = repo.root / rel
        if content is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    _git(repo.root, "add", "--all", "--", *files)
    _git(repo.root, "commit", "--quiet", "-m", message)
    return _git(repo.root, "rev-parse", "HEAD")


def touch(repo: git.Repo, message: str, *paths: str) -> str:
    """Append a line to each of ``paths`` (creating them) and commit."""
    files: dict[str, str | None] = {}
    for rel in paths:
        path = repo.root / rel
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        comment = "#" if not rel.endswith((".rs", ".ts", ".js")) else "//"
        files[rel] = f"{old}{comment} {message}\n"
    return change(repo, message, files)


def tag(repo: git.Repo, name: str, message: str | None = None, ref: str = "HEAD") -> None:
    """Create tag ``name`` (annotated when ``message`` is given) at ``ref``."""
    if message is None:
        _git(repo.root, "tag", name, ref)
    else:
        _git(repo.root, "tag", "-a", name, ref, "-F", "-", input_text=message)


def mark_published(repo: git.Repo, release_tag: str, only: tuple[str, ...] | None = None) -> list[str]:
    """Do what CI does after each successful publish: tag every component of the release.

    ``only`` limits it to some components (``core`` or binding names), as after a partial
    failure. Returns the tags created.
    """
    commit = git.resolve(repo, release_tag)
    found = tagplan.parse(release_tag, commit, git.tag_message(repo, release_tag))
    if found is None:
        return []
    plan = found.plan
    wanted = [("core", plan.core.tag), *((b.name, b.tag) for b in plan.bindings)]
    created = []
    for component, tag in wanted:
        if tag and (only is None or component in only):
            git.create_tag(repo, tag, commit, f"{component} published\n")
            created.append(tag)
    return created
