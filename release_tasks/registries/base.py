"""What every registry kind provides: :class:`RegistryKind`, with its index client and its
target (the values they take and give are in :mod:`release_tasks.registries.values`).

A registry kind is everything the tool knows about one kind of registry: how a version is
spelled and ordered there, where it lives and how to ask it what it has, how a credential
reaches its tools, how a binding is built, checked and uploaded to it, how a version is
withdrawn from it, how to depend on a branch instead of a release, and what a CI job needs to
publish there. :data:`release_tasks.registries.REGISTRIES` lists the kinds by the name
``release.toml`` uses; nothing outside the kinds' own modules tells them apart by name.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from release_tasks.registries.endpoints import EndpointField, Endpoints

if TYPE_CHECKING:
    import httpx

    from release_tasks.config import Binding
    from release_tasks.registries import values
    from release_tasks.registries.http import Sleep
    from release_tasks.version import BindingVersion

__all__ = ["EndpointField", "Endpoints", "IndexClient", "RegistryKind", "Target"]


class IndexClient(Protocol):
    """How a kind asks its registry what it has (a module of its own, ``index.py``)."""

    def versions(self, client: httpx.Client, endpoints: Endpoints, name: str, *,
                 sleep: Sleep = ...) -> list[str]: ...

    def exists(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
               sleep: Sleep = ...) -> bool: ...

    def files(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
              sleep: Sleep = ...) -> list[values.RemoteFile]: ...


class Target(Protocol):
    """How a kind builds, checks and uploads a binding (a module of its own)."""

    def check_tools(self, ctx: values.PublishContext) -> None: ...

    def expected_files(self, ctx: values.PublishContext) -> list[values.ExpectedFile]: ...

    def build(self, ctx: values.PublishContext) -> values.Build: ...

    def verify(self, ctx: values.PublishContext, build: values.Build) -> list[str]: ...

    def describe(self, ctx: values.PublishContext, build: values.Build) -> str: ...

    def upload(self, ctx: values.PublishContext, build: values.Build) -> None: ...

    def identify(self, ctx: values.PublishContext, path: Path) -> values.Artifact: ...


class RegistryKind(Protocol):
    """One kind of registry; see the module docstring. Instances are stateless."""

    @property
    def name(self) -> str:
        """The name in ``release.toml`` (``registry = "npm"``) and in :data:`REGISTRIES`."""
        ...

    @property
    def label(self) -> str:
        """How messages name it: crates.io, RubyGems, PyPI, npm."""
        ...

    @property
    def for_bindings(self) -> bool:
        """Whether a binding may publish there (the core's crates go to a cargo registry only)."""
        ...

    @property
    def ships_crate_source(self) -> bool:
        """Whether its packages carry the binding crate's source (a gem's ``ext/`` crate, a
        maturin sdist), so that the crate's core pins must be resolvable from crates.io."""
        ...

    @property
    def rendering_form(self) -> str | None:
        """What its rendering of ``X.Y.Z.P`` is when it is not ``X.Y.Z.P`` itself ("an npm
        version X.Y.(Z*1000+P), ..."): a version file holding ``X.Y.Z`` is then no older
        scheme's version but a rendering."""
        ...

    @property
    def endpoint_fields(self) -> tuple[EndpointField, ...]:
        """Where it lives: one field per URL, with its config key, variable and default."""
        ...

    @property
    def trusted_publishing(self) -> str:
        """What trusted publishing (OIDC) needs there, said when it is enabled but not offered."""
        ...

    @property
    def secret_variables(self) -> tuple[str, ...]:
        """The variables its tools read secrets from, or patterns of them (``*``): no other
        child's environment has them."""
        ...

    @property
    def alias(self) -> str | None:
        """The ``publish_<language>`` stage that picks a binding of this kind, if any."""
        ...

    @property
    def ci(self) -> values.CiSetup:
        """What its CI job sets up, and the secret it is given."""
        ...

    @property
    def withdraws_by_api(self) -> bool:
        """Whether a version is withdrawn by commands (else: the steps to follow are printed)."""
        ...

    @property
    def can_undo_withdrawal(self) -> bool:
        """Whether ``yank --undo`` can restore a withdrawn version."""
        ...

    @property
    def platform_tags(self) -> Mapping[str, str]:
        """Each canonical platform it has a package for, as it names it (a wheel's platform
        tag, a RubyGems platform, napi's triple); empty: it knows no platforms (crates)."""
        ...

    @property
    def adds_files(self) -> bool:
        """Whether a published version takes new files (a wheel, a platform gem): what
        ``publish --backfill`` needs."""
        ...

    def platforms_of_file(self, name: str, package: str, rendering: str) -> frozenset[str]:
        """The platforms a file it lists for ``package`` ``rendering`` serves, by its name."""
        ...

    def platform_steps(self, platform: str) -> frozenset[str] | None:
        """The build steps that make ``platform``'s files (``None``: all of them)."""
        ...

    def platform_package(self, package: str, platform: str) -> str:
        """The package that holds ``package``'s build for ``platform`` (npm: a package of its
        own per platform; elsewhere ``package`` itself)."""
        ...

    def identify(self, ctx: values.PublishContext, path: Path) -> values.Artifact:
        """What the file ``path`` says it is: package, version and platforms, read from it."""
        ...

    # --- versions -------------------------------------------------------------------------

    def render(self, version: BindingVersion) -> str:
        """``version`` as this registry spells it (its grammar is checked by the caller)."""
        ...

    def read_rendering(self, text: str, source: str) -> BindingVersion:
        """Inverse of :meth:`render`; VersionError naming ``source`` when it is not one."""
        ...

    def check_grammar(self, text: str) -> None:
        """VersionError when this registry would refuse ``text`` as a version."""
        ...

    def sort_key(self, text: str) -> Any:
        """A key in this registry's order (equal keys: equal versions); VersionError else."""
        ...

    def package_key(self, package: str) -> str:
        """``package`` as this registry compares names (PyPI normalizes them)."""
        ...

    # --- where it is and what it has ----------------------------------------------------------

    def endpoints(self, env: Mapping[str, str], given: Mapping[str, str]) -> Endpoints:
        """The endpoints for one component: ``env`` over ``given`` (a binding's ``endpoints``
        over ``[registries]``, by config key) over the defaults."""
        ...

    def versions(self, client: httpx.Client, endpoints: Endpoints, name: str, *,
                 sleep: Sleep = ...) -> list[str]:
        """Every version the registry lists for ``name``; ``[]`` if the package is absent."""
        ...

    def exists(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
               sleep: Sleep = ...) -> bool:
        """Whether ``version`` (in this registry's rendering) is published for ``name``."""
        ...

    def files(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
              sleep: Sleep = ...) -> list[values.RemoteFile]:
        """Every file the registry lists for ``version`` (its rendering) of ``name``, with the
        digests it gives; ``[]`` when it lists none. Named as the kind's build names them."""
        ...

    def credential_env(self, env: Mapping[str, str], source: str | None,
                       endpoints: Endpoints) -> AbstractContextManager[values.ToolEnv]:
        """The environment of its upload and withdrawal tools, with the credential read from
        the variable ``source`` where the tool looks for it (never in argv)."""
        ...

    def source_warnings(self, root: Path, binding: Binding) -> list[str]:
        """What in a binding's sources a release cannot fix but users should (drift check)."""
        ...

    # --- publishing a binding (stateless: what build makes, verify and upload take) -----------

    def add_arguments(self, parser: argparse._ActionsContainer) -> None:
        """The command-line options of its bindings' publish (PyPI: ``--compatibility``)."""
        ...

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        """The options of :meth:`add_arguments` that ``args`` gives (for ``ctx.options``)."""
        ...

    def check_tools(self, ctx: values.PublishContext) -> None:
        """ToolMissing saying what to install, before anything runs."""
        ...

    def expected_files(self, ctx: values.PublishContext) -> list[values.ExpectedFile]:
        """The files a complete ``ctx.version`` has on the registry, each with the build step
        that makes it; read before any build (it may run a tool that evaluates a manifest)."""
        ...

    def build(self, ctx: values.PublishContext) -> values.Build:
        """Build the artifacts of ``ctx.build_steps`` (all of them when ``None``), with
        ``ctx.build_env()``: no credential, ``SOURCE_DATE_EPOCH`` set."""
        ...

    def verify(self, ctx: values.PublishContext, build: values.Build) -> list[str]:
        """Every reason the registry would refuse ``build``; empty when it would take it."""
        ...

    def describe(self, ctx: values.PublishContext, build: values.Build) -> str:
        """What a dry run shows: the artifacts, their metadata and contents."""
        ...

    def upload(self, ctx: values.PublishContext, build: values.Build) -> None:
        """Upload ``build``, with the credential given by :meth:`credential_env`."""
        ...

    # --- withdrawal, edge ------------------------------------------------------------------

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        """UsageError for what this registry cannot do (``--undo``, ``--message``)."""
        ...

    def withdrawal(self, ctx: values.WithdrawContext, plan: values.YankPlan) -> values.YankPlan:
        """``plan`` with the commands (or the manual steps) that withdraw the version."""
        ...

    def edge(self, source: values.EdgeSource) -> values.Snippet:
        """How to depend on ``source.ref`` of the repository instead of a release."""
        ...
