"""What the registry kinds share: the defaults of a registry kind, and small pieces for
tools, artifacts, credentials and the semver grammar that cargo and npm both speak."""

from __future__ import annotations

import argparse
import importlib
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar, cast

from release_tasks import cmd
from release_tasks.errors import RegistryUnavailable, ToolMissing, UsageError, VersionError
from release_tasks.registries.endpoints import EndpointField, Endpoints, resolve
from release_tasks.registries.interface import (
    Artifact,
    Build,
    ExpectedFile,
    PublishContext,
    RemoteFile,
    ToolEnv,
    YankRequest,
)
from release_tasks.registries.versionkey import PlainFirst, plain_numbers

if TYPE_CHECKING:
    import httpx

    from release_tasks.model.components import Binding
    from release_tasks.model.version import BindingVersion, CoreVersion
    from release_tasks.registries.http import Sleep
    from release_tasks.registries.interface import IndexClient, Target

CARGO_HINT = "Install Rust (cargo) with rustup: https://rustup.rs"
TRUSTED = "trusted publishing"
T = TypeVar("T")


class KindDefaults:
    """What most registry kinds do: versions spelled ``X.Y.Z.P``, URLs from the endpoint
    fields, the credential copied to the one variable the tool reads, a withdrawal by command
    that can be undone, no warnings about a binding's sources. A kind overrides what its
    registry does differently."""

    name: str
    label: str
    endpoint_fields: tuple[EndpointField, ...]
    #: Its registry's version list: the module (``index.py``), imported when first used.
    index_module: str
    #: Its build, check and upload: the target module, imported when first used.
    target_module: str
    #: The variable its upload and withdrawal tool reads the credential from.
    token_variable: str
    secret_variables: tuple[str, ...]
    for_bindings = True
    binding_names: tuple[str, ...] = ()
    ships_crate_source = False
    rendering_form: str | None = None
    alias: str | None = None
    withdraws_by_api = True
    can_undo_withdrawal = True
    platform_tags: Mapping[str, str] = {}
    adds_files = False

    def platforms_of_file(self, name: str, package: str, rendering: str) -> frozenset[str]:
        return frozenset()

    def platform_package(self, package: str, platform: str) -> str:
        return package

    def setup_platforms(self, read: Callable[[str], str | None], files: Sequence[str],
                        directory: str, host: str | None) -> tuple[tuple[str, ...], str]:
        return (), ""

    def platform_steps(self, platform: str) -> frozenset[str] | None:
        return None

    def cross_builds(self, host: str) -> frozenset[str]:
        return frozenset()

    cross_tool = "it builds each platform on a machine of that platform"

    def identify(self, ctx: PublishContext, path: Path) -> Artifact:
        return self.target.identify(ctx, path)

    @property
    def index(self) -> IndexClient:
        return cast("IndexClient", importlib.import_module(self.index_module))

    @property
    def target(self) -> Target:
        return cast("Target", importlib.import_module(self.target_module))

    def render(self, version: BindingVersion) -> str:
        return str(version)

    def read_rendering(self, text: str, source: str) -> BindingVersion:
        from release_tasks.model.version import BindingVersion

        return BindingVersion.parse(text, source)

    def read_plain(self, text: str, source: str) -> CoreVersion:
        from release_tasks.model.version import CoreVersion

        return CoreVersion.parse(text, source)

    def package_key(self, package: str) -> str:
        return package

    def endpoints(self, env: Mapping[str, str], given: Mapping[str, str]) -> Endpoints:
        return Endpoints(resolve(self.endpoint_fields, env, given))

    def versions(self, client: httpx.Client, endpoints: Endpoints, name: str, *,
                 sleep: Sleep = time.sleep) -> list[str]:
        return self.index.versions(client, endpoints, name, sleep=sleep)

    def exists(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
               sleep: Sleep = time.sleep) -> bool:
        return self.index.exists(client, endpoints, name, version, sleep=sleep)

    def files(self, client: httpx.Client, endpoints: Endpoints, name: str, version: str, *,
              sleep: Sleep = time.sleep) -> list[RemoteFile]:
        return self.index.files(client, endpoints, name, version, sleep=sleep)

    def credential_env(self, env: Mapping[str, str], source: str | None,
                       endpoints: Endpoints) -> AbstractContextManager[ToolEnv]:
        return nullcontext(ToolEnv(env=mapped_env(env, source, self.token_variable)))

    def check_tools(self, ctx: PublishContext) -> None:
        self.target.check_tools(ctx)

    def expected_files(self, ctx: PublishContext) -> list[ExpectedFile]:
        return self.target.expected_files(ctx)

    def build(self, ctx: PublishContext) -> Build:
        return self.target.build(ctx)

    def verify(self, ctx: PublishContext, build: Build) -> list[str]:
        return self.target.verify(ctx, build)

    def describe(self, ctx: PublishContext, build: Build) -> str:
        return self.target.describe(ctx, build)

    def upload(self, ctx: PublishContext, build: Build) -> None:
        self.target.upload(ctx, build)

    def source_warnings(self, root: Path, binding: Binding) -> list[str]:
        return []

    def add_arguments(self, parser: argparse._ActionsContainer) -> None:
        """No options of its own."""

    def options(self, args: argparse.Namespace) -> dict[str, Any]:
        return {}

    def check_withdrawal(self, binding: Binding | None, version: str, undo: bool,
                         message: str | None) -> None:
        if message is not None:
            raise UsageError(f"--message: {self.label} takes no message (it is for npm's "
                             "deprecation message and PyPI's yank reason)")


