"""``history --registries``: what the registries hold of each planned version that has no
component tag, which tells a partial publish (some files, or all of them and no tag) from
one that never started.

A component tag is made only after every file of its version was read back from the
registry, so a tagged version is complete and is not asked about again.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping

import httpx

from release_tasks.errors import ReleaseError
from release_tasks.history.releases import Component, History, Planned, Release
from release_tasks.log import get_logger
from release_tasks.model.components import Binding, Config
from release_tasks.registries import given_endpoints, kind_of

log = get_logger("history")

__all__ = ["ask_registries"]


def ask_registries(history: History, config: Config, env: Mapping[str, str],
                   http: httpx.Client) -> History:
    """``history`` with the registry's files of every planned version that has no tag, and
    of each component's newest published version, with those it shows an attestation for."""
    asked: dict[tuple[str, str], Found] = {}

    def found(component: str, version: str) -> Found:
        key = (component, version)
        if key not in asked:
            asked[key] = _files(config, component, version, env, http)
        return asked[key]

    def files(planned: Planned) -> Found:
        return found(planned.component, planned.version)

    releases = tuple(_with_files(r, files) for r in history.releases)
    unpublished = tuple(
        dataclasses.replace(u, files=asked[(u.component, u.version)][0],
                            attested=asked[(u.component, u.version)][1])
        if (u.component, u.version) in asked else u for u in history.unpublished)
    components = tuple(_with_platforms(_newest_with_files(c, found), config, env, http)
                       for c in history.components)
    return dataclasses.replace(history, releases=releases, unpublished=unpublished,
                               components=components)


def _with_platforms(component: Component, config: Config, env: Mapping[str, str],
                    http: httpx.Client) -> Component:
    """``component`` with the platforms each published version has on its registry (a
    binding that declares platforms: PyPI and RubyGems take files for new platforms on a
    published version, so a tag alone does not tell)."""
    binding = next((b for b in config.bindings if b.name == component.name), None)
    if binding is None or not binding.platforms:
        return component
    found = []
    for pub in component.publications:
        held = _platforms_held(config, binding, pub.version, env, http)
        found.append(pub if held is None else dataclasses.replace(
            pub, platforms=tuple(p for p in binding.platforms if p in held),
            missing_platforms=tuple(p for p in binding.platforms if p not in held)))
    return dataclasses.replace(component, publications=tuple(found))


def _platforms_held(config: Config, binding: Binding, version: str, env: Mapping[str, str],
                    http: httpx.Client) -> set[str] | None:
    """The declared platforms whose files the registry lists for ``version``: by file name
    in the binding's package, or by a package of their own (npm); None when it cannot say."""
    kind = kind_of(binding.registry)
    endpoints = kind.endpoints(env, given_endpoints(binding.registry, config.registries,
                                                    binding.endpoints))
    held: set[str] = set()
    try:
        rendering = kind.render(binding.parse_version(version))
        listed: dict[str, list[str]] = {}
        for name in binding.platforms:
            package = kind.platform_package(binding.package, name)
            if package not in listed:
                listed[package] = [f.name for f in kind.files(
                    http, endpoints, package, rendering, sleep=_quick)]
            if package != binding.package:
                held |= {name} if listed[package] else set()
            elif any(name in kind.platforms_of_file(f, package, rendering)
                     for f in listed[package]):
                held.add(name)
    except (ReleaseError, KeyError) as exc:
        log.warning("warning: cannot tell which platforms %s %s has: %s", binding.name,
                    version, exc)
        return None
    return held


def _quick(seconds: float) -> None:
    time.sleep(min(seconds, 1.0))  # an overview: no long waits for a slow registry


#: What a registry holds of one version: its files and those with an attestation (each
#: ``None`` when it cannot say).
Found = tuple[tuple[str, ...] | None, tuple[str, ...] | None]


def _with_files(release: Release, files: Callable[[Planned], Found]) -> Release:
    components = tuple(
        p if p.published is not None or p.carried_to is not None
        else dataclasses.replace(p, files=files(p)[0], attested=files(p)[1])
        for p in release.components)
    return dataclasses.replace(release, components=components)


def _newest_with_files(component: Component, found: Callable[[str, str], Found]) -> Component:
    if not component.publications or not component.packages:
        return component
    newest, *older = component.publications
    names, attested = found(component.name, newest.version)
    return dataclasses.replace(component, publications=(
        dataclasses.replace(newest, files=names, attested=attested), *older))


def _files(config: Config, component: str, version: str, env: Mapping[str, str],
           http: httpx.Client) -> Found:
    """The files of ``component`` ``version`` on its registry, and those it shows an
    attestation for; ``(None, None)`` when it cannot say."""
    def quick(seconds: float) -> None:
        time.sleep(min(seconds, 1.0))  # an overview: no long waits for a slow registry

    try:
        if component == "core":
            kind = kind_of(config.core.registry)
            endpoints = kind.endpoints(env, given_endpoints(config.core.registry,
                                                            config.registries))
            listed = [f for crate in config.core.crates
                      for f in kind.files(http, endpoints, crate, version, sleep=quick)]
        else:
            binding = config.binding(component)
            kind = kind_of(binding.registry)
            endpoints = kind.endpoints(env, given_endpoints(binding.registry, config.registries,
                                                            binding.endpoints))
            rendering = kind.render(binding.parse_version(version))
            listed = kind.files(http, endpoints, binding.package, rendering, sleep=quick)
    except (ReleaseError, KeyError) as exc:
        log.warning("warning: cannot tell what the registry holds of %s %s: %s", component,
                    version, exc)
        return None, None
    return (tuple(f.name for f in listed),
            tuple(f.name for f in listed if f.provenance is not None))
