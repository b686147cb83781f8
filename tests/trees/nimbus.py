""""nimbus": a virtual workspace, the most common layout of larger Rust workspaces.

No ``[package]`` at the root: the version lives in ``[workspace.package]`` and most members
say ``version.workspace = true`` (one core crate keeps its own ``version`` line); the core
crates are pinned once, in ``[workspace.dependencies]``, and members use them as
``dep = { workspace = true }`` or ``dep.workspace = true``. Glob members with an excluded
vendored crate that has its own lockfile; a crate outside the core at its own 0.1.6, pinned
``=0.1.6`` from the workspace table; a benchmark crate built on its own (own workspace, own
lockfile); a gem whose ``ext/`` crate has its own lockfile and no pins yet, and a version.rb
without a core-version constant; an npm package with only package-lock.json.

:func:`virtual_dynamic_python` adds a maturin binding whose ``pyproject.toml`` leaves the
version to maturin (``dynamic = ["version"]``): maturin then takes the crate's three-part
version, which cannot carry a binding version ``X.Y.Z.P``.
"""

from __future__ import annotations

from pathlib import Path

from tests.trees.builder import TreeBuilder
from tests.trees.model import SELECT, Edit, Fixture

CORE = ("nimbus-proto", "nimbus-core", "nimbus-runtime", "nimbus-cli")
EXT = "bindings/ruby/ext/nimbus"
BENCH = "benches/throughput"
VENDOR = "vendor/patched-dep"
TS = "bindings/typescript"


def _inherit(name: str, description: str, *extra: str) -> str:
    return "\n".join(["[package]", f'name = "{name}"', "version.workspace = true",
                      "edition.workspace = true", "license.workspace = true",
                      "repository.workspace = true", f'description = "{description}"',
                      *extra]) + "\n"


def _lib(doc: str, body: str = "") -> str:
    return f"//! {doc}\n\n/// A marker the dependants use.\npub const READY: bool = true;\n{body}"


CONFIG = """\
[project]
name = "nimbus"
main-branch = "main"

[core]
version-file = "VERSION"

[core.groups.engine]
label = "engine"
crates = ["nimbus-proto", "nimbus-core", "nimbus-runtime"]
paths = ["crates/nimbus-proto", "crates/nimbus-core", "crates/nimbus-runtime", "Cargo.toml",
         "Cargo.lock"]
propagates-to = ["ruby", "typescript"]

[core.groups.tools]
label = "tools"
crates = ["nimbus-cli"]
paths = ["crates/nimbus-cli"]

[bindings.ruby]
directory = "bindings/ruby"
registry = "rubygems"
package = "nimbus"
crate = "nimbus-rb"
version-files = [
  { path = "bindings/ruby/lib/nimbus/version.rb", format = "ruby", key = "VERSION", value = "binding" },
]

[bindings.typescript]
directory = "bindings/typescript"
registry = "npm"
package = "@nimbus/node"
crate = "nimbus-node"
version-files = [
  { path = "bindings/typescript/package.json", format = "package-json", value = "binding" },
]
"""

PYTHON_CONFIG = """
[bindings.python]
directory = "bindings/python"
registry = "pypi"
package = "nimbus-py"
crate = "nimbus-py"
version-files = [
  { path = "bindings/python/pyproject.toml", format = "pyproject", value = "binding" },
]
"""


