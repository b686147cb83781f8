"""What every registry kind provides, :class:`RegistryKind` with its index client and its
target, and the frozen values they take and give back (made once per run).

A registry kind is everything the tool knows about one kind of registry: how a version is
spelled and ordered there, where it lives and how to ask it what it has, how a credential
reaches its tools, how a binding is built, checked and uploaded to it, how a version is
withdrawn from it, how to depend on a branch instead of a release, and what a CI job needs to
publish there. :data:`release_tasks.registries.REGISTRIES` lists the kinds by the name
``release.toml`` uses; nothing outside the kinds' own modules tells them apart by name.
"""

from __future__ import annotations

import argparse
import fnmatch
import shlex
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from release_tasks.registries import secrets
from release_tasks.registries.endpoints import EndpointField, Endpoints

if TYPE_CHECKING:
    import httpx

    from release_tasks.model.components import Binding, Config
    from release_tasks.model.duplicates import OnDuplicate
    from release_tasks.model.version import BindingVersion, CoreVersion
    from release_tasks.registries.http import Sleep
    from release_tasks.registries.trust import TrustSetup

__all__ = ["EndpointField", "Endpoints", "IndexClient", "RegistryKind", "Target"]


#: Where builds put what they make, under the repository root (``target/`` is cargo's,
#: so it is already ignored by git in a Rust workspace).
ARTIFACTS_DIR = Path("target") / "release-artifacts"
RefKind = Literal["branch", "tag", "rev"]


def _client() -> httpx.Client:
    from release_tasks.registries.http import make_client  # HTTP is loaded when used

    return make_client()


@dataclass(frozen=True, kw_only=True)
class PublishContext:
    """One binding's publish: the command line, checked against the repository."""

    root: Path
    config: Config
    binding: Binding
    version: BindingVersion
    rendering: str
    env: Mapping[str, str]
    endpoints: Endpoints
    dry_run: bool
    on_duplicate: OnDuplicate
    push_tags: bool
    artifacts_dir: Path | None = None
    #: The kind's own command-line options (PyPI: ``compatibility``, ``zig``).
    options: Mapping[str, Any] = field(default_factory=dict)
    #: The one HTTP client of the run.
    http: httpx.Client = field(default_factory=_client)
    #: The build steps this run needs (of :meth:`RegistryKind.expected_files`); ``None``: all.
    #: A target that cannot build part of its files may build them all.
    build_steps: frozenset[str] | None = None
    #: The platform ``build --platform`` makes files for (a cross build when it is not this
    #: machine's and not ``source``); ``None``: this machine's, as the publish builds.
    platform: str | None = None
    #: HEAD: the commit built, published and tagged.
    commit: str | None = None
    #: ``SOURCE_DATE_EPOCH`` of every build step: that commit's committer time, so that two
    #: builds of one commit give the same bytes.
    source_date_epoch: int | None = None
    #: Whether uncommitted changes to tracked files may be packed (``--allow-dirty``).
    allow_dirty: bool = False
    #: ``--backfill``: upload only the platforms a published version lacks.
    backfill: bool = False
    #: The binding's registry kind (the caller looks it up: a value never calls the catalogue).
    kind: RegistryKind
    #: Every variable (or pattern) that holds a registry credential, of the config and of
    #: every kind's tools (:func:`release_tasks.config.credentials.secret_names`).
    secret_names: tuple[str, ...] = ()
    #: Whether files the registry holds with other bytes may be tagged as published
    #: (``--accept-registry-bytes``, after checking them; the tag records them).
    accept_registry_bytes: bool = False

    @property
    def directory(self) -> Path:
        return self.root / self.binding.directory

    @property
    def label(self) -> str:
        return f"{self.binding.package}@{self.rendering}"

    @property
    def tag(self) -> str:
        return f"{self.binding.tag_prefix}{self.version}"

    @property
    def registry_label(self) -> str:
        return self.kind.label

    @property
    def output_dir(self) -> Path:
        return self.root / ARTIFACTS_DIR / self.binding.name

    def step_dir(self, step: str) -> Path:
        """Where build step ``step`` writes its files: a step rebuilds only its own."""
        return self.output_dir / step

    def wants(self, step: str) -> bool:
        """Whether this run builds ``step``."""
        return self.build_steps is None or step in self.build_steps

    def credential(self) -> str | None:
        """The variable holding the credential, ``"trusted publishing"``, or ``None``."""
        return secrets.satisfied_by(secrets.requirement_of(self.binding), self.env)

    def build_env(self) -> dict[str, str]:
        """The environment of build tools: ours without any registry credential, and
        ``SOURCE_DATE_EPOCH`` (one the environment already sets is kept: a deliberate choice)."""
        env = secrets.without_secrets(self.env, self.secret_names)
        if self.source_date_epoch is not None and not env.get("SOURCE_DATE_EPOCH"):
            env["SOURCE_DATE_EPOCH"] = str(self.source_date_epoch)
        return env

    def upload_env(self) -> dict[str, str]:
        """The environment of the upload tool: ours with only this binding's credential (the
        kind's :meth:`credential_env` then puts it where its tool reads it)."""
        return secrets.without_secrets(self.env, self.secret_names, keep=self.binding.credential)


