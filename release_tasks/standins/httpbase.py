"""A tiny threaded HTTP framework shared by the stdlib registries.

Each registry implements :meth:`RegistryApp.category` and :meth:`RegistryApp.route`; this
module does the socket work, applies the fault switches, and makes ``stop()`` really stop:
open keep-alive connections are shut down too, so a fixture's teardown cannot leave a
thread serving a stale registry.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from release_tasks.standins.events import EventLog
from release_tasks.standins.faults import Faults
from release_tasks.standins.procs import Lifecycle

_MAX_BODY = 64 * 1024 * 1024
_IDLE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def form(self) -> dict[str, str]:
        """Form fields from the query string and an urlencoded body (body wins)."""
        fields = {k: v[-1] for k, v in self.query.items()}
        if self.body and "json" not in (self.header("content-type") or ""):
            parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            fields.update({k: v[-1] for k, v in parsed.items()})
        return fields


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any) -> Response:
        data = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, data, "application/json; charset=utf-8")

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode())


class RegistryApp(Lifecycle):
    """Base for a registry: owns the server thread, the fault switches, the event log and
    the delay before a published version becomes visible."""

    #: Serve HTTPS with this context (``None``: plain HTTP), for a client that asks only
    #: ``https://`` (uv's trusted publishing); the test gives the client the certificate.
    tls: ssl.SSLContext | None = None

    def __init__(self, index_delay: float = 0.0) -> None:
        self.faults = Faults()
        self.log = EventLog()
        self._index_delay = index_delay
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- test-facing controls -----------------------------------------------------------
    @property
    def index_delay(self) -> float:
        return self._index_delay

    def set_index_delay(self, seconds: float) -> None:
        """Delay the visibility of versions published from now on."""
        with self._lock:
            self._index_delay = max(0.0, seconds)

    def reset_controls(self) -> None:
        """No delay, no faults, an empty event log (a registry's ``reset`` adds its store)."""
        with self._lock:
            self._index_delay = 0.0
        self.faults.reset()
        self.log.clear()

    # -- to implement -------------------------------------------------------------------
    def category(self, method: str, path: str) -> str:
        raise NotImplementedError

    def route(self, request: Request) -> Response:
        raise NotImplementedError

    def fault_response(self, status: int) -> Response:
        """How this registry words an injected error; crates.io-style JSON by default."""
        return Response.json(status, {"errors": [{"detail": f"injected fault: HTTP {status}"}]})

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("registry is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: RegistryApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        if app.tls is not None:
            self.socket = app.tls.wrap_socket(self.socket, server_side=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 matters: with 1.0, curl (cargo) waits a full second on every upload for a
    # "100 Continue" that the stdlib only sends to 1.1 clients talking to a 1.1 server.
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_TIMEOUT
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read the event log; per-request noise would only bury failures

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        app = self.server.app
        split = urlsplit(self.path)
        category = app.category(self.command, split.path)
        delay = app.faults.delay_for(category)
        if delay:
            time.sleep(delay)
        body = self._read_body()
        if body is None:
            self._send(Response.text(411, "Content-Length required\n"))
            self.close_connection = True
            return
        fault = app.faults.take(category)
        if fault is not None and fault.action == "drop":
            self._drop()
            return
        if fault is not None and fault.action in ("fail", "throttle"):
            response = app.fault_response(fault.status)
            if fault.action == "throttle":
                response.headers["Retry-After"] = str(fault.retry_after)
            self._send(response)
            return
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            response = app.route(request)
        except Exception as exc:  # a registry bug must surface as a 500, not a hang
            response = Response.json(500, {"errors": [{"detail": f"registry error: {exc!r}"}]})
        if fault is not None and fault.action == "drop_after":
            self._drop()
            return
        self._send(response)

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
