"""Token-exchange proxies in front of the registries that have none: verdaccio (npm) and
pypiserver (PyPI).

Each proxy forwards every request to its upstream unchanged, except:

* the registry's own exchange endpoints, answered from a :class:`TrustedPublishing`:
  npm's ``POST /-/npm/v1/oidc/token/exchange/package/NAME`` (``Authorization: Bearer JWT``,
  answered ``{"token": ...}``); PyPI's ``GET /_/oidc/audience`` and ``POST
  /_/oidc/mint-token`` (``{"token": JWT}``, answered ``{"success": true, "token": ...}``);
* an upload carrying a minted token: it goes upstream with the upstream's own credential
  when the token may publish that package, and is refused (403) otherwise. A token that is
  neither minted nor the upstream's passes through unchanged, and the upstream refuses it.

Clients are pointed at the proxy's URL; reads may go to either.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from release_tasks.standins.httpbase import RegistryApp, Request, Response
from release_tasks.standins.oidc import OidcIssuer, Publisher, TokenRefused, TrustedPublishing

_NPM_EXCHANGE = re.compile(r"^/-/npm/v1/oidc/token/exchange/package/(.+)$")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class _Proxy(RegistryApp):
    def __init__(self, upstream: Callable[[], str], trusted: TrustedPublishing) -> None:
        super().__init__()
        self._upstream = upstream
        self.trusted = trusted
        self.uploads: list[str] = []  # the packages uploaded through a minted token

    def trust_issuer(self, issuer: OidcIssuer) -> None:
        self.trusted.issuer = issuer

    def category(self, method: str, path: str) -> str:
        return "api"

    def forward(self, request: Request, headers: dict[str, str]) -> Response:
        target = urlsplit(self._upstream())
        connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port,
                                                timeout=120)
        query = "&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs)
        path = request.path + (f"?{query}" if query else "")
        try:
            connection.request(request.method, path, body=request.body or None,
                               headers={k: v for k, v in headers.items() if k not in _HOP})
            answer = connection.getresponse()
            body = answer.read()
            kept = {k: v for k, v in answer.getheaders()
                    if k.lower() not in _HOP and k.lower() != "content-type"}
            return Response(answer.status, body,
                            answer.getheader("content-type") or "application/octet-stream",
                            kept)
        finally:
            connection.close()


class NpmExchangeProxy(_Proxy):
    """npm's OIDC exchange in front of verdaccio; ``upstream_token`` is verdaccio's."""

    def __init__(self, upstream: Callable[[], str], upstream_token: Callable[[], str]) -> None:
        super().__init__(upstream, TrustedPublishing(audience="npm:127.0.0.1",
                                                     token_prefix="npm_oidc_"))
        self._upstream_token = upstream_token

    def add_publisher(self, package: str, publisher: Publisher) -> None:
        """A trusted publisher for ``package``; npm has none for a package that does not
        exist yet (its first version needs a token)."""
        connection = http.client.HTTPConnection(urlsplit(self._upstream()).hostname or "",
                                                urlsplit(self._upstream()).port, timeout=30)
        try:
            connection.request("GET", "/" + package.replace("/", "%2f"))
            status = connection.getresponse().status
        finally:
            connection.close()
        if status != 200:
            raise ValueError(f"{package} is not on npm: a trusted publisher needs the package")
        self.trusted.trust(package, publisher)

    def route(self, request: Request) -> Response:
        if match := _NPM_EXCHANGE.match(request.path):
            if request.method != "POST":
                return Response.json(405, {"message": "use POST"})
            package = unquote(match.group(1))
            jwt = (request.header("authorization") or "").removeprefix("Bearer ").strip()
            try:
                minted = self.trusted.exchange(jwt, package)
            except TokenRefused as exc:
                return Response.json(401, {"message": str(exc)})
            return Response.json(201, {"token": minted.token})
        headers = dict(request.headers)
        token = (request.header("authorization") or "").removeprefix("Bearer ").strip()
        if self.trusted.is_minted(token):
            package = unquote(request.path.lstrip("/").split("/-/", 1)[0])
            if request.method != "PUT" or not self.trusted.allows(token, package):
                return Response.json(403, {"error": f"the OIDC token may not publish {package}"})
            headers["authorization"] = f"Bearer {self._upstream_token()}"
            self.uploads.append(package)
        return self.forward(request, headers)


_INTEGRITY = re.compile(r"^/integrity/([^/]+)/([^/]+)/([^/]+)/provenance$")


def _appending(extra: bytes) -> Callable[[re.Match[bytes]], bytes]:
    return lambda found: found.group(0) + extra


def _multipart_field(body: bytes, name: str) -> str | None:
    match = re.search(rb'Content-Disposition: form-data; name="' + re.escape(name.encode())
                      + rb'"\r\n(?:[^\r\n]+\r\n)*\r\n(.*?)\r\n--', body, re.DOTALL)
    return match.group(1).decode("utf-8", "replace") if match else None


def normalize(name: str) -> str:
    """A PyPI project name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


