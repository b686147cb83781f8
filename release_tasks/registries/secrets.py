"""Which credential a component needs and which variable holds it: pure functions over the
config's values and an environment (the checks and messages are :mod:`release_tasks.config.credentials`).

Trusted publishing (OIDC in GitHub Actions) counts as a credential where the config enables
it and the runner offers an ID token.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from release_tasks.model.components import Binding, Config
from release_tasks.model.version import Registry

OIDC_VARIABLES = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")


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


def requirement_of(binding: Binding) -> Requirement:
    """The credential ``binding``'s upload needs."""
    return Requirement(component=binding.name, registry=binding.registry,
                       names=binding.credential, trusted_publishing=binding.trusted_publishing)


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
    reqs.extend(requirement_of(b) for b in config.bindings if b.name in wanted)
    return reqs


def oidc_available(env: Mapping[str, str]) -> bool:
    """True when GitHub Actions offers an OIDC ID token to this job."""
    return all(env.get(name) for name in OIDC_VARIABLES)


def satisfied_by(req: Requirement, env: Mapping[str, str]) -> str | None:
    """The variable (or ``trusted publishing``) that satisfies ``req``, or ``None``."""
    for name in req.names:
        if env.get(name):
            return name
    if req.trusted_publishing and oidc_available(env):
        return "trusted publishing"
    return None


def without_secrets(env: Mapping[str, str], secret_names: Iterable[str],
                    keep: Iterable[str] = ()) -> dict[str, str]:
    """``env`` without any variable matching ``secret_names`` (names or shell patterns) but
    those named in ``keep``: build steps get no credential, and each upload only its own."""
    kept = set(keep)
    patterns = [n for n in secret_names if n not in kept]
    return {k: v for k, v in env.items()
            if k in kept or not any(fnmatch.fnmatchcase(k, p) for p in patterns)}
