"""The files of "orbit": a workspace shaped like the Tasker project's own tree.

The root is itself a member (``members = [".", "crates/*", ...]``) with a ``[package]`` that
is never published; a core crate dev-depends on the root, which depends on it; a vendored
crate is excluded and keeps its own lockfile; two crates live outside the lockstep core at
their own version 0.1.6 (one unpublished, one published on its own schedule) with ``=0.1.6``
pins on them; dependencies are spelled every way cargo allows; some path dependencies are
pinned exactly, one with a caret, some not at all. Three bindings: a gem whose ``ext/``
crate keeps its own Cargo.lock, a maturin project with ``manifest-path``, and an npm package
with both bun.lock and package-lock.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

#: The crates outside the lockstep core keep this version whatever the core does.
OWN_VERSION = "0.1.6"

RUBY_VERSION_RB = "bindings/ruby/lib/orbit_rb/version.rb"
RUBY_EXT = "bindings/ruby/ext/orbit_rb"
PYPROJECT = "bindings/python/pyproject.toml"
PY_CRATE = "bindings/python/rust"
TS_DIR = "bindings/typescript"
VENDOR = "vendor/patched-dep"


@dataclass(frozen=True)
class OrbitState:
    """The versions (and names) the orbit tree holds at one point of its history."""

    core: str
    ruby: str
    python: str
    npm: str  # package.json holds the npm rendering
    ruby_core: str | None  # RUST_CORE_VERSION in version.rb; None: no such constant
    queue: str = "orbit-queue"  # the queue crate's name (it was renamed once)
    npm_name: str = "@orbit/worker"
    with_config: bool = True


def _t(text: str, **values: str) -> str:
    return Template(text).substitute(values)


def _package(name: str, version: str, description: str, *extra: str) -> str:
    lines = ["[package]", f'name = "{name}"', f'version = "{version}"', 'edition = "2021"',
             f'description = "{description}"', 'license = "MIT"',
             'repository = "https://example.invalid/orbit"', *extra]
    return "\n".join(lines) + "\n"


def _lib(doc: str, name: str, body: str = "") -> str:
    return (f"//! {doc}\n\n/// The crate's name, as the other crates see it.\n"
            f"pub fn name() -> &'static str {{\n    \"{name}\"\n}}\n{body}")


def config(s: OrbitState) -> str:
    """release.toml of the orbit tree."""
    q = s.queue
    ruby_core = ("\n  { path = \"$rb\", format = \"ruby\", key = \"RUST_CORE_VERSION\", "
                 "value = \"binding-core\" }," if s.ruby_core is not None else "")
    return _t("""\
# How orbit is released.
[project]
name = "orbit"
main-branch = "main"

[core]
version-file = "VERSION"

[core.groups.ffi]
label = "FFI-facing core"
crates = ["$q", "orbit-shared", "orbit-worker"]
paths = ["crates/$q", "crates/orbit-shared", "crates/orbit-worker", "Cargo.toml", "Cargo.lock"]
propagates-to = ["ruby", "python", "typescript"]

[core.groups.server]
label = "server and client"
crates = ["orbit-client", "orbit-cli"]
paths = ["crates/orbit-client", "crates/orbit-cli"]

[bindings.ruby]
directory = "bindings/ruby"
registry = "rubygems"
package = "orbit-rb"
crate = "orbit-rb"
version-files = [
  { path = "$rb", format = "ruby", key = "VERSION", value = "binding" },$ruby_core
  { path = "$ext/Cargo.toml", format = "cargo", value = "core" },
]

[bindings.python]
directory = "bindings/python"
registry = "pypi"
package = "orbit-py"
crate = "orbit-py"
version-files = [
  { path = "$py", format = "pyproject", value = "binding" },
  { path = "$pycrate/Cargo.toml", format = "cargo", value = "core" },
]

