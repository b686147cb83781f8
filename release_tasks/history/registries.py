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
from release_tasks.history.releases import History, Planned, Release
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.model.version import BindingVersion
from release_tasks.registries import given_endpoints, kind_of

log = get_logger("history")

__all__ = ["ask_registries"]


def ask_registries(history: History, config: Config, env: Mapping[str, str],
                   http: httpx.Client) -> History:
    """``history`` with the registry's files of every planned version that has no tag."""
    asked: dict[tuple[str, str], tuple[str, ...] | None] = {}

    def files(planned: Planned) -> tuple[str, ...] | None:
        key = (planned.component, planned.version)
        if key not in asked:
            asked[key] = _files(config, planned.component, planned.version, env, http)
        return asked[key]

    releases = tuple(_with_files(r, files) for r in history.releases)
    unpublished = tuple(
        dataclasses.replace(u, files=asked.get((u.component, u.version))) for u in
        history.unpublished)
    return dataclasses.replace(history, releases=releases, unpublished=unpublished)


def _with_files(release: Release,
                files: Callable[[Planned], tuple[str, ...] | None]) -> Release:
    components = tuple(
        p if p.published is not None or p.carried_to is not None
        else dataclasses.replace(p, files=files(p)) for p in release.components)
    return dataclasses.replace(release, components=components)


def _files(config: Config, component: str, version: str, env: Mapping[str, str],
           http: httpx.Client) -> tuple[str, ...] | None:
    """The files of ``component`` ``version`` on its registry; None when it cannot say."""
    def quick(seconds: float) -> None:
        time.sleep(min(seconds, 1.0))  # an overview: no long waits for a slow registry

    try:
        if component == "core":
            kind = kind_of(config.core.registry)
            endpoints = kind.endpoints(env, given_endpoints(config.core.registry,
                                                            config.registries))
            return tuple(f.name for crate in config.core.crates
                         for f in kind.files(http, endpoints, crate, version, sleep=quick))
        binding = config.binding(component)
        kind = kind_of(binding.registry)
        endpoints = kind.endpoints(env, given_endpoints(binding.registry, config.registries,
                                                        binding.endpoints))
        rendering = kind.render(BindingVersion.parse(version))
        return tuple(f.name for f in kind.files(http, endpoints, binding.package, rendering,
                                                sleep=quick))
    except (ReleaseError, KeyError) as exc:
        log.warning("warning: cannot tell what the registry holds of %s %s: %s", component,
                    version, exc)
        return None
