"""The JSON Schema of ``release.toml``, made from its description (:mod:`release_tasks.config.spec`).

It ships as ``release_tasks/data/release.schema.json``, and ``init`` names it in a
``#:schema`` line, which taplo and Even Better TOML read to validate and complete the file
in the editor. Draft-07, with every subschema inline (no ``$ref``): the dialect taplo's
validator has read in all its versions, and taplo ignores the docs of a subschema beside a
``$ref``. The schema accepts everything the reader accepts and refuses misspelt keys and
wrong types; the reader still has the last word (cross-key rules, the tree).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from release_tasks.config import spec as config_spec
from release_tasks.config.keys import Key, Table
from release_tasks.config.reader import ENV_VAR

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / "release.schema.json"

# A path pattern as the reader takes it (release_tasks.model.paths.pattern_problem): no space at
# either end, relative POSIX, no empty, "." or ".." component (a trailing "/" is fine), "**"
# only as a whole component, no character class. A test holds the two to the same answers.
_PATTERN_RULES = (r"(?!\s)(?![\s\S]*\s$)(?![\s\S]*\\)(?![\s\S]*\[)"
                  r"(?!(?:[^/]*/)*\.{0,2}/)(?!(?:[^/]*/)*\.{1,2}$)"
                  r"(?![\s\S]*(?:[^/]\*\*|\*\*[^/]))")
PATTERN = f"^{_PATTERN_RULES}[\\s\\S]+$"
PATH = f"^{_PATTERN_RULES}(?![\\s\\S]*[*?])[\\s\\S]+$"
WORD = r"\S"  # not empty, not only spaces

_STRING: dict[str, Any] = {"type": "string"}


def _list(items: dict[str, Any], *, at_least_one: bool = False) -> dict[str, Any]:
    return {"type": "array", "items": items, **({"minItems": 1} if at_least_one else {})}


def _value(key: Key) -> dict[str, Any]:
    """The schema of ``key``'s value, by its kind."""
    kind = key.kind
    if kind == "string":
        return {**_STRING, **({"pattern": f"^{key.pattern}$"} if key.pattern else {})}
    if kind == "word":
        return {**_STRING, "pattern": WORD}
    if kind == "path":
        return {**_STRING, "pattern": PATH}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "strings":
        return _list(_STRING)
    if kind == "names":
        return _list({**_STRING, "pattern": WORD}, at_least_one=True)
    if kind == "patterns":
        return _list({**_STRING, "pattern": PATTERN}, at_least_one=True)
    if kind == "commands":
        return _list(_list(_STRING, at_least_one=True))
    if kind == "credential":
        return _list({**_STRING, "pattern": f"^{ENV_VAR}$"})
    if kind == "choice":
        return {**_STRING, "enum": list(key.values()), **_enum_docs(key)}
    if kind == "choices":
        return {"type": "array", "uniqueItems": True,
                "items": {**_STRING, "enum": list(key.values()), **_enum_docs(key)}}
    if kind == "urls":
        return {"type": "object", "additionalProperties": False, "properties": {
            name: {**_STRING, "pattern": WORD, "description": key.docs().get(name, "")}
            for name in key.values()}}
    assert key.table is not None, f"{key.name}: a {kind} needs its table"
    if kind == "table":
        return table_schema(key.table)
    if kind == "tables":
        schema: dict[str, Any] = {"type": "object", "additionalProperties": table_schema(key.table)}
        if key.name_pattern is not None:
            schema["propertyNames"] = {"pattern": f"^{key.name_pattern}$"}
        return {**schema, **({"minProperties": 1} if key.at_least_one else {})}
    return _list(table_schema(key.table))  # a table-list


def _enum_docs(key: Key) -> dict[str, Any]:
    """What each allowed value means, where taplo shows it (completion and hover)."""
    return {"x-taplo": {"docs": {"enumValues": [key.docs().get(c) for c in key.values()]}}}


def _described(key: Key) -> dict[str, Any]:
    schema = _value(key)
    shown = key.shown_default()
    schema["description"] = key.doc + (f" Default: {shown}." if shown else "")
    if key.fixed_default is not None:
        schema["default"] = key.fixed_default
    return schema


def table_schema(table: Table) -> dict[str, Any]:
    """The schema of one table: its keys, the required ones, and nothing else."""
    schema: dict[str, Any] = {"type": "object", "properties": {
        key.name: _described(key) for key in table.keys}, "additionalProperties": False}
    if table.required:
        schema["required"] = [k.name for k in table.keys if k.required]
    tied = [k for k in table.keys if k.only_with is not None]
    # One rule at most: several would need "allOf", and taplo then stops completing the table.
    assert len(tied) <= 1, f"{table.path}: more than one only_with key"
    for key in tied:
        assert key.only_with is not None
        other, value = key.only_with
        schema["if"] = {"properties": {other: {"const": value}}, "required": [other]}
        schema["then"] = {"required": [key.name]}
        schema["else"] = {"not": {"required": [key.name]}}
    return schema


def schema() -> dict[str, Any]:
    """The whole schema, as JSON data."""
    body = table_schema(config_spec.TOP)
    return {"$schema": DRAFT, "title": "release.toml", "description": config_spec.TOP.doc,
            **body}


def render() -> str:
    """The schema file's text, as committed."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


#: Where ``init`` puts a copy of the schema in the managed repository, relative to its top
#: level (beside release.toml's ``#:schema`` line, which names it): the same in every clone,
#: in CI and after a virtual environment is rebuilt. ``schema --write-to`` refreshes it.
IN_REPOSITORY = ".github/release-tasks.schema.json"


def directive_target() -> str:
    """What ``init``'s ``#:schema`` line names: the repository's own copy of the schema, by
    a path relative to release.toml (never a path of this machine)."""
    return IN_REPOSITORY
