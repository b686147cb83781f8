"""A rubygems.org-compatible server that the real ``gem push`` / ``gem yank`` use.

Besides the push/yank/versions API it serves what ``gem install --source`` and
``gem fetch --source`` read (compact index, legacy Marshal specs, quick specs, ``.gem``
files) so a test can install what it pushed. All state is in memory. Its trusted
publishing (:attr:`RubyGemsRegistry.trusted`, see :mod:`release_tasks.standins.oidc`) is
rubygems.org's: ``POST /api/v1/oidc/trusted_publisher/exchange_token`` with ``{"jwt": ...}``
returns ``{"rubygems_api_key": ...}`` for the gems whose publisher (or *pending* publisher,
for a gem that does not exist yet) the JWT matches.
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

from release_tasks.standins import gem_index, gem_version
from release_tasks.standins.events import Event
from release_tasks.standins.gem_format import GemFormatError, GemSpec, Requirement, read_gem
from release_tasks.standins.httpbase import RegistryApp, Request, Response
from release_tasks.standins.oidc import OidcIssuer, Publisher, TokenRefused, TrustedPublishing

DEFAULT_API_KEY = "rubygems-test-api-key"

NOT_FOUND = "This rubygem could not be found."
REPUSH = (
    "Repushing of gem versions is not allowed.\nPlease use `gem yank` to remove bad gem releases."
)

_VERSIONS_API = re.compile(r"^/api/v1/versions/([^/]+)\.json$")
_GEM_API = re.compile(r"^/api/v1/gems/([^/]+)\.json$")
_VERSION_API = re.compile(r"^/api/v2/rubygems/([^/]+)/versions/([^/]+)\.json$")
_QUICK = re.compile(r"^/quick/Marshal\.4\.8/(.+)\.gemspec\.rz$")
_GEM_FILE = re.compile(r"^/gems/(.+)\.gem$")
_SPECS = {
    "/specs.4.8.gz": "released",
    "/latest_specs.4.8.gz": "latest",
    "/prerelease_specs.4.8.gz": "prerelease",
}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _req_text(requirement: Requirement) -> str:
    return ", ".join(f"{op} {v}" for op, v in requirement) or ">= 0"


@dataclass
class StoredGem:
    spec: GemSpec
    data: bytes
    pushed_at: float
    visible_at: float
    yanked: bool = False
    #: Built on first request, because it takes a Ruby process.
    quick_spec: bytes | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def api_view(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "number": spec.version,
            "platform": spec.platform,
            "prerelease": spec.prerelease,
            "summary": spec.summary,
            "authors": ", ".join(spec.authors),
            "licenses": list(spec.licenses),
            "metadata": spec.metadata,
            "sha": self.sha256,
            "created_at": _iso(self.pushed_at),
            "built_at": _iso(self.pushed_at),
            "downloads_count": 0,
            "ruby_version": _req_text(spec.required_ruby_version),
            "rubygems_version": _req_text(spec.required_rubygems_version),
            "requirements": [],
        }


class RubyGemsRegistry(RegistryApp):
    def __init__(self, api_key: str = DEFAULT_API_KEY, *, index_delay: float = 0.0) -> None:
        super().__init__(index_delay)
        self.api_key = api_key
        self._gems: dict[str, list[StoredGem]] = {}
        #: rubygems.org's trusted publishing (the audience its credentials action asks for).
        self.trusted = TrustedPublishing(audience="rubygems.org", token_prefix="rubygems_")

    # -- trusted publishing -------------------------------------------------------------------
    def trust_issuer(self, issuer: OidcIssuer) -> None:
        """Accept JWTs of ``issuer`` in the token exchange."""
        self.trusted.issuer = issuer

    def add_publisher(self, name: str, publisher: Publisher) -> None:
        """A trusted publisher for gem ``name``: a pending one when the gem does not exist
        yet (the first push through it creates the gem)."""
        self.trusted.trust(name, publisher, pending=not self.gems(name, include_hidden=True))

    # -- test-facing controls and views -------------------------------------------------
    def reset(self) -> None:
        """Forget all gems, events and faults (the server keeps running)."""
        with self._lock:
            self._gems.clear()
        self.reset_controls()

    def gems(self, name: str, *, include_hidden: bool = False) -> list[StoredGem]:
        now = time.time()
        with self._lock:
            return [g for g in self._gems.get(name, []) if include_hidden or g.visible_at <= now]

    def put(self, data: bytes) -> StoredGem:
        """Hold ``data`` (a ``.gem``) as the build of its name, version and platform, in place
        of any such build already pushed: a registry serving other bytes under one file
        name, which ``gem push`` alone could never make."""
        spec = read_gem(data)
        now = time.time()
        stored = StoredGem(spec, data, now, now)
        with self._lock:
            kept = [g for g in self._gems.get(spec.name, []) if g.spec.full_name != spec.full_name]
            self._gems[spec.name] = [*kept, stored]
        return stored

    def order_violations(self) -> list[str]:
        return self.log.order_violations(gem_version.matches)

    def gem_env(self, home: Path) -> dict[str, str]:
        """Environment for ``gem push/yank --host <url>`` and ``gem install --source``.

        ``HOME`` and the gem paths point into ``home`` so the user's ``~/.gemrc``, its
        credentials and installed gems neither leak in nor get written to.
        """
        return {
            "GEM_HOST_API_KEY": self.api_key,
            "HOME": str(home),
            "GEM_HOME": str(home / "gems"),
            "GEM_PATH": str(home / "gems"),
            "GEM_SPEC_CACHE": str(home / "spec-cache"),
        }

    # -- HTTP ---------------------------------------------------------------------------
    def fault_response(self, status: int) -> Response:
        return Response.text(status, f"injected fault: HTTP {status}")

    def category(self, method: str, path: str) -> str:
        if method == "POST" and path == "/api/v1/gems":
            return "upload"
        if path.startswith("/gems/"):
            return "download"
        return "api" if path.startswith("/api/") else "index"

    def route(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path == "/api/v1/gems" and method == "POST":
            return self._push(request)
        if path == "/api/v1/oidc/trusted_publisher/exchange_token" and method == "POST":
            return self._exchange(request)
        if path == "/api/v1/gems/yank" and method == "DELETE":
            return self._yank(request)
        if match := _VERSIONS_API.match(path):
            return self._versions(match.group(1))
        if match := _VERSION_API.match(path):
            platform = request.form().get("platform") or "ruby"
            return self._version(match.group(1), match.group(2), platform)
        if match := _GEM_API.match(path):
            return self._gem_info(match.group(1))
        return self._index(path)

    # -- API ----------------------------------------------------------------------------
    def _reject(self, name: str, version: str, response: Response) -> Response:
        self.log.record(
            Event(time.time(), name, version, "rejected", detail=response.body.decode())
        )
        return response

    def _denied(self) -> Response:
        return Response.text(401, f"Access Denied. Please sign up for an account at {self.url}")

    def _exchange(self, request: Request) -> Response:
        try:
            jwt = json.loads(request.body or b"{}").get("jwt")
        except ValueError:
            return Response.json(400, {"error": "invalid JSON"})
        if not isinstance(jwt, str):
            return Response.json(400, {"error": "param is missing or the value is empty: jwt"})
        try:
            minted = self.trusted.exchange(jwt)
        except TokenRefused as exc:
            return Response.json(404, {"error": str(exc)})
        return Response.json(201, {"rubygems_api_key": minted.token,
                                   "name": f"GitHub Actions {minted.claims.get('sub')}",
                                   "scopes": ["push_rubygem"],
                                   "expires_at": _iso(minted.expires)})

    def _push(self, request: Request) -> Response:
        try:
            spec = read_gem(request.body)
        except GemFormatError as exc:
            return Response.text(422, f"RubyGems.org cannot process this gem.\n{exc}")
        key = request.header("authorization")
        if key != self.api_key and not self.trusted.allows(key, spec.name):
            return self._reject(spec.name, spec.version, self._denied())
        if key != self.api_key:
            self.trusted.used(spec.name)
        status = self.faults.take_publish_reject(spec.name)
        if status is not None:
            text = f"injected rejection of {spec.name}"
            return self._reject(spec.name, spec.version, Response.text(status, text))
        deps = {name: _req_text(req) for name, req in spec.runtime_deps}
        with self._lock:
            existing = self._gems.get(spec.name, [])
            if any(g.spec.full_name == spec.full_name for g in existing):
                return self._reject(spec.name, spec.version, Response.text(409, REPUSH))
            now = time.time()
            stored = StoredGem(spec, request.body, now, now + self._index_delay)
            self._gems.setdefault(spec.name, []).append(stored)
            self.log.record(Event(now, spec.name, spec.version, "publish", deps=deps))
            self.log.record(Event(stored.visible_at, spec.name, spec.version, "visible"))
        self.trusted.uploaded(key, spec.name)
        return Response.text(200, f"Successfully registered gem: {spec.name} ({spec.version})")

    def _yank(self, request: Request) -> Response:
        if request.header("authorization") != self.api_key:
            return self._denied()
        form = request.form()
        name, version = form.get("gem_name", ""), form.get("version", "")
        platform = form.get("platform") or "ruby"
        with self._lock:
            found = [
                g
                for g in self._gems.get(name, [])
                if g.spec.version == version and g.spec.platform == platform
            ]
            if not found:
                return Response.text(404, f"The version {version} does not exist.")
            if found[0].yanked:
                return Response.text(422, f"The version {version} has already been deleted.")
            found[0].yanked = True
        self.log.record(Event(time.time(), name, version, "yank"))
        return Response.text(200, f"Successfully deleted gem: {name} ({version})")

    def _live(self, name: str) -> list[StoredGem]:
        return [g for g in self.gems(name) if not g.yanked]

    def _versions(self, name: str) -> Response:
        live = self._live(name)
        if not live:
            return Response.text(404, NOT_FOUND)
        live.sort(key=lambda g: gem_version.version_key(g.spec.version), reverse=True)
        return Response.json(200, [g.api_view() for g in live])

    def _version(self, name: str, version: str, platform: str) -> Response:
        for g in self._live(name):
            if g.spec.version == version and g.spec.platform == platform:
                return Response.json(200, {"name": name, "version": version, **g.api_view()})
        return Response.text(404, "This version could not be found.")

    def _gem_info(self, name: str) -> Response:
        live = self._live(name)
        if not live:
            return Response.text(404, NOT_FOUND)
        latest = max(live, key=lambda g: gem_version.version_key(g.spec.version))
        view = {"name": name, "version": latest.spec.version, **latest.api_view()}
        return Response.json(200, view)

    # -- index --------------------------------------------------------------------------
    def _all_live(self) -> dict[str, list[StoredGem]]:
        with self._lock:
            names = list(self._gems)
        return {name: live for name in names if (live := self._live(name))}

    def _info(self, live: list[StoredGem]) -> bytes:
        return gem_index.info_file(gem_index.info_line(g.spec, g.sha256) for g in live)

    def _by_full_name(self, full_name: str) -> StoredGem | None:
        for live in self._all_live().values():
            for stored in live:
                if stored.spec.full_name == full_name:
                    return stored
        return None

    def _index(self, path: str) -> Response:
        if path == "/":
            # RubyGems probes the source root: any answer there makes it use the compact
            # index (/info) for resolution; a 404 makes it fall back to Marshal specs.
            return Response.text(200, "local rubygems registry\n")
        if path == "/versions":
            gems = {
                name: ([g.spec for g in live], self._info(live))
                for name, live in self._all_live().items()
            }
            created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return Response(200, gem_index.versions_file(created, gems))
        if path.startswith("/info/"):
            live = self._live(path.removeprefix("/info/"))
            return Response(200, self._info(live)) if live else Response.text(404, NOT_FOUND)
        if path in _SPECS:
            specs = [g.spec for live in self._all_live().values() for g in live]
            kind = _SPECS[path]
            if kind == "latest":
                specs = gem_index.latest_specs(s for s in specs if not s.prerelease)
            else:
                specs = [s for s in specs if s.prerelease == (kind == "prerelease")]
            return Response(200, gem_index.specs_file(specs), "application/octet-stream")
        if (match := _QUICK.match(path)) and (stored := self._by_full_name(match.group(1))):
            if stored.quick_spec is None:
                stored.quick_spec = gem_index.quick_spec(stored.data)
            if stored.quick_spec is not None:
                return Response(200, stored.quick_spec, "application/octet-stream")
        if (match := _GEM_FILE.match(path)) and (stored := self._by_full_name(match.group(1))):
            return Response(200, stored.data, "application/octet-stream")
        return Response.text(404, "Not Found")