[bindings.typescript]
directory = "bindings/typescript"
registry = "npm"
package = "$npm_name"
crate = "orbit-ts"
version-files = [
  { path = "$ts/package.json", format = "package-json", value = "binding" },
  { path = "$ts/Cargo.toml", format = "cargo", value = "core" },
]
""", q=q, ruby_core=Template(ruby_core).substitute(rb=RUBY_VERSION_RB), rb=RUBY_VERSION_RB,
              ext=RUBY_EXT, py=PYPROJECT, pycrate=PY_CRATE, ts=TS_DIR, npm_name=s.npm_name)


def files(s: OrbitState) -> dict[str, str]:
    """Every file of the tree but the generated lockfiles."""
    out = {**_root(s), **_core_crates(s), **_other_crates(s), **_ruby(s), **_python(s),
           **_typescript(s), **_vendor()}
    if s.with_config:
        out["release.toml"] = config(s)
    return out


def _root(s: OrbitState) -> dict[str, str]:
    manifest = _package("orbit", s.core, "Orbit end-to-end tests and tools (never published)",
                        "publish = false") + _t("""
[workspace]
resolver = "2"
members = [
  ".",  # the root crate holds the end-to-end tests
  "crates/*",
  "$ext",
  "$pycrate",
  "$ts",
]
exclude = [
  "$vendor",  # a patched copy of a dependency, built on its own
]

[workspace.dependencies]
$q = { path = "crates/$q", version = "=$core" }

[dependencies]
orbit-worker = { path = "crates/orbit-worker" }

[dev-dependencies]
orbit-client = { path = "crates/orbit-client" }
orbit-sdk = { path = "crates/orbit-sdk", version = "=$own" }
""", ext=RUBY_EXT, pycrate=PY_CRATE, ts=TS_DIR, vendor=VENDOR, q=s.queue, core=s.core,
                                  own=OWN_VERSION)
    return {
        "VERSION": f"{s.core}\n",
        ".gitignore": "target/\nnode_modules/\n*.gem\n",
        "Cargo.toml": manifest,
        "src/lib.rs": _lib("End-to-end test support of orbit.", "orbit",
                           "\n/// What the tests run against.\npub fn worker() -> &'static str {\n"
                           "    orbit_worker::name()\n}\n"),
        "CHANGELOG.md": "# Changelog\n",
    }


def _core_crates(s: OrbitState) -> dict[str, str]:
    q, c = s.queue, s.core
    qmod = q.replace("-", "_")
    return {
        f"crates/{q}/Cargo.toml": _package(q, c, "Durable queues for orbit") + (
            "\n[features]\ndefault = []\nnotify = []\n"),
        f"crates/{q}/src/lib.rs": _lib("Durable queues.", q),
        "crates/orbit-shared/Cargo.toml": _package(
            "orbit-shared", c, "Types shared by every orbit component") + _t("""
# Written out long-hand: the version line below is the dependency's, not the package's.
[dependencies.$q]
path = "../$q"
version = "=$c"
features = ["notify"]
""", q=q, c=c),
        "crates/orbit-shared/src/lib.rs": _lib(
            "Shared types.", "orbit-shared",
            f"\n/// The queue underneath.\npub fn queue() -> &'static str {{\n    {qmod}::name()\n}}\n"),
        "crates/orbit-worker/Cargo.toml": _package(
            "orbit-worker", c, "The orbit worker foundation that the bindings wrap") + _t("""
[dependencies]
$q = { workspace = true }
shared = { package = "orbit-shared", path = "../orbit-shared", version = "=$c" }

[dev-dependencies]
# The end-to-end test support of the root crate, which itself depends on this crate.
orbit = { path = "../../" }
""", q=q, c=c),
        "crates/orbit-worker/src/lib.rs": _lib(
            "The worker foundation.", "orbit-worker",
            f"\n/// Everything a worker is built from.\npub fn parts() -> [&'static str; 2] {{\n"
            f"    [shared::name(), {qmod}::name()]\n}}\n"),
        "crates/orbit-client/Cargo.toml": _package(
            "orbit-client", c, "Client of the orbit server") + _t("""
[dependencies]
orbit-shared = { path = "../orbit-shared" }

[target.'cfg(unix)'.dependencies]
$q = { path = "../$q", version = "=$c", optional = true }

