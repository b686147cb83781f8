"""Small synthetic workspaces for the tests of ``init``'s inference: crates built by hand,
files in a dict, no program run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from release_tasks.cargo.workspace import Crate, Dependency, DepKind, Workspace
from release_tasks.config import load as config
from release_tasks.git.repository import Tree
from release_tasks.init import infer as init
from release_tasks.init import render as init_render
from release_tasks.init.model import Proposal, Sources

CORE = "0.1.8"


def dep(name: str, kind: DepKind = "normal", req: str = "=0.1.8") -> Dependency:
    return Dependency(name=name, key=name, kind=kind, target=None, req=req, path=name)


def crate(name: str, manifest: str, *deps: Dependency, version: str = CORE,
          publish: bool = True) -> Crate:
    return Crate(name=name, version=version, manifest=manifest, publish=publish, registries=None,
                 dependencies=deps, description="d", license="MIT")


def manifest(name: str, version: str | None = CORE, cdylib: bool = False) -> str:
    text = f'[package]\nname = "{name}"\n'
    text += f'version = "{version}"\n' if version else "version.workspace = true\n"
    return text + ('\n[lib]\ncrate-type = ["cdylib"]\n' if cdylib else "")


GEM = {
    "ruby/demo.gemspec": "require_relative 'lib/demo/version'\nGem::Specification.new do |s|\n"
                         "  s.name = 'demo-rb'\nend\n",
    "ruby/lib/demo/version.rb": "module Demo\n  VERSION = '0.1.8.0'\n  RUST_CORE_VERSION = '0.1.8'\n"
                                "end\n",
    "ruby/ext/demo/Cargo.toml": manifest("demo-rb", cdylib=True),
}
WHEEL = {
    "python/pyproject.toml": '[build-system]\nbuild-backend = "maturin"\n\n[project]\n'
                             'name = "demo-py"\nversion = "0.1.8.0"\n\n[tool.maturin]\n'
                             'manifest-path = "native/Cargo.toml"\n',
    "python/native/Cargo.toml": manifest("demo-py", version=None, cdylib=True),
}
NPM = {
    "node/package.json": '{\n  "name": "@demo/node",\n  "version": "0.1.8000"\n}\n',
    "node/index.js": "module.exports = {};\n",
    "node/native/Cargo.toml": manifest("demo-node", version="0.1.0", cdylib=True),
}
LIBS = {f"crates/{n}/Cargo.toml": manifest(n) for n in ("queue", "shared", "worker", "server")}


def members(*extra: Crate) -> list[Crate]:
    """queue <- shared <- worker (the bindings' foundation); server uses shared only."""
    return [crate("queue", "crates/queue/Cargo.toml"),
            crate("shared", "crates/shared/Cargo.toml", dep("queue")),
            crate("worker", "crates/worker/Cargo.toml", dep("shared"), dep("server", "dev", "*")),
            crate("server", "crates/server/Cargo.toml", dep("shared")), *extra]


def natives() -> list[Crate]:
    return [crate("demo-rb", "ruby/ext/demo/Cargo.toml", dep("worker"), publish=False),
            crate("demo-py", "python/native/Cargo.toml", dep("worker"), publish=False),
            crate("demo-node", "node/native/Cargo.toml", dep("shared", "build"),
                  version="0.1.0", publish=False)]


def sources(crates: Sequence[Crate], files: Mapping[str, str], tags: Sequence[str] = ()) -> Sources:
    every = {"Cargo.toml": "[workspace]\n", "Cargo.lock": "", "VERSION": f"{CORE}\n", **files}
    ws = Workspace(root_manifest="Cargo.toml", members=tuple(crates), target_directory=Path("t"))
    return Sources(workspace=ws, tree=Tree.of(every), read=every.get, tags=tags)


def propose(crates: Sequence[Crate], files: Mapping[str, str], tags: Sequence[str] = ()) -> Proposal:
    return init.infer(sources(crates, files, tags), project="demo", repository_url=None,
                      main_branch="main")


def full() -> Proposal:
    return propose([*members(), *natives()], {**LIBS, **GEM, **WHEEL, **NPM})


def render(p: Proposal) -> str:
    builtin = config.builtin()
    return init_render.render(p, preflight=builtin.preflight, core_credential=("TOKEN",),
                              credentials={b.registry: b.credential for b in builtin.bindings})
