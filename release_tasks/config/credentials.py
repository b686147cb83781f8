"""Credential preflight: every token the planned publishes need, checked before any build.

Only components that are actually released count. Every missing credential is listed at
once, with the component that needs it. Trusted publishing (OIDC in GitHub Actions) counts
as a credential where the config enables it and the runner offers an ID token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from release_tasks.errors import CredentialsMissing
from release_tasks.log import get_logger, register_secrets_from_env
from release_tasks.registries import REGISTRIES, kind_of, secrets
from release_tasks.registries.secrets import (
    OIDC_VARIABLES,
    Requirement,
    oidc_available,
    requirements,
    satisfied_by,
)

if TYPE_CHECKING:
    from release_tasks.model.components import Config

__all__ = ["OIDC_VARIABLES", "Requirement", "check", "missing", "oidc_available", "preflight",
           "requirements", "satisfied_by", "secret_names", "without_secrets"]

log = get_logger("credentials")


def missing(reqs: Iterable[Requirement], env: Mapping[str, str]) -> list[str]:
    """A message per unsatisfied requirement (empty when all are satisfied)."""
    messages = []
    for req in reqs:
        if satisfied_by(req, env) is not None or (not req.names and not req.trusted_publishing):
            continue
        message = f"{req.describe()} is not set"
        if req.trusted_publishing:
            message += (f"; trusted publishing is enabled but {' and '.join(OIDC_VARIABLES)} are not set "
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
                            trusted_publishing=False, where=r.where) for r in reqs]
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
    names = [*config.core.credential, *(n for b in config.bindings for n in b.credential)]
    return names + [n for kind in REGISTRIES.values() for n in kind.secret_variables]


def without_secrets(env: Mapping[str, str], config: Config,
                    keep: Iterable[str] = ()) -> dict[str, str]:
    """``env`` without any registry credential of ``config`` but those named in ``keep``."""
    return secrets.without_secrets(env, secret_names(config), keep)