def files() -> dict[str, str]:
    return {
        "VERSION": "0.1.8\n",
        ".gitignore": "target/\nnode_modules/\n",
        "release.toml": CONFIG,
        "Cargo.toml": """\
# A virtual manifest: the workspace's version is in [workspace.package].
[workspace]
resolver = "2"
members = ["crates/*", "bindings/ruby/ext/nimbus", "bindings/typescript/native"]
exclude = ["vendor/patched-dep"]

[workspace.package]
version = "0.1.8"
edition = "2021"
license = "Apache-2.0"
repository = "https://example.invalid/nimbus"

[workspace.dependencies]
nimbus-proto = { path = "crates/nimbus-proto", version = "=0.1.8" }
nimbus-core = { path = "crates/nimbus-core", version = "=0.1.8", default-features = false }
nimbus-runtime = { path = "crates/nimbus-runtime", version = "=0.1.8" }
# Released on its own schedule.
nimbus-macros = { path = "crates/nimbus-macros", version = "=0.1.6" }
""",
        "crates/nimbus-proto/Cargo.toml": _inherit("nimbus-proto", "Wire types of nimbus") + (
            "\n[features]\nserde = []\n"),
        "crates/nimbus-proto/src/lib.rs": _lib("Wire types."),
        "crates/nimbus-core/Cargo.toml": _inherit("nimbus-core", "The nimbus engine") + (
            '\n[dependencies]\nnimbus-proto = { workspace = true, features = ["serde"] }\n\n'
            '[features]\ndefault = ["std"]\nstd = []\n'),
        "crates/nimbus-core/src/lib.rs": _lib(
            "The engine.", "\n/// Whether the wire types are there.\n"
            "pub fn wired() -> bool {\n    nimbus_proto::READY\n}\n"),
        "crates/nimbus-runtime/Cargo.toml": _inherit("nimbus-runtime", "The nimbus runtime") + (
            "\n[dependencies]\nnimbus-core.workspace = true\n"
            "nimbus-proto = { workspace = true, optional = true }\n\n"
            '[features]\nwire = ["dep:nimbus-proto"]\n'),
        "crates/nimbus-runtime/src/lib.rs": _lib(
            "The runtime.", "\n/// Whether the engine is there.\n"
            "pub fn engine() -> bool {\n    nimbus_core::wired()\n}\n"),
        "crates/nimbus-cli/Cargo.toml": (
            '[package]\nname = "nimbus-cli"\nversion = "0.1.8"\nedition.workspace = true\n'
            'license.workspace = true\ndescription = "The nimbus command line"\n\n'
            '[dependencies]\nnimbus-runtime = { workspace = true, features = ["wire"] }\n'),
        "crates/nimbus-cli/src/lib.rs": _lib(
            "The command line.", "\n/// Whether the runtime is there.\n"
            "pub fn runtime() -> bool {\n    nimbus_runtime::engine()\n}\n"),
        "crates/nimbus-macros/Cargo.toml": (
            '[package]\nname = "nimbus-macros"\nversion = "0.1.6"\nedition.workspace = true\n'
            'license.workspace = true\ndescription = "Macros for writing nimbus handlers"\n'),
        "crates/nimbus-macros/src/lib.rs": _lib("Macros for handlers."),
        "crates/nimbus-examples/Cargo.toml": _inherit(
            "nimbus-examples", "Examples of nimbus handlers", "publish = false") + (
            "\n[dependencies]\nnimbus-runtime.workspace = true\nnimbus-macros = { workspace = true }\n"),
        "crates/nimbus-examples/src/lib.rs": _lib("Examples."),
        f"{VENDOR}/Cargo.toml": (
            '[package]\nname = "patched-dep"\nversion = "2.0.3"\nedition = "2021"\n'
            'description = "A dependency with a local fix"\nlicense = "MIT"\n'),
        f"{VENDOR}/src/lib.rs": _lib("A patched dependency."),
        f"{BENCH}/Cargo.toml": (
            '[package]\nname = "nimbus-throughput"\nversion = "0.0.1"\nedition = "2021"\n'
            'description = "Throughput benchmark of the nimbus engine"\nlicense = "Apache-2.0"\n'
            'publish = false\n\n[dependencies]\nnimbus-core = { path = "../../crates/nimbus-core" }\n\n'
            "# Built on its own, with its own lockfile.\n[workspace]\n"),
        f"{BENCH}/src/lib.rs": _lib("The benchmark."),
        "bindings/ruby/lib/nimbus/version.rb": (
            '# frozen_string_literal: true\n\nmodule Nimbus\n  VERSION = "0.1.8.0"\nend\n'),
        "bindings/ruby/lib/nimbus.rb": ('# frozen_string_literal: true\n\n'
                                        'require_relative "nimbus/version"\n'),
        "bindings/ruby/nimbus.gemspec": (
            '# frozen_string_literal: true\n\nrequire_relative "lib/nimbus/version"\n\n'
            'Gem::Specification.new do |spec|\n  spec.name = "nimbus"\n'
            '  spec.version = Nimbus::VERSION\n  spec.summary = "Ruby bindings for nimbus"\n'
            '  spec.authors = ["Nimbus Maintainers"]\n  spec.license = "Apache-2.0"\n'
            '  spec.files = Dir["lib/**/*.rb", "ext/**/*.{rs,toml,lock}"]\nend\n'),
        f"{EXT}/Cargo.toml": (
            '[package]\nname = "nimbus-rb"\nversion = "0.1.0"\nedition = "2021"\n'
            'description = "Native extension of the nimbus gem"\nlicense = "Apache-2.0"\n'
            'publish = false\n\n[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\n'
            'nimbus-runtime = { path = "../../../../crates/nimbus-runtime" }\n'),
        f"{EXT}/src/lib.rs": (
            "//! Native extension.\n\n/// Called by the gem.\n#[no_mangle]\n"
            "pub extern \"C\" fn nimbus_rb_ready() -> bool {\n    nimbus_runtime::engine()\n}\n"),
        f"{TS}/package.json": (
            '{\n  "name": "@nimbus/node",\n  "version": "0.1.8000",\n  "license": "Apache-2.0",\n'
            '  "devDependencies": {\n    "nimbus-testkit": "file:./testkit"\n  }\n}\n'),
        f"{TS}/testkit/package.json": (
            '{\n  "name": "nimbus-testkit",\n  "version": "3.1.0",\n  "license": "MIT"\n}\n'),
        f"{TS}/index.js": "export const name = \"nimbus\";\n",
        f"{TS}/native/Cargo.toml": _inherit(
            "nimbus-node", "Native addon of the nimbus npm package", "publish = false") + (
            '\n[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\nnimbus-runtime.workspace = true\n'),
        f"{TS}/native/src/lib.rs": (
            "//! Native addon.\n\n/// Called by the package.\n#[no_mangle]\n"
            "pub extern \"C\" fn nimbus_node_ready() -> bool {\n    nimbus_runtime::engine()\n}\n"),
    }