@dataclass(frozen=True, kw_only=True)
class Build:
    """What a build made: the files to verify and upload."""

    artifacts: tuple[Path, ...]


@dataclass(frozen=True, kw_only=True)
class Artifact:
    """What a built file says it is: its package, version and platforms, read from the
    file itself (a wheel's metadata and tags, a gem's spec, a tarball's package.json)."""

    path: Path
    package: str
    version: str
    #: The canonical platforms it installs on (``source`` for a source package); empty when
    #: its registry name for the platform is none of the canonical ones.
    platforms: frozenset[str]
    #: The platform as the file names it (``manylinux_2_34_x86_64``, ``arm64-darwin``,
    #: ``darwin/arm64``), for messages.
    tag: str
    #: What else tells two files of one platform apart (a wheel's ``cp312-cp312``): a
    #: platform's set may hold one file per variant (a wheel per Python version).
    variant: str = ""
    #: The packages it pins (npm's main package: its ``optionalDependencies``).
    requires: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RemoteFile:
    """A file the registry lists for one version, with the digests it gives for it."""

    #: The name the kind's build gives the file (npm: ``npm pack``'s ``scope-name-X.Y.Z.tgz``).
    name: str
    #: Algorithm (``sha256``, ``sha512``, ``sha1``) to lowercase hex digest; may be empty.
    digests: Mapping[str, str] = field(default_factory=dict)
    #: Where the registry shows the file's provenance (PyPI: its PEP 740 provenance; npm:
    #: its attestations), ``None`` when the registry shows none for it.
    provenance: str | None = None


@dataclass(frozen=True, kw_only=True)
class ExpectedFile:
    """A file a complete version must have on the registry, and the build step making it."""

    step: str
    #: The exact name, or a shell pattern (``fnmatch``) where only the build knows it: a
    #: wheel's tags.
    name: str
    #: How messages call it when ``name`` is a pattern ("a wheel for linux x86_64").
    what: str = ""

    @property
    def exact(self) -> bool:
        return not any(c in self.name for c in "*?[")

    def matches(self, filename: str) -> bool:
        return filename == self.name if self.exact else fnmatch.fnmatchcase(filename, self.name)

    def __str__(self) -> str:
        return self.name if self.exact or not self.what else f"{self.what} ({self.name})"


@dataclass(frozen=True, kw_only=True)
class ToolEnv:
    """The environment a credential reaches a tool in, and where the tool must run (a
    scratch directory, when a project file there could override what was prepared)."""

    env: dict[str, str]
    cwd: Path | None = None


@dataclass(frozen=True, kw_only=True)
class CiSetup:
    """What a registry's publish job in the generated workflow needs."""

    #: The job's environment (``release-<environment>``), which can hold its secret.
    environment: str
    #: The repository secret the credential comes from (``None``: the kind takes none).
    secret: str | None
    #: What that secret is, for the workflow's header ("RubyGems API key").
    secret_help: str = ""
    #: Toolchain steps before Python, as YAML lines of a step list (indented 6).
    steps: tuple[str, ...] = ()
    #: Workflow-level variables the steps read (``RUBY_VERSION: "3.3"``).
    env: Mapping[str, str] = field(default_factory=dict)
    #: What a job publishes: "gem", "package".
    artifact: str = "package"
    #: Comment lines above the job's ``environment:`` (what its trusted publishing needs).
    notes: tuple[str, ...] = ()
    #: Why the job asks for an OIDC token (the comment on ``id-token: write``).
    id_token: str = "trusted publishing (OIDC)"


