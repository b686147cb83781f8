"""Stand-ins for trusted publishing: GitHub Actions' OIDC token service and a registry's
side of the token exchange.

:class:`OidcIssuer` answers ``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD`` with
``{"value": JWT}`` when the request carries ``Authorization: Bearer
$ACTIONS_ID_TOKEN_REQUEST_TOKEN``, as the Actions runtime does. Its JWTs carry the claims
the registries read (``repository``, ``repository_owner``, ``workflow_ref``,
``job_workflow_ref``, ``environment``, ``sub``, ``aud``, ``exp``), signed with HS256 and a
key the registries of one test share with the issuer (the real ones fetch the issuer's
JWKS; what matters here is that a forged or altered token is refused).

:class:`TrustedPublishing` is what a registry keeps: the publishers configured per package
(pending ones for a package that does not exist yet, where the registry allows them), the
short-lived tokens it minted and what each may publish. A JWT whose repository, workflow
file or environment matches no publisher is refused with the registry's kind of message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from release_tasks.standins.httpbase import RegistryApp, Request, Response

ISSUER = "https://token.actions.githubusercontent.com"


class TokenRefused(Exception):
    """A JWT that is not valid, or that no trusted publisher matches."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, kw_only=True)
class Identity:
    """Who the job is: what a GitHub Actions ID token says about it."""

    repository: str = "octo-org/monorepo"
    workflow: str = "release.yml"
    environment: str | None = None
    ref: str = "refs/tags/release-20260101-0000"
    visibility: str = "private"  # npm turns provenance on by itself for "public"

    def claims(self, audience: str, now: float) -> dict[str, Any]:
        owner = self.repository.split("/", 1)[0]
        workflow_ref = f"{self.repository}/.github/workflows/{self.workflow}@{self.ref}"
        sub = (f"repo:{self.repository}:environment:{self.environment}" if self.environment
               else f"repo:{self.repository}:ref:{self.ref}")
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": audience, "sub": sub, "iat": int(now), "nbf": int(now),
            "exp": int(now) + 300, "jti": secrets.token_hex(8),
            "repository": self.repository, "repository_owner": owner,
            "repository_visibility": self.visibility, "ref": self.ref,
            "workflow_ref": workflow_ref, "job_workflow_ref": workflow_ref,
            "event_name": "push", "runner_environment": "github-hosted",
        }
        if self.environment:
            claims["environment"] = self.environment
        return claims


