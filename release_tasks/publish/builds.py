"""What a publish builds, and from what: a clean work tree at the commit it tags, only the
build steps whose files the registry lacks, the files an earlier run of the same commit
built kept for the next, and ``SOURCE_DATE_EPOCH`` set so that two builds of one commit
give the same bytes (which is what makes comparing them with the registry's meaningful).

Each build step writes into a directory of its own under ``target/release-artifacts/BINDING/``
with a manifest (``.build.json``: the commit, the version, the options and each file's
SHA-256). A later run of the same commit, version and options takes those files instead of
building them again; anything else (another commit, a file changed or missing) rebuilds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from release_tasks.errors import ReleaseError, UsageError
from release_tasks.git.opening import open_snapshot
from release_tasks.log import get_logger
from release_tasks.publish.files import digest
from release_tasks.registries.common import artifacts_in
from release_tasks.registries.interface import Build, PublishContext

log = get_logger("publish")

MANIFEST = ".build.json"

__all__ = ["DirtyTree", "Head", "collect_artifacts", "head_of", "keep", "kept",
           "require_clean_tree"]


class DirtyTree(ReleaseError):
    """Tracked files are modified or staged, and ``--allow-dirty`` was not given."""


@dataclass(frozen=True, kw_only=True)
class Head:
    """The commit a publish builds and tags, and its committer time."""

    commit: str
    time: int


def head_of(root: Path) -> Head:
    snapshot = open_snapshot(root)
    when = snapshot.git.out("log", "-1", "--format=%ct", snapshot.head)
    return Head(commit=snapshot.head, time=int(when))


def require_clean_tree(root: Path, *, allow_dirty: bool, dry_run: bool = False,
                       what: str = "publish") -> None:
    """Refuse tracked files that are modified or staged: what is packed must be what the
    commit holds, since its tag goes on that commit. With ``--allow-dirty``, and in a dry run
    (which uploads and tags nothing), a warning lists them. Every publish stage calls it
    first."""
    dirty = open_snapshot(root).status.dirty
    if not dirty:
        return
    listed = "\n".join(f"  - {path}" for path in dirty)
    if allow_dirty or dry_run:
        why = "--allow-dirty" if allow_dirty else "dry run (a real run refuses them)"
        log.warning("warning: %s: the %s packs uncommitted changes, which the tag on HEAD "
                    "would not hold:\n%s", why, what, listed)
        return
    raise DirtyTree(f"{len(dirty)} tracked file(s) are modified or staged; a {what} packs the "
                    "work tree and tags HEAD, which does not hold them. Commit or stash them "
                    f"first (or pass --allow-dirty):\n{listed}")


def _identity(ctx: PublishContext) -> dict[str, object]:
    return {"commit": ctx.commit, "version": str(ctx.version),
            "options": {k: str(v) for k, v in sorted(ctx.options.items())}}


def kept(ctx: PublishContext, steps: Iterable[str]) -> dict[str, tuple[Path, ...]]:
    """The steps among ``steps`` whose files an earlier run of this commit, version and
    options built, still intact: step -> files."""
    found: dict[str, tuple[Path, ...]] = {}
    if ctx.commit is None:
        return found
    for step in steps:
        manifest = ctx.step_dir(step) / MANIFEST
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict) or not files or \
                {k: data.get(k) for k in ("commit", "version", "options")} != _identity(ctx):
            continue
        paths = tuple(ctx.step_dir(step) / name for name in sorted(files))
        if all(p.is_file() and digest(p, "sha256") == files[p.name] for p in paths):
            found[step] = paths
    return found


def keep(ctx: PublishContext, steps: Iterable[str], build: Build) -> None:
    """Record what each of ``steps`` built (the files in its own directory)."""
    if ctx.commit is None:
        return
    for step in steps:
        directory = ctx.step_dir(step)
        if not directory.is_dir():
            continue  # a target that does not build step by step keeps nothing
        built = [p for p in artifacts_in(directory) if p.name != MANIFEST and p in build.artifacts]
        if not built:
            continue
        data = {**_identity(ctx), "files": {p.name: digest(p, "sha256") for p in built}}
        (directory / MANIFEST).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def collect_artifacts(directory: Path) -> tuple[Path, ...]:
    """Prebuilt artifacts (``--artifacts DIR``): every regular file in ``directory``."""
    if not directory.is_dir():
        raise UsageError(f"--artifacts {directory}: not a directory")
    files = tuple(sorted(p for p in directory.iterdir() if p.is_file()))
    if not files:
        raise UsageError(f"--artifacts {directory}: no files in it")
    return files