[features]
local-queue = ["dep:$q"]
""", q=q, c=c),
        "crates/orbit-client/src/lib.rs": _lib(
            "The client.", "orbit-client",
            "\n/// The server's types.\npub fn shared() -> &'static str {\n"
            "    orbit_shared::name()\n}\n\n#[cfg(all(unix, feature = \"local-queue\"))]\n"
            f"/// A queue on this machine.\npub fn local() -> &'static str {{\n    {qmod}::name()\n}}\n"),
        "crates/orbit-cli/Cargo.toml": _package(
            "orbit-cli", c, "The orbit command line", 'build = "build.rs"') + _t("""
[dependencies]
orbit-client = { path = "../orbit-client", version = "=$c", features = ["local-queue"] }

[build-dependencies]
orbit-shared = { path = "../orbit-shared", version = "=$c" }

[dev-dependencies]
$q = { path = "../$q", version = "=$c" }
""", q=q, c=c),
        "crates/orbit-cli/build.rs": (
            "fn main() {\n    println!(\"cargo:rustc-env=ORBIT_SHARED={}\", orbit_shared::name());\n}\n"),
        "crates/orbit-cli/src/lib.rs": _lib(
            "The command line.", "orbit-cli",
            "\n/// Which client and shared crate it was built with.\n"
            "pub fn built_with() -> (&'static str, &'static str) {\n"
            "    (orbit_client::name(), env!(\"ORBIT_SHARED\"))\n}\n"),
    }


def _other_crates(s: OrbitState) -> dict[str, str]:
    return {
        "crates/orbit-sdk/Cargo.toml": _package(
            "orbit-sdk", OWN_VERSION, "Handler code generation, released on its own schedule") + (
            f'\n[dependencies]\norbit-shared = {{ version = "{s.core}", path = "../orbit-shared" }}\n'),
        "crates/orbit-sdk/src/lib.rs": _lib("Code generation.", "orbit-sdk"),
        "crates/orbit-grammar/Cargo.toml": _package(
            "orbit-grammar", OWN_VERSION, "Expression grammar, not ready for crates.io",
            "publish = false  # not published until the grammar settles") + (
            f'\n[dependencies]\norbit-sdk = {{ path = "../orbit-sdk", version = "={OWN_VERSION}" }}\n'
            'orbit-shared = { path = "../orbit-shared" }\n'),
        "crates/orbit-grammar/src/lib.rs": _lib("The grammar.", "orbit-grammar"),
    }


def _ruby(s: OrbitState) -> dict[str, str]:
    core_line = f'  RUST_CORE_VERSION = "{s.ruby_core}"\n' if s.ruby_core is not None else ""
    metadata = ('  spec.metadata["rust_core_version"] = OrbitRb::RUST_CORE_VERSION\n'
                if s.ruby_core is not None else "")
    return {
        RUBY_VERSION_RB: ('# frozen_string_literal: true\n\nmodule OrbitRb\n'
                          f'  VERSION = "{s.ruby}"\n{core_line}end\n'),
        "bindings/ruby/lib/orbit_rb.rb": ('# frozen_string_literal: true\n\n'
                                          'require_relative "orbit_rb/version"\n'),
        "bindings/ruby/orbit-rb.gemspec": (
            '# frozen_string_literal: true\n\nrequire_relative "lib/orbit_rb/version"\n\n'
            'Gem::Specification.new do |spec|\n  spec.name = "orbit-rb"\n'
            '  spec.version = OrbitRb::VERSION\n  spec.summary = "Ruby bindings for the orbit worker"\n'
            '  spec.authors = ["Orbit Maintainers"]\n  spec.license = "MIT"\n'
            '  spec.files = Dir["lib/**/*.rb", "ext/**/*.{rs,rb,toml,lock}"]\n'
            '  spec.extensions = ["ext/orbit_rb/extconf.rb"]\n' + metadata + 'end\n'),
        f"{RUBY_EXT}/extconf.rb": ('# frozen_string_literal: true\n\nrequire "mkmf"\n'
                                   'require "rb_sys/mkmf"\n\ncreate_rust_makefile("orbit_rb/orbit_rb")\n'),
        f"{RUBY_EXT}/Cargo.toml": _package(
            "orbit-rb", s.core, "Native extension of the orbit-rb gem", "publish = false") + _t("""
[lib]
crate-type = ["cdylib"]
name = "orbit_rb"

