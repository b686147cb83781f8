"""Locate fields of ``[[package]]`` entries in machine-written TOML lockfiles.

``Cargo.lock`` and ``uv.lock`` are written by their tools in one fixed layout, thousands of
entries long. Going through them line by line is fast and touches nothing but the spans we
replace; callers compare what this finds with ``tomllib``'s reading of the same text, so a
layout this scanner does not understand is an error, never a silent mis-edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from release_tasks.edit._common import fail

# `key = "value"` at the start of a line, as both tools write simple string fields.
# Patterns (``re`` compiles and keeps them on first use).
_STRING_LINE = r'(?P<key>[A-Za-z0-9_-]+) = "(?P<value>[^"\\\r\n]*)"[ \t]*\r?\n?\Z'
_ARRAY_START = r"(?P<key>[A-Za-z0-9_-]+) = \["
_ARRAY_ITEM = r'"(?P<value>[^"\\\r\n]*)"'

Span = tuple[str, int, int]  # the string's value, and the offsets of its value (no quotes)


@dataclass
class Block:
    """One ``[[package]]`` entry: its simple string fields and one array of strings."""

    start: int  # offset of its `[[package]]` line
    end: int = 0  # offset just after its last non-blank line
    strings: dict[str, Span] = field(default_factory=dict)
    items: list[Span] = field(default_factory=list)


def scan_blocks(text: str, array_key: str | None, source: str | None) -> list[Block]:
    """Every ``[[package]]`` entry of ``text``, in order."""
    blocks: list[Block] = []
    block: Block | None = None
    in_array = False
    offset = 0
    # Split on "\n" only: str.splitlines would also break at form feeds and U+2028.
    for line in re.findall(r"[^\n]*\n|[^\n]+\Z", text):
        start, offset = offset, offset + len(line)
        if in_array:
            assert block is not None
            in_array = _array_items(line, start, block)
            block.end = offset
        elif line.rstrip() == "[[package]]":
            block = Block(start, offset)
            blocks.append(block)
        elif line.startswith("["):
            block = None  # Another table, including `[package.metadata]` sub-tables.
        elif block is not None and line.strip():
            block.end = offset
            if match := re.match(_STRING_LINE, line):
                if match["key"] in block.strings:
                    raise fail(source, f"duplicate {match['key']!r} in a [[package]] entry")
                value_start = start + match.start("value")
                block.strings[match["key"]] = (
                    match["value"],
                    value_start,
                    start + match.end("value"),
                )
            elif (match := re.match(_ARRAY_START, line)) and match["key"] == array_key:
                in_array = _array_items(line[match.end() :], start + match.end(), block)
    return blocks


def _array_items(text: str, start: int, block: Block) -> bool:
    """Record the strings of one line of an array; False when the line closes it."""
    for match in re.finditer(_ARRAY_ITEM, text):
        value_start = start + match.start("value")
        block.items.append((match["value"], value_start, start + match.end("value")))
    rest = re.sub(_ARRAY_ITEM, "", text)
    return "]" not in rest


def reorder(text: str, blocks: list[Block], order: list[int]) -> str:
    """``text`` with block ``order[i]`` in the place of block ``i``; what lies between and
    around blocks (blank lines, other tables) stays where it is."""
    parts = [text[: blocks[0].start]]
    for slot, block in enumerate(blocks):
        moved = blocks[order[slot]]
        following = blocks[slot + 1].start if slot + 1 < len(blocks) else len(text)
        parts += [text[moved.start : moved.end], text[block.end : following]]
    return "".join(parts)


def splice(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace each ``(start, end)`` span of ``text`` by its new text (spans must not overlap)."""
    parts: list[str] = []
    pos = 0
    for start, end, new in sorted(edits):
        assert start >= pos, "overlapping edits"
        parts += [text[pos:start], new]
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
