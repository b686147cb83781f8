"""A JSON reader that also says where values are, so that editors can splice exact spans.

Re-serialising a ``package.json`` would lose its indentation, key order quirks, escapes and
final newline; a regex would hit the first ``"version"`` anywhere, nested ones included.
This parser walks the document once, builds the same Python values as :mod:`json`, and
records the text span of the values at the paths asked for. With ``jsonc=True`` it also
accepts what ``bun.lock`` uses beyond JSON: trailing commas and ``//`` / ``/* */`` comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from release_tasks.edit._common import DocPath, fail, line_col

# Patterns, compiled by the first document parsed (``re`` keeps them), not at import.
_WS = r"[ \t\n\r]*"
_WS_JSONC = r"(?s:(?:[ \t\n\r]+|//[^\n]*|/\*.*?\*/)*)"
# A string token; json.loads then decodes it, rejecting bad escapes.
_STRING = r'(?s:"(?:[^"\\\x00-\x1f]|\\.)*")'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class _Error(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class JsonDoc:
    """``text`` parsed; ``spans[path]`` is ``(start, end)`` of each value asked for."""

    def __init__(
        self, text: str, wanted: Collection[DocPath], *, jsonc: bool, source: str | None
    ) -> None:
        self.text = text
        self._wanted = set(wanted)
        # Only subtrees that lead to a wanted path are walked here; the rest is left to the
        # C decoder when the text is strict JSON.
        self._prefixes = {p[:n] for p in self._wanted for n in range(len(p) + 1)}
        self._decoder = json.JSONDecoder()
        self._ws = re.compile(_WS_JSONC if jsonc else _WS)
        self._string_re = re.compile(_STRING)
        self._number_re = re.compile(_NUMBER)
        self._jsonc = jsonc
        self.spans: dict[DocPath, tuple[int, int]] = {}
        try:
            pos = self._skip(0)
            self.value, pos = self._value(pos, () if () in self._prefixes else None)
            if self._skip(pos) != len(text):
                raise _Error("unexpected text after the document", self._skip(pos))
        except _Error as exc:
            raise fail(
                source, f"not valid JSON: {exc.message} at {line_col(text, exc.pos)}"
            ) from exc
        except json.JSONDecodeError as exc:  # From the C decoder, on subtrees not walked here.
            raise fail(source, f"not valid JSON: {exc.msg} at {line_col(text, exc.pos)}") from exc

    def _skip(self, pos: int) -> int:
        match = self._ws.match(self.text, pos)
        assert match is not None  # Both patterns match the empty string.
        return match.end()

    def _string(self, pos: int) -> tuple[str, int]:
        match = self._string_re.match(self.text, pos)
        if match is None:
            raise _Error("unterminated string or a control character in it", pos)
        try:
            value = json.loads(match.group())
        except json.JSONDecodeError as exc:
            raise _Error(exc.msg, pos + exc.pos) from exc
        return str(value), match.end()

    def _child(self, path: DocPath | None, key: str | int) -> DocPath | None:
        if path is None or (child := (*path, key)) not in self._prefixes:
            return None
        return child

    def _value(self, pos: int, path: DocPath | None) -> tuple[Any, int]:
        char = self.text[pos : pos + 1]
        if path is None and not self._jsonc and char:
            value: Any
            value, end = self._decoder.raw_decode(self.text, pos)
        elif char == '"':
            value, end = self._string(pos)
        elif char == "{":
            value, end = self._object(pos, path)
        elif char == "[":
            value, end = self._array(pos, path)
        elif (number := self._number_re.match(self.text, pos)) is not None:
            literal = number.group()
            value = float(literal) if any(c in literal for c in ".eE") else int(literal)
            end = number.end()
        else:
            word = re.match(r"[a-z]+", self.text[pos : pos + 5])
            if word is None or word.group() not in _LITERALS:
                raise _Error("expected a value", pos)
            value, end = _LITERALS[word.group()], pos + len(word.group())
        if path in self._wanted:
            assert path is not None
            self.spans[path] = (pos, end)
        return value, end

    def _object(self, pos: int, path: DocPath | None) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        pos = self._skip(pos + 1)
        if self.text.startswith("}", pos):
            return result, pos + 1
        while True:
            if not self.text.startswith('"', pos):
                raise _Error("expected a key", pos)
            key, pos = self._string(pos)
            child = self._child(path, key)
            if key in result and child is not None:
                # json.loads would take the last one silently; we would edit one of two.
                raise _Error(f"duplicate key {key!r}", pos)
            pos = self._skip(pos)
            if not self.text.startswith(":", pos):
                raise _Error("expected ':'", pos)
            result[key], pos = self._value(self._skip(pos + 1), child)
            pos = self._skip(pos)
            if self.text.startswith(",", pos):
                pos = self._skip(pos + 1)
                if self._jsonc and self.text.startswith("}", pos):
                    return result, pos + 1
            elif self.text.startswith("}", pos):
                return result, pos + 1
            else:
                raise _Error("expected ',' or '}'", pos)

    def _array(self, pos: int, path: DocPath | None) -> tuple[list[Any], int]:
        result: list[Any] = []
        pos = self._skip(pos + 1)
        if self.text.startswith("]", pos):
            return result, pos + 1
        while True:
            item, pos = self._value(pos, self._child(path, len(result)))
            result.append(item)
            pos = self._skip(pos)
            if self.text.startswith(",", pos):
                pos = self._skip(pos + 1)
                if self._jsonc and self.text.startswith("]", pos):
                    return result, pos + 1
            elif self.text.startswith("]", pos):
                return result, pos + 1
            else:
                raise _Error("expected ',' or ']'", pos)
