"""Runtime-switchable failures for the stdlib registries.

Rules are consumed in the order they were added, so a test can script a sequence such as
"one 429, then one dropped connection" and know exactly which request gets which fault.
Each rule may be limited to request categories (``"index"``, ``"api"``, ``"upload"``,
``"download"``) because a client such as cargo makes many index requests around a
single upload, and a test usually wants to hit only the upload.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Action = Literal["fail", "throttle", "drop", "drop_after"]


@dataclass(frozen=True)
class Fault:
    """What the server must do instead of (or after) answering a request normally."""

    action: Action
    status: int = 500
    retry_after: int = 1


@dataclass
class _Rule:
    fault: Fault
    remaining: int
    categories: frozenset[str] | None

    def matches(self, category: str) -> bool:
        return self.remaining > 0 and (self.categories is None or category in self.categories)


@dataclass
class Faults:
    """Thread-safe fault switches; all setters may be called while the server runs."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rules: list[_Rule] = field(default_factory=list)
    _rejects: dict[str, list[int]] = field(default_factory=dict)
    _latency: float = 0.0
    _upload_latency: float = 0.0
    #: How many faults of each action were actually served, for assertions.
    served: dict[str, int] = field(default_factory=dict)

    def fail_next(self, n: int, status: int = 500, on: Iterable[str] | None = None) -> None:
        """Answer the next ``n`` matching requests with ``status`` (default 500)."""
        self._add(Fault("fail", status=status), n, on)

    def throttle_next(self, n: int, retry_after: int = 1, on: Iterable[str] | None = None) -> None:
        """Answer the next ``n`` matching requests with 429 and ``Retry-After``."""
        self._add(Fault("throttle", status=429, retry_after=retry_after), n, on)

    def drop_next(
        self, n: int, on: Iterable[str] | None = None, *, after_processing: bool = False
    ) -> None:
        """Close the next ``n`` matching connections without an answer.

        With ``after_processing`` the request takes effect first (a publish is stored) and
        only the answer is lost: the case that makes a naive retry hit "already exists".
        """
        self._add(Fault("drop_after" if after_processing else "drop"), n, on)

    def reject_next_publish(self, name: str, status: int = 500) -> None:
        """Refuse the next publish of package ``name`` once with ``status`` (400 or 500)."""
        with self._lock:
            self._rejects.setdefault(name.lower(), []).append(status)

    def set_latency(self, seconds: float) -> None:
        """Delay every request by ``seconds``."""
        with self._lock:
            self._latency = max(0.0, seconds)

    def set_upload_latency(self, seconds: float) -> None:
        """Delay every upload (publish/push) by ``seconds``, on top of the request latency."""
        with self._lock:
            self._upload_latency = max(0.0, seconds)

    def reset(self) -> None:
        with self._lock:
            self._rules.clear()
            self._rejects.clear()
            self._latency = self._upload_latency = 0.0
            self.served.clear()

    def delay_for(self, category: str) -> float:
        with self._lock:
            return self._latency + (self._upload_latency if category == "upload" else 0.0)

    def take(self, category: str) -> Fault | None:
        """Consume and return the first rule matching ``category``, if any."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(category):
                    rule.remaining -= 1
                    self.served[rule.fault.action] = self.served.get(rule.fault.action, 0) + 1
                    return rule.fault
            return None

    def take_publish_reject(self, name: str) -> int | None:
        with self._lock:
            pending = self._rejects.get(name.lower())
            if not pending:
                return None
            self.served["reject"] = self.served.get("reject", 0) + 1
            return pending.pop(0)

    def _add(self, fault: Fault, n: int, on: Iterable[str] | None) -> None:
        if n < 0:
            raise ValueError("n must be >= 0")
        categories = None if on is None else frozenset([on] if isinstance(on, str) else on)
        with self._lock:
            self._rules = [r for r in self._rules if r.remaining > 0]
            self._rules.append(_Rule(fault, n, categories))
