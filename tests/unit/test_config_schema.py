"""The JSON Schema and the reference of release.toml, and the reader, all from one description.

The committed schema and CONFIG.md are what the description makes; the schema validates every
release.toml the project has (the built-in layout, the README's, init's, the tests'), refuses a
misspelt key and a wrong type wherever the reader does, and names exactly the keys the reader
reads.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from release_tasks import registries
from release_tasks.cli.stages import schema as schema_stage
from release_tasks.config import (
    builtin as tasker_layout,
)
from release_tasks.config import (
    load as config,
)
from release_tasks.config import (
    schema as config_schema,
)
from release_tasks.config import (
    spec as config_spec,
)
from release_tasks.config.keys import Key, Table, key_paths, walk
from release_tasks.config.reader import Reader
from release_tasks.errors import ConfigError
from release_tasks.init import render as init_render
from release_tasks.model.paths import pattern_problem
from tests.support import RunCli, client_rb_config
from tests.unit import init_models

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft7Validator(config_schema.schema())


def schema_errors(data: Any) -> list[jsonschema.ValidationError]:
    return list(VALIDATOR.iter_errors(data))


def reader_problems(data: dict[str, Any]) -> tuple[str, ...]:
    try:
        config.parse(data)
    except ConfigError as exc:
        return exc.problems
    return ()


def example(table: Table) -> dict[str, Any]:
    """A table with every key of ``table`` set to its described example."""
    data: dict[str, Any] = {}
    for key in table.keys:
        if key.kind == "table":
            assert key.table is not None
            data[key.name] = example(key.table)
        elif key.kind == "tables":
            assert key.table is not None
            data[key.name] = {"first": example(key.table)}
        elif key.kind == "table-list":
            assert key.table is not None
            data[key.name] = [example(key.table)]
        else:
            assert key.example is not None, f"{table.path}.{key.name} has no example"
            value = key.example
            if isinstance(value, tuple):  # TOML arrays read back as lists
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            data[key.name] = copy.deepcopy(value)
    return data


def full() -> dict[str, Any]:
    """A release.toml that sets every described key (a group and a binding named "first")."""
    data = example(config_spec.TOP)
    data["core"]["groups"]["first"]["propagates-to"] = ["first"]
    return data


def located(data: dict[str, Any], table: Table) -> tuple[dict[str, Any], str]:
    """In ``full()`` data: the table ``table`` describes, and where the reader says it is."""
    node: Any = data
    where: list[str] = []
    for part in table.path.split(".") if table.path else []:
        name = part.removesuffix("[]")
        node = node["first"] if name == "NAME" else node[name]
        where.append("first" if name == "NAME" else name)
        if part.endswith("[]"):
            node = node[0]
            where[-1] += "[0]"
    return node, ".".join(where)


README_TOML = re.search(r"### release.toml\n.*?```toml\n(.*?)```",
                        (ROOT / "README.md").read_text(encoding="utf-8"), re.S)

#: Every release.toml of this module's own sources (the fixtures' are in the integration test).
VALID: dict[str, Callable[[], dict[str, Any]]] = {
    "built-in layout (release_tasks/data/tasker.toml)": lambda: dict(tasker_layout.DEFAULT_CONFIG),
    "README.md's release.toml": lambda: tomllib.loads(README_TOML.group(1) if README_TOML else ""),
    "every key set": full,
    "init on bindings of every kind": lambda: tomllib.loads(
        init_render.render(init_models.full(), preflight=(), core_credential=("T",),
                           credentials={}, schema="release.schema.json")),
    "tests/support.py client_rb_config()": lambda: tomllib.loads(client_rb_config()),
}


def test_the_committed_schema_and_reference_are_what_the_description_makes() -> None:
    assert schema_stage.stale() == [], "run `release-tasks schema --write` and commit"
    jsonschema.Draft7Validator.check_schema(config_schema.schema())


def test_write_to_keeps_the_repositorys_copy_current(run_cli: RunCli, tmp_path: Path) -> None:
    copy_path = tmp_path / config_schema.IN_REPOSITORY
    written = run_cli("schema", "--write-to", str(copy_path))
    assert written.code == 0, written.err
    assert copy_path.read_text(encoding="utf-8") == config_schema.render()
    copy_path.write_text("{}", encoding="utf-8")  # an older version's
    assert run_cli("schema", "--write-to", str(copy_path)).code == 0
    assert copy_path.read_text(encoding="utf-8") == config_schema.render()
    refused = run_cli("schema", "--write-to", str(tmp_path))
    assert refused.code == 1 and "a directory; give the file's path" in refused.err
    (tmp_path / "plain").write_text("", encoding="utf-8")
    blocked = run_cli("schema", "--write-to", str(tmp_path / "plain" / "schema.json"))
    assert blocked.code == 1 and "cannot write it" in blocked.err
    assert "Traceback" not in refused.err + blocked.err


def test_schema_check_fails_on_a_stale_file_and_write_repairs_it(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    shipped = tmp_path / "release_tasks" / "data" / "release.schema.json"
    shipped.parent.mkdir(parents=True)
    shipped.write_text(config_schema.render().replace("crates-io", "crates_io"), encoding="utf-8")
    monkeypatch.setattr(config_schema, "SCHEMA_FILE", shipped)

    stale = run_cli("schema", "--check")
    assert (stale.code, stale.out) == (1, "")
    assert str(shipped) in stale.err and str(tmp_path / "CONFIG.md") in stale.err
    assert "release-tasks schema --write" in stale.err
    assert run_cli("schema", "--write").code == 0
    assert run_cli("schema", "--check").code == 0
    assert (tmp_path / "CONFIG.md").read_text(encoding="utf-8") == run_cli(
        "schema", "--reference").out


@pytest.mark.parametrize("name", list(VALID))
def test_the_schema_validates_every_release_toml(name: str) -> None:
    data = VALID[name]()
    assert data, name
    assert reader_problems(data) == ()
    assert [e.message for e in schema_errors(data)] == []


def _misspelt(key: Key) -> str:
    return key.name.replace("-", "_") if "-" in key.name else key.name[:-1]


MISSPELT = [(t, k) for t, k in walk(config_spec.TOP)]


@pytest.mark.parametrize(("table", "key"), MISSPELT,
                         ids=[f"{t.path or 'top'}.{k.name}" for t, k in MISSPELT])
def test_a_misspelt_key_is_refused_by_the_schema_and_the_reader(table: Table, key: Key) -> None:
    data = full()
    node, where = located(data, table)
    wrong = _misspelt(key)
    assert wrong not in table.allowed
    node[wrong] = node.pop(key.name)
    assert any(e.validator == "additionalProperties" and wrong in e.message
               for e in schema_errors(data))
    assert f"{where or '(top level)'}: unknown key {wrong!r}" in "\n".join(reader_problems(data))


@pytest.mark.parametrize("url_key", config_spec.TOP.key("registries").values())
def test_a_misspelt_registry_url_key_is_refused(url_key: str) -> None:
    data = full()
    data["registries"] = {url_key.replace("-", "_") + "s": "https://example.org/"}
    assert schema_errors(data) and reader_problems(data)


_WRONG: dict[str, object] = {
    "boolean": "yes", "strings": "x", "names": "x", "patterns": "x", "credential": "x",
    "commands": ["cargo", "test"], "urls": 5, "table": 5, "tables": 5, "table-list": {"path": "x"},
}


@pytest.mark.parametrize(("table", "key"), MISSPELT,
                         ids=[f"{t.path or 'top'}.{k.name}" for t, k in MISSPELT])
def test_a_wrong_type_is_refused_by_the_schema_and_the_reader(table: Table, key: Key) -> None:
    data = full()
    node, where = located(data, table)
    node[key.name] = _WRONG.get(key.kind, 7)
    errors = schema_errors(data)
    assert any(key.name in e.absolute_path for e in errors), [e.message for e in errors]
    at = f"{where}.{key.name}" if where else key.name
    assert any(p.startswith(f"{at}:") for p in reader_problems(data)), reader_problems(data)


def _schema_paths(schema: dict[str, Any], at: str = "") -> set[str]:
    """Every key the schema describes, named as the description names them."""
    found = set()
    for name, sub in schema.get("properties", {}).items():
        path = f"{at}.{name}" if at else name
        found |= {path, *_schema_paths(sub, path)}  # a table, or a table of URLs
        if isinstance(sub.get("additionalProperties"), dict):
            found |= _schema_paths(sub["additionalProperties"], f"{path}.NAME")
        if isinstance(sub.get("items"), dict):
            found |= _schema_paths(sub["items"], f"{path}[]")
    return found


def test_the_reader_reads_exactly_the_keys_the_schema_has() -> None:
    described = key_paths(config_spec.TOP)
    assert config.keys_read(full()) == described
    urls = {f"{t.path}.{k.name}.{c}" if t.path else f"{k.name}.{c}"
            for t, k in walk(config_spec.TOP) if k.kind == "urls" for c in k.values()}
    assert _schema_paths(config_schema.schema()) == described | urls
    assert "bindings.NAME.version-files[].format" in described  # the paths name what they mean


def test_a_ruby_version_file_needs_its_key_and_no_other_takes_one() -> None:
    data = full()
    entry = data["bindings"]["first"]["version-files"][0]
    del entry["key"]
    assert schema_errors(data) and reader_problems(data)
    entry.update(format="cargo", value="binding")
    assert not schema_errors(data) and not reader_problems(data)
    entry["key"] = "VERSION"
    assert schema_errors(data) and reader_problems(data)


def test_blank_words_bad_binding_names_and_no_group_are_refused() -> None:
    blank, upper, no_group = full(), full(), full()
    blank["project"]["main-branch"] = " "
    upper["bindings"]["Ruby"] = upper["bindings"].pop("first")
    upper["core"]["groups"]["first"]["propagates-to"] = ["Ruby"]
    no_group["core"]["groups"] = {}
    for data in (blank, upper, no_group):
        assert schema_errors(data) and reader_problems(data)


_PATHS = st.text(alphabet="ab./*?[\\ \t", max_size=12)


@given(_PATHS)
def test_the_schema_judges_path_patterns_as_the_reader_does(text: str) -> None:
    assert (re.search(config_schema.PATTERN, text) is not None) == (pattern_problem(text) is None)


@given(_PATHS)
def test_the_schema_judges_paths_as_the_reader_does(text: str) -> None:
    reader = Reader()
    reader.path({"p": text}, "p", "x")
    assert (re.search(config_schema.PATH, text) is not None) == (not reader.problems)


def test_the_registries_table_is_the_one_the_endpoints_read() -> None:
    described = config_spec.TOP.key("registries")
    assert set(described.values()) == set(registries.config_keys())
    fields = [f for kind in registries.REGISTRIES.values() for f in kind.endpoint_fields]
    assert {f.config_key for f in fields} == {"crates-io", "rubygems", "pypi-index",
                                              "pypi-upload", "npm"}
    for field in fields:
        assert f"`{field.default}`" in described.docs()[field.config_key]


def test_init_names_the_repositorys_own_copy_of_the_schema() -> None:
    target = config_schema.directive_target()
    text = init_render.render(init_models.full(), preflight=(), core_credential=("T",),
                              credentials={}, schema=target)
    assert text.splitlines()[0] == "#:schema .github/release-tasks.schema.json"
    # A path inside the repository, relative to release.toml: the same in every clone.
    assert not target.startswith(("/", "file:")) and ".." not in target
    assert f"release-tasks schema --write-to {target}" in text


def test_every_allowed_value_and_url_key_is_explained() -> None:
    for table, key in walk(config_spec.TOP):
        if key.kind in ("choice", "urls"):
            assert set(key.docs()) == set(key.values()), f"{table.path}.{key.name}"
