"""Tiny publishable projects for registry tests, written into a temporary directory."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def cargo_workspace(
    root: Path, crates: Mapping[str, Sequence[str]], version: str = "0.1.0"
) -> Path:
    """A workspace where each crate depends on the listed crates by ``path`` + ``version``.

    This is how a real workspace declares internal dependencies for crates.io, so the
    registry must stand in for crates.io (see ``CargoRegistry.replaces_crates_io``).
    """
    root.mkdir(parents=True, exist_ok=True)
    members = ", ".join(f'"{name}"' for name in crates)
    (root / "Cargo.toml").write_text(f'[workspace]\nmembers = [{members}]\nresolver = "2"\n')
    for name, deps in crates.items():
        src = root / name / "src"
        src.mkdir(parents=True, exist_ok=True)
        dep_lines = "".join(f'{d} = {{ path = "../{d}", version = "{version}" }}\n' for d in deps)
        (root / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'
            f'description = "test crate {name}"\nlicense = "MIT"\n\n'
            f"[dependencies]\n{dep_lines}"
        )
        body = " + ".join(f"{d.replace('-', '_')}::value()" for d in deps) or "1"
        (src / "lib.rs").write_text(f"pub fn value() -> u32 {{ {body} }}\n")
    return root


def ruby_gem(
    gem: str,
    root: Path,
    name: str,
    version: str,
    deps: Mapping[str, str] | None = None,
    *,
    native: bool = False,
) -> Path:
    """Build a gem with the real ``gem build``; returns the ``.gem`` path.

    ``native`` makes it a platform gem for this machine, like a precompiled FFI gem.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "lib").mkdir(exist_ok=True)
    (root / "lib" / f"{name}.rb").write_text(f"module {name.title().replace('_', '')}; end\n")
    dep_lines = "".join(f'  s.add_dependency "{d}", "{r}"\n' for d, r in (deps or {}).items())
    (root / f"{name}.gemspec").write_text(
        "Gem::Specification.new do |s|\n"
        f'  s.name = "{name}"\n  s.version = "{version}"\n  s.summary = "test gem"\n'
        f'  s.authors = ["release tests"]\n  s.license = "MIT"\n'
        f'  s.files = ["lib/{name}.rb"]\n{dep_lines}'
        + ("  s.platform = Gem::Platform.local\n" if native else "")
        + "end\n"
    )
    subprocess.run(
        [gem, "build", f"{name}.gemspec"],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    [built] = root.glob(f"{name}-{version}*.gem")
    return built


def npm_package(root: Path, name: str, version: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(
        f'{{"name": "{name}", "version": "{version}", "main": "index.js", "license": "MIT"}}\n'
    )
    (root / "index.js").write_text(f'module.exports = "{version}";\n')
    return root
