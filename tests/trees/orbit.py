"""The orbit tree (see :mod:`tests.trees.orbit_files`) with the histories real projects have.

* :func:`rooted`: published with the tool's scheme; an FFI change calls for a release.
* :func:`adopted`: published before adopting the tool, with three-part binding versions
  ahead of the core (gem 0.1.10 on core 0.1.8); ``release.toml`` added afterwards.
* :func:`by_hand`: the last release was made by hand (annotated ``v0.1.9``, a CHANGELOG
  commit, no plan in the tag).
* :func:`missing_tag`: CI published 0.1.7 and tagged the components, but never made ``v0.1.7``.
* :func:`renamed`: a crate and the npm package were renamed since the last release.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.trees import orbit_files as of
from tests.trees.builder import TreeBuilder
from tests.trees.model import SELECT, Blocked, Edit, Fixture
from tests.trees.orbit_files import OrbitState

_SERVER = ("orbit-client", "orbit-cli")
_OTHER_MEMBERS = ("orbit", "orbit-sdk", "orbit-grammar", "orbit-rb", "orbit-py", "orbit-ts")
_KEEP = ("crates/orbit-grammar/Cargo.toml", f"{of.VENDOR}/Cargo.toml", f"{of.VENDOR}/Cargo.lock",
         f"{of.TS_DIR}/bun.lock", "bindings/ruby/orbit-rb.gemspec", ".gitignore")


def core_crates(s: OrbitState) -> tuple[str, ...]:
    return (s.queue, "orbit-shared", "orbit-worker", *_SERVER)


def phases(s: OrbitState) -> tuple[frozenset[str], ...]:
    # The cli's dev-dependency carries a version, so it orders the cli after the queue too;
    # the worker's dev-dependency on the root does not (no version: cargo strips it).
    return (frozenset({s.queue}), frozenset({"orbit-shared"}),
            frozenset({"orbit-worker", "orbit-client"}), frozenset({"orbit-cli"}))


def relock(b: TreeBuilder, *, npm: bool = True) -> None:
    """Regenerate every lockfile of the tree with the real tools."""
    b.cargo_lock()
    b.cargo_lock(of.RUBY_EXT, member=True)
    b.cargo_lock(of.VENDOR)
    b.uv_lock("bindings/python")
    if npm:
        b.bun_lock(of.TS_DIR)
        b.npm_lock(of.TS_DIR)


def write_state(b: TreeBuilder, s: OrbitState, previous: OrbitState | None = None, *,
                npm_locks: bool = True) -> None:
    """Make the work tree hold state ``s`` (files of ``previous`` that ``s`` lacks go)."""
    new = of.files(s)
    gone = set(of.files(previous)) - set(new) if previous else set()
    b.write({**new, **dict.fromkeys(sorted(gone))})
    relock(b, npm=npm_locks)


def edits(s: OrbitState, *, core: str, ruby: str | None = None, python: str | None = None,
          npm: str | None = None) -> tuple[Edit, ...]:
    """What a release from state ``s`` to core ``core`` (and the given bindings) writes."""
    q, o, n = s.queue, s.core, core
    found: list[Edit] = []
    if n != o:
        manifests: dict[str, list[tuple[str, ...]]] = {
            "Cargo.toml": [("package", "version"), ("workspace", "dependencies", q, "version")],
            f"crates/{q}/Cargo.toml": [("package", "version")],
            "crates/orbit-shared/Cargo.toml": [("package", "version"), ("dependencies", q, "version")],
            "crates/orbit-worker/Cargo.toml": [("package", "version"),
                                               ("dependencies", "shared", "version")],
            "crates/orbit-client/Cargo.toml": [
                ("package", "version"), ("target", "cfg(unix)", "dependencies", q, "version")],
            "crates/orbit-cli/Cargo.toml": [
                ("package", "version"), ("dependencies", "orbit-client", "version"),
                ("build-dependencies", "orbit-shared", "version"),
                ("dev-dependencies", q, "version")],
            f"{of.RUBY_EXT}/Cargo.toml": [("package", "version"),
                                          ("dependencies", "orbit-worker", "version")],
            f"{of.PY_CRATE}/Cargo.toml": [("package", "version")],
            f"{of.TS_DIR}/Cargo.toml": [("package", "version")],
        }
        found.append(Edit("VERSION", (), f"{o}\n", f"{n}\n"))
        for path, keys in manifests.items():
            for key in keys:
                pinned = key[-2] != "package"
                found.append(Edit(path, key, f"={o}" if pinned else o, f"={n}" if pinned else n))
        # A caret requirement outside the core is kept in step, caret and all.
        found.append(Edit("crates/orbit-sdk/Cargo.toml", ("dependencies", "orbit-shared", "version"),
                          o, n))
        for crate in ("orbit", q, "orbit-shared", "orbit-worker", *_SERVER,
                      "orbit-rb", "orbit-py", "orbit-ts"):
            found.append(Edit("Cargo.lock", ("package", SELECT + crate, "version"), o, n))
        for crate in ("orbit-rb", "orbit-worker", "orbit-shared", q):
            found.append(Edit(f"{of.RUBY_EXT}/Cargo.lock", ("package", SELECT + crate, "version"),
                              o, n))
    # Required pins: a core crate's path dependency on a core crate, and the crates that
    # the gem and the wheel ship as source. Written by the tool's first release, whatever
    # else it releases.
    for path, key in (("crates/orbit-client/Cargo.toml", ("dependencies", "orbit-shared")),
                      (f"{of.RUBY_EXT}/Cargo.toml", ("dependencies", "orbit-shared")),
                      (f"{of.PY_CRATE}/Cargo.toml", ("dependencies", "orbit-worker"))):
        found.append(Edit(path, (*key, "version"), None, f"={n}"))
    if ruby is not None:
        found.append(Edit(of.RUBY_VERSION_RB, (), f'  VERSION = "{s.ruby}"', f'  VERSION = "{ruby}"'))
        ruby_core = ruby.rsplit(".", 1)[0]
        if s.ruby_core is not None and s.ruby_core != ruby_core:
            found.append(Edit(of.RUBY_VERSION_RB, (), f'RUST_CORE_VERSION = "{s.ruby_core}"',
                              f'RUST_CORE_VERSION = "{ruby_core}"'))
    if python is not None:
        found += [Edit(of.PYPROJECT, ("project", "version"), s.python, python),
                  Edit("bindings/python/uv.lock", ("package", SELECT + "orbit-py", "version"),
                       s.python, python)]
    if npm is not None:
        found += [Edit(f"{of.TS_DIR}/package.json", ("version",), s.npm, npm),
                  Edit(f"{of.TS_DIR}/package-lock.json", ("version",), s.npm, npm),
                  Edit(f"{of.TS_DIR}/package-lock.json", ("packages", "", "version"), s.npm, npm)]
    return tuple(found)


def _keep(s: OrbitState, *, core_moves: bool) -> tuple[str, ...]:
    keep = list(_KEEP)
    if not core_moves:
        keep += ["Cargo.lock", "VERSION", f"crates/{s.queue}/Cargo.toml"]
    return tuple(keep)


def _fixture(name: str, root: Path, s: OrbitState, **fields: Any) -> Fixture:
    core_moves = fields["next_core"] != s.core
    return Fixture(name=name, root=root, config=of.config(s), core_crates=core_crates(s),
                   other_members=_OTHER_MEMBERS, phases=phases(s),
                   current_core=s.core, must_keep=_keep(s, core_moves=core_moves),
                   cargo_roots=(".", of.VENDOR), nested_locks=(of.RUBY_EXT,),
                   **fields)


def _published(b: TreeBuilder, s: OrbitState) -> str:
    """Tag HEAD as CI does after publishing everything of state ``s`` (two-tier scheme)."""
    x, y, z = (int(part) for part in s.npm.split("."))
    b.tags([f"v{s.core}", f"core-v{s.core}", f"ruby-v{s.ruby}", f"python-v{s.python}",
            f"typescript-v{x}.{y}.{z // 1000}.{z % 1000}"])
    return b.git("rev-parse", "HEAD")


# --- the shapes -----------------------------------------------------------------------------

def rooted(root: Path) -> Fixture:
    """Published 0.1.8 with the tool's scheme; then the FFI-facing core changed."""
    s = OrbitState(core="0.1.8", ruby="0.1.8.0", python="0.1.8.0", npm="0.1.8000",
                   ruby_core="0.1.8")
    b = TreeBuilder(root)
    b.init()
    write_state(b, s)
    b.commit("Import orbit")
    base = _published(b, s)
    b.step("shared: retry a notification once", {"crates/orbit-shared/src/lib.rs":
                                                b.read("crates/orbit-shared/src/lib.rs")
                                                + "\n/// Retries.\npub const RETRIES: u32 = 1;\n"})
    return _fixture(
        "rooted", root, s, next_core="0.1.9", core_released=True, base_commit=base,
        bindings={"ruby": "0.1.9.0", "python": "0.1.9.0", "typescript": "0.1.9.0"},
        renderings={"ruby": "0.1.9.0", "python": "0.1.9.0", "typescript": "0.1.9000"},
        edits=edits(s, core="0.1.9", ruby="0.1.9.0", python="0.1.9.0", npm="0.1.9000"))


