"""The design document's starting state: the Tasker layout before its first release.

Every crate at 0.1.0, bindings on three-part 0.1.0, ``VERSION`` just added, no tag, and
no ``release.toml`` (the built-in Tasker layout applies, since the tree has it). The
workspace dependencies are path-only and no path dependency carries a version anywhere:
the first release must add every pin that publishing needs, in the same single command.
"""

from __future__ import annotations

from pathlib import Path

from tests.trees.builder import TreeBuilder
from tests.trees.model import Edit, Fixture

FFI = ("tasker-pgmq", "tasker-shared", "tasker-worker")
SERVER = ("tasker-client", "tasker-orchestration", "tasker-cli")
RUBY_EXT = "workers/ruby/ext/tasker_core"


def _manifest(name: str, description: str, deps: str = "", *extra: str) -> str:
    lines = ["[package]", f'name = "{name}"', 'version = "0.1.0"', 'edition = "2021"',
             f'description = "{description}"', 'license = "MIT"', *extra]
    return "\n".join(lines) + "\n" + (f"\n[dependencies]\n{deps}" if deps else "")


def _lib(name: str, uses: tuple[str, ...] = ()) -> str:
    calls = " + ".join(f"{u.replace('-', '_')}::NAME.len()" for u in uses) or "0"
    return (f"//! {name}.\n\n/// The crate's name.\npub const NAME: &str = \"{name}\";\n\n"
            f"/// How many bytes of names this crate is built from.\npub fn weight() -> usize {{\n"
            f"    {calls}\n}}\n")


def _cdylib(name: str, uses: str) -> str:
    return (f"//! {name}.\n\n/// Called across the FFI boundary.\n#[no_mangle]\n"
            f"pub extern \"C\" fn {name.replace('-', '_')}_weight() -> usize {{\n"
            f"    {uses}::weight()\n}}\n")


def files() -> dict[str, str]:
    members = [*FFI[:2], *SERVER[:2], FFI[2], SERVER[2], "workers/rust", RUBY_EXT,
               "workers/python", "workers/typescript"]
    root = _manifest("tasker-core", "Tasker workflow orchestration (workspace root)", "",
                     "publish = false") + (
        '\n[workspace]\nresolver = "2"\nmembers = [\n'
        + "".join(f'    "{m}",\n' for m in members) + "]\n\n[workspace.dependencies]\n"
        + "".join(f'{c} = {{ path = "{c}" }}\n' for c in (*FFI, *SERVER)))
    ws = "{ workspace = true }"
    out = {
        "VERSION": "0.1.0\n",
        ".gitignore": "target/\nnode_modules/\n",
        "Cargo.toml": root,
        "src/lib.rs": _lib("tasker-core"),
        "tasker-pgmq/Cargo.toml": _manifest("tasker-pgmq", "PGMQ wrapper with NOTIFY support"),
        "tasker-pgmq/src/lib.rs": _lib("tasker-pgmq"),
        "tasker-shared/Cargo.toml": _manifest("tasker-shared", "Foundational types",
                                              f"tasker-pgmq = {ws}\n"),
        "tasker-shared/src/lib.rs": _lib("tasker-shared", ("tasker-pgmq",)),
        "tasker-client/Cargo.toml": _manifest("tasker-client", "API client",
                                              f"tasker-shared = {ws}\n"),
        "tasker-client/src/lib.rs": _lib("tasker-client", ("tasker-shared",)),
        "tasker-orchestration/Cargo.toml": _manifest(
            "tasker-orchestration", "Orchestration system",
            f"tasker-pgmq = {ws}\ntasker-shared = {ws}\n"),
        "tasker-orchestration/src/lib.rs": _lib("tasker-orchestration",
                                                ("tasker-pgmq", "tasker-shared")),
        "tasker-worker/Cargo.toml": _manifest(
            "tasker-worker", "FFI-capable worker foundation",
            f"tasker-pgmq = {ws}\ntasker-client = {ws}\ntasker-shared = {ws}\n"),
        "tasker-worker/src/lib.rs": _lib("tasker-worker",
                                         ("tasker-pgmq", "tasker-client", "tasker-shared")),
        "tasker-cli/Cargo.toml": _manifest(
            "tasker-cli", "CLI utilities",
            f'tasker-client = {{ path = "../tasker-client" }}\ntasker-shared = {ws}\n'),
        "tasker-cli/src/lib.rs": _lib("tasker-cli", ("tasker-client", "tasker-shared")),
        "workers/rust/Cargo.toml": _manifest(
            "tasker-worker-rust", "Example Rust worker",
            'tasker-worker = { path = "../../tasker-worker" }\n', "publish = false"),
        "workers/rust/src/lib.rs": _lib("tasker-worker-rust", ("tasker-worker",)),
        "workers/ruby/lib/tasker_core/version.rb": (
            "# frozen_string_literal: true\n\nmodule TaskerCore\n  VERSION = '0.1.0'\n"
            "  RUST_CORE_VERSION = '0.1.0'\nend\n"),
        "workers/ruby/tasker-worker-rb.gemspec": (
            "# frozen_string_literal: true\n\nrequire_relative 'lib/tasker_core/version'\n\n"
            "Gem::Specification.new do |spec|\n  spec.name = 'tasker-worker-rb'\n"
            "  spec.version = TaskerCore::VERSION\n  spec.summary = 'Ruby worker bindings'\n"
            "  spec.authors = ['Tasker Systems']\n  spec.license = 'MIT'\n"
            "  spec.files = Dir['lib/**/*.rb']\nend\n"),
        f"{RUBY_EXT}/Cargo.toml": _manifest(
            "tasker-worker-rb", "Ruby FFI bindings for tasker-worker",
            f'tasker-worker = {{ path = "../../../../tasker-worker" }}\ntasker-shared = {ws}\n',
            "publish = false", "\n[lib]", 'crate-type = ["cdylib"]'),
        f"{RUBY_EXT}/src/lib.rs": _cdylib("tasker-worker-rb", "tasker_worker"),
        "workers/python/pyproject.toml": (
            '[build-system]\nrequires = ["maturin>=1.5,<2.0"]\nbuild-backend = "maturin"\n\n'
            '[project]\nname = "tasker-worker-py"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n\n'
            '[tool.maturin]\nbindings = "cffi"\npython-source = "python"\n'
            'module-name = "tasker_worker._native"\n'),
        "workers/python/python/tasker_worker/__init__.py": (
            'from importlib.metadata import version\n\n__version__ = version("tasker-worker-py")\n'),
        "workers/python/Cargo.toml": _manifest(
            "tasker-worker-py", "Python FFI bindings for tasker-worker", f"tasker-worker = {ws}\n",
            "publish = false", "\n[lib]", 'crate-type = ["cdylib"]'),
        "workers/python/src/lib.rs": _cdylib("tasker-worker-py", "tasker_worker"),
        "workers/typescript/package.json": (
            '{\n  "name": "@tasker-systems/worker",\n  "version": "0.1.0",\n  "license": "MIT"\n}\n'),
        "workers/typescript/Cargo.toml": _manifest(
            "tasker-worker-ts", "TypeScript FFI bindings for tasker-worker",
            'tasker-worker = { path = "../../tasker-worker" }\n',
            "publish = false", "\n[lib]", 'crate-type = ["cdylib"]'),
        "workers/typescript/src/lib.rs": _cdylib("tasker-worker-ts", "tasker_worker"),
    }
    return out


