"""Credential preflight: every token the planned publishes need, checked before any build.

Only components that are actually released count. Every missing credential is listed at
once, with the component that needs it. Trusted publishing (OIDC in GitHub Actions) counts
as a credential where the config enables it and the runner offers an ID token.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from release_tasks.errors import CredentialsMissing
from release_tasks.log import get_logger, register_secrets_from_env
from release_tasks.version import Registry

if TYPE_CHECKING:
    from release_tasks.config import Config

log = get_logger("credentials")

_OIDC = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """One credential: the component needing it and the variables that can provide it."""

    component: str
    registry: Registry
    names: tuple[str, ...]
    trusted_publishing: bool
    #: Where it really publishes, when the registry kind does not say it (a cargo registry).
    where: str = ""

    def describe(self) -> str:
        names = " or ".join(self.names)
        return f"{names} (for {self.component} on {self.where or self.registry})"


def requirements(config: Config, components: Iterable[str]) -> list[Requirement]:
    """Credentials for the named components (``core`` or binding names), in config order."""
    wanted = set(components)
    reqs = []
    if "core" in wanted:
        cargo_registry = config.core.cargo_registry
        reqs.append(Requirement(component="core", registry=config.core.registry,
                                names=config.core.credential,
                                trusted_publishing=config.core.trusted_publishing,
                                where=f"cargo registry {cargo_registry}" if cargo_registry
                                else ""))
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
            from release_tasks.registries import kind_of

            message += (f"; trusted publishing is enabled but {' and '.join(_OIDC)} are not set "
                        f"(needs `permissions: id-token: write`). Note: "
                        f"{kind_of(req.registry).trusted_publishing}")
        messages.append(message)
    return messages


def check(reqs: Iterable[Requirement], env: Mapping[str, str]) -> None:
    """Raise :class:`CredentialsMissing` listing every missing credential."""
    problems = missing(list(reqs), env)
    if problems:
        raise CredentialsMissing(problems)


def preflight(config: Config, component: str, env: Mapping[str, str], *, dry_run: bool,
              trusted_publishing: bool = True) -> list[str]:
    """The one credential check of every stage that uses a registry's credential (publish,
    publish_crates, yank), before anything is built or run.

    A real run raises :class:`CredentialsMissing`; a dry run warns and returns what a real
    run would stop on. ``trusted_publishing=False``: OIDC does not count (it uploads only).
    """
    reqs = requirements(config, [component])
    register_secrets_from_env(env, [n for r in reqs for n in r.names])
    if not trusted_publishing:
        reqs = [Requirement(component=r.component, registry=r.registry, names=r.names,
                            trusted_publishing=False) for r in reqs]
    if not dry_run:
        check(reqs, env)
        return []
    problems = missing(reqs, env)
    for problem in problems:
        log.warning("  [dry-run] a real run would stop here: %s", problem)
    return problems


def secret_names(config: Config) -> list[str]:
    """Every variable (or pattern of them) that holds a registry credential: what the config
    names for each component, and what each registry kind's tools read."""
    from release_tasks.registries import REGISTRIES

    names = [*config.core.credential, *(n for b in config.bindings for n in b.credential)]
    return names + [n for kind in REGISTRIES.values() for n in kind.secret_variables]


def without_secrets(env: Mapping[str, str], config: Config,
                    keep: Iterable[str] = ()) -> dict[str, str]:
    """``env`` without any registry credential but those named in ``keep``: build steps
    get none, and each upload only its own."""
    kept = set(keep)
    patterns = [n for n in secret_names(config) if n not in kept]
    return {k: v for k, v in env.items()
            if k in kept or not any(fnmatch.fnmatchcase(k, p) for p in patterns)}
