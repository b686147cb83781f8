"""A walker over raw TOML data that collects every problem instead of stopping at the first.

Each accessor checks one value's type and shape, records a problem naming the key and the
value it found, and returns a harmless default, so that one run of the config reader reports
everything that is wrong with a ``release.toml`` at once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from release_tasks import repository
from release_tasks.errors import ConfigError
from release_tasks.paths import PathSet, pattern_problem


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

    def boolean(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
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
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                self.problems.append(f"{where}.credential: {name!r} is not an environment variable name")
        return names
