"""Installing what a rehearsal published, the way a user would, and loading it once.

* crates: a new crate that depends on every core crate at ``=VERSION`` (from the cargo
  stand-in, which replaces crates.io), built with ``cargo build``;
* PyPI: a fresh virtual environment (uv's), ``uv pip install NAME==VERSION`` from the PyPI
  stand-in only, then every top-level module of the distribution imported;
* RubyGems: ``gem install NAME -v VERSION`` from the RubyGems stand-in only, into a private
  directory, then ``require`` of every file at the top of its ``lib``;
* npm: ``npm install NAME@VERSION`` in a new project, then ``import()`` of the package
  (which loads CommonJS and ES modules alike).

Each works in its own directory under the rehearsal's, with the rehearsal's environment
(:func:`release_tasks.rehearse.registries.environment`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_tasks import cmd

PYPI_SIMPLE = "https://pypi.org/simple"

_IMPORT_ALL = """
import importlib, importlib.metadata as m, sys
dist = m.distribution(sys.argv[1])
tops = sorted({f.parts[0].removesuffix('.py') for f in dist.files or ()
               if len(f.parts) and not f.parts[0].endswith(('.dist-info', '.data'))
               and (len(f.parts) > 1 or f.parts[0].endswith(('.py', '.so', '.pyd')))
               and not f.parts[0].startswith(('_', '.', '..'))})
tops = [t.split('.')[0] for t in tops]
assert tops, 'the distribution holds no module'
for top in tops:
    importlib.import_module(top)
print('imported', ', '.join(tops), 'from', dist.metadata['Name'], dist.version)
"""

_REQUIRE_ALL = """
name, version = ARGV
spec = Gem::Specification.find_by_name(name, version)
spec.activate
lib = File.join(spec.full_gem_path, spec.require_paths.first || 'lib')
files = Dir[File.join(lib, '*.rb')].map { |f| File.basename(f, '.rb') }.sort
abort "#{name} #{version} has no file to require in #{lib}" if files.empty?
files.each { |f| require f }
puts "required #{files.join(', ')} from #{name} #{version}"
"""


def _run(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    result = cmd.run(argv, cwd=cwd, env=env, capture=True)
    return (result.stdout or "").strip()


def crates(work: Path, registry: str, crates: Sequence[str], version: str,
           env: Mapping[str, str]) -> str:
    """A consumer crate of every core crate at ``=version``, built; its last line."""
    root = work / "consumer-crate"
    (root / "src").mkdir(parents=True)
    deps = "\n".join(f'{name} = {{ version = "={version}", registry = "{registry}" }}'
                     for name in crates)
    (root / "Cargo.toml").write_text(
        '[package]\nname = "rehearsal-consumer"\nversion = "0.0.0"\nedition = "2021"\n'
        f"publish = false\n\n[workspace]\n\n[dependencies]\n{deps}\n", encoding="utf-8")
    # No `use`: a binary-only crate has no library to use, and cargo builds every
    # dependency's library anyway.
    (root / "src" / "main.rs").write_text("fn main() {}\n", encoding="utf-8")
    _run(["cargo", "build", "--quiet"], root, env)
    return f"built a crate depending on {len(crates)} crate(s) at ={version}"


def upstream_index(env: Mapping[str, str]) -> str:
    """The index the user's installs read third-party packages from."""
    return (env.get("UV_DEFAULT_INDEX") or env.get("UV_INDEX_URL") or env.get("PIP_INDEX_URL")
            or PYPI_SIMPLE)


def pypi(work: Path, index: str, package: str, version: str, env: Mapping[str, str]) -> str:
    """A new virtual environment with ``package==version`` from ``index``, imported. Its
    dependencies come from the user's index: uv asks ``index`` first and takes every
    package from the first index that has it, so the released one is the stand-in's."""
    venv = work / "consumer-venv"
    uv = [sys.executable, "-m", "uv"]
    _run([*uv, "venv", "--quiet", "--no-config", "--python", sys.executable, str(venv)], work, env)
    python = venv / "bin" / "python"
    _run([*uv, "pip", "install", "--quiet", "--no-config", "--python", str(python),
          "--index-url", upstream_index(env), "--extra-index-url", index,
          "--index-strategy", "first-index", "--no-cache", f"{package}=={version}"], work, env)
    script = work / "import_all.py"
    script.write_text(_IMPORT_ALL, encoding="utf-8")
    return _run([str(python), str(script), package], work, env)


def rubygems(work: Path, source: str, gem: str, version: str, env: Mapping[str, str]) -> str:
    """``gem install`` into a private directory from ``source`` only, then ``require``."""
    home = work / "consumer-gems"
    gem_env = {**env, "GEM_HOME": str(home), "GEM_PATH": str(home)}
    _run(["gem", "install", "--clear-sources", "--source", source.rstrip("/") + "/",
          "--install-dir", str(home), "--no-document", gem, "-v", version], work, gem_env)
    script = work / "require-all.rb"
    script.write_text(_REQUIRE_ALL, encoding="utf-8")
    return _run(["ruby", str(script), gem, version], work, gem_env)


def npm(work: Path, registry: str, package: str, version: str, env: Mapping[str, str]) -> str:
    """A new project with ``package@version`` from ``registry``, imported by node. A scoped
    package's scope is routed to ``registry`` (its dependencies come from the user's
    registry); an unscoped one is installed with ``--registry``."""
    root = work / "consumer-npm"
    root.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps(
        {"name": "rehearsal-consumer", "version": "0.0.0", "private": True}), encoding="utf-8")
    scope = package.split("/")[0] if package.startswith("@") else None
    (root / ".npmrc").write_text(f"{scope}:registry={registry}\n" if scope else "",
                                 encoding="utf-8")
    npm_env = {**env, "npm_config_cache": str(work / "consumer-npm-cache")}
    where = [] if scope else ["--registry", registry]
    _run(["npm", "install", "--no-audit", "--no-fund", *where, f"{package}@{version}"], root,
         npm_env)
    script = (f"const m = await import({json.dumps(package)}); "
              "console.log('imported', Object.keys(m).length, 'export(s) from', "
              f"{json.dumps(package + '@' + version)});")
    return _run(["node", "--input-type=module", "-e", script], root, npm_env)