class OidcIssuer(RegistryApp):
    """The Actions OIDC token service of one job (see the module docstring)."""

    def __init__(self, identity: Identity | None = None) -> None:
        super().__init__()
        self.identity = identity or Identity()
        self.request_token = "actions-request-" + secrets.token_hex(8)
        self.key = secrets.token_bytes(32)
        self.audiences: list[str] = []  # every audience a token was issued for
        #: The request token of each job given its own identity (:meth:`job_env`).
        self._jobs: dict[str, Identity] = {}
        self._jobs_lock = threading.Lock()

    # -- the job's view -------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """What a job with ``permissions: id-token: write`` has (and ``GITHUB_ACTIONS``)."""
        return {"GITHUB_ACTIONS": "true",
                "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.url}/_apis/idtoken?api-version=2.0",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.request_token}

    def job_env(self, identity: Identity) -> dict[str, str]:
        """:meth:`env` of one more job, whose tokens carry ``identity``'s claims (each job of
        a run has its own request token, as on GitHub, and its own environment claim)."""
        request_token = "actions-request-" + secrets.token_hex(8)
        with self._jobs_lock:
            self._jobs[request_token] = identity
        return {**self.env(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": request_token}

    def mint(self, audience: str, identity: Identity | None = None) -> str:
        """A JWT for ``audience`` (what the endpoint returns), signed with the issuer's key."""
        claims = (identity or self.identity).claims(audience, time.time())
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of ``token``; :class:`TokenRefused` unless it is this issuer's, for
        ``audience``, and not expired."""
        try:
            header, payload, signature = token.split(".")
            expected = hmac.new(self.key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(signature)):
                raise TokenRefused("invalid JWT signature")
            claims: dict[str, Any] = json.loads(_unb64(payload))
        except ValueError as exc:  # json.JSONDecodeError and binascii.Error are ValueErrors
            raise TokenRefused(f"malformed JWT: {exc}") from None
        if claims.get("iss") != ISSUER:
            raise TokenRefused(f"unknown issuer {claims.get('iss')!r}")
        if claims.get("aud") != audience:
            raise TokenRefused(f"invalid audience {claims.get('aud')!r} (expected {audience!r})")
        if float(claims.get("exp", 0)) < time.time():
            raise TokenRefused("expired JWT")
        return claims

    # -- HTTP ---------------------------------------------------------------------------------
    def category(self, method: str, path: str) -> str:
        return "api"

    def route(self, request: Request) -> Response:
        if request.path != "/_apis/idtoken" or request.method != "GET":
            return Response.json(404, {"message": "Not Found"})
        given = (request.header("authorization") or "").removeprefix("Bearer ")
        with self._jobs_lock:
            identity = self._jobs.get(given)
        if identity is None and given != self.request_token:
            return Response.json(401, {"message": "Bad credentials"})
        audience = request.form().get("audience")
        if not audience:
            return Response.json(400, {"message": "audience is required"})
        self.audiences.append(audience)
        return Response.json(200, {"count": 1, "value": self.mint(audience, identity)})


@dataclass(frozen=True, kw_only=True)
class Publisher:
    """One trusted publisher: what a registry's form asks (GitHub Actions)."""

    repository: str  # owner/name
    workflow: str  # the workflow file name, e.g. release.yml
    environment: str | None = None

    def refusal(self, claims: Mapping[str, Any]) -> str | None:
        """Why ``claims`` do not match this publisher, or ``None`` when they do."""
        if str(claims.get("repository", "")).lower() != self.repository.lower():
            return f"repository {claims.get('repository')!r} is not {self.repository!r}"
        workflow_ref = str(claims.get("job_workflow_ref") or claims.get("workflow_ref") or "")
        path = workflow_ref.split("@", 1)[0]
        if path != f"{claims.get('repository')}/.github/workflows/{self.workflow}":
            return f"workflow {path!r} is not .github/workflows/{self.workflow}"
        if self.environment and claims.get("environment") != self.environment:
            return f"environment {claims.get('environment')!r} is not {self.environment!r}"
        return None


@dataclass
class Minted:
    token: str
    packages: frozenset[str]
    expires: float
    claims: Mapping[str, Any]


@dataclass
class TrustedPublishing:
    """A registry's trusted publishers and the tokens it minted (see the module docstring)."""

    audience: str
    token_prefix: str
    issuer: OidcIssuer | None = None
    publishers: dict[str, list[Publisher]] = field(default_factory=dict)
    pending: dict[str, list[Publisher]] = field(default_factory=dict)
    minted: dict[str, Minted] = field(default_factory=dict)
    exchanges: list[str] = field(default_factory=list)  # "ok"/"refused: why", in order
    uploads: list[str] = field(default_factory=list)  # what a minted token uploaded, in order
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def trust(self, package: str, publisher: Publisher, *, pending: bool = False) -> None:
        with self._lock:
            (self.pending if pending else self.publishers).setdefault(package, []).append(
                publisher)

    def exchange(self, jwt: str, package: str | None = None) -> Minted:
        """A short-lived token for every package whose publisher matches the JWT (only
        ``package`` when the exchange names one); :class:`TokenRefused` when none does."""
        try:
            if self.issuer is None:
                raise TokenRefused("no OIDC issuer is trusted by this registry")
            claims = self.issuer.verify(jwt, self.audience)
            with self._lock:
                tables = [*self.publishers.items(), *self.pending.items()]
                refusals = [f"{name}: {why}" for name, pubs in tables for p in pubs
                            if (package is None or name == package)
                            and (why := p.refusal(claims)) is not None]
                allowed = frozenset(name for name, pubs in tables for p in pubs
                                    if (package is None or name == package)
                                    and p.refusal(claims) is None)
                if not allowed:
                    detail = "; ".join(refusals) or "no trusted publisher is configured"
                    raise TokenRefused(f"No matching Trusted Publishing config found ({detail})")
                minted = Minted(token=self.token_prefix + secrets.token_hex(16),
                                packages=allowed, expires=time.time() + 1800, claims=claims)
                self.minted[minted.token] = minted
                self.exchanges.append("ok")
                return minted
        except TokenRefused as exc:
            with self._lock:
                self.exchanges.append(f"refused: {exc}")
            raise

    def allows(self, token: str | None, package: str) -> bool:
        """Whether ``token`` is a live minted token that may publish ``package``."""
        with self._lock:
            minted = self.minted.get(token or "")
            return (minted is not None and minted.expires > time.time()
                    and package in minted.packages)

    def uploaded(self, token: str | None, package: str) -> None:
        """The registry took ``package`` from ``token``: noted when the token is minted."""
        with self._lock:
            if (token or "") in self.minted:
                self.uploads.append(package)

    def is_minted(self, token: str | None) -> bool:
        with self._lock:
            return (token or "") in self.minted

    def revoke(self, token: str | None) -> bool:
        with self._lock:
            return self.minted.pop(token or "", None) is not None

    def used(self, package: str) -> None:
        """A pending publisher becomes a publisher once its package exists."""
        with self._lock:
            for publisher in self.pending.pop(package, []):
                self.publishers.setdefault(package, []).append(publisher)