#: What ``adopted`` expects for each kind of change: plan args, core, bindings, the block.
_ADOPTED = {
    "ruby": (("--bump", "minor"), "0.2.0", {"ruby": "0.2.0.0"},
             Blocked(args=(), code=4, names=("ruby-v0.1.10",), any_of=("--bump minor", "--core"))),
    # PyPI holds the published 0.1.8 equal to 0.1.8.0: a Python-only fix is 0.1.8.1.
    "python": ((), "0.1.8", {"python": "0.1.8.1"}, None),
    "ffi": (("--core", "0.1.11"), "0.1.11",
            {"ruby": "0.1.11.0", "python": "0.1.11.0", "typescript": "0.1.11.0"},
            Blocked(args=(), code=4, names=("ruby-v0.1.10",), any_of=("--bump minor", "--core"))),
    # npm compares its own renderings: 0.1.8000 is above the published 0.1.10.
    "typescript": ((), "0.1.8", {"typescript": "0.1.8.0"}, None),
}
_ADOPTED_CHANGES = {
    "ruby": ("bindings/ruby/lib/orbit_rb/worker.rb", "# frozen_string_literal: true\n"),
    "python": ("bindings/python/python/orbit_py/worker.py", "FIX = 1\n"),
    "typescript": (f"{of.TS_DIR}/src/worker.ts", "export const fix = 1;\n"),
    "ffi": ("crates/orbit-worker/src/pool.rs", "// a pool of workers\n"),
}


