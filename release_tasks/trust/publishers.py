"""``trust``: what to enter on each registry's trusted-publisher form, and what is still
missing there (room: ``trust/``).

Per component, the form's fields come from the repository (owner and name: ``--repository``,
``GITHUB_REPOSITORY``, ``project.repository`` or the ``origin`` remote), the generated
workflow (its file name and the component's publish job's environment). Per package, the
registry is asked whether it exists, and the next step follows from the registry's rules
(:class:`release_tasks.registries.trust.TrustSetup`): an existing package gets a publisher on
its settings page; a new one gets a *pending* publisher where the registry has them (PyPI,
RubyGems), or its first version published with a token first (crates.io, npm).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from release_tasks import edge
from release_tasks.errors import ReleaseError, UsageError
from release_tasks.git import repo as git
from release_tasks.model.components import Config
from release_tasks.registries import given_endpoints, kind_of
from release_tasks.registries.trust import TrustSetup
from release_tasks.workflow.generate import WORKFLOW_PATH, binding_jobs

if TYPE_CHECKING:
    import httpx

#: What the registry said of a package: there, absent, no definite answer, or not asked.
State = Literal["exists", "new", "unknown", "unasked"]
Step = Literal["configure", "pending", "token", "unknown", "ask"]
_SHORT = {"configure": "configure a publisher", "pending": "add a pending publisher",
          "token": "first version with a token, then configure", "unknown": "registry unreachable",
          "ask": "not asked (--registries)"}


@dataclass(frozen=True, kw_only=True)
class Form:
    """The trusted-publisher form's fields, the same on the four registries."""

    owner: str
    repository: str
    workflow: str
    environment: str

    def fields(self, workflow_field: str) -> str:
        return (f"owner {self.owner}, repository {self.repository}, {workflow_field.lower()} "
                f"{self.workflow}, environment {self.environment}")


@dataclass(frozen=True, kw_only=True)
class PackageTrust:
    """One package: whether the registry has it, and what to do next."""

    package: str
    state: State
    step: Step
    text: str  # the step in full, with its URL


@dataclass(frozen=True, kw_only=True)
class ComponentTrust:
    """One component's trusted publishing: the form, and each package's next step."""

    component: str
    registry: str  # its label
    enabled: bool  # trusted-publishing = true in the config
    form: Form
    workflow_field: str
    packages: tuple[PackageTrust, ...]
    provenance: str

    def line(self) -> str:
        """The one line ``release --dry-run`` shows."""
        steps: dict[str, list[str]] = {}
        for package in self.packages:
            steps.setdefault(_SHORT[package.step], []).append(package.package)
        what = "; ".join(f"{step}: {', '.join(names)}" for step, names in steps.items())
        off = "" if self.enabled else " (trusted-publishing is off: a token publishes)"
        return (f"{self.component} ({self.registry}){off}: {what} "
                f"[{self.form.fields(self.workflow_field)}]")

    def text(self) -> list[str]:
        lines = [f"{self.component} ({self.registry})"
                 + ("" if self.enabled else ": trusted-publishing = false in release.toml; "
                    "set it to true once the publisher is configured"),
                 f"  form: {self.form.fields(self.workflow_field)}",
                 f"  provenance: {self.provenance}"]
        lines += [f"  {p.package}: {p.text}" for p in self.packages]
        return lines


def owner_repository(root: Path, config: Config, env: Mapping[str, str],
                     given: str | None) -> tuple[str, str]:
    """``(owner, name)`` of the GitHub repository: ``given`` (``OWNER/NAME``), else
    ``GITHUB_REPOSITORY`` (set in every Actions job), else ``project.repository`` or the
    ``origin`` remote, when on github.com."""
    slug = given or env.get("GITHUB_REPOSITORY", "").strip()
    if not slug:
        url, source = edge.repository_url(git.open_repo(root), config)
        slug = _github_path(url) or ""
        if not slug:
            raise UsageError(f"the repository ({url}, from {source}) is not on github.com, "
                             "whose Actions the registries trust: pass --repository OWNER/NAME")
    return _split(slug)


def _github_path(url: str) -> str | None:
    parts = urlsplit(url)
    path = parts.path.strip("/").removesuffix(".git")
    return path if parts.hostname == "github.com" and path.count("/") == 1 else None


def _split(slug: str) -> tuple[str, str]:
    owner, _, name = slug.partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(f"--repository {slug!r}: expected OWNER/NAME")
    return owner, name


