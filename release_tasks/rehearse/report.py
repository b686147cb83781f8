"""The rehearsal's report: each step, how long it took, and how it ended."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from release_tasks.log import get_logger

log = get_logger("rehearse")

Status = Literal["ok", "failed", "skipped"]


@dataclass
class Step:
    """One step: ``name`` (``publish python``), its outcome and its time in seconds."""

    name: str
    status: Status = "ok"
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Report:
    """Every step of a rehearsal, in order."""

    steps: list[Step] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        """Time the ``with`` block as step ``name``; an exception marks it failed (and goes
        on up)."""
        step = Step(name)
        self.steps.append(step)
        log.info("== %s", name)
        start = time.monotonic()
        try:
            yield step
        except BaseException as exc:
            step.status = "failed"
            text = str(exc).strip()
            step.detail = step.detail or (text.splitlines()[0] if text else type(exc).__name__)
            log.error("%s failed: %s", name, text or type(exc).__name__)
            raise
        finally:
            step.seconds = time.monotonic() - start

    def skip(self, name: str, why: str) -> None:
        self.steps.append(Step(name, "skipped", 0.0, why))

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.steps)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)

    def text(self) -> str:
        width = max([len(s.name) for s in self.steps] + [4])
        lines = [f"{'step':<{width}}  {'time':>7}  result"]
        for s in self.steps:
            detail = f"  {s.detail}" if s.detail else ""
            lines.append(f"{s.name:<{width}}  {s.seconds:6.1f}s  {s.status}{detail}")
        verdict = "rehearsal passed" if self.ok else "rehearsal FAILED"
        lines.append(f"{'total':<{width}}  {self.seconds:6.1f}s  {verdict}")
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps({"ok": self.ok, "seconds": round(self.seconds, 2),
                           "steps": [{"name": s.name, "status": s.status,
                                      "seconds": round(s.seconds, 2), "detail": s.detail}
                                     for s in self.steps]}, indent=2)
