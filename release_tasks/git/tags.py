"""The repository's tags: name, commit, date and message, read with the objects of a run.

Every reader of tags (detection, the version rules, carry-forward, ``history``, the release
tag's name) works from this one read: the names come with the top level (``git rev-parse
--symbolic-full-name --tags``), the objects from the run's ``cat-file``. A tag that names no
commit (a tree, a blob) is left out; a tag of a tag is peeled to its commit. The date is the
tagger's (the committer's, for a lightweight tag), as ``%(creatordate)`` says. An annotated
tag's message is what ``%(contents)`` shows, without the signature git keeps at its end; a
lightweight tag has none.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from release_tasks.git import repo as git
from release_tasks.git.catfile import CatFile, GitObject
from release_tasks.log import get_logger

log = get_logger("tags")

_REFS = "refs/tags/"
# The lines that start a signature in a tag's message (git's gpg-interface.c): the last such
# line and everything after it are the signature.
_SIGNATURE_STARTS = ("-----BEGIN PGP SIGNATURE-----", "-----BEGIN PGP MESSAGE-----",
                     "-----BEGIN SIGNED MESSAGE-----", "-----BEGIN SSH SIGNATURE-----")


@dataclass(frozen=True, kw_only=True)
class Tag:
    """One tag as git stores it: the commit it names, its date and its message."""

    name: str
    commit: str
    date: datetime
    message: str  # '' for a lightweight tag


def read_tags(repo: git.Repo) -> list[Tag]:
    """Every tag that names a commit (a ``rev-parse`` for the names, a ``cat-file`` for the
    objects); a run reads them once, through its snapshot."""
    from release_tasks.git import repository

    refs = repository.open_at(repo.root).tag_refs
    objects = CatFile(repo.root)
    try:
        return collect(objects, objects.submit(refs), refs)
    finally:
        objects.close()


def collect(objects: CatFile, ticket: int, refs: Sequence[str]) -> list[Tag]:
    """The tags ``refs`` name, from the answers to request ``ticket`` (one object per ref)."""
    tags = []
    nested: list[tuple[str, GitObject]] = []
    for ref, obj in zip(refs, objects.result(ticket), strict=True):
        name = ref[len(_REFS):] if ref.startswith(_REFS) else ref
        if obj is None:
            log.debug("tag %s names no object; ignored", name)
            continue
        if obj.kind == "commit":
            tags.append(Tag(name=name, commit=obj.oid, date=_date(obj.data, b"committer "),
                            message=""))
            continue
        target = _header(obj.data, b"type ") if obj.kind == "tag" else None
        if target == "commit":
            tags.append(_annotated(name, _header(obj.data, b"object ") or "", obj))
        elif target == "tag":
            nested.append((ref, obj))  # a tag of a tag: rare, peeled below in one request
        else:
            log.debug("tag %s names no commit; ignored", name)
    if nested:
        peeled = objects.read([f"{ref}^{{commit}}" for ref, _ in nested])
        for (ref, obj), commit in zip(nested, peeled, strict=True):
            if commit is not None:
                tags.append(_annotated(ref[len(_REFS):], commit.oid, obj))
    return tags


def _annotated(name: str, commit: str, obj: GitObject) -> Tag:
    return Tag(name=name, commit=commit, date=_date(obj.data, b"tagger "),
               message=_message(obj.data))


def _headers(data: bytes) -> bytes:
    end = data.find(b"\n\n")
    return data if end < 0 else data[:end + 1]


def _header(data: bytes, key: bytes) -> str | None:
    for line in _headers(data).split(b"\n"):
        if line.startswith(key):
            return line[len(key):].decode("utf-8", "surrogateescape")
    return None


def _date(data: bytes, key: bytes) -> datetime:
    """The time in an ident line (``tagger Name <mail> 1700000000 +0000``); 0 without one."""
    ident = _header(data, key) or ""
    parts = ident.rsplit(" ", 2)
    unix = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
    return datetime.fromtimestamp(unix, UTC)


def _message(data: bytes) -> str:
    """The message of a tag object as ``%(contents)`` shows it, its signature taken off."""
    end = data.find(b"\n\n")
    if end < 0:
        return ""
    text = data[end + 2:].decode("utf-8", "surrogateescape").lstrip("\n")
    start = len(text)
    at = 0
    while at < len(text):
        if text.startswith(_SIGNATURE_STARTS, at):
            start = at
        newline = text.find("\n", at)
        at = len(text) if newline < 0 else newline + 1
    return text[:start]


def matches(name: str, patterns: Iterable[str]) -> bool:
    """Whether a tag name matches any of ``patterns`` (globs, as ``git tag --list`` takes)."""
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


class Tags(Mapping[str, Tag]):
    """The tags of one run, by name; the queries the release stages ask of them."""

    def __init__(self, tags: Iterable[Tag]) -> None:
        self._by_name = {t.name: t for t in sorted(tags, key=lambda t: t.name)}
        self._on: dict[str, list[str]] = {}
        for tag in self._by_name.values():
            self._on.setdefault(tag.commit, []).append(tag.name)

    def __getitem__(self, name: str) -> Tag:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    @property
    def commits(self) -> dict[str, str]:
        """Every tag and the commit it names (what :func:`git.list_tags` answers)."""
        return {name: tag.commit for name, tag in self._by_name.items()}

    def commit(self, name: str) -> str | None:
        """The commit ``name`` names, or ``None`` when there is no such tag."""
        tag = self._by_name.get(name)
        return tag.commit if tag is not None else None

    def at(self, commit: str, patterns: Sequence[str]) -> list[str]:
        """Tags matching any of ``patterns`` on ``commit``, sorted by name."""
        return [name for name in self._on.get(commit, ()) if matches(name, patterns)]

    def message(self, name: str) -> str:
        """The message of tag ``name`` ('' for a lightweight or an unknown tag)."""
        tag = self._by_name.get(name)
        return tag.message if tag is not None else ""
