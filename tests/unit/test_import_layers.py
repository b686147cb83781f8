"""The house: a folder per concept, no import circle, and imports that run one way only.

Every import of the package counts: at the top of a module, inside functions, under
``TYPE_CHECKING``, and the modules named to :func:`importlib.import_module` or to the registry
packages' lazy ``lend``. Python runs an import inside a function as surely as one at the top;
hiding it there hides a circle from the reader, not from the interpreter.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "release_tasks"

#: The rooms, lowest first. A module may import from its own room and from rooms of a lower
#: layer, never from a higher layer or from another room of its own layer. A room is a folder
#: of the package (``plan``) or one of its top-level modules (``release``).
LAYERS: tuple[frozenset[str], ...] = tuple(frozenset(rooms) for rooms in (
    {"errors"},
    {"log"},
    {"cmd", "__init__"},
    {"standins"},  # local stand-ins of the registries (the standard library only)
    {"model"},  # frozen values, no I/O
    {"edit"},  # format-preserving editors and the journal
    {"git", "cargo"},  # the repository and cargo's model of the workspace
    {"registries"},  # one package per registry kind behind one interface
    {"config"},  # release.toml, checked against the kinds
    {"apply", "project"},  # what update writes; the project as one run reads it
    {"plan"},  # detection, the version rules, the frozen plan, drift
    {"publish", "release", "sandbox", "preflight", "edge"},
    {"history", "init", "workflow", "demo"},
    {"trust"},  # trusted publishing: the registries' forms and the job's credential path
    {"rehearse"},  # the workflow's jobs against the stand-ins, then the consumers
    {"cli"},  # the argument parser and one thin module per stage
    {"sessions", "__main__"},  # what a monorepo's noxfile imports
))
#: At most this many modules directly in ``release_tasks/``.
MAX_TOP_LEVEL = 12


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _named(module: str, node: ast.AST) -> Iterator[str]:
    """The package modules ``node`` imports (a submodule by name counts as that module)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            if MODULES[module].name != "__init__.py":
                base.pop()
            base = base[:len(base) - node.level + 1]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            yield sub if sub in MODULES else source
    elif isinstance(node, ast.Call):
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name in ("import_module", "lend"):
            yield from (arg.value for arg in node.args
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str))


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for name in _named(module, node):
                while name and name not in MODULES:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    targets.add(name)
        graph[module] = targets
    return graph


GRAPH = _imports()


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(room: str) -> int:
    for index, rooms in enumerate(LAYERS):
        if room in rooms:
            return index
    raise AssertionError(f"release_tasks/{room}: in no layer of LAYERS; add it where it belongs")


def _circles() -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_the_walker_sees_imports_inside_functions_and_type_checking() -> None:
    # The walker itself: a function-level and a TYPE_CHECKING import are edges.
    assert "release_tasks.registries.http" in GRAPH["release_tasks.registries"]  # lend(...)
    assert "release_tasks.cli.stages" in GRAPH["release_tasks.sessions"]
    assert any(GRAPH[m] for m in MODULES if m.startswith("release_tasks.plan."))


def test_no_import_circle() -> None:
    circles = _circles()
    assert not circles, "import circles:\n" + "\n".join(
        " <-> ".join(c) + "\n    " + "\n    ".join(
            f"{a} -> {', '.join(sorted(GRAPH[a] & set(c)))}" for a in c) for c in circles)


def test_every_import_runs_down_the_layers() -> None:
    wrong = []
    for module, targets in sorted(GRAPH.items()):
        room = _room(module)
        for target in sorted(targets):
            other = _room(target)
            if other != room and _layer(other) >= _layer(room):
                wrong.append(f"{module} ({room}) imports {target} ({other})")
    assert not wrong, "imports against the layer order:\n  " + "\n  ".join(wrong)


def test_every_room_is_in_a_layer() -> None:
    rooms = {_room(m) for m in MODULES}
    assert rooms == set().union(*LAYERS), (rooms ^ set().union(*LAYERS))


def test_few_modules_at_the_top_and_no_family_of_prefixes() -> None:
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top
    prefixes: dict[str, list[str]] = {}
    for name in top:
        if "_" in name.strip("_"):
            prefixes.setdefault(name.strip("_").split("_")[0], []).append(name)
    families = {k: v for k, v in prefixes.items() if len(v) >= 3}
    assert not families, f"a family of three or more is a folder: {families}"


@pytest.mark.parametrize("folder", sorted(
    p.parent for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE))
def test_every_folder_says_what_it_is_for(folder: Path) -> None:
    tree = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc, f"{folder.relative_to(PACKAGE.parent)}/__init__.py: no docstring"


def test_every_module_opens_with_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE.parent)) for p in MODULES.values()
               if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert not missing, missing


def test_no_registry_name_is_compared_outside_the_registries() -> None:
    # The kinds tell themselves apart; everything else asks them (a new kind is a new package).
    from release_tasks.registries import REGISTRIES

    names = set(REGISTRIES)

    def constants(node: ast.AST) -> Iterator[str]:
        if isinstance(node, ast.Constant) and node.value in names:
            yield str(node.value)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            for item in node.elts:
                yield from constants(item)

    found = []
    for module, path in MODULES.items():
        if module.startswith("release_tasks.registries"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            sides: list[ast.AST] = []
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
            elif isinstance(node, ast.match_case):
                sides = [node.pattern]
            for side in sides:
                for sub in ast.walk(side):
                    found += [f"{module}:{node.lineno if hasattr(node, 'lineno') else '?'} {name}"
                              for name in constants(sub)]
    assert not found, found