class EdgeReader(Protocol):
    """Files of the repository at the edge ref (or in the work tree)."""

    def text(self, path: str) -> str | None: ...

    def names(self, directory: str) -> list[str]: ...


@dataclass(frozen=True, kw_only=True)
class EdgeSource:
    """What an edge snippet is made from: the component, the repository and the ref."""

    config: Config
    binding: Binding | None  # None: the core crates
    reader: EdgeReader
    url: str
    ref: str
    ref_kind: RefKind


@dataclass(frozen=True, kw_only=True)
class Snippet:
    """What to write (or run) to depend on one component at the ref, and what to know."""

    component: str
    tool: str
    title: str
    code: str
    notes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class YankRequest:
    """The command line of ``yank``."""

    component: str
    version: str
    undo: bool = False
    dry_run: bool = False
    registry: str | None = None  # an alternative cargo registry (core only)
    message: str | None = None  # npm's deprecation message, PyPI's yank reason


@dataclass(frozen=True, kw_only=True)
class WithdrawContext:
    """What a kind plans a withdrawal from."""

    root: Path
    config: Config
    binding: Binding | None  # None: the core crates
    version: str  # canonical: X.Y.Z for the core, X.Y.Z.P for a binding
    request: YankRequest
    env: Mapping[str, str]
    #: Where the registry is, as configured (by config key): the kind resolves it.
    given: Mapping[str, str]
    http: httpx.Client


@dataclass(frozen=True, kw_only=True)
class Command:
    """One command of a plan: what it withdraws, and its argv (which never holds a secret)."""

    subject: str
    argv: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class YankPlan:
    """What ``yank`` will do: the commands, where they run and how the credential gets there."""

    component: str
    version: str  # canonical: X.Y.Z for the core, X.Y.Z.P for a binding
    registry: str
    where: str  # the registry as messages name it
    verb: str  # yank, un-yank, deprecate, un-deprecate
    commands: tuple[Command, ...] = ()
    cwd: Path | None = None  # where the commands run
    endpoints: Endpoints | None = None  # where the commands go
    undo_args: tuple[str, ...] = ()  # what the undo command adds (an alternative registry)
    credential: str | None = None  # the variable a real run takes the token from
    how: str = ""  # how that token reaches the tool
    notes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # credentials a real run would stop on
    manual: str = ""  # PyPI: the steps on the web UI instead of commands

    def text(self) -> str:
        """The dry run: every command exactly as it would run; secrets are never in them."""
        if self.manual:
            return self.manual
        lines = [f"[dry-run] would {self.verb} {self.component} {self.version} on {self.where}; "
                 f"nothing was run or changed. The command(s):"]
        lines += [f"  {shlex.join(c.argv)}" for c in self.commands]
        if self.how:
            lines.append(f"Credential: {self.how}.")
        lines += self.notes
        lines += [f"A real run would stop here: {m}" for m in self.missing]
        return "\n".join(lines)


class IndexClient(Protocol):
    """How a kind asks its registry what it has (a module of its own, ``index.py``)."""

    def versions(self, client: httpx.Client, endpoints: Endpoints, name: str, *,
                 sleep: Sleep = ...) -> list[str]: ...

    def exists(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
               sleep: Sleep = ...) -> bool: ...

    def files(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
              sleep: Sleep = ...) -> list[RemoteFile]: ...


