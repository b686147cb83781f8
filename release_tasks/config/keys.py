"""What a description of ``release.toml`` is made of: :class:`Table` and :class:`Key`, and the
kinds of value a key can hold (:data:`Kind`).

The description itself is :data:`release_tasks.config.spec.TOP`. A new kind of value is one
name in :data:`Kind`, its accessor in :class:`~release_tasks.config.reader.Section`, its
schema in :mod:`release_tasks.config.schema` and its wording in :mod:`release_tasks.config.doc`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

#: What a value is; each kind has one reader accessor, one schema and one wording in the docs.
Kind = Literal[
    "string",      # any string
    "word",        # a string that is not empty or blank (a name, a prefix, a branch)
    "path",        # one repository-relative POSIX path, no glob
    "boolean",
    "strings",     # a list of strings
    "names",       # a list of at least one non-blank string (crates, tag patterns)
    "patterns",    # a list of at least one path pattern (globs by whole components)
    "commands",    # a list of commands, each a non-empty list of strings
    "credential",  # a list of environment variable names
    "choice",      # one of ``choices``
    "choices",     # a list of distinct values among ``choices``
    "urls",        # a table of URL strings, its keys among ``choices``
    "table",       # a table described by ``table``
    "tables",      # a table of named tables, each described by ``table``
    "table-list",  # a list of tables, each described by ``table``
]

#: A default: a value, or a template formatted with the named table's ``name`` and
#: ``env_name`` (the name in UPPER_SNAKE_CASE). ``None``: no default, or one said in words.
Default = str | bool | tuple[str, ...] | None


@dataclass(frozen=True, kw_only=True)
class Key:
    """One key of a table: what it holds, what it means, and what it is when absent."""

    name: str
    kind: Kind
    doc: str
    default: Default = None
    default_doc: str | None = None  # a default that depends on other keys, in Markdown
    required: bool = False
    #: The values of a ``choice``, the keys of ``urls``; a function when they are known only
    #: when the config is read (registries that plugins add).
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()
    # What each choice means (a function when the choices come from the registry kinds).
    choice_docs: Mapping[str, str] | Callable[[], Mapping[str, str]] = field(default_factory=dict)
    item: str = ""  # what one item of a list is called in messages ("crate name")
    pattern: str | None = None  # a regular expression the whole string must match
    hint: str = ""  # what ``pattern`` asks for, in words
    only_with: tuple[str, str] | None = None  # (key, value): required then, refused otherwise
    table: Table | None = None  # the table of a ``table``, ``tables`` or ``table-list``
    name_pattern: str | None = None  # ``tables``: the names its tables may have
    name_hint: str = ""  # what ``name_pattern`` asks for, in words
    at_least_one: bool = False  # ``tables``: at least one table is required
    example: object = None  # a valid value (every key's, together, make a valid file)

    def docs(self) -> Mapping[str, str]:
        """What each choice means."""
        return self.choice_docs() if callable(self.choice_docs) else self.choice_docs

    def values(self) -> tuple[str, ...]:
        """The allowed values (or keys) as of now."""
        return self.choices() if callable(self.choices) else self.choices

    def shown_default(self) -> str | None:
        """The default as docs show it (Markdown; a value in TOML, templates with ``NAME``),
        ``None`` for none."""
        if self.default_doc is not None:
            return self.default_doc
        if self.default is None:
            return None
        value = self.template("NAME")
        return f"`{json.dumps(list(value) if isinstance(value, tuple) else value)}`"

    @property
    def fixed_default(self) -> object:
        """The default as a JSON value, when it is one value whatever the table (else None)."""
        if self.default_doc is not None or (isinstance(self.default, str) and "{" in self.default):
            return None
        return list(self.default) if isinstance(self.default, tuple) else self.default

    def template(self, name: str) -> Default:
        """The default for the table named ``name`` (templates filled in)."""
        if isinstance(self.default, str):
            return self.default.format(name=name, env_name=env_name(name))
        return self.default


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table of ``release.toml``; ``path`` names it in docs and in the keys the reader
    reports having read (``bindings.NAME``, ``bindings.NAME.version-files[]``)."""

    path: str
    doc: str
    keys: tuple[Key, ...]
    _by_name: Mapping[str, Key] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", MappingProxyType({k.name: k for k in self.keys}))

    def key(self, name: str) -> Key:
        return self._by_name[name]

    @property
    def allowed(self) -> set[str]:
        return set(self._by_name)

    @property
    def required(self) -> set[str]:
        return {k.name for k in self.keys if k.required}


def env_name(name: str) -> str:
    """``name`` as the stem of environment keys: ``client-rb`` -> ``CLIENT_RB``."""
    return name.upper().replace("-", "_")


def walk(table: Table) -> list[tuple[Table, Key]]:
    """Every (table, key) of ``table`` and the tables below it, depth first, in order."""
    found: list[tuple[Table, Key]] = []
    for key in table.keys:
        found.append((table, key))
        if key.table is not None:
            found += walk(key.table)
    return found


def key_paths(table: Table) -> set[str]:
    """The paths of every key below ``table`` (``bindings.NAME.crate``)."""
    return {f"{t.path}.{k.name}" if t.path else k.name for t, k in walk(table)}

