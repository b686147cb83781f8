"""Component path patterns match by whole path components."""

from __future__ import annotations

import pytest

from release_tasks.model.paths import PathSet, pattern_problem


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("tasker-pgmq", "tasker-pgmq/src/lib.rs", True),
        ("tasker-pgmq/**", "tasker-pgmq/src/lib.rs", True),
        ("tasker-pgmq", "tasker-pgmq-extra/x", False),
        ("tasker-pgmq/**", "tasker-pgmq-extra/x", False),
        ("workers/ruby", "workers/rubyish/x", False),
        ("workers/ruby", "workers/ruby/lib/a.rb", True),
        ("Cargo.toml", "Cargo.toml", True),
        ("Cargo.toml", "tasker-pgmq/Cargo.toml", False),
        ("Cargo.lock", "Cargo.lock.bak", False),
        ("**/*.md", "docs/a/b.md", True),
        ("**/*.md", "b.md", True),
        ("docs/*.md", "docs/a/b.md", False),
        ("tasker-*", "tasker-cli/src/main.rs", True),
        ("clients/ruby/**", "clients/ruby", False),
        ("a?c", "abc/x", True),
    ],
)
def test_matching(pattern: str, path: str, expected: bool) -> None:
    assert PathSet((pattern,)).matches(path) is expected


@pytest.mark.parametrize("pattern", ["", "/abs", "a/../b", "a//b", "a/b**", "a\\b", "[ab]"])
def test_bad_patterns(pattern: str) -> None:
    assert pattern_problem(pattern) is not None


def test_select_keeps_order() -> None:
    paths = ["b/x", "a/y", "c/z", "a/w"]
    assert PathSet(("a", "b")).select(paths) == ("b/x", "a/y", "a/w")
    assert PathSet(()).select(paths) == ()
