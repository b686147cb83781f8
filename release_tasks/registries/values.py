"""The values the registry kinds are given and give back: frozen, and made once per run."""

from __future__ import annotations

import fnmatch
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from release_tasks.registries.endpoints import Endpoints

if TYPE_CHECKING:
    import httpx

    from release_tasks.config import Binding, Config
    from release_tasks.duplicates import OnDuplicate
    from release_tasks.registries.base import RegistryKind
    from release_tasks.version import BindingVersion

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
    #: HEAD: the commit built, published and tagged.
    commit: str | None = None
    #: ``SOURCE_DATE_EPOCH`` of every build step: that commit's committer time, so that two
    #: builds of one commit give the same bytes.
    source_date_epoch: int | None = None
    #: Whether uncommitted changes to tracked files may be packed (``--allow-dirty``).
    allow_dirty: bool = False
    #: Whether files the registry holds with other bytes may be tagged as published
    #: (``--accept-registry-bytes``, after checking them; the tag records them).
    accept_registry_bytes: bool = False

    @property
    def kind(self) -> RegistryKind:
        from release_tasks.registries import kind_of

        return kind_of(self.binding.registry)

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
        from release_tasks import credentials

        [req] = credentials.requirements(self.config, [self.binding.name])
        return credentials.satisfied_by(req, self.env)

    def build_env(self) -> dict[str, str]:
        """The environment of build tools: ours without any registry credential, and
        ``SOURCE_DATE_EPOCH`` (one the environment already sets is kept: a deliberate choice)."""
        from release_tasks import credentials

        env = credentials.without_secrets(self.env, self.config)
        if self.source_date_epoch is not None and not env.get("SOURCE_DATE_EPOCH"):
            env["SOURCE_DATE_EPOCH"] = str(self.source_date_epoch)
        return env

    def upload_env(self) -> dict[str, str]:
        """The environment of the upload tool: ours with only this binding's credential (the
        kind's :meth:`credential_env` then puts it where its tool reads it)."""
        from release_tasks import credentials

        return credentials.without_secrets(self.env, self.config, keep=self.binding.credential)


@dataclass(frozen=True, kw_only=True)
class Build:
    """What a build made: the files to verify and upload."""

    artifacts: tuple[Path, ...]


@dataclass(frozen=True, kw_only=True)
class RemoteFile:
    """A file the registry lists for one version, with the digests it gives for it."""

    #: The name the kind's build gives the file (npm: ``npm pack``'s ``scope-name-X.Y.Z.tgz``).
    name: str
    #: Algorithm (``sha256``, ``sha512``, ``sha1``) to lowercase hex digest; may be empty.
    digests: Mapping[str, str] = field(default_factory=dict)


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