class PypiExchangeProxy(_Proxy):
    """PyPI's OIDC audience and mint-token endpoints in front of pypiserver; an upload with a
    minted token goes upstream as ``__token__`` with ``upstream_password``."""

    audience = "pypi"

    def __init__(self, upstream: Callable[[], str], upstream_password: Callable[[], str]) -> None:
        super().__init__(upstream, TrustedPublishing(audience=self.audience,
                                                     token_prefix="pypi-oidc-"))
        self._upstream_password = upstream_password
        #: file name -> the attestations uploaded with it, and the JWT claims of the upload.
        self.attestations: dict[str, tuple[Any, Mapping[str, Any]]] = {}
        self.releases: dict[str, tuple[str, str]] = {}  # file name -> (project, version)

    def _provenance(self, filename: str) -> Response:
        """PyPI's integrity API: the attestation bundles of one file (404: none)."""
        if filename not in self.attestations:
            return Response.json(404, {"message": "No provenance available"})
        attestations, claims = self.attestations[filename]
        workflow = str(claims.get("job_workflow_ref", "")).split("@")[0].rsplit("/", 1)[-1]
        publisher = {"kind": "GitHub", "repository": claims.get("repository"),
                     "workflow": workflow, "environment": claims.get("environment")}
        return Response.json(200, {"version": 1, "attestation_bundles": [
            {"publisher": publisher, "attestations": attestations}]})

    def add_publisher(self, project: str, publisher: Publisher, *, pending: bool) -> None:
        """A trusted publisher for ``project`` (PEP 503 name); ``pending``: PyPI's pending
        publisher, which creates the project on first use."""
        self.trusted.trust(normalize(project), publisher, pending=pending)

    def route(self, request: Request) -> Response:
        if request.path == "/_/oidc/audience":
            return Response.json(200, {"audience": self.audience})
        if request.path == "/_/oidc/mint-token" and request.method == "POST":
            try:
                jwt = json.loads(request.body or b"{}").get("token")
                minted = self.trusted.exchange(str(jwt))
            except (ValueError, TokenRefused) as exc:
                return Response.json(422, {"message": "Token request failed",
                                           "errors": [{"code": "invalid-publisher",
                                                       "description": str(exc)}]})
            return Response.json(200, {"success": True, "token": minted.token,
                                       "expires": int(minted.expires)})
        if match := _INTEGRITY.match(request.path):
            return self._provenance(unquote(match.group(3)))
        if request.path == "/_/oidc/burn-token" and request.method == "POST":
            try:
                token = str(json.loads(request.body or b"{}").get("token"))
            except ValueError:
                token = ""
            return Response.json(200 if self.trusted.revoke(token) else 404, {})
        headers = dict(request.headers)
        auth = request.header("authorization") or ""
        password = ""
        if auth.startswith("Basic "):
            password = base64.b64decode(auth[6:]).decode("utf-8", "replace").partition(":")[2]
        if self.trusted.is_minted(password):
            project = normalize(_multipart_field(request.body, "name") or "")
            if not self.trusted.allows(password, project):
                return Response.text(403, f"Invalid API Token: not allowed for {project!r}")
            upstream = base64.b64encode(f"__token__:{self._upstream_password()}".encode())
            headers["authorization"] = f"Basic {upstream.decode()}"
            self.uploads.append(project)
            attestations = _multipart_field(request.body, "attestations")
            filename = re.search(rb'name="content"; filename="([^"]+)"', request.body)
            if attestations is not None and filename is not None:
                claims = self.trusted.minted[password].claims
                name = filename.group(1).decode()
                self.attestations[name] = (json.loads(attestations), claims)
                self.releases[name] = (project, _multipart_field(request.body, "version") or "")
        answer = self.forward(request, headers)
        if request.path.startswith("/simple/") and answer.status == 200:
            answer.body = self._with_provenance(answer.body)
        return answer

    def _with_provenance(self, page: bytes) -> bytes:
        """PEP 740 on a PEP 503 page: ``data-provenance`` on each attested file's anchor."""
        for name, (project, version) in self.releases.items():
            extra = (f' data-provenance="{self.url}/integrity/{project}/{version}/{name}/'
                     'provenance"').encode()
            anchor = re.compile(rb'<a href="[^"]*/' + re.escape(name.encode()) + rb'[^"]*"')
            page = anchor.sub(_appending(extra), page)
        return page
