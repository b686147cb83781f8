"""What every editor shares: errors that name the file, the version text we agree to write,
BOM and newline handling, and the guards that an edit changed only the intended values.

The guards run after every edit, on the parsed documents and on the raw lines, so that a
formatting library that rewrites more than it was asked to is caught before anything is
written instead of showing up as a surprise in a release commit.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from release_tasks.errors import UpdateError

DocKey = str | int
DocPath = tuple[DocKey, ...]

BOM: Final = "\ufeff"

# Versions are spliced into quoted strings of several grammars (TOML, JSON, Ruby); keeping to
# this alphabet means no escaping is ever needed and a quote can never end a string early.
_VERSION_RE = r"[0-9A-Za-z][0-9A-Za-z.+-]*"

_MISSING: Final = object()
_MASK: Final = object()


def fail(source: str | None, message: str) -> UpdateError:
    """An :class:`UpdateError` whose message starts with the file name when there is one."""
    return UpdateError(f"{source}: {message}" if source else message)


def check_version(version: str, source: str | None) -> str:
    """Return ``version`` if it is safe to write into any of the files, else raise."""
    if not isinstance(version, str) or not re.fullmatch(_VERSION_RE, version):
        raise fail(
            source,
            f"{version!r} is not a version that can be written (expected e.g. 0.1.8 or 0.1.8.2)",
        )
    return version


def check_semver(version: str, source: str | None) -> str:
    """Like :func:`check_version`, for Cargo, which takes semantic versions ``X.Y.Z`` only."""
    import semver  # only writers check semver: a reader never loads it

    check_version(version, source)
    try:
        semver.Version.parse(version)
    except ValueError:
        raise fail(
            source, f"{version!r} is not a semantic version X.Y.Z, as Cargo requires"
        ) from None
    return version


def split_bom(text: str) -> tuple[str, str]:
    """``(bom, rest)``: parsers reject a leading BOM, but the file must keep it."""
    if text.startswith(BOM):
        return BOM, text[len(BOM) :]
    return "", text


def dominant_newline(text: str) -> str:
    """The line ending most lines of ``text`` use (LF when there is none)."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf > text.count("\n") - crlf else "\n"


def line_col(text: str, pos: int) -> str:
    """``line L, column C`` (1-based) of offset ``pos``, for error messages."""
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def lookup(doc: Any, path: DocPath) -> Any:
    """The value at ``path`` in nested dicts and lists, or a private sentinel when absent."""
    node = doc
    for key in path:
        in_dict = isinstance(node, dict) and isinstance(key, str) and key in node
        in_list = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_dict or in_list):
            return _MISSING
        node = node[key]
    return node


def _masked(doc: Any, paths: Collection[DocPath]) -> Any:
    masked = copy.deepcopy(doc)
    for path in paths:
        parent = lookup(masked, path[:-1])
        key = path[-1]
        if isinstance(parent, dict):
            parent.pop(key, None)
        elif isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
            # Replace rather than delete so that the other indices keep their meaning.
            parent[key] = _MASK
    return masked


def check_only_changed(
    old: Any, new: Any, changes: Mapping[DocPath, object], source: str | None
) -> None:
    """Raise unless ``new`` equals ``old`` except at ``changes``, which hold their new values."""
    for path, value in changes.items():
        if lookup(new, path) != value:
            where = ".".join(str(p) for p in path)
            raise fail(source, f"internal error: {where} did not become {value!r}; nothing written")
    if _masked(old, changes.keys()) != _masked(new, changes.keys()):
        raise fail(
            source,
            "internal error: the edit changed more than the version fields; nothing written. "
            "Please report this with the file attached.",
        )


def check_changed_lines(old: str, new: str, written: Collection[str], source: str | None) -> None:
    """Raise unless every line that differs is a new or edited line carrying a written value.

    This catches a formatter that re-indents, re-quotes or re-terminates lines it was not
    asked to touch, which a comparison of parsed documents cannot see.
    """
    import difflib  # only writers compare lines

    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changed = new_lines[j1:j2]
        if (
            tag == "delete"
            or len(changed) < i2 - i1
            or not all(any(w in line for w in written) for line in changed)
        ):
            raise fail(
                source,
                f"internal error: the edit changed lines {i1 + 1}-{i2} beyond the version "
                "fields; nothing written. Please report this with the file attached.",
            )
