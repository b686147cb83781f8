"""Finding the FFI bindings of a tree: gems with an ``ext/`` crate, maturin projects, and
npm packages next to a cdylib or napi crate; their version files, lockfiles and names.

A binding's files are read with the same readers the release uses to write them, so what
``init`` proposes is what ``versions`` will be able to read. Anything that looks like a
binding but cannot be one as it stands is reported, with what to change.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
import tomllib
from collections.abc import Iterator, Sequence

from release_tasks import edit
from release_tasks.cargo.workspace import Crate
from release_tasks.errors import UpdateError, VersionError
from release_tasks.init import schemes as init_schemes
from release_tasks.init.model import FoundBinding, Sources, below, in_examples, parent
from release_tasks.init.platforms import with_platforms
from release_tasks.model.components import VersionFile
from release_tasks.model.version import CoreVersion
from release_tasks.registries import kind_of

_GEM_NAME = re.compile(r"""\.name\s*=\s*(['"])([^'"\n]+)\1""")
_REQUIRE = re.compile(r"""require_relative\s*\(?\s*['"]([^'"\n]+)['"]""")
_CONSTANT = re.compile(r"^[ \t]*([A-Z][A-Z0-9_]*VERSION)[ \t]*=(?![=~>])", re.MULTILINE)
_EXTENSIONS = re.compile(r"""\.extensions\s*=.*Cargo\.toml""")
_TAGGED = re.compile(r"^([a-z][a-z0-9_-]*?)-v\d")
#: Names a binding cannot take: the core's (its tags are core-v*, its env keys CORE_*) and
#: the groups init proposes (env keys are shared).
RESERVED = frozenset({"core", "ffi", "server", "crates"})


def find(src: Sources, core: str) -> tuple[list[FoundBinding], list[str]]:
    """Every binding of the tree (named), and a note for each near miss."""
    skipped: list[str] = []
    found = []
    for binding in [*_gems(src, core, skipped), *_maturin(src, core, skipped),
                    *_npm(src, core, skipped)]:
        if in_examples(binding.directory):
            skipped.append(f"{binding.directory}: an example (by its directory): not taken for "
                           "a binding")
        else:
            found.append(binding)
    named = name_all(found, src.tags)
    guessed = [init_schemes.guess(src, b, core) for b in named]
    # Lockstep is a project's choice: not when another active binding is shown two-tier
    # (one with nothing to go by does not count).
    mixed = any(scheme == "two-tier" and "the default" not in why and b.disabled is None
                for b, (scheme, why) in zip(named, guessed, strict=True))
    schemed = []
    for binding, (scheme, why) in zip(named, guessed, strict=True):
        if scheme == "lockstep" and mixed:
            scheme, why = "two-tier", (f"{why}; but not every binding carries the core's "
                                       "version: two-tier, the default")
        schemed.append(dataclasses.replace(binding, versioning=scheme, versioning_why=why))
    return [with_platforms(b, src) for b in schemed], skipped


def own_version(src: Sources, manifest: str) -> str | None:
    """The ``[package] version`` a manifest spells out itself (not one it inherits)."""
    text = src.read(manifest)
    try:
        version = tomllib.loads(text or "").get("package", {}).get("version")
    except tomllib.TOMLDecodeError:
        return None
    return version if isinstance(version, str) else None


def _core_file(src: Sources, crate: Crate | None, core: str) -> list[VersionFile]:
    """The binding crate's manifest, when it holds the core version itself."""
    if crate is None or own_version(src, crate.manifest) != core:
        return []
    return [VersionFile(path=crate.manifest, format="cargo", value="core")]


def _crates_in(src: Sources, directory: str, depth: int) -> list[Crate]:
    """Crates whose manifest is in ``directory`` or at most ``depth`` levels below it."""
    found = []
    for manifest in src.tree.files:
        if posixpath.basename(manifest) != "Cargo.toml":
            continue
        levels = len(parent(manifest).split("/")) - len(directory.split("/"))
        if below(manifest, directory) and 0 <= levels <= depth:
            crate = src.crate(manifest)
            if crate is not None:
                found.append(crate)
    return sorted(found, key=lambda c: (c.manifest.count("/"), c.manifest))


def _lockfiles(src: Sources, directory: str, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{directory}/{n}" for n in names if f"{directory}/{n}" in src.tree.entries)


def _extra_paths(directory: str, crate: Crate | None) -> tuple[str, ...]:
    return (directory, crate.directory) if crate and not below(crate.directory, directory) else ()


def _gems(src: Sources, core: str, skipped: list[str]) -> Iterator[FoundBinding]:
    for spec in sorted(f for f in src.tree.files if f.endswith(".gemspec")):
        directory = parent(spec)
        text = src.read(spec) or ""
        crates = _crates_in(src, f"{directory}/ext", 3) if directory else []
        where = "under ext/"
        if not crates and directory:
            # rb-sys and magnus gems may build the crate at the gem's root
            # (spec.extensions = ["./Cargo.toml"]).
            crates = [c for c in _crates_in(src, directory, 0)
                      if _EXTENSIONS.search(text) or _is_native(src, c)]
            where = "at the gem's root (rb-sys)"
        if not crates:
            skipped.append(f"{spec}: a gem without a crate under ext/ or at its root: not an "
                           "FFI binding")
            continue
        crate = crates[0]
        named = _GEM_NAME.search(text)
        package = named.group(2) if named else posixpath.basename(spec)[: -len(".gemspec")]
        wanted = [posixpath.normpath(posixpath.join(directory, r + ".rb"))
                  for r in _REQUIRE.findall(text) if r.endswith("version")]
        wanted += sorted(f for f in src.tree.files
                         if below(f, f"{directory}/lib") and f.endswith("/version.rb"))
        files: list[VersionFile] = []
        for path in dict.fromkeys(wanted):
            rb = src.read(path) or ""
            if _constant(rb, "VERSION", path) is None:
                continue
            files = [VersionFile(path=path, format="ruby", key="VERSION", value="binding")]
            files += [VersionFile(path=path, format="ruby", key=name, value="binding-core")
                      for name in _CONSTANT.findall(rb)
                      if "CORE" in name and name != "VERSION" and _constant(rb, name, path)]
            break
        notes = _gemfile_lock(src, directory, package)
        disabled = None if files else (f"no lib/**/version.rb under {directory} defines "
                                       "VERSION = '...': the release needs one to write")
        yield FoundBinding(
            name="ruby", registry="rubygems", directory=directory, package=package, crate=crate,
            version_files=(*files, *_core_file(src, crate, core)), paths=_extra_paths(directory, crate),
            lockfiles=tuple(f for f in src.tree.files
                            if below(f, crate.directory) and f.endswith("/Cargo.lock")),
            why=f"{spec} with the crate {crate.name} {where}", named="the default for a gem",
            notes=tuple(notes), disabled=disabled)


def _constant(text: str, name: str, path: str) -> str | None:
    try:
        return edit.ruby_constant(text, name, source=path)
    except UpdateError:
        return None


def _gemfile_lock(src: Sources, directory: str, package: str) -> list[str]:
    lock = f"{directory}/Gemfile.lock"
    text = src.read(lock) if lock in src.tree.entries else None
    match = re.search(rf"^ {{4}}{re.escape(package)} \(([^)]+)\)$", text or "", re.MULTILINE)
    if match is None:
        return []
    return [f"{lock} records {package} {match.group(1)} and is not rewritten by a release: "
            f"refresh it after one (cd {directory} && bundle lock)"]


def _maturin(src: Sources, core: str, skipped: list[str]) -> Iterator[FoundBinding]:
    for path in sorted(f for f in src.tree.files if posixpath.basename(f) == "pyproject.toml"):
        try:
            data = tomllib.loads(src.read(path) or "")
        except tomllib.TOMLDecodeError as exc:
            skipped.append(f"{path}: not valid TOML ({exc}): not looked at")
            continue
        system = data.get("build-system", {})
        if "maturin" not in str(system.get("build-backend", "")):
            continue  # a Python project of the monorepo, not a binding
        directory, project = parent(path), data.get("project", {})
        manifest_path = data.get("tool", {}).get("maturin", {}).get("manifest-path", "Cargo.toml")
        manifest = posixpath.normpath(posixpath.join(directory, str(manifest_path)))
        crate = src.crate(manifest)
        if crate is None or not directory or not isinstance(project.get("name"), str):
            skipped.append(f"{path}: a maturin project without a crate at {manifest}, a "
                           "[project] name or a directory of its own: not taken for a binding")
            continue
        disabled = None
        files = (VersionFile(path=path, format="pyproject", value="binding"),
                 *_core_file(src, crate, core))
        if "version" in project.get("dynamic", []):
            if _plain(own_version(src, crate.manifest)):
                # maturin takes the crate's version: the crate's manifest is the version file,
                # and only a three-part scheme fits there (init guesses which).
                files = (VersionFile(path=crate.manifest, format="cargo", value="binding"),)
            else:
                disabled = (f'{path} has dynamic = ["version"]: maturin then takes the crate\'s '
                            "three-part version, which cannot carry a binding version X.Y.Z.P. "
                            'Remove "version" from dynamic, add version = "X.Y.Z.P" under '
                            "[project], and uncomment this table")
        yield FoundBinding(
            name="python", registry="pypi", directory=directory, package=project["name"],
            crate=crate, paths=_extra_paths(directory, crate),
            version_files=files,
            lockfiles=_lockfiles(src, directory, ("uv.lock",)),
            why=f"{path}, built by maturin from the crate {crate.name}",
            named="the default for a maturin project", disabled=disabled)


def _plain(version: str | None) -> bool:
    """Whether a crate's own version is a plain ``X.Y.Z[-LABEL.N]`` (a binding's, then)."""
    try:
        CoreVersion.parse(version or "")
    except VersionError:
        return False
    return True


def _is_native(src: Sources, crate: Crate) -> bool:
    """A cdylib crate, or one built with napi-rs."""
    if any(d.name in ("napi", "napi-derive") for d in crate.dependencies):
        return True
    try:
        lib = tomllib.loads(src.read(crate.manifest) or "").get("lib", {})
    except tomllib.TOMLDecodeError:
        return False
    return "cdylib" in lib.get("crate-type", [])


def _npm(src: Sources, core: str, skipped: list[str]) -> Iterator[FoundBinding]:
    for path in sorted(f for f in src.tree.files if posixpath.basename(f) == "package.json"
                       and "node_modules/" not in f):
        directory = parent(path)
        crates = [c for c in _crates_in(src, directory, 1) if _is_native(src, c)] if directory else []
        if not crates:
            continue  # JavaScript of the monorepo, not a binding
        try:
            data = json.loads(src.read(path) or "")
        except ValueError as exc:
            skipped.append(f"{path}: not valid JSON ({exc}): not looked at")
            continue
        package, version = data.get("name"), data.get("version")
        if not (isinstance(package, str) and isinstance(version, str)):
            skipped.append(f"{path}: next to the crate {crates[0].name} but without a name and "
                           "a version: not taken for a binding")
            continue
        crate = crates[0]
        locks = _lockfiles(src, directory, ("package-lock.json", "bun.lock"))
        typescript = (f"{directory}/tsconfig.json" in src.tree.entries or "types" in data
                      or any(below(f, directory) and f.endswith(".ts") for f in src.tree.files))
        platforms, platform_notes = _platforms(src, path, directory, version)
        yield FoundBinding(
            name="typescript" if typescript else "node", registry="npm", directory=directory,
            package=package, crate=crate, paths=_extra_paths(directory, crate),
            version_files=(VersionFile(path=path, format="package-json", value="binding"),
                           *platforms, *_core_file(src, crate, core)),
            lockfiles=locks, why=f"{path} next to the native crate {crate.name}",
            named="the default for an npm package" + (" with TypeScript" if typescript else ""),
            notes=(*_npm_notes(src, directory, package, version, locks), *platform_notes))


def _platforms(src: Sources, main: str, directory: str,
               version: str) -> tuple[list[VersionFile], list[str]]:
    """napi-rs's per-platform packages (``npm/*/package.json``), released at the main
    package's version, and the main package's ``optionalDependencies`` on them."""
    files: list[VersionFile] = []
    stale: list[str] = []
    for path in sorted(f for f in src.tree.files if below(f, f"{directory}/npm")
                       and f.count("/") == directory.count("/") + 3
                       and posixpath.basename(f) == "package.json"):
        try:
            data = json.loads(src.read(path) or "")
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("version"), str):
            files.append(VersionFile(path=path, format="package-json", value="binding"))
            if data["version"] != version:
                stale.append(f"{path} ({data['version']})")
    notes = []
    if files:
        notes.append(f"{len(files)} per-platform package(s) under {directory}/npm/ (napi-rs): "
                     "`update` writes the main package's version into each; the release "
                     "packs and publishes a package per declared platform itself (platforms "
                     "in release.toml), with the binding crate's library")
    if stale:
        notes.append(f"not at the main version {version}: {', '.join(stale[:3])}"
                     + (f" and {len(stale) - 3} more" if len(stale) > 3 else "")
                     + "; `nox -s update` with the current versions brings them in line")
    try:
        if edit.platform_dependencies(src.read(main) or "", source=main) is not None:
            files.append(VersionFile(path=main, format="package-json-platforms",
                                     value="binding"))
    except UpdateError:
        pass
    return files, notes


def _npm_notes(src: Sources, directory: str, package: str, version: str,
               locks: Sequence[str]) -> Iterator[str]:
    readers = {"package-lock.json": edit.package_lock_version, "bun.lock": edit.bun_lock_version}
    for lock in locks:
        try:
            readers[posixpath.basename(lock)](src.read(lock) or "", package, source=lock)
        except UpdateError as exc:
            yield f"{exc}: regenerate it before releasing, or the release stops on it"
    index = f"{directory}/index.js"
    if index in src.tree.entries and re.search(rf"""['"]{re.escape(version)}['"]""",
                                               src.read(index) or ""):
        yield (f"{index} repeats the version {version} (napi-rs writes it): a release does not "
               "rewrite it, so regenerate it after one (napi build)")


def _slug(package: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", package.rsplit("/", 1)[-1].lower()).strip("-_")
    return slug if re.match(r"[a-z]", slug) else f"b-{slug}"


def name_all(found: Sequence[FoundBinding], tags: Sequence[str]) -> list[FoundBinding]:
    """Name each binding: after the component tags of its earlier releases when there are
    some, else its directory or its language; several bindings on one registry after
    their packages. Names are unique."""
    tagged = {m.group(1) for t in tags if (m := _TAGGED.match(t))}
    named: list[FoundBinding] = []
    taken = set(RESERVED)
    for b in found:
        alone = sum(1 for o in found if o.registry == b.registry) == 1
        leaf = posixpath.basename(b.directory).lower()
        options = [*kind_of(b.registry).binding_names, leaf] if alone else [leaf, _slug(b.package)]
        name, why = b.name if alone else _slug(b.package), b.named
        if hit := next((o for o in options if o in tagged), None):
            name, why = hit, f"the tags {hit}-v* of its earlier releases"
        elif alone and leaf in kind_of(b.registry).binding_names:
            name, why = leaf, f"its directory {b.directory}"
        elif not alone:
            why = f"one of several {b.registry} bindings: named after its package"
        if name in RESERVED:
            name = f"{name}-{kind_of(b.registry).binding_names[0]}"
        base, counter = name, 1
        while name in taken:
            counter += 1
            name = f"{base}-{counter}"
        taken.add(name)
        named.append(dataclasses.replace(b, name=name, named=why))
    return named
