"""The repository's tags, read with one ``git for-each-ref``: name, commit, date and message.

Every reader of tags (detection, the version rules, carry-forward, ``history``, the release
tag's name) works from this one read. A tag that names no commit (a tree, a blob) is left
out; a tag of a tag is peeled to its commit. An annotated tag's message keeps neither the
signature git appends to a signed tag nor anything else git adds; a lightweight tag has
none.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from release_tasks import git
from release_tasks.log import get_logger

log = get_logger("tags")

# NUL separates fields: neither ref names nor tag messages can contain it.
_FIELDS = ("%(refname:strip=2)", "%(objecttype)", "%(objectname)", "%(*objecttype)",
           "%(*objectname)", "%(creatordate:unix)", "%(contents)", "%(contents:signature)")
_FORMAT = "%00".join(_FIELDS) + "%00"


@dataclass(frozen=True, kw_only=True)
class Tag:
    """One tag as git stores it: the commit it names, its date and its message."""

    name: str
    commit: str
    date: datetime
    message: str  # '' for a lightweight tag


def read_tags(repo: git.Repo) -> list[Tag]:
    """Every tag that names a commit, read with one ``git for-each-ref``."""
    out = repo.git("for-each-ref", f"--format={_FORMAT}", "refs/tags").stdout
    fields = out.split("\0")
    tags = []
    for start in range(0, len(fields) - len(_FIELDS) + 1, len(_FIELDS)):
        (name, kind, obj, peeled_kind, peeled, unix, contents,
         signature) = fields[start:start + len(_FIELDS)]
        name = name.lstrip("\n")  # for-each-ref ends each record with a newline
        commit = obj if kind == "commit" else peeled if peeled_kind == "commit" else ""
        if kind == "tag" and peeled_kind == "tag":  # a tag of a tag: rare, peel it fully
            commit = git.tag_commit(repo, name) or ""
        if kind not in ("tag", "commit") or not commit:
            log.debug("tag %s names no commit; ignored", name)
            continue
        if signature and contents.endswith(signature):
            contents = contents[:-len(signature)]
        date = datetime.fromtimestamp(int(unix or 0), UTC)
        tags.append(Tag(name=name, commit=commit, date=date,
                        message=contents if kind == "tag" else ""))
    return tags


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
