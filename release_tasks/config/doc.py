"""CONFIG.md, the reference of ``release.toml``, made from its description
(:mod:`release_tasks.config.spec`), as the JSON Schema is (:mod:`release_tasks.config.schema`)."""

from __future__ import annotations

import textwrap

from release_tasks.config import spec as config_spec
from release_tasks.config.keys import Key, Table

DOC_FILE = "CONFIG.md"
_WIDTH = 96

_INTRO = """\
# release.toml reference

<!-- Generated from release_tasks/config/spec.py by `release-tasks schema --write`; edit
that description, not this file. -->

{top}

Editors validate and complete the file with its JSON Schema, which the package ships as
`release_tasks/data/release.schema.json`: `release-tasks init` writes a `#:schema` line
naming it, which [taplo](https://taplo.tamasfe.dev) and Even Better TOML read. `release-tasks
schema` prints it. The reader checks more than the schema can: the rules across components
(no env key, tag prefix, crate or package used twice; `propagates-to` names a binding) and,
in the repository, that every path pattern and `directory` matches files git tracks.

Keys marked **required** must be given; every other key shows its default. Paths are
relative to the top level, POSIX (`/`), without `.` or `..` components.
"""

_KINDS = {
    "string": "string",
    "word": "non-empty string",
    "path": "path",
    "boolean": "boolean",
    "strings": "list of strings",
    "names": "list of one or more {item}s",
    "patterns": "list of one or more path patterns",
    "commands": "list of commands, each a list of strings",
    "credential": "list of environment variable names",
    "choice": "one of {choices}",
    "choices": "list of distinct values among {choices}",
    "urls": "table of URLs",
    "table": "table",
    "tables": "tables by name",
    "table-list": "list of tables",
}


def _type(key: Key) -> str:
    choices = ", ".join(f'`"{c}"`' for c in key.values())
    text = _KINDS[key.kind].format(item=key.item, choices=choices)
    if key.kind == "strings" and key.item:
        text = f"list of {key.item} names"
    if key.pattern and key.kind == "string":
        text += f" matching `{key.pattern}`"
    return text


def _wrap(text: str, indent: str = "", hang: str = "  ") -> list[str]:
    """``text`` in lines of at most 96 characters; a list item's lines hang under its text."""
    return textwrap.wrap(text, _WIDTH, initial_indent=indent, subsequent_indent=indent + hang,
                         break_on_hyphens=False, break_long_words=False)


def _key(key: Key, *, choices: bool = True) -> list[str]:
    facts = [_type(key)]
    if key.required:
        facts.append("**required**")
    elif key.only_with is not None:
        facts.append(f'required with `{key.only_with[0]} = "{key.only_with[1]}"`')
    elif key.shown_default() is not None:
        facts.append(f"default {key.shown_default()}")
    text = f"- `{key.name}` ({'; '.join(facts)}): {key.doc}"
    if key.kind == "tables" and key.name_pattern is not None:
        text += f" Each name matches `{key.name_pattern}`."
    lines = _wrap(text)
    if choices and key.kind in ("choice", "choices"):
        lines += [line for c in key.values() if c in key.docs()
                  for line in _wrap(f"- `{c}`: {key.docs()[c]}", "  ")]
    return lines


def _heading(table: Table, key: Key) -> str:
    if key.kind == "table-list":
        return f"## Entries of `{table.path}.{key.name}`"
    path = f"{table.path}.{key.name}" if table.path else key.name
    return f"## `[{path}.NAME]`" if key.kind == "tables" else f"## `[{path}]`"


def _tables(table: Table) -> list[str]:
    """A section per table below ``table``, in the order a file has them."""
    lines: list[str] = []
    for key in table.keys:
        if key.kind not in ("table", "tables", "table-list", "urls"):
            continue
        lines += ["", _heading(table, key), ""]
        if key.kind == "urls":
            lines += [*_wrap(key.doc, hang=""), ""]
            lines += [line for c in key.values()
                      for line in _wrap(f"- `{c}` (URL): {key.docs().get(c, '')}")]
            continue
        assert key.table is not None
        lines += [*_wrap(key.table.doc, hang=""), ""]
        lines += [line for sub in key.table.keys for line in _key(sub)]
        lines += _tables(key.table)
    return lines


def render() -> str:
    """CONFIG.md's text, as committed."""
    top = config_spec.TOP
    lines = [_INTRO.format(top="\n".join(_wrap(top.doc, hang=""))).rstrip("\n"), "",
             "The file has these tables:", ""]
    lines += [line for key in top.keys for line in _key(key)]
    lines += _tables(top)
    return "\n".join(lines) + "\n"
