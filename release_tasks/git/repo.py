"""Git queries and the few git writes a release makes, through :mod:`release_tasks.cmd`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import CommandError, GitError, TagError, UpdateError
from release_tasks.git import repository

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class Repo:
    """A git work tree; every method runs ``git -C root ...``."""

    root: Path

    def git(self, *args: str, check: bool = True, input_text: str | None = None) -> cmd.Result:
        return cmd.run(["git", "-C", str(self.root), *args], capture=True, check=check,
                       echo=False, input_text=input_text)

    def out(self, *args: str) -> str:
        """stdout of a git command that must succeed, stripped."""
        try:
            return self.git(*args).stdout.strip()
        except CommandError as exc:
            raise GitError(f"git {' '.join(args)} failed in {self.root}: {exc.tail.strip()}") from exc


def open_repo(path: Path) -> Repo:
    """The repository containing ``path``; a clear error when there is none or it is empty."""
    if not path.exists():
        raise GitError(f"{path} does not exist")
    result = cmd.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"],
                     capture=True, check=False, echo=False)
    if result.returncode != 0:
        raise GitError(f"{path} is not inside a git repository")
    repo = Repo(Path(result.stdout.strip()))
    if repo.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).returncode:
        raise GitError(f"{repo.root} has no commits yet: commit something before releasing")
    return repo


def resolve(repo: Repo, ref: str) -> str:
    """The commit id ``ref`` names; an unknown ref is a :class:`GitError`."""
    result = repo.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if result.returncode != 0 or not result.stdout.strip():
        raise GitError(f"unknown git ref {ref!r} in {repo.root}")
    return result.stdout.strip()


def tags_at(repo: Repo, commit: str, patterns: Sequence[str]) -> list[str]:
    """Tags matching any of ``patterns`` that point at ``commit`` (sorted by name)."""
    out = repo.out("tag", "--points-at", commit, "--list", *patterns)
    return sorted(t for t in out.splitlines() if t)


def describe(repo: Repo, commit: str, patterns: Sequence[str],
             exclude: Sequence[str]) -> str | None:
    """``git describe``: the nearest tag matching ``patterns`` reachable from ``commit``,
    leaving out the tags named in ``exclude``."""
    result = repo.git(*describe_args(commit, patterns, exclude), check=False)
    return (result.stdout.strip() or None) if result.returncode == 0 else None


def describe_args(commit: str, patterns: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The arguments of :func:`describe` (after ``git -C ROOT``), for a caller that starts
    it and reads its answer later."""
    matches = [arg for pattern in patterns for arg in ("--match", pattern)]
    excluded = [arg for tag in exclude for arg in ("--exclude", tag)]
    return ["describe", "--tags", "--abbrev=0", *matches, *excluded, commit]


def list_tags(repo: Repo) -> dict[str, str]:
    """Every tag of the repository and the commit it points at, read with one git call.

    Tags that point at something other than a commit (a tree, a blob) are left out.
    """
    out = repo.out("for-each-ref", "refs/tags",
                   "--format=%(refname:strip=2)%00%(objecttype)%00%(objectname)"
                   "%00%(*objecttype)%00%(*objectname)")
    tags: dict[str, str] = {}
    for line in out.splitlines():
        name, kind, obj, peeled_kind, peeled = line.split("\0")
        if kind == "commit":
            tags[name] = obj
        elif kind == "tag" and peeled_kind == "commit":
            tags[name] = peeled
        elif kind == "tag" and peeled_kind == "tag":
            # A tag of a tag: rare enough to peel with a call of its own.
            target = tag_commit(repo, name)
            if target is not None:
                tags[name] = target
    return tags


def changed_paths(repo: Repo, base: str, head: str) -> list[str]:
    """Every path added, modified, deleted or renamed between ``base`` and ``head``, sorted.

    A rename counts both its old and its new path: without rename detection git reports it
    as the deletion of one and the addition of the other, which is also the cheaper answer
    (finding renames among 20,000 changed files costs more than the rest of a run). Read
    with ``-z`` so that no file name (spaces, quotes, non-ASCII) is mangled, and with the
    plumbing ``diff-tree``, which no user configuration changes.
    """
    return changed_names(repo.git(*changed_args(base, head)).stdout)


