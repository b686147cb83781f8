"""A walker over raw TOML data that collects every problem instead of stopping at the first.

Each accessor checks one value's type and shape, records a problem naming the key and the
value it found, and returns a harmless default, so that one run of the config reader reports
everything that is wrong with a ``release.toml`` at once. A :class:`Section` reads one table
by its description (:mod:`release_tasks.config.spec`): the keys it allows and requires, each
key's default, and the accessor its kind calls for all come from there.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from release_tasks.errors import ConfigError
from release_tasks.git import repository
from release_tasks.model.paths import PathSet, pattern_problem

if TYPE_CHECKING:
    from release_tasks.config.keys import Key, Kind, Table

#: An environment variable's name (the items of a ``credential`` list).
ENV_VAR = r"[A-Za-z_][A-Za-z0-9_]*"


def read_toml(path: Path) -> dict[str, Any]:
    """The raw data of a TOML file; a :class:`ConfigError` naming it when it is not UTF-8 or
    not TOML."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError([repository.not_utf8(exc)], str(path)) from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"cannot be read as TOML: {exc}"], str(path)) from exc


class Reader:
    """Typed access to raw config data; ``problems`` lists everything found wrong."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.keys_read: set[str] = set()  # described keys asked for (``bindings.NAME.crate``)

    def section(self, data: Any, where: str, spec: Table, name: str = "") -> Section:
        """The table ``data`` at ``where``, checked against ``spec``'s keys; ``name`` is the
        table's own name when it is one of a table of named tables."""
        return Section(self, self.table(data, where, spec.allowed, spec.required), where, spec,
                       name)

    def table(self, data: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.problems.append(f"{where}: expected a table, found {data!r}")
            return {}
        for key in sorted(set(data) - allowed):
            self.problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(data)):
            self.problems.append(f"{where}: missing required key {key!r}")
        return cast(dict[str, Any], data)

    def tables(self, data: Any, where: str) -> dict[str, Any]:
        """A table of named sub-tables (``[core.groups.NAME]``): any key is allowed."""
        return self.table(data, where, set(data) if isinstance(data, dict) else set(), set())

    def string(self, data: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            self.problems.append(f"{where}.{key}: expected a string, found {value!r}")
            return default
        return value

    def word(self, data: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
        """A string that must not be empty when given (a name, a prefix, a branch)."""
        value = self.string(data, key, where, default)
        if key in data and isinstance(data[key], str) and not value.strip():
            self.problems.append(f"{where}.{key}: must not be empty")
        return value

    def boolean(self, data: Mapping[str, Any], key: str, where: str, default: bool = False) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"{where}.{key}: expected true or false, found {value!r}")
            return False
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{where}.{key}: expected a list of strings, found {value!r}")
            return ()
        return tuple(value)

    def names(self, data: Mapping[str, Any], key: str, where: str, what: str) -> tuple[str, ...]:
        """A list of at least one non-empty string (crate names, patterns)."""
        values = self.strings(data, key, where)
        if key in data and isinstance(data[key], list) and not data[key]:
            self.problems.append(f"{where}.{key}: at least one {what} is required, found []")
        for value in values:
            if not value.strip():
                self.problems.append(f"{where}.{key}: {value!r} is not a {what}")
        return tuple(v for v in values if v.strip())

    def choice(self, data: Mapping[str, Any], key: str, where: str, options: tuple[str, ...]) -> str:
        value = data.get(key)
        if not isinstance(value, str) or value not in options:
            self.problems.append(f"{where}.{key}: {value!r} is not one of {', '.join(options)}")
            return options[0]
        return value

    def choices(self, data: Mapping[str, Any], key: str, where: str,
                options: tuple[str, ...]) -> tuple[str, ...]:
        """A list of distinct values among ``options`` (bad ones reported and left out)."""
        values = self.strings(data, key, where)
        for value in sorted({v for v in values if values.count(v) > 1}):
            self.problems.append(f"{where}.{key}: {value!r} is listed more than once")
        for value in values:
            if value not in options:
                self.problems.append(f"{where}.{key}: {value!r} is not one of "
                                     f"{', '.join(options)}")
        return tuple(dict.fromkeys(v for v in values if v in options))

    def patterns(self, data: Mapping[str, Any], key: str, where: str) -> PathSet:
        patterns = self.names(data, key, where, "path pattern")
        for pattern in patterns:
            problem = pattern_problem(pattern)
            if problem:
                self.problems.append(f"{where}.{key}: pattern {pattern!r} {problem}")
        return PathSet(tuple(p for p in patterns if pattern_problem(p) is None))

    def path(self, data: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
        """A repository-relative path to one file or directory (no glob)."""
        value = self.string(data, key, where, default)
        if key not in data or not isinstance(data[key], str):
            return value
        problem = pattern_problem(value)
        if problem is None and set("*?") & set(value):
            problem = "must be a path, not a pattern"
        if problem:
            self.problems.append(f"{where}.{key}: {value!r} {problem}")
            return ""
        return value.rstrip("/")

    def commands(self, data: Mapping[str, Any], key: str, where: str) -> tuple[tuple[str, ...], ...]:
        """A list of commands, each a non-empty list of strings (``[project] preflight``)."""
        value = data.get(key, [])
        if not (isinstance(value, list) and all(
                isinstance(c, list) and c and all(isinstance(a, str) for a in c) for c in value)):
            self.problems.append(f"{where}.{key}: expected a list of commands (lists of strings), "
                                 f"found {value!r}")
            return ()
        return tuple(tuple(c) for c in value)

    def credential(self, data: Mapping[str, Any], where: str) -> tuple[str, ...]:
        names = self.strings(data, "credential", where)
        for name in names:
            if not re.fullmatch(ENV_VAR, name):
                self.problems.append(f"{where}.credential: {name!r} is not an environment variable name")
        return names


class Section:
    """One table of the config, read by its description: each accessor reads a described key
    of one kind, with the described default (``TypeError`` for a key read as another kind, a
    ``KeyError`` for one not described: mistakes of the reader, not of the file)."""

    def __init__(self, reader: Reader, data: dict[str, Any], where: str, spec: Table,
                 name: str) -> None:
        self.reader, self.data, self.where, self.spec, self.name = reader, data, where, spec, name

    def has(self, key: str) -> bool:
        return key in self.data

    def _key(self, name: str, *kinds: Kind) -> Key:
        key = self.spec.key(name)
        if key.kind not in kinds:
            raise TypeError(f"{self.spec.path or '(top level)'}.{name} is described as "
                            f"{key.kind}, read as {' or '.join(kinds)}")
        self.reader.keys_read.add(f"{self.spec.path}.{name}" if self.spec.path else name)
        return key

    def _at(self, name: str) -> str:
        return f"{self.where}.{name}" if self.spec.path else name

    def _text(self, key: Key) -> str:
        default = key.template(self.name)
        return default if isinstance(default, str) else ""

    def _items(self, key: Key) -> tuple[str, ...]:
        default = key.template(self.name)
        return default if isinstance(default, tuple) else ()

    def dependent(self, name: str) -> str | None:
        """A string that ``only_with`` ties to another key's value: required then (matching
        ``pattern``), refused otherwise (``key`` of a version file, for ``format = "ruby"``)."""
        key = self._key(name, "string")
        assert key.only_with is not None
        other, wanted = key.only_with
        value, given = self.data.get(name), self.data.get(other)
        if given == wanted:
            if isinstance(value, str) and (key.pattern is None or re.fullmatch(key.pattern, value)):
                return value
            self.reader.problems.append(f"{self.where}.{name}: {key.hint}, found {value!r}")
        elif name in self.data:
            self.reader.problems.append(f'{self.where}.{name}: only {other} = "{wanted}" takes a '
                                        f"{name}, found {value!r} with {other} = {given!r}")
        return None

    def string(self, name: str) -> str:
        key = self._key(name, "string")
        value = self.reader.string(self.data, name, self.where, self._text(key))
        if key.pattern is not None and not re.fullmatch(key.pattern, value):
            self.reader.problems.append(f"{self.where}.{name}: {value!r} {key.hint}")
        return value

    def word(self, name: str) -> str:
        return self.reader.word(self.data, name, self.where, self._text(self._key(name, "word")))

    def path(self, name: str) -> str:
        return self.reader.path(self.data, name, self.where, self._text(self._key(name, "path")))

    def boolean(self, name: str) -> bool:
        key = self._key(name, "boolean")
        return self.reader.boolean(self.data, name, self.where, key.default is True)

    def choice(self, name: str) -> str:
        key = self._key(name, "choice")
        given = {name: self.data.get(name, key.default)}
        return self.reader.choice(given, name, self.where, key.values())

    def choices(self, name: str) -> tuple[str, ...]:
        key = self._key(name, "choices")
        if name not in self.data:
            return self._items(key)
        return self.reader.choices(self.data, name, self.where, key.values())

    def strings(self, name: str) -> tuple[str, ...]:
        key = self._key(name, "strings")
        return self.reader.strings(self.data, name, self.where) if name in self.data else self._items(key)

    def names(self, name: str) -> tuple[str, ...]:
        key = self._key(name, "names")
        if name not in self.data:
            return self._items(key)
        return self.reader.names(self.data, name, self.where, key.item)

    def patterns(self, name: str) -> PathSet:
        key = self._key(name, "patterns")
        if name not in self.data:
            return PathSet(self._items(key))
        return self.reader.patterns(self.data, name, self.where)

    def commands(self, name: str) -> tuple[tuple[str, ...], ...]:
        self._key(name, "commands")
        return self.reader.commands(self.data, name, self.where)

    def credential(self, name: str) -> tuple[str, ...]:
        key = self._key(name, "credential")
        return self.reader.credential(self.data, self.where) if name in self.data else self._items(key)

    def urls(self, name: str) -> dict[str, str]:
        """A table of URLs, its keys among the described choices."""
        key, at = self._key(name, "urls"), self._at(name)
        table = self.reader.table(self.data.get(name, {}), at, set(key.values()), set())
        for url_key, value in table.items():
            if not isinstance(value, str) or not value.strip():
                self.reader.problems.append(f"{at}.{url_key}: expected a URL string, found {value!r}")
        return {k: v for k, v in table.items() if isinstance(v, str) and v.strip()}

    def table(self, name: str) -> Section:
        key = self._key(name, "table")
        assert key.table is not None
        return self.reader.section(self.data.get(name, {}), self._at(name), key.table)

    def tables(self, name: str) -> dict[str, Section]:
        """A table of named tables (``[bindings.NAME]``), each read by its description."""
        key, at = self._key(name, "tables"), self._at(name)
        assert key.table is not None
        raw = self.reader.tables(self.data.get(name, {}), at)
        if key.at_least_one and isinstance(self.data.get(name), dict) and not raw:
            self.reader.problems.append(f"{at}: at least one {key.item} is required")
        found = {}
        for table_name, value in raw.items():
            if key.name_pattern is not None and not re.fullmatch(key.name_pattern, table_name):
                self.reader.problems.append(f"{at}.{table_name}: {key.item} name {table_name!r} "
                                            f"{key.name_hint}")
            found[table_name] = self.reader.section(value, f"{at}.{table_name}", key.table,
                                                    table_name)
        return found

    def table_list(self, name: str) -> list[Section]:
        """A list of tables (``version-files = [{ ... }]``), each read by its description."""
        key, at = self._key(name, "table-list"), self._at(name)
        assert key.table is not None
        raw = self.data.get(name, [])
        if not isinstance(raw, list):
            self.reader.problems.append(f"{at}: expected a list of tables, found {raw!r}")
            return []
        return [self.reader.section(entry, f"{at}[{index}]", key.table, self.name)
                for index, entry in enumerate(raw)]