def known_owner_repository(config: Config, env: Mapping[str, str]) -> tuple[str, str]:
    """:func:`owner_repository` without running git (``GITHUB_REPOSITORY``, then
    ``project.repository``); ``("OWNER", "NAME")`` when neither says."""
    slug = env.get("GITHUB_REPOSITORY", "").strip() or _github_path(config.repository or "")
    try:
        return _split(slug) if slug else ("OWNER", "NAME")
    except UsageError:
        return "OWNER", "NAME"


def environments(config: Config) -> dict[str, str]:
    """Each component's GitHub environment in the generated workflow (what the form names)."""
    core = f"release-{kind_of(config.core.registry).ci.environment}"
    return {"core": core, **{job.binding.name: job.environment for job in binding_jobs(config)}}


def _packages(config: Config, component: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The registry, the packages and the token variables of ``component``."""
    if component == "core":
        return config.core.registry, config.core.crates, config.core.credential
    binding = config.binding(component)
    return binding.registry, (binding.package,), binding.credential


def lines(config: Config, components: Iterable[str], env: Mapping[str, str],
          http: httpx.Client | None) -> list[str]:
    """A dry run's line per component (the repository as :func:`known_owner_repository`
    finds it); the registries are not asked without ``http``."""
    owner_repo = known_owner_repository(config, env)
    return [c.line() for c in survey(config, components, owner_repo, env, http)]


def survey(config: Config, components: Iterable[str], owner_repo: tuple[str, str],
           env: Mapping[str, str], http: httpx.Client | None) -> list[ComponentTrust]:
    """A :class:`ComponentTrust` per component, each package asked of its registry (not
    asked without ``http``)."""
    owner, repository = owner_repo
    places = environments(config)
    result = []
    for component in components:
        registry, packages, tokens = _packages(config, component)
        kind = kind_of(registry)
        own = None if component == "core" else config.binding(component).endpoints
        form = Form(owner=owner, repository=repository, workflow=WORKFLOW_PATH.name,
                    environment=places[component])
        found = tuple(_package(kind.trust, package,
                               _state(config, registry, own, package, env, http), tokens)
                      for package in packages)
        enabled = (config.core.trusted_publishing if component == "core"
                   else config.binding(component).trusted_publishing)
        result.append(ComponentTrust(component=component, registry=kind.label, enabled=enabled,
                                     form=form, workflow_field=kind.trust.workflow_field,
                                     packages=found, provenance=kind.trust.provenance))
    return result


def _state(config: Config, registry: str, own: Mapping[str, str] | None, package: str,
           env: Mapping[str, str], http: httpx.Client | None) -> tuple[State, str]:
    if http is None:
        return "unasked", ""

    def quick(seconds: float) -> None:
        time.sleep(min(seconds, 1.0))  # an overview: no long waits for a slow registry

    kind = kind_of(registry)
    try:
        endpoints = kind.endpoints(env, given_endpoints(registry, config.registries, own))
        return ("exists" if kind.versions(http, endpoints, package, sleep=quick) else "new"), ""
    except ReleaseError as exc:
        return "unknown", str(exc)


def _package(trust: TrustSetup, package: str, answer: tuple[State, str],
             tokens: tuple[str, ...]) -> PackageTrust:
    state, why = answer
    settings = trust.settings_url.format(package=package)
    if state == "exists":
        return PackageTrust(package=package, state=state, step="configure",
                            text=f"exists: add a trusted publisher at {settings}")
    if state == "unasked":
        return PackageTrust(package=package, state=state, step="ask",
                            text="its registry was not asked (`nox -s trust` asks)")
    if state == "unknown":
        return PackageTrust(package=package, state=state, step="unknown",
                            text=f"cannot tell whether it exists ({why}); re-run `trust` when "
                                 "the registry answers")
    if trust.pending_url is not None:
        return PackageTrust(package=package, state=state, step="pending",
                            text=f"not on the registry yet: add a pending publisher for "
                                 f"{package} at {trust.pending_url} (the first release "
                                 "creates it)")
    token = " or ".join(tokens) or "a token variable in release.toml's credential"
    return PackageTrust(package=package, state=state, step="token",
                        text=f"not on the registry yet, and it takes no publisher before: "
                             f"publish the first version with a token ({token}), then add a "
                             f"trusted publisher at {settings}")