def _build(root: Path, tree: dict[str, str], message: str,
           change: dict[str, str]) -> str:
    """Import ``tree`` published at 0.1.8, then commit ``change``; return the import commit."""
    b = TreeBuilder(root)
    b.init()
    b.write(tree)
    b.cargo_lock()
    b.cargo_lock(VENDOR)
    b.cargo_lock(BENCH)
    b.cargo_lock(EXT, member=True)
    b.npm_lock(TS)
    base = b.commit("Import nimbus")
    b.tags(["v0.1.8", "core-v0.1.8", "ruby-v0.1.8.0", "typescript-v0.1.8.0"])
    b.step(message, change)
    return base


def _locked(path: str, *crates: str) -> list[Edit]:
    return [Edit(path, ("package", SELECT + c, "version"), "0.1.8", "0.1.9") for c in crates]


def virtual(root: Path) -> Fixture:
    """A tools-only core change and a Ruby change: core 0.1.9, the gem 0.1.9.0 (built on the
    new core), the npm package unchanged."""
    tree = files()
    base = _build(root, tree, "cli: a --quiet flag, and the gem says so",
                  {"crates/nimbus-cli/src/quiet.rs": "// --quiet\n",
                   "bindings/ruby/lib/nimbus.rb": tree["bindings/ruby/lib/nimbus.rb"]
                   + "\n# Quiet by default.\n"})
    ws = ("workspace", "dependencies")
    edits = [
        Edit("VERSION", (), "0.1.8\n", "0.1.9\n"),
        Edit("Cargo.toml", ("workspace", "package", "version"), "0.1.8", "0.1.9"),
        *(Edit("Cargo.toml", (*ws, c, "version"), "=0.1.8", "=0.1.9") for c in CORE[:3]),
        Edit("crates/nimbus-cli/Cargo.toml", ("package", "version"), "0.1.8", "0.1.9"),
        Edit("bindings/ruby/lib/nimbus/version.rb", (), 'VERSION = "0.1.8.0"', 'VERSION = "0.1.9.0"'),
        # The gem ships its ext crate as source: its path dependency needs a pin.
        Edit(f"{EXT}/Cargo.toml", ("dependencies", "nimbus-runtime", "version"), None, "=0.1.9"),
        *_locked("Cargo.lock", *CORE, "nimbus-examples", "nimbus-node"),
        *_locked(f"{EXT}/Cargo.lock", *CORE[:3]),
        *_locked(f"{BENCH}/Cargo.lock", "nimbus-core", "nimbus-proto"),
    ]
    return Fixture(
        name="virtual", root=root, config=CONFIG, core_crates=CORE,
        other_members=("nimbus-macros", "nimbus-examples", "nimbus-rb", "nimbus-node"),
        phases=tuple(frozenset({c}) for c in CORE), current_core="0.1.8", next_core="0.1.9",
        core_released=True, base_commit=base,
        bindings={"ruby": "0.1.9.0", "typescript": None}, renderings={"ruby": "0.1.9.0"},
        edits=tuple(edits),
        must_keep=("crates/nimbus-proto/Cargo.toml", "crates/nimbus-core/Cargo.toml",
                   "crates/nimbus-runtime/Cargo.toml", "crates/nimbus-macros/Cargo.toml",
                   "crates/nimbus-examples/Cargo.toml", f"{TS}/package.json",
                   f"{TS}/package-lock.json", f"{TS}/native/Cargo.toml", f"{VENDOR}/Cargo.lock",
                   f"{BENCH}/Cargo.toml"),
        cargo_roots=(".", VENDOR, BENCH), nested_locks=(EXT,))