def changed_args(base: str, head: str) -> list[str]:
    """The arguments of :func:`changed_paths` (after ``git -C ROOT``)."""
    return ["diff-tree", "-r", "-z", "--name-only", "--no-renames", "--no-commit-id", base, head]


def changed_names(out: str) -> list[str]:
    """The paths in the output of :func:`changed_args`."""
    names = out.split("\0")
    if names and not names[-1]:
        names.pop()  # the NUL after the last name
    return names


def read_file(repo: Repo, commit: str | None, path: str) -> str | None:
    """Text of ``path`` at ``commit`` (the work tree when ``None``); ``None`` if absent.

    A file that is not UTF-8 is an :class:`UpdateError` naming it and the first bad byte.
    """
    if commit is None:
        file = repo.root / path
        return repository.decode(file.read_bytes(), path) if file.is_file() else None
    data = read_blob(repo, commit, path)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UpdateError(f"{path} (at commit {commit[:12]}): {repository.not_utf8(exc)}") from exc


def read_blob(repo: Repo, commit: str, path: str) -> bytes | None:
    """The bytes of ``path`` at ``commit`` (``None`` when it is not a file there)."""
    code, data, _ = cmd.run_bytes(["git", "-C", str(repo.root), "cat-file", "blob",
                                   f"{commit}:{path}"])
    return data if code == 0 else None


def tag_message(repo: Repo, tag: str) -> str:
    """The message of an annotated tag ('' for a lightweight tag)."""
    if repo.out("cat-file", "-t", f"refs/tags/{tag}") != "tag":
        return ""
    return repo.out("for-each-ref", f"refs/tags/{tag}", "--format=%(contents)")


def tag_commit(repo: Repo, tag: str) -> str | None:
    """The commit a tag points at, or ``None`` if the tag does not exist."""
    result = repo.git("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}",
                      check=False)
    return (result.stdout.strip() or None) if result.returncode == 0 else None


def create_tag(repo: Repo, tag: str, commit: str, message: str) -> bool:
    """Create annotated ``tag`` on ``commit``; idempotent.

    Returns True when the tag was created, False when it already pointed at ``commit``.
    A tag on another commit is a :class:`TagError`: a published version is never re-tagged.
    """
    existing = tag_commit(repo, tag)
    if existing == commit:
        return False
    if existing is not None:
        raise TagError(f"tag {tag} already exists on {existing[:12]}, not on {commit[:12]}; "
                       "refusing to move a release tag")
    # "whitespace": git's default cleanup would drop the changelog's "## " lines as comments.
    result = repo.git("tag", "-a", "--cleanup=whitespace", tag, commit, "-F", "-",
                      input_text=message, check=False)
    if result.returncode != 0:
        raise TagError(f"could not create tag {tag}: {result.stderr.strip()}")
    return True


def commit_all(repo: Repo, paths: Iterable[str], message: str) -> str:
    """Commit ``paths`` with ``message`` (an empty commit when there are none); return the
    new commit id."""
    paths = list(paths)
    if paths:
        repo.out("add", "--", *paths)
        args = ["commit", "--quiet", "-F", "-", "--", *paths]
    else:
        args = ["commit", "--quiet", "--allow-empty", "-F", "-"]
    result = repo.git(*args, input_text=message, check=False)
    if result.returncode != 0:
        raise GitError(f"git commit failed: {(result.stderr or result.stdout).strip()}")
    return resolve(repo, "HEAD")


def push(repo: Repo, remote: str, refs: Sequence[str]) -> None:
    """Push ``refs`` to ``remote`` (output streamed)."""
    try:
        cmd.run(["git", "-C", str(repo.root), "push", remote, *refs])
    except CommandError as exc:
        raise TagError(f"git push {remote} {' '.join(refs)} failed: {exc.tail.strip()}") from exc