def adopted(root: Path, change: str = "ruby") -> Fixture:
    """Released 0.1.7 and 0.1.8 by other means, bindings on their own three-part versions
    (gem 0.1.10, wheel 0.1.8, npm 0.1.10); then release.toml; then one change."""
    old = OrbitState(core="0.1.7", ruby="0.1.9", python="0.1.7", npm="0.1.9", ruby_core=None,
                     with_config=False)
    s = OrbitState(core="0.1.8", ruby="0.1.10", python="0.1.8", npm="0.1.10", ruby_core=None)
    b = TreeBuilder(root)
    b.init()
    write_state(b, old)
    b.commit("Import orbit")
    b.tags(["v0.1.7", "core-v0.1.7", "ruby-v0.1.9", "python-v0.1.7", "typescript-v0.1.9"])
    write_state(b, replace(s, with_config=False), old)
    b.write({"CHANGELOG.md": "# Changelog\n\n## 0.1.8\n\n- Faster queues.\n"})
    base = b.commit("chore: release 0.1.8 (gem 0.1.10, npm 0.1.10)")
    b.tags(["v0.1.8", "core-v0.1.8", "ruby-v0.1.10", "python-v0.1.8", "typescript-v0.1.10"])
    b.step("Release with release_tasks", {"release.toml": of.config(s)})
    path, text = _ADOPTED_CHANGES[change]
    b.step(f"{change}: a fix", {path: text})
    args, core, bindings, blocked = _ADOPTED[change]
    full = {"ruby": None, "python": None, "typescript": None, **bindings}
    npm = _npm(bindings["typescript"]) if "typescript" in bindings else None
    return _fixture(
        f"adopted-{change}", root, s, plan_args=args, next_core=core,
        core_released=core != s.core, base_commit=base, bindings=full,
        renderings={k: (_npm(v) if k == "typescript" else v) for k, v in bindings.items()},
        blocked=blocked,
        edits=edits(s, core=core, ruby=bindings.get("ruby"), python=bindings.get("python"),
                    npm=npm))


def _npm(version: str) -> str:
    x, y, z, p = (int(part) for part in version.split("."))
    return f"{x}.{y}.{z * 1000 + p}"


