"""A crates.io-compatible registry that the real ``cargo publish`` / ``cargo yank`` use.

Serves the sparse index (``/index/``), the publish/yank/version web API (``/api/v1/``) and
crate downloads. Everything is in memory. Versions can be made to appear in the index and
the API only ``index_delay`` seconds after their upload, like crates.io's asynchronous
index updates, which is what makes "wait until visible" logic testable. It can apply
crates.io's publish rate limits (:meth:`CargoRegistry.rate_limit`, answering 429 as crates.io
does), hold a version that nobody uploaded from this commit (:meth:`CargoRegistry.plant`: a
tampered ``.crate``), and list a checksum other than the stored bytes'
(:meth:`CargoRegistry.misreport`). Its trusted publishing (:attr:`CargoRegistry.trusted`, see
:mod:`release_tasks.standins.oidc`) is crates.io's: ``POST /api/v1/trusted_publishing/tokens``
with ``{"jwt": ...}`` mints a token for the existing crates whose publisher the JWT matches,
``DELETE`` on the same path with that token revokes it; a publisher can only be added to a
crate that exists.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_tasks.standins import cargo_index, cargo_semver
from release_tasks.standins.cargo_limits import Action, RateLimiter
from release_tasks.standins.events import Event
from release_tasks.standins.httpbase import RegistryApp, Request, Response
from release_tasks.standins.oidc import OidcIssuer, Publisher, TokenRefused, TrustedPublishing

DEFAULT_TOKEN = "cargo-registry-test-token"

_VERSION_API = re.compile(r"^/api/v1/crates/([^/]+)/([^/]+)(/download|/yank|/unyank)?$")
_CRATE_API = re.compile(r"^/api/v1/crates/([^/]+)$")
_VERSIONS_API = re.compile(r"^/api/v1/crates/([^/]+)/versions$")


@dataclass
class CrateVersion:
    entry: dict[str, Any]
    crate: bytes
    published_at: float
    visible_at: float
    yanked: bool = False

    @property
    def name(self) -> str:
        return str(self.entry["name"])

    @property
    def vers(self) -> str:
        return str(self.entry["vers"])

    def visible(self, now: float) -> bool:
        return self.visible_at <= now

    def index_line(self) -> dict[str, Any]:
        return {**self.entry, "yanked": self.yanked}

    def api_view(self) -> dict[str, Any]:
        created = datetime.fromtimestamp(self.published_at, UTC).isoformat()
        return {
            "crate": self.name,
            "num": self.vers,
            "yanked": self.yanked,
            "checksum": self.entry["cksum"],
            "dl_path": f"/api/v1/crates/{self.name}/{self.vers}/download",
            "features": self.entry["features"],
            "rust_version": self.entry.get("rust_version"),
            "created_at": created,
            "crate_size": len(self.crate),
        }


def _errors(status: int, detail: str) -> Response:
    return Response.json(status, {"errors": [{"detail": detail}]})


class CargoRegistry(RegistryApp):
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        index_delay: float = 0.0,
        auth_required: bool = False,
        replaces_crates_io: bool = True,
    ) -> None:
        super().__init__(index_delay)
        self.token = token
        self.auth_required = auth_required
        #: Configure cargo to fetch crates.io dependencies from here too (see
        #: :meth:`configure_cargo`): a workspace whose path dependencies carry only a
        #: ``version`` names crates.io as their registry, and can only be published here
        #: if crates.io is redirected to this server.
        self.replaces_crates_io = replaces_crates_io
        self._crates: dict[str, list[CrateVersion]] = {}
        self._limiter: RateLimiter | None = None
        self._misreported: dict[str, str] = {}
        #: crates.io's trusted publishing (the audience its auth action asks for).
        self.trusted = TrustedPublishing(audience="crates.io", token_prefix="cio_tp_")

    # -- trusted publishing -------------------------------------------------------------------
    def trust_issuer(self, issuer: OidcIssuer) -> None:
        """Accept JWTs of ``issuer`` in the token exchange."""
        self.trusted.issuer = issuer

    def add_publisher(self, name: str, publisher: Publisher) -> None:
        """A trusted publisher for crate ``name``; crates.io has none for a crate that does
        not exist yet (its first version needs an API token)."""
        if not self.versions(name, include_hidden=True):
            raise ValueError(f"crate `{name}` does not exist: crates.io cannot configure a "
                             "trusted publisher for it")
        self.trusted.trust(name.lower(), publisher)

    # -- crates.io's behaviours ---------------------------------------------------------------
    def rate_limit(self, *, new: tuple[int, float] | None = None,
                   update: tuple[int, float] | None = None) -> None:
        """Refuse uploads as crates.io does: ``new`` (burst, seconds per token) for crates
        that do not exist yet, ``update`` for new versions; None for both: no limit."""
        limits: dict[Action, tuple[int, float]] = {}
        if new:
            limits["new crate"] = new
        if update:
            limits["new version"] = update
        with self._lock:
            self._limiter = RateLimiter(limits) if limits else None

    def plant(self, name: str, vers: str, crate: bytes,
              deps: list[dict[str, Any]] | None = None) -> str:
        """Hold ``name@vers`` with the bytes ``crate``, uploaded by nobody (a version published
        from another commit, or altered); returns the sha256 the index lists."""
        request = cargo_index.PublishRequest(
            {"name": name, "vers": vers, "deps": deps or [], "features": {}}, crate)
        now = time.time()
        with self._lock:
            self._crates.setdefault(name.lower(), []).append(CrateVersion(
                entry=cargo_index.index_entry(request), crate=crate, published_at=now,
                visible_at=now))
        return request.cksum

    def misreport(self, name: str, cksum: str) -> None:
        """From now on, list ``cksum`` for every upload of ``name`` instead of its bytes'."""
        self._misreported[name.lower()] = cksum

    # -- test-facing controls and views -------------------------------------------------
    @property
    def index_url(self) -> str:
        return f"sparse+{self.url}/index/"

    def reset(self) -> None:
        """Forget all crates, events and faults (the server keeps running)."""
        with self._lock:
            self._crates.clear()
            self._misreported.clear()
            self._limiter = None
        self.reset_controls()

    def versions(self, name: str, *, include_hidden: bool = False) -> list[CrateVersion]:
        now = time.time()
        with self._lock:
            return [
                v for v in self._crates.get(name.lower(), []) if include_hidden or v.visible(now)
            ]

    def is_visible(self, name: str, vers: str) -> bool:
        return any(v.vers == vers for v in self.versions(name))

    def order_violations(self) -> list[str]:
        """Publishes that happened before a matching version of a dependency was visible."""
        return self.log.order_violations(cargo_semver.matches)

    def configure_cargo(
        self, registry: str, cargo_home: Path, token: str | None = None
    ) -> dict[str, str]:
        """Prepare ``cargo_home`` and return the environment for cargo to use this server.

        ``CARGO_HOME`` points to a private directory so nothing is read from or written to
        the user's ``~/.cargo``. Source replacement must live in a config file: cargo does
        not read ``[source]`` tables from environment variables. ``CARGO_REGISTRY_DEFAULT``
        sends a plain ``cargo publish``/``cargo yank`` here too; without it, cargo refuses
        to publish to a replaced crates.io and asks for ``--registry``.
        """
        cargo_home.mkdir(parents=True, exist_ok=True)
        config = cargo_home / "config.toml"
        if self.replaces_crates_io:
            config.write_text(f'[source.crates-io]\nreplace-with = "{registry}"\n')
        else:
            config.unlink(missing_ok=True)
        key = registry.upper().replace("-", "_")
        return {
            "CARGO_HOME": str(cargo_home),
            f"CARGO_REGISTRIES_{key}_INDEX": self.index_url,
            f"CARGO_REGISTRIES_{key}_TOKEN": self.token if token is None else token,
            f"CARGO_REGISTRIES_{key}_CREDENTIAL_PROVIDER": "cargo:token",
            "CARGO_REGISTRY_DEFAULT": registry,
            "CARGO_TERM_COLOR": "never",
        }

    # -- HTTP ---------------------------------------------------------------------------
    def category(self, method: str, path: str) -> str:
        if path.startswith("/index/"):
            return "index"
        if method == "PUT" and path == "/api/v1/crates/new":
            return "upload"
        if path.endswith("/download"):
            return "download"
        return "api" if path.startswith("/api/") else "other"

    def route(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path.startswith("/index/"):
            if self.auth_required and not self._authorized(request):
                return self._auth_challenge()
            return self._index(request, path.removeprefix("/index/"))
        if path == "/api/v1/crates/new":
            return self._publish(request) if method == "PUT" else _errors(405, "use PUT")
        if path == "/api/v1/trusted_publishing/tokens":
            return self._token_exchange(request)
        if path == "/api/v1/crates":
            return self._search(request.form().get("q", ""))
        if match := _CRATE_API.match(path):
            return self._crate_info(match.group(1))
        if match := _VERSIONS_API.match(path):
            return self._version_list(match.group(1))
        if match := _VERSION_API.match(path):
            name, vers, action = match.group(1), match.group(2), match.group(3)
            if action is None:
                return self._version_info(name, vers)
            if action == "/download":
                if self.auth_required and not self._authorized(request):
                    return self._auth_challenge()
                return self._download(name, vers)
            wanted = "DELETE" if action == "/yank" else "PUT"
            if method != wanted:
                return _errors(405, f"use {wanted}")
            return self._set_yanked(request, name, vers, yanked=action == "/yank")
        return _errors(404, "Not Found")

    def _aliases(self) -> frozenset[str]:
        return frozenset([cargo_index.CRATES_IO_INDEX] if self.replaces_crates_io else [])

    def _authorized(self, request: Request, crate: str | None = None) -> bool:
        token = request.header("authorization")
        return token == self.token or (crate is not None
                                       and self.trusted.allows(token, crate.lower()))

    def _token_exchange(self, request: Request) -> Response:
        if request.method == "DELETE":
            if not self.trusted.revoke(request.header("authorization")):
                return _errors(403, "authentication failed")
            return Response(204)
        if request.method != "POST":
            return _errors(405, "use POST or DELETE")
        try:
            jwt = json.loads(request.body or b"{}").get("jwt")
        except ValueError:
            return _errors(400, "Failed to deserialize the JSON body")
        if not isinstance(jwt, str):
            return _errors(400, "Failed to deserialize the JSON body: missing field `jwt`")
        try:
            minted = self.trusted.exchange(jwt)
        except TokenRefused as exc:
            return _errors(400, str(exc))
        return Response.json(200, {"token": minted.token})

    def _auth_error(self, request: Request) -> Response:
        if request.header("authorization") is None:
            return _errors(403, "this action requires authentication")
        return _errors(403, "authentication failed")

    def _auth_challenge(self) -> Response:
        response = _errors(401, "this registry requires authentication")
        response.headers["WWW-Authenticate"] = 'Cargo login_url="' + self.url + '/me"'
        return response

    def _index(self, request: Request, rel: str) -> Response:
        if rel == "config.json":
            config = {
                "dl": f"{self.url}/api/v1/crates/{{crate}}/{{version}}/download",
                "api": self.url,
                "auth-required": self.auth_required,
            }
            return Response.json(200, config)
        name = rel.rsplit("/", 1)[-1]
        versions = self.versions(name)
        if cargo_index.index_path(name) != rel or not versions:
            return Response.text(404, "not found\n")
        lines = [Response.json(200, v.index_line()).body for v in versions]
        body = b"\n".join(lines) + b"\n"
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if request.header("if-none-match") == etag:
            return Response(304, headers={"ETag": etag})
        return Response(200, body, "text/plain; charset=utf-8", {"ETag": etag})

    def _reject(self, name: str, vers: str, response: Response) -> Response:
        self.log.record(Event(time.time(), name, vers, "rejected", detail=response.body.decode()))
        return response

    def _publish(self, request: Request) -> Response:
        try:
            upload = cargo_index.parse_publish_body(request.body)
        except cargo_index.PublishFormatError as exc:
            return _errors(400, str(exc))
        name, vers = upload.name, upload.vers
        if not self._authorized(request, name):
            if self.trusted.is_minted(request.header("authorization")):
                detail = f"The provided access token is not valid for crate `{name}`"
                return self._reject(name, vers, _errors(403, detail))
            return self._reject(name, vers, self._auth_error(request))
        injected = self.faults.take_publish_reject(name)
        if injected is not None:
            return self._reject(name, vers, _errors(injected, f"injected rejection of {name}"))
        limiter = self._limiter
        if limiter is not None:
            action: Action = ("new version" if self.versions(name, include_hidden=True)
                              else "new crate")
            refusal = limiter.take(request.header("authorization") or "", action)
            if refusal is not None:
                response = _errors(429, refusal.detail)
                response.headers["Retry-After"] = refusal.retry_after
                return self._reject(name, vers, response)
        deps = cargo_index.internal_deps(upload, self._aliases())
        with self._lock:
            existing = self._crates.get(name.lower(), [])
            if any(v.vers == vers for v in existing):
                # crates.io's wording; cargo shows it after "the remote server responded".
                detail = f"crate version `{vers}` is already uploaded: {name}@{vers} already exists"
                return self._reject(name, vers, _errors(400, detail))
            unknown = sorted(d for d in deps if d.lower() not in self._crates)
            if unknown:
                return self._reject(
                    name, vers, _errors(400, f"no known crate named `{unknown[0]}`")
                )
            now = time.time()
            entry = cargo_index.index_entry(upload)
            entry["cksum"] = self._misreported.get(name.lower(), entry["cksum"])
            version = CrateVersion(
                entry=entry,
                crate=upload.crate,
                published_at=now,
                visible_at=now + self._index_delay,
            )
            self._crates.setdefault(name.lower(), []).append(version)
            self.log.record(Event(now, name, vers, "publish", deps=deps))
            self.log.record(Event(version.visible_at, name, vers, "visible"))
        self.trusted.uploaded(request.header("authorization"), name)
        warnings: dict[str, list[str]] = {
            "invalid_categories": [],
            "invalid_badges": [],
            "other": [],
        }
        return Response.json(200, {"warnings": warnings})

    def _find(self, name: str, vers: str, *, include_hidden: bool) -> CrateVersion | None:
        found = self.versions(name, include_hidden=include_hidden)
        return next((v for v in found if v.vers == vers), None)

    def _crate_info(self, name: str) -> Response:
        versions = self.versions(name)
        if not versions:
            return _errors(404, f"crate `{name}` does not exist")
        live = [v for v in versions if not v.yanked] or versions
        newest = max(live, key=lambda v: cargo_semver.version_key(v.vers))
        crate = {
            "id": versions[0].name,
            "name": versions[0].name,
            "max_version": newest.vers,
            "newest_version": versions[-1].vers,
        }
        return Response.json(200, {"crate": crate, "versions": [v.api_view() for v in versions]})

    def _version_list(self, name: str) -> Response:
        """crates.io's ``/api/v1/crates/NAME/versions``: every version on one page."""
        versions = self.versions(name)
        if not versions:
            return _errors(404, f"crate `{name}` does not exist")
        return Response.json(200, {"versions": [v.api_view() for v in versions],
                                   "meta": {"total": len(versions), "next_page": None}})

    def _search(self, query: str) -> Response:
        with self._lock:
            names = sorted(n for n in self._crates if query.lower() in n)
        found = []
        for name in names:
            if versions := self.versions(name):
                newest = max(versions, key=lambda v: cargo_semver.version_key(v.vers))
                found.append({"name": newest.name, "max_version": newest.vers})
        return Response.json(200, {"crates": found, "meta": {"total": len(found)}})

    def _version_info(self, name: str, vers: str) -> Response:
        version = self._find(name, vers, include_hidden=False)
        if version is None:
            if not self.versions(name):
                return _errors(404, f"crate `{name}` does not exist")
            return _errors(404, f"crate `{name}` does not have a version `{vers}`")
        return Response.json(200, {"version": version.api_view()})

    def _download(self, name: str, vers: str) -> Response:
        # Downloads do not wait for the index, like a CDN that already has the file.
        version = self._find(name, vers, include_hidden=True)
        if version is None:
            return _errors(404, f"crate `{name}` does not have a version `{vers}`")
        return Response(200, version.crate, "application/gzip")

    def _set_yanked(self, request: Request, name: str, vers: str, *, yanked: bool) -> Response:
        if not self._authorized(request):
            return self._auth_error(request)
        with self._lock:
            version = self._find(name, vers, include_hidden=True)
            if version is None:
                return _errors(404, f"crate `{name}` does not have a version `{vers}`")
            version.yanked = yanked
        self.log.record(Event(time.time(), name, vers, "yank" if yanked else "unyank"))
        return Response.json(200, {"ok": True})