[dependencies]
# The gem ships this crate as source; on install it builds against crates.io.
orbit-worker = { path = "../../../../crates/orbit-worker", version = "=$c" }
orbit-shared = { path = "../../../../crates/orbit-shared" }
""", c=s.core),
        f"{RUBY_EXT}/src/lib.rs": (
            "//! Native extension of the gem.\n\n/// Checked by the gem at load time.\n"
            "#[no_mangle]\npub extern \"C\" fn orbit_rb_parts() -> usize {\n"
            "    orbit_worker::parts().len() + orbit_shared::name().len()\n}\n"),
    }


def _python(s: OrbitState) -> dict[str, str]:
    return {
        PYPROJECT: _t("""\
[build-system]
requires = ["maturin>=1.5,<2.0"]
build-backend = "maturin"

[project]
name = "orbit-py"
version = "$v"
description = "Python bindings for the orbit worker"
readme = "README.md"
requires-python = ">=3.9"
license = { text = "MIT" }

[tool.maturin]
manifest-path = "rust/Cargo.toml"
python-source = "python"
module-name = "orbit_py._native"
bindings = "cffi"
""", v=s.python),
        "bindings/python/README.md": "# orbit-py\n\nPython bindings for the orbit worker.\n",
        "bindings/python/python/orbit_py/__init__.py": (
            '"""Python bindings for the orbit worker."""\n\nfrom importlib.metadata import version\n\n'
            '__version__ = version("orbit-py")\n'),
        f"{PY_CRATE}/Cargo.toml": _package(
            "orbit-py", s.core, "Native module of the orbit-py wheel", "publish = false") + (
            '\n[lib]\ncrate-type = ["cdylib"]\nname = "orbit_py_native"\n\n[dependencies]\n'
            'orbit-worker = { path = "../../../crates/orbit-worker" }\n'),
        f"{PY_CRATE}/src/lib.rs": (
            "//! Native module of the wheel.\n\n/// Called through cffi.\n#[no_mangle]\n"
            "pub extern \"C\" fn orbit_py_parts() -> usize {\n    orbit_worker::parts().len()\n}\n"),
    }


def _typescript(s: OrbitState) -> dict[str, str]:
    return {
        f"{TS_DIR}/package.json": (
            '{\n  "name": "' + s.npm_name + '",\n  "version": "' + s.npm + '",\n'
            '  "description": "Node bindings for the orbit worker",\n  "license": "MIT",\n'
            '  "main": "./dist/index.js",\n  "files": ["dist", "*.node"],\n'
            '  "devDependencies": {\n    "orbit-testkit": "file:./testkit"\n  }\n}\n'),
        f"{TS_DIR}/testkit/package.json": (
            '{\n  "name": "orbit-testkit",\n  "version": "1.0.0",\n  "license": "MIT"\n}\n'),
        f"{TS_DIR}/src/index.ts": "export const name = \"orbit\";\n",
        f"{TS_DIR}/Cargo.toml": _package(
            "orbit-ts", s.core, "Native addon of the orbit npm package", "publish = false") + (
            '\n[lib]\ncrate-type = ["cdylib"]\nname = "orbit_ts"\npath = "src-rust/lib.rs"\n\n'
            '[dependencies]\norbit-worker = { path = "../../crates/orbit-worker" }\n'),
        f"{TS_DIR}/src-rust/lib.rs": (
            "//! Native addon.\n\n/// Loaded by the package's index.\n#[no_mangle]\n"
            "pub extern \"C\" fn orbit_ts_parts() -> usize {\n    orbit_worker::parts().len()\n}\n"),
    }


def _vendor() -> dict[str, str]:
    return {
        f"{VENDOR}/Cargo.toml": (
            '[package]\nname = "patched-dep"\nversion = "0.3.1"\nedition = "2021"\n'
            'description = "A dependency with a local fix"\nlicense = "MIT"\n\n'
            "# Its own workspace: the root workspace lists \".\" as a member, so an exclude alone\n"
            "# would not keep it out.\n[workspace]\n"),
        f"{VENDOR}/src/lib.rs": _lib("A patched dependency.", "patched-dep"),
    }
