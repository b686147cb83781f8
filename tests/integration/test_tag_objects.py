"""Tags read from their objects say what ``git for-each-ref`` says of them.

The run reads every tag through ``cat-file`` (with HEAD, in the program that also reads the
version files); ``for-each-ref``, asked here for each field, is the reference: the commit
(peeled), the date (``%(creatordate)``) and the message (``%(contents)`` without
``%(contents:signature)``) of lightweight, annotated, signed, nested and odd tags.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from release_tasks import sandbox
from release_tasks.git import tags
from release_tasks.git.opening import open_snapshot
from release_tasks.git.repo import Repo

pytestmark = pytest.mark.integration

SIGNATURE = ("-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n"
             "-----END PGP SIGNATURE-----\n")
SSH_SIGNATURE = ("-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ\n"
                 "-----END SSH SIGNATURE-----\n")


def _make_tag(repo: Repo, name: str, message: str, target: str = "HEAD",
              date: str = "1700000000 +0200") -> None:
    """An annotated tag whose message is written as given (``git tag`` would clean it)."""
    target_id = repo.out("rev-parse", target)
    kind = repo.out("cat-file", "-t", target_id)
    body = (f"object {target_id}\ntype {kind}\ntag {name}\n"
            f"tagger Someone <someone@example.invalid> {date}\n\n{message}")
    oid = subprocess.run(["git", "-C", str(repo.root), "hash-object", "-t", "tag", "-w",
                          "--stdin"], input=body.encode("utf-8", "surrogateescape"), capture_output=True,
                         check=True).stdout.decode().strip()
    repo.out("update-ref", f"refs/tags/{name}", oid)


def _reference(repo: Repo) -> dict[str, tuple[str, int, str]]:
    """Name -> (commit, date, message) as for-each-ref reads each tag that names a commit."""
    fields = ("%(refname:strip=2)", "%(objecttype)", "%(*objecttype)", "%(creatordate:unix)",
              "%(contents)", "%(contents:signature)")
    out = subprocess.run(["git", "-C", str(repo.root), "for-each-ref",
                          "--format=" + "%00".join(fields) + "%00", "refs/tags"],
                         capture_output=True, check=True).stdout.decode("utf-8", "surrogateescape")
    found = {}
    items = out.split("\0")
    for at in range(0, len(items) - len(fields) + 1, len(fields)):
        name, kind, peeled_kind, unix, contents, signature = items[at:at + len(fields)]
        name = name.lstrip("\n")
        if kind not in ("commit", "tag") or peeled_kind in ("tree", "blob"):
            continue
        commit = repo.git("rev-parse", "--verify", "--quiet", f"refs/tags/{name}^{{commit}}",
                          check=False).stdout.strip()
        if not commit:
            continue
        if signature and contents.endswith(signature):
            contents = contents[:-len(signature)]
        found[name] = (commit, int(unix or 0), contents if kind == "tag" else "")
    return found


def test_every_kind_of_tag_reads_as_for_each_ref_reads_it(example_repo: Repo) -> None:
    repo = example_repo
    sandbox.tag(repo, "lightweight")
    sandbox.tag(repo, "annotated", "Release core 0.1.0\n\n{\"schema\": 2}\n")
    _make_tag(repo, "signed", "Release\n\nbody\n" + SIGNATURE)
    _make_tag(repo, "ssh-signed", "Release\n" + SSH_SIGNATURE)
    _make_tag(repo, "two-signatures", "Text\n" + SIGNATURE + "more\n" + SIGNATURE)
    _make_tag(repo, "blank-lines-first", "\n\n\nthe message\n")
    _make_tag(repo, "no-message", "")
    _make_tag(repo, "no-final-newline", "just this")
    _make_tag(repo, "not-utf8", "caf\udce9\n")  # a Latin-1 byte, kept as a surrogate
    _make_tag(repo, "nested", "a tag of a tag\n", target="refs/tags/annotated")
    _make_tag(repo, "on-a-tree", "a tree\n", target="HEAD^{tree}")
    blob = repo.out("rev-parse", "HEAD:VERSION")
    repo.out("tag", "on-a-blob", blob)
    sandbox.touch(repo, "later", "README.md")
    sandbox.tag(repo, "on-the-second-commit")

    expected = _reference(repo)
    snapshot = open_snapshot(repo.root)
    try:
        got = {name: (t.commit, int(t.date.timestamp()), t.message)
               for name, t in snapshot.tags.items()}
    finally:
        snapshot.close()
    assert got == expected
    assert set(got) >= {"nested", "signed", "lightweight"}
    assert "on-a-tree" not in got and "on-a-blob" not in got
    assert snapshot.tags["signed"].message == "Release\n\nbody\n"
    assert snapshot.tags["signed"].date == datetime.fromtimestamp(1700000000, UTC)
    # The same answer without a snapshot (history reads them so).
    assert {t.name: t for t in tags.read_tags(repo)} == dict(snapshot.tags.items())


def test_a_repository_without_tags_and_one_without_commits(tmp_path: Path,
                                                           example_repo: Repo) -> None:
    snapshot = open_snapshot(example_repo.root)
    assert len(snapshot.tags) == 0 and snapshot.resolve("HEAD") == snapshot.head
    snapshot.close()
    empty = tmp_path / "empty"
    subprocess.run(["git", "init", "--quiet", str(empty)], check=True)
    from release_tasks.errors import GitError

    with pytest.raises(GitError, match="no commits yet"):
        open_snapshot(empty)


def test_refs_are_resolved_by_the_same_program(example_repo: Repo) -> None:
    repo = example_repo
    first = repo.out("rev-parse", "HEAD")
    sandbox.touch(repo, "later", "README.md")
    repo.out("branch", "old", first)
    snapshot = open_snapshot(repo.root)
    try:
        assert snapshot.resolve("old") == first
        assert snapshot.resolve(first[:12]) == first
        assert snapshot.resolve("HEAD~1") == first
        from release_tasks.errors import GitError

        for bad in ("no-such-ref", "HEAD:VERSION", "a\nb"):
            with pytest.raises(GitError, match="unknown git ref"):
                snapshot.resolve(bad)
    finally:
        snapshot.close()