class Target(Protocol):
    """How a kind builds, checks and uploads a binding (a module of its own)."""

    def check_tools(self, ctx: PublishContext) -> None: ...

    def expected_files(self, ctx: PublishContext) -> list[ExpectedFile]: ...

    def build(self, ctx: PublishContext) -> Build: ...

    def verify(self, ctx: PublishContext, build: Build) -> list[str]: ...

    def describe(self, ctx: PublishContext, build: Build) -> str: ...

    def upload(self, ctx: PublishContext, build: Build) -> None: ...

    def identify(self, ctx: PublishContext, path: Path) -> Artifact: ...


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
    def binding_names(self) -> tuple[str, ...]:
        """The names ``init`` gives a binding there, in order of preference (its language)."""
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
    def trust(self) -> TrustSetup:
        """Its trusted publishing: the publisher form, pending publishers, what shadows it."""
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
    def ci(self) -> CiSetup:
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

    def cross_builds(self, host: str) -> frozenset[str]:
        """The native platforms it builds on a machine of platform ``host`` besides ``host``
        itself (a cross build: PyPI's and npm's Linux targets with zig on a Linux machine);
        empty when each is built on a runner of its own."""
        ...

    @property
    def cross_tool(self) -> str:
        """How it cross-builds (``maturin build --target T --zig``), or why it does not: for
        the message that refuses a platform it cannot build here."""
        ...

    def setup_platforms(self, read: Callable[[str], str | None], files: Sequence[str],
                        directory: str, host: str | None) -> tuple[tuple[str, ...], str]:
        """The platforms a binding's own setup in ``directory`` names (its tracked ``files``,
        read with ``read``), and where they come from; ``((), "")`` when it names none."""
        ...

    def platform_package(self, package: str, platform: str) -> str:
        """The package that holds ``package``'s build for ``platform`` (npm: a package of its
        own per platform; elsewhere ``package`` itself)."""
        ...

    def identify(self, ctx: PublishContext, path: Path) -> Artifact:
        """What the file ``path`` says it is: package, version and platforms, read from it."""
        ...

    # --- versions -------------------------------------------------------------------------

    def render(self, version: BindingVersion) -> str:
        """``version`` as this registry spells it (its grammar is checked by the caller)."""
        ...

    def read_rendering(self, text: str, source: str) -> BindingVersion:
        """Inverse of :meth:`render`; VersionError naming ``source`` when it is not one."""
        ...

    def read_plain(self, text: str, source: str) -> CoreVersion:
        """A plain ``X.Y.Z[-LABEL.N]`` (a lockstep or independent binding's) from this
        registry's spelling of it; VersionError naming ``source`` when it is not one."""
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
              sleep: Sleep = ...) -> list[RemoteFile]:
        """Every file the registry lists for ``version`` (its rendering) of ``name``, with the
        digests it gives; ``[]`` when it lists none. Named as the kind's build names them."""
        ...

    def credential_env(self, env: Mapping[str, str], source: str | None,
                       endpoints: Endpoints) -> AbstractContextManager[ToolEnv]:
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

    def check_tools(self, ctx: PublishContext) -> None:
        """ToolMissing saying what to install, before anything runs."""
        ...

    def expected_files(self, ctx: PublishContext) -> list[ExpectedFile]:
        """The files a complete ``ctx.version`` has on the registry, each with the build step
        that makes it; read before any build (it may run a tool that evaluates a manifest)."""
        ...

    def build(self, ctx: PublishContext) -> Build:
        """Build the artifacts of ``ctx.build_steps`` (all of them when ``None``), with
        ``ctx.build_env()``: no credential, ``SOURCE_DATE_EPOCH`` set."""
        ...

    def verify(self, ctx: PublishContext, build: Build) -> list[str]:
        """Every reason the registry would refuse ``build``; empty when it would take it."""
        ...

    def describe(self, ctx: PublishContext, build: Build) -> str:
        """What a dry run shows: the artifacts, their metadata and contents."""
        ...

    def upload(self, ctx: PublishContext, build: Build) -> None:
        """Upload ``build``, with the credential given by :meth:`credential_env`."""
        ...

    # --- withdrawal, edge ------------------------------------------------------------------

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        """UsageError for what this registry cannot do (``--undo``, ``--message``)."""
        ...

    def withdrawal(self, ctx: WithdrawContext, plan: YankPlan) -> YankPlan:
        """``plan`` with the commands (or the manual steps) that withdraw the version."""
        ...

    def edge(self, source: EdgeSource) -> Snippet:
        """How to depend on ``source.ref`` of the repository instead of a release."""
        ...
