"""Credential preflight: every token the planned publishes need, checked before any build.

Only components that are actually released count. Every missing credential is listed at
once, with the component that needs it. Trusted publishing (OIDC in GitHub Actions) counts
as a credential where the config enables it and the runner offers an ID token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from release_tasks.config import Config
from release_tasks.errors import CredentialsMissing
from release_tasks.version import Registry

_OIDC = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
_LIMITS: Mapping[Registry, str] = {
    "crates-io": "crates.io trusted publishing works only for crates that already exist: the "
                 "first publish of a new crate needs a token",
    "npm": "npm trusted publishing needs npm 11.5.1 or newer, and a leftover NODE_AUTH_TOKEN "
           "gets in its way",
    "pypi": "PyPI trusted publishing needs the project's publisher configured on PyPI",
    "rubygems": "RubyGems trusted publishing needs the gem's publisher configured on RubyGems",
}


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """One credential: the component needing it and the variables that can provide it."""

    component: str
    registry: Registry
    names: tuple[str, ...]
    trusted_publishing: bool

    def describe(self) -> str:
        names = " or ".join(self.names)
        return f"{names} (for {self.component} on {self.registry})"


def requirements(config: Config, components: Iterable[str]) -> list[Requirement]:
    """Credentials for the named components (``core`` or binding names), in config order."""
    wanted = set(components)
    reqs = []
    if "core" in wanted:
        reqs.append(Requirement(component="core", registry=config.core.registry,
                                names=config.core.credential,
                                trusted_publishing=config.core.trusted_publishing))
    for binding in config.bindings:
        if binding.name in wanted:
            reqs.append(Requirement(component=binding.name, registry=binding.registry,
                                    names=binding.credential,
                                    trusted_publishing=binding.trusted_publishing))
    return reqs


def oidc_available(env: Mapping[str, str]) -> bool:
    """True when GitHub Actions offers an OIDC ID token to this job."""
    return all(env.get(name) for name in _OIDC)


def satisfied_by(req: Requirement, env: Mapping[str, str]) -> str | None:
    """The variable (or ``trusted publishing``) that satisfies ``req``, or ``None``."""
    for name in req.names:
        if env.get(name):
            return name
    if req.trusted_publishing and oidc_available(env):
        return "trusted publishing"
    return None


def missing(reqs: Iterable[Requirement], env: Mapping[str, str]) -> list[str]:
    """A message per unsatisfied requirement (empty when all are satisfied)."""
    messages = []
    for req in reqs:
        if satisfied_by(req, env) is not None or (not req.names and not req.trusted_publishing):
            continue
        message = f"{req.describe()} is not set"
        if req.trusted_publishing:
            message += (f"; trusted publishing is enabled but {' and '.join(_OIDC)} are not set "
                        f"(needs `permissions: id-token: write`). Note: {_LIMITS[req.registry]}")
        messages.append(message)
    return messages


def check(reqs: Iterable[Requirement], env: Mapping[str, str]) -> None:
    """Raise :class:`CredentialsMissing` listing every missing credential."""
    problems = missing(list(reqs), env)
    if problems:
        raise CredentialsMissing(problems)