def mapped_env(env: Mapping[str, str], source: str | None, target: str) -> dict[str, str]:
    """``env`` with the credential of variable ``source`` copied to ``target``, where the
    tool reads it; unchanged without one (``None``, or trusted publishing)."""
    child = dict(env)
    if source and source != TRUSTED and source != target and env.get(source):
        child[target] = env[source]
    return child


def token_how(source: str | None, tool: str, target: str) -> str:
    """How the token reaches a tool that reads it from its environment (for the dry run)."""
    if source is None:
        return f"none configured; {tool} reads {target} from its environment"
    given = "" if source == target else f", given to {tool} as {target}"
    return f"{source}{given}, in {tool}'s environment only (never on its command line)"


def require_tools(ctx: PublishContext, tools: Mapping[str, str]) -> dict[str, str]:
    """Resolve every program (name -> install hint); one ToolMissing listing all missing."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for program, hint in tools.items():
        try:
            found[program] = cmd.which(program, hint, ctx.env)
        except ToolMissing as exc:
            missing.append(str(exc))
    if missing:
        raise ToolMissing(f"{ctx.binding.name}: nothing was built or published; missing tools:\n"
                          + "\n".join(f"  - {m}" for m in missing))
    return found


def fresh_dir(path: Path) -> Path:
    """``path`` emptied (created if needed): stale artifacts must never be uploaded."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def artifacts_in(directory: Path) -> tuple[Path, ...]:
    """The regular files in ``directory``, sorted: what a build wrote there."""
    return tuple(sorted(p for p in directory.iterdir() if p.is_file()))


def semver_key(text: str) -> Any:
    """semver 2.0 precedence, whose comparison already ignores build metadata as npm and
    cargo do; plain ``X.Y.Z`` numbers compare without the parser."""
    return PlainFirst(text, plain_numbers(text, 3), _semver)


def _semver(text: str) -> Any:
    import semver

    try:
        return semver.Version.parse(text)
    except (ValueError, TypeError) as exc:
        raise VersionError(f"{text!r} is not a semver version (X.Y.Z)") from exc


def semver_grammar(text: str, name: str) -> None:
    """VersionError when ``text`` is not semver (``name``: the registry, for the message)."""
    if plain_numbers(text, 3) is not None:
        return
    import semver

    try:
        semver.Version.parse(text)
    except ValueError as exc:
        raise VersionError(f"{text!r} is not a valid {name} version (semver X.Y.Z required)") \
            from exc


def ask_first(request: YankRequest, question: Callable[[Sleep], list[T]], absent: str,
              fallback: list[T]) -> tuple[list[T], tuple[str, ...]]:
    """Ask the registry what is there before withdrawing it; a dry run only notes a problem.

    A real run stops when the version is absent (some tools, ``npm deprecate`` among them,
    report success for a version that does not exist) or when the registry gives no answer.
    """
    try:
        # A dry run does not wait out a registry outage: it only says what it could not see.
        found = question((lambda seconds: None) if request.dry_run else time.sleep)
    except RegistryUnavailable as exc:
        if not request.dry_run:
            raise
        return fallback, (f"Could not ask the registry ({exc}); a real run asks first.",)
    if found:
        return found, ()
    if not request.dry_run:
        raise UsageError(absent)
    return fallback, (f"A real run would stop here: {absent}.",)


def package_dir(binding: Binding, fmt: str) -> str:
    """The directory holding a binding's manifest (``pyproject``, ``package-json``)."""
    for spec in binding.version_files:
        if spec.format == fmt:
            return str(PurePosixPath(spec.path).parent)
    return binding.directory
