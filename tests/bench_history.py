"""The large history the ``versions`` benchmark runs on: 5,000 commits changing 20,000 files.

The example monorepo's sandbox, tagged as a release, then a synthetic history on top written
with ``git fast-import``: commits touching files across several components (server core,
Ruby, Python, docs and look-alike directories that belong to no component), with some
deletions and renames. :data:`EXPECTED` is the right answer of ``versions`` there.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

from release_tasks import sandbox

BASE_TAG = "release-20260101-0000"

# Where the synthetic files go: a component each, or (None) no component at all. The FFI
# core stays untouched, so the answer depends on every component being seen correctly.
AREAS: tuple[str, ...] = (
    "tasker-orchestration/src/generated",
    "workers/ruby/lib/generated",
    "workers/python/python/generated",
    "docs/generated",
    "tasker-pgmq-extra/generated",
    "workers/rubyish/generated",
)

EXPECTED: dict[str, str] = {
    "CURRENT_CORE_VERSION": "0.1.0",
    "NEXT_CORE_VERSION": "0.1.1",
    "NEXT_RUBY_VERSION": "0.1.1.0",
    "NEXT_PYTHON_VERSION": "0.1.1.0",
    "NEXT_TYPESCRIPT_VERSION": "unchanged",
}


def _stream(base: str, when: int, commits: int, files: int) -> Iterator[bytes]:
    """A fast-import stream of ``commits`` commits adding ``files`` files in total.

    Every 50th commit also deletes one earlier file and renames another, so deletions
    and renames are in the change set too. Commit dates follow the base commit's.
    """
    per_commit = files // commits
    serial = 0
    for index in range(commits):
        lines = []
        for _ in range(per_commit):
            area = AREAS[serial % len(AREAS)]
            content = f"synthetic file {serial}\n".encode()
            lines.append(f"M 100644 inline {area}/d{serial // 100:03d}/f{serial:05d}.txt\n".encode()
                         + f"data {len(content)}\n".encode() + content)
            serial += 1
        if index % 50 == 49:
            victim = serial - per_commit * 10
            area = AREAS[victim % len(AREAS)]
            lines.append(f"D {area}/d{victim // 100:03d}/f{victim:05d}.txt\n".encode())
            moved = victim + 1
            old = f"{AREAS[moved % len(AREAS)]}/d{moved // 100:03d}/f{moved:05d}.txt"
            lines.append(f"R {old} {old}.moved\n".encode())
        message = f"synthetic change {index}\n".encode()
        stamp = f"{when + (index + 1) * 60} +0000"
        header = (f"commit refs/heads/main\n"
                  f"committer Bench <bench@example.invalid> {stamp}\n"
                  f"data {len(message)}\n").encode() + message
        if index == 0:
            # Files of the base commit too: a rename out of the root, a deletion.
            header += f"from {base}\n".encode()
            lines += [b"R README.md docs/README.md\n", b"D workers/python/README.md\n"]
        yield header + b"".join(lines) + b"\n"


def build(dest: Path, commits: int, files: int) -> Path:
    """The sandbox with its release tag and the synthetic history on top."""
    repo = sandbox.create(dest)
    sandbox.tag(repo, BASE_TAG)
    base = repo.out("rev-parse", "HEAD")
    when = int(repo.out("log", "-1", "--format=%ct", "HEAD"))
    proc = subprocess.Popen(["git", "-C", str(dest), "fast-import", "--quiet"],
                            stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for chunk in _stream(base, when, commits, files):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(dest), "reset", "--quiet", "--hard", "main"], check=True)
    return dest
