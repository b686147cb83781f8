"""Fakes shared by the registry tests: mock transports, a recording sleep, scripted failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from release_tasks.registries.http import make_client

Handler = Callable[[httpx.Request], httpx.Response]
Failure = httpx.Response | Exception


class Sleeps(list[float]):
    """A ``sleep`` that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass
class Recorder:
    """Wraps a handler: records every request, and answers the first ``fail_times`` with
    ``failure`` (a response, or an exception to raise as the transport would)."""

    handler: Handler
    failure: Failure | None = None
    fail_times: int = 0
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failure is not None and len(self.requests) <= self.fail_times:
            if isinstance(self.failure, Exception):
                raise self.failure
            return fresh(self.failure)
        return self.handler(request)

    @property
    def urls(self) -> list[str]:
        return [str(r.url) for r in self.requests]


def client_for(handler: Handler) -> httpx.Client:
    """The production client, with its transport replaced: no socket is ever opened."""
    return make_client(transport=httpx.MockTransport(handler))


def json_response(payload: object, status: int = 200, content_type: str = "") -> httpx.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return httpx.Response(status, content=json.dumps(payload).encode(), headers=headers)


def fresh(response: httpx.Response) -> httpx.Response:
    """A copy, so that one canned response can answer many requests."""
    return httpx.Response(response.status_code, headers=response.headers, content=response.content)


def routes(table: dict[str, httpx.Response]) -> Handler:
    """Answer by exact URL from ``table``; 404 for anything else."""

    def handler(request: httpx.Request) -> httpx.Response:
        return fresh(table.get(str(request.url), httpx.Response(404, text="Not Found")))

    return handler


def always(response: httpx.Response) -> Handler:
    return lambda request: fresh(response)
