"""The publish log every stdlib registry keeps, and the ordering check built on it.

A release tool publishes dependencies first and must wait until each is *visible* before
publishing what depends on it; the log records both moments so a test can prove that.
Visibility of a version published with an index delay lies in the future, so its
``visible`` event is stored up front and only reported once its time has come.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["publish", "visible", "rejected", "yank", "unyank"]


@dataclass(frozen=True)
class Event:
    timestamp: float
    name: str
    version: str
    kind: Kind
    #: For ``publish``: this registry's packages it depends on, name -> requirement.
    deps: Mapping[str, str] = field(default_factory=dict)
    #: For ``rejected``: the HTTP status and message the client got.
    detail: str = ""

    @property
    def crate(self) -> str:
        return self.name


VersionMatcher = Callable[[str, str], bool]
"""``(version, requirement) -> bool``; registries pass their ecosystem's semantics."""


@dataclass
class EventLog:
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _events: list[Event] = field(default_factory=list)

    def record(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def events(self, kind: Kind | None = None, name: str | None = None) -> list[Event]:
        """Events that have happened by now, oldest first."""
        now = time.time()
        with self._lock:
            happened = [e for e in self._events if e.timestamp <= now]
        happened.sort(key=lambda e: e.timestamp)
        return [
            e
            for e in happened
            if (kind is None or e.kind == kind) and (name is None or e.name.lower() == name.lower())
        ]

    def published(self) -> list[tuple[str, str]]:
        return [(e.name, e.version) for e in self.events("publish")]

    def order_violations(self, matches: VersionMatcher | None = None) -> list[str]:
        """Publishes that happened before a matching version of a dependency was visible.

        Only dependencies that were published to this registry at some point count, so
        packages from elsewhere (or never released here) do not produce noise.
        """
        events = self.events()
        known = {e.name.lower() for e in events if e.kind == "publish"}
        problems: list[str] = []
        for pub in (e for e in events if e.kind == "publish"):
            for dep, req in pub.deps.items():
                if dep.lower() not in known:
                    continue
                seen = [
                    e.version
                    for e in events
                    if e.kind == "visible"
                    and e.name.lower() == dep.lower()
                    and e.timestamp <= pub.timestamp
                ]
                if not any(matches is None or matches(v, req) for v in seen):
                    problems.append(
                        f"{pub.name}@{pub.version} was published before {dep} {req!r} "
                        f"was visible (visible then: {seen or 'none'})"
                    )
        return problems