def virtual_dynamic_python(root: Path) -> Fixture:
    """:func:`virtual` plus a maturin binding with ``dynamic = ["version"]``."""
    extra = {
        "release.toml": CONFIG + PYTHON_CONFIG,
        "bindings/python/pyproject.toml": (
            '[build-system]\nrequires = ["maturin>=1.5,<2.0"]\nbuild-backend = "maturin"\n\n'
            '[project]\nname = "nimbus-py"\ndynamic = ["version"]\nrequires-python = ">=3.9"\n\n'
            '[tool.maturin]\nbindings = "cffi"\nmodule-name = "nimbus_py"\n'),
        "bindings/python/Cargo.toml": _inherit(
            "nimbus-py", "Native module of the nimbus wheel", "publish = false") + (
            '\n[lib]\ncrate-type = ["cdylib"]\n\n[dependencies]\nnimbus-runtime.workspace = true\n'),
        "bindings/python/src/lib.rs": (
            "//! Native module.\n\n/// Called through cffi.\n#[no_mangle]\n"
            "pub extern \"C\" fn nimbus_py_ready() -> bool {\n    nimbus_runtime::engine()\n}\n"),
    }
    tree = {**files(), **extra}
    tree["Cargo.toml"] = tree["Cargo.toml"].replace(
        '"bindings/typescript/native"]', '"bindings/typescript/native", "bindings/python"]')
    base = _build(root, tree, "python: a fix",
                  {"bindings/python/python/nimbus_py/fix.py": "FIX = 1\n"})
    return Fixture(
        name="virtual-dynamic-python", root=root, config=CONFIG + PYTHON_CONFIG,
        core_crates=CORE,
        other_members=("nimbus-macros", "nimbus-examples", "nimbus-rb", "nimbus-node",
                       "nimbus-py"),
        phases=tuple(frozenset({c}) for c in CORE), current_core="0.1.8", next_core="0.1.8",
        core_released=False, base_commit=base,
        bindings={"ruby": None, "typescript": None, "python": "0.1.8.0"},
        cargo_roots=(".", VENDOR, BENCH), nested_locks=(EXT,))