def starting_state(root: Path) -> Fixture:
    """The first release: everything at 0.1.0 as it is, bindings at 0.1.0.0, pins added."""
    b = TreeBuilder(root)
    b.init()
    b.write(files())
    b.cargo_lock()
    b.commit("Add VERSION: the core is 0.1.0")
    pins = [Edit("Cargo.toml", ("workspace", "dependencies", c, "version"), None, "=0.1.0")
            for c in (*FFI, *SERVER)]
    edits = (
        *pins,
        Edit("tasker-cli/Cargo.toml", ("dependencies", "tasker-client", "version"), None, "=0.1.0"),
        Edit(f"{RUBY_EXT}/Cargo.toml", ("dependencies", "tasker-worker", "version"), None, "=0.1.0"),
        Edit("workers/ruby/lib/tasker_core/version.rb", (), "  VERSION = '0.1.0'",
             "  VERSION = '0.1.0.0'"),
        Edit("workers/python/pyproject.toml", ("project", "version"), "0.1.0", "0.1.0.0"),
    )
    return Fixture(
        name="starting-state", root=root, config=None, core_crates=(*FFI, *SERVER),
        other_members=("tasker-core", "tasker-worker-rust", "tasker-worker-rb",
                       "tasker-worker-py", "tasker-worker-ts"),
        phases=(frozenset({"tasker-pgmq"}), frozenset({"tasker-shared"}),
                frozenset({"tasker-client", "tasker-orchestration"}),
                frozenset({"tasker-worker", "tasker-cli"})),
        current_core="0.1.0", next_core="0.1.0", core_released=True, base_commit=None,
        bindings={"ruby": "0.1.0.0", "python": "0.1.0.0", "typescript": "0.1.0.0"},
        renderings={"ruby": "0.1.0.0", "python": "0.1.0.0", "typescript": "0.1.0"},
        edits=edits,
        must_keep=("VERSION", "Cargo.lock", "workers/typescript/package.json",
                   "workers/typescript/Cargo.toml", "workers/rust/Cargo.toml",
                   "workers/python/Cargo.toml", "tasker-pgmq/Cargo.toml"))