def by_hand(root: Path) -> Fixture:
    """0.1.8 released by the tool's scheme; 0.1.9 released by hand (annotated v0.1.9 with
    a CHANGELOG commit and no plan); then a Python-only change."""
    s0 = OrbitState(core="0.1.8", ruby="0.1.8.0", python="0.1.8.0", npm="0.1.8000",
                    ruby_core="0.1.8")
    s = OrbitState(core="0.1.9", ruby="0.1.8.0", python="0.1.8.0", npm="0.1.8000",
                   ruby_core="0.1.8")
    b = TreeBuilder(root)
    b.init()
    write_state(b, s0)
    b.commit("Import orbit")
    _published(b, s0)
    b.step("client: shorter timeouts", {"crates/orbit-client/src/timeouts.rs": "// 5 s\n"})
    write_state(b, s, s0)
    b.write({"CHANGELOG.md": "# Changelog\n\n## 0.1.9\n\n- Shorter client timeouts.\n"})
    base = b.commit("Release 0.1.9")
    b.tag("v0.1.9", "orbit 0.1.9\n\nShorter client timeouts; see CHANGELOG.md.\n")
    b.step("python: a fix", {"bindings/python/python/orbit_py/worker.py": "FIX = 1\n"})
    return _fixture(
        "by-hand", root, s, next_core="0.1.9", core_released=False, base_commit=base,
        bindings={"ruby": None, "python": "0.1.9.0", "typescript": None},
        renderings={"python": "0.1.9.0"}, edits=edits(s, core="0.1.9", python="0.1.9.0"))


def missing_tag(root: Path) -> Fixture:
    """0.1.6 released; 0.1.7 published and component-tagged by CI, which then failed before
    tagging v0.1.7; then a Python-only change."""
    s0 = OrbitState(core="0.1.6", ruby="0.1.6.0", python="0.1.6.0", npm="0.1.6000",
                    ruby_core="0.1.6")
    s = OrbitState(core="0.1.7", ruby="0.1.7.0", python="0.1.7.0", npm="0.1.7000",
                   ruby_core="0.1.7")
    b = TreeBuilder(root)
    b.init()
    write_state(b, s0)
    b.commit("Import orbit")
    _published(b, s0)
    b.step("shared: a new message type", {"crates/orbit-shared/src/message.rs": "// kinds\n"})
    write_state(b, s, s0)
    base = b.commit("Release core 0.1.7, ruby 0.1.7.0, python 0.1.7.0, typescript 0.1.7.0")
    b.tags(["core-v0.1.7", "ruby-v0.1.7.0", "python-v0.1.7.0", "typescript-v0.1.7.0"])
    b.step("python: a fix", {"bindings/python/python/orbit_py/worker.py": "FIX = 1\n"})
    return _fixture(
        "missing-tag", root, s, next_core="0.1.7", core_released=False, base_commit=base,
        bindings={"ruby": None, "python": "0.1.7.1", "typescript": None},
        renderings={"python": "0.1.7.1"}, edits=edits(s, core="0.1.7", python="0.1.7.1"))


def renamed(root: Path, *, stale_lockfiles: bool = False) -> Fixture:
    """0.1.8 released with the queue crate called orbit-mq and the npm package @orbit/worker;
    both renamed since (the names were taken on the registries).

    ``stale_lockfiles``: bun.lock and package-lock.json still carry the old package name.
    """
    s0 = OrbitState(core="0.1.8", ruby="0.1.8.0", python="0.1.8.0", npm="0.1.8000",
                    ruby_core="0.1.8", queue="orbit-mq")
    s = OrbitState(core="0.1.8", ruby="0.1.8.0", python="0.1.8.0", npm="0.1.8000",
                   ruby_core="0.1.8", queue="orbit-queue", npm_name="@orbit/orbit")
    b = TreeBuilder(root)
    b.init()
    write_state(b, s0)
    b.commit("Import orbit")
    base = _published(b, s0)
    write_state(b, s, s0, npm_locks=not stale_lockfiles)
    b.commit("Rename orbit-mq to orbit-queue and publish the npm package as @orbit/orbit")
    name = "renamed-stale-lockfiles" if stale_lockfiles else "renamed"
    return _fixture(
        name, root, s, next_core="0.1.9", core_released=True, base_commit=base,
        bindings={"ruby": "0.1.9.0", "python": "0.1.9.0", "typescript": "0.1.9.0"},
        renderings={"ruby": "0.1.9.0", "python": "0.1.9.0", "typescript": "0.1.9000"},
        edits=edits(s, core="0.1.9", ruby="0.1.9.0", python="0.1.9.0", npm="0.1.9000"),
        blocked=Blocked(args=(), code=6, names=(f"{of.TS_DIR}/package-lock.json", "@orbit/worker"))
        if stale_lockfiles else None)
