"""One format-preserving edit of a TOML document, checked before it is handed back.

tomlkit keeps the bytes of everything it is not asked to change (CRLF included, per item),
with three exceptions this module works around:

* a value assigned as a plain ``str`` is written as a double-quoted string, so replacements
  are built with the quote style of the value they replace;
* a key added to a table goes to its end, with ``\\n`` whatever the file uses, and a key added
  to an inline table gets odd spacing; so a missing ``version`` (or ``registry``) is spliced
  into the rendered text right after ``path`` (or ``version``), at a unique placeholder put
  where that value was;
* a leading BOM is a parse error, so it is taken off before parsing and put back after.

``tomllib`` (the reference parser) validates the input and the result, and the result must
equal the input everywhere except at the intended paths.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import MutableMapping
from typing import Any, TypeGuard

from release_tasks.edit._common import (
    DocPath,
    check_changed_lines,
    check_only_changed,
    dominant_newline,
    fail,
    split_bom,
)

# (tomlkit, and these patterns, are loaded by the first edit: reading a version needs neither.)
_BARE_KEY = r"[A-Za-z0-9_-]+"


def _key_before(key: str) -> re.Pattern[str]:
    """What precedes ``key``'s value on its line: anything (indent, dotted prefix), the key
    (bare or quoted), `=`."""
    return re.compile(rf"(?P<lead>.*?)(?:{key}|\"{key}\"|'{key}')(?P<sep>[ \t]*=[ \t]*)\Z")


def parse_toml(text: str, source: str | None) -> dict[str, Any]:
    """Parse with the reference parser; an invalid file is an :class:`UpdateError`."""
    try:
        return tomllib.loads(split_bom(text)[1])
    except tomllib.TOMLDecodeError as exc:
        raise fail(source, f"not valid TOML: {exc}") from exc


def dotted(keys: tuple[str, ...]) -> str:
    """``('target', 'cfg(unix)', 'dependencies')`` -> ``target.'cfg(unix)'.dependencies``."""
    return ".".join(k if re.fullmatch(_BARE_KEY, k) else repr(k) for k in keys)


def is_table(value: object) -> TypeGuard[MutableMapping[str, Any]]:
    """True for every kind of tomlkit table: ``[x]``, inline, dotted keys, split tables."""
    return isinstance(value, MutableMapping)


class TomlEdit:
    """Collects replacements and insertions on one document; :meth:`result` renders it."""

    def __init__(self, text: str, source: str | None) -> None:
        import tomlkit
        import tomlkit.exceptions

        self.source = source
        self.data = parse_toml(text, source)
        self._bom, self._body = split_bom(text)
        try:
            self.doc = tomlkit.parse(self._body)
        except tomlkit.exceptions.TOMLKitError as exc:
            raise fail(source, f"TOML that cannot be edited in place: {exc}") from exc
        self._changes: dict[DocPath, object] = {}
        self._written: set[str] = set()
        # Placeholder, text of the anchor's value, inline?, new value, quote literal?, the
        # anchor key (``path``), the new key (``version``).
        self._slots: list[tuple[str, str, bool, str, bool, str, str]] = []
        self._eof_newline = ""

    def replace(self, table: MutableMapping[str, Any], key: str, value: str, path: DocPath) -> None:
        """Set the string at ``table[key]`` to ``value`` in the quote style it already has."""
        import tomlkit
        from tomlkit.items import String

        old = table[key]
        if not isinstance(old, String):
            raise fail(self.source, f"{dotted(tuple(map(str, path)))} is not a string")
        if str(old) == value:
            return  # Unchanged files stay byte-identical, whatever tomlkit would render.
        # The rendered value shows the quote style; tomlkit has no stable public attribute for it.
        raw = old.as_string()
        table[key] = tomlkit.string(
            value, literal=raw.startswith("'"), multiline=raw.startswith(("'''", '"""'))
        )
        self._changes[path] = value
        self._written.add(value)

    def add_after_path(self, dep: MutableMapping[str, Any], value: str, path: DocPath) -> None:
        """Add ``version = value`` right after the ``path`` key of dependency table ``dep``."""
        self.add_after(dep, "path", "version", value, path)

    def add_after(self, dep: MutableMapping[str, Any], anchor: str, key: str, value: str,
                  path: DocPath) -> None:
        """Add ``key = value`` right after the ``anchor`` key of dependency table ``dep``
        (one key per anchor and edit)."""
        import tomlkit
        from tomlkit.items import InlineTable, String

        old = dep[anchor]
        if not isinstance(old, String):
            raise fail(self.source, f"{dotted(tuple(map(str, path[:-1])))}.{anchor} is not a "
                                    "string")
        placeholder = self._placeholder()
        dep[anchor] = tomlkit.string(placeholder)
        literal = old.as_string().startswith("'")
        self._slots.append(
            (placeholder, old.as_string(), isinstance(dep, InlineTable), value, literal, anchor,
             key)
        )
        self._changes[path] = value
        self._written.add(value)

    def result(self) -> str:
        """The edited text, validated; the original text itself when nothing changed."""
        if not self._changes:
            return self._bom + self._body
        out = self.doc.as_string()
        for slot in self._slots:
            out = self._fill(out, *slot)
        check_only_changed(self.data, parse_toml(out, self.source), self._changes, self.source)
        # A version line added after an unterminated last line gives that line a newline.
        old = self._body + self._eof_newline
        check_changed_lines(old, out, self._written, self.source)
        return self._bom + out

    def _placeholder(self) -> str:
        base = "release-tasks-slot"
        while base in self._body:
            base += "-x"
        return f"{base}-{len(self._slots)}"

    def _fill(
        self, out: str, placeholder: str, path_text: str, inline: bool, value: str, literal: bool,
        anchor: str, key: str,
    ) -> str:
        quoted = f'"{placeholder}"'
        if out.count(quoted) != 1:
            raise fail(self.source, f"internal error: lost track of a dependency's {anchor}")
        pos = out.index(quoted)
        line_start = out.rfind("\n", 0, pos) + 1
        match = _key_before(anchor).match(out, line_start, pos)
        if match is None:
            raise fail(self.source, f"cannot place a {key} next to `{out[line_start:pos]}`")
        version = f"'{value}'" if literal else f'"{value}"'
        sep = match["sep"]
        if inline:
            # `{ path = "a" }` gets `, version = ...`; the compact `{path="a"}` gets `,version=`.
            comma = ", " if " " in sep else ","
            return out[:pos] + f"{path_text}{comma}{key}{sep}{version}" + out[pos + len(quoted) :]
        out = out[:pos] + path_text + out[pos + len(quoted) :]
        new_line = f"{match['lead']}{key}{sep}{version}"
        line_end = out.find("\n", pos)
        if line_end == -1:  # The path line is the last one and has no newline: keep it so.
            self._eof_newline = dominant_newline(out)
            return out + self._eof_newline + new_line
        newline = "\r\n" if out[line_end - 1] == "\r" else "\n"
        return out[: line_end + 1] + new_line + newline + out[line_end + 1 :]
