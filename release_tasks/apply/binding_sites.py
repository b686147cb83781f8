"""The bindings' version sites: each binding's files and its own lockfile entries.

A released binding's files get its next version (in its registry's rendering); a binding
that is not released keeps its version, and its sites are still read, so that the drift
check sees a ``RUST_CORE_VERSION`` that disagrees with ``VERSION = ...``, a lockfile that
records another version, or one that belongs to another package (left over from a rename).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from release_tasks import edit
from release_tasks.apply import formats
from release_tasks.apply.sites import Editor, Planner, Site, Targets, expected
from release_tasks.apply.surfaces import surfaces
from release_tasks.errors import UpdateError, VersionError
from release_tasks.model.components import Binding, Config, VersionFile
from release_tasks.model.version import BindingVersion, CoreVersion
from release_tasks.registries import kind_of, ordering

Reader = Callable[..., str | None]
Setter = Callable[..., str]

#: Lockfiles a binding's directory may hold, with the command that regenerates each.
LOCKFILES: tuple[tuple[str, Reader, Setter, str], ...] = (
    ("package-lock.json", edit.package_lock_version, edit.set_package_lock_version,
     "npm install --package-lock-only"),
    ("uv.lock", edit.uv_lock_version, edit.set_uv_lock_version, "uv lock"),
    ("bun.lock", edit.bun_lock_version, edit.set_bun_lock_version, "bun install"),
)


def file_spelling(spec: VersionFile, version: BindingVersion, registry: str) -> str:
    """How ``spec``'s field spells a binding's version: its registry's rendering, but cargo's
    in a crate's manifest (maturin's dynamic version: the wheel takes the crate's)."""
    if spec.format == "cargo" and version.is_plain:
        return str(version)
    return ordering.render(version, registry)


def _key(spec: VersionFile) -> str:
    return spec.key or ("package.version" if spec.format == "cargo" else "version")


def _read(spec: VersionFile, text: str) -> str | None:
    return formats.read(spec, text)


def _set_lock(setter: Setter, package: str, version: str, lock: str, text: str) -> str:
    return setter(text, package, version, source=lock)


def _spec_editor(spec: VersionFile, value: str) -> Editor:
    return lambda text: formats.write(spec, text, value)


def _current(p: Planner, binding: Binding, text: str) -> BindingVersion | None:
    """The binding's version in its scheme; ``None`` when it was never released as one."""
    spec = binding.primary_file
    try:
        return ordering.read_rendering(text, binding.registry, spec.path, binding.versioning)
    except VersionError:
        pass
    form = kind_of(binding.registry).rendering_form
    if binding.versioning != "two-tier":
        why = f"expected a {binding.versioning} version X.Y.Z in {binding.registry}'s spelling"
    elif form is not None:
        why = f"expected {form}"
    else:
        try:
            CoreVersion.parse(text)
            return None  # X.Y.Z: released before the two-tier scheme, or never
        except VersionError:
            why = "expected a binding version X.Y.Z.P"
    p.sites.append(Site(spec.path, _key(spec), text, text, f"{_key(spec)}: found {text}, {why}"))
    return None


def binding_sites(p: Planner, config: Config, targets: Targets) -> None:
    """Add every binding's sites to ``p``."""
    for binding in config.bindings:
        _binding(p, binding, targets)


def _binding(p: Planner, binding: Binding, targets: Targets) -> None:
    cur, nxt = str(targets.core_current), str(targets.core_next)
    primary = binding.primary_file
    ok, primary_text = p.read(primary.path, lambda t: formats.read(primary, t))
    current = _current(p, binding, primary_text) if ok and primary_text is not None else None
    independent = binding.versioning == "independent"
    if (binding.versioning == "lockstep" and current is not None
            and current.core not in (targets.core_current, targets.core_next)):
        p.sites.append(Site(primary.path, _key(primary), primary_text, primary_text or "",
                            f"{_key(primary)}: found {primary_text}, "
                            f"{expected(cur, nxt)} ({binding.name} is versioned in lockstep "
                            "with the core)"))
    if current is not None and not independent and current.core > targets.core_next:
        p.sites.append(Site(primary.path, "core part", str(current.core), str(current.core),
                            f"{binding.name} {current} is built on core {current.core}, "
                            f"newer than VERSION {cur}"))
    effective = targets.bindings.get(binding.name) or current
    for spec in binding.version_files:
        key = _key(spec)
        ok, old = p.read(spec.path, functools.partial(_read, spec))
        if not ok:
            continue
        if spec.value == "core":
            conflict = None if old in (cur, nxt) else (
                f"{key}: found {old or 'nothing'}, {expected(cur, nxt)}")
            p.add(spec.path, _spec_editor(spec, nxt), Site(spec.path, key, old, nxt, conflict))
            continue
        if effective is None:
            continue
        if spec.value == "binding":
            new = file_spelling(spec, effective, binding.registry)
            before = primary_text
        elif independent:
            # The core it is built with: its own version says nothing of it.
            new, before = (nxt if binding.name in targets.bindings else cur), cur
        else:
            new = str(effective.core)
            before = str(current.core) if current is not None else new
        conflict = None
        # A binding never released as X.Y.Z.P has nothing to agree with yet.
        if spec is not primary and current is not None and old not in (before, new):
            conflict = f"{key}: found {old or 'nothing'}, expected {before}"
        p.add(spec.path, _spec_editor(spec, new), Site(spec.path, key, old, new, conflict))
    if primary_text is not None:
        _lockfiles(p, binding, primary_text, effective)
        surfaces(p, binding, primary_text,
                 ordering.render(effective, binding.registry) if effective is not None
                 else primary_text)


def _lockfiles(p: Planner, binding: Binding, primary_text: str,
               effective: BindingVersion | None) -> None:
    """Each lockfile records exactly what the primary file says, two-tier or not."""
    new = ordering.render(effective, binding.registry) if effective is not None else primary_text
    for name, reader, setter, regenerate in LOCKFILES:
        lock = f"{binding.directory}/{name}"
        if not (p.root / lock).is_file():
            continue
        text = p.text(lock)
        if text is None:
            continue
        try:
            found = reader(text, binding.package, source=lock)
        except UpdateError as exc:
            p.problem(lock, f"{exc}; regenerate it: (cd {binding.directory} && {regenerate})")
            continue
        conflict = None
        if found is not None and found not in (primary_text, new):
            conflict = f"{binding.package}: found {found}, expected {primary_text}"
        site = Site(lock, binding.package, found, new, conflict)
        p.add(lock, functools.partial(_set_lock, setter, binding.package, new, lock), site)
