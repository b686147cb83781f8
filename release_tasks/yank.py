"""``yank``: withdraw a released version from its registry, or with ``--undo`` restore it.

Each registry withdraws a version its own way, and each keeps the files (installs pinned to
the exact version keep working):

* crates.io: ``cargo yank --version X.Y.Z CRATE`` for *every* crate of the core, because the
  crates version together; ``--undo`` un-yanks. Every crate is tried, failures are listed.
* RubyGems: ``gem yank GEM -v VERSION --platform P --host URL`` for each platform build of the
  version, as the registry lists them. RubyGems has no un-yank.
* npm: ``npm deprecate PKG@RENDERING MESSAGE`` (``unpublish`` is refused after 72 hours and
  the version can never be reused); ``--undo`` sets the empty message, npm's un-deprecate.
* PyPI has no yank API: the stage prints the steps on the web UI.

The stage builds a :class:`YankPlan` first; ``--dry-run`` prints it and runs nothing.
Credentials are checked before any command and reach each tool as its publish does: cargo
and gem read theirs from the child's environment, npm from a temporary userconfig that only
refers to the variable. Trusted publishing does not count: it covers uploads only.
"""

from __future__ import annotations

import dataclasses
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlsplit

from packaging.utils import canonicalize_name

from release_tasks import cmd, credentials, workspace
from release_tasks.config import Binding, Config
from release_tasks.errors import (
    PublishError,
    RegistryUnavailable,
    ReleaseError,
    UsageError,
    VersionError,
)
from release_tasks.log import get_logger, register_secrets_from_env
from release_tasks.publish_crates import (
    CrateOptions,
    cargo_env,
    cargo_token_var,
    registry_label,
    resolve_registry,
)
from release_tasks.publish_typescript import npm_userconfig, registry_key
from release_tasks.registries import REGISTRY_LABELS, Endpoints, endpoints_from_env, make_client, npm
from release_tasks.registries import http as registry_http
from release_tasks.registries.http import Sleep
from release_tasks.version import BindingVersion, CoreVersion, Registry, rubygems_equal

log = get_logger("yank")
T = TypeVar("T")

GEM_KEY_VAR = "GEM_HOST_API_KEY"
#: pypi.org and TestPyPI: the only indexes whose yank page we know.
_PYPI_WEB = {"pypi.org": "https://pypi.org", "test.pypi.org": "https://test.pypi.org"}
_DONE = {"yank": "yanked", "un-yank": "un-yanked", "deprecate": "deprecated",
         "un-deprecate": "un-deprecated"}


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
class Command:
    """One command of a plan: what it withdraws, and its argv (which never holds a secret)."""

    subject: str
    argv: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class YankPlan:
    """What ``yank`` will do: the commands, where they run and how the credential gets there."""

    component: str
    version: str  # canonical: X.Y.Z for the core, X.Y.Z.P for a binding
    registry: Registry
    where: str  # the registry as messages name it
    verb: str  # yank, un-yank, deprecate, un-deprecate
    commands: tuple[Command, ...] = ()
    cwd: Path | None = None  # where the commands run
    cargo_registry: str | None = None  # an alternative cargo registry; None: crates.io
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


def run(root: Path, config: Config, env: Mapping[str, str], request: YankRequest) -> str:
    """Validate, check credentials, plan; then print the plan (dry run) or carry it out."""
    plan = make_plan(root, config, env, request)
    if request.dry_run or plan.manual:
        return plan.text()
    return apply(plan, config, env, request)


def make_plan(root: Path, config: Config, env: Mapping[str, str], request: YankRequest) -> YankPlan:
    """Arguments first (usage errors), then credentials, then what the registry has."""
    if request.component == "core":
        return _crates_plan(root, config, env, request)
    binding = _binding(config, request)
    version = _binding_version(binding, request.version)
    _check_flags(binding, version, request)
    endpoints = endpoints_from_env(env, config.registries)
    if binding.registry == "pypi":
        return _pypi_plan(binding, version, endpoints, request)
    plan = _with_credential(config, env, request, YankPlan(
        component=request.component, version=str(version), registry=binding.registry,
        where=REGISTRY_LABELS[binding.registry], verb="yank"))
    if binding.registry == "rubygems":
        return _gem_plan(binding, version, endpoints, request, plan)
    return _npm_plan(binding, version, endpoints, request, plan)


def _binding(config: Config, request: YankRequest) -> Binding:
    known = ["core", *(b.name for b in config.bindings)]
    if request.component not in known:
        raise UsageError(f"COMPONENT {request.component!r} is neither core nor a binding of "
                         f"{config.source} (known: {', '.join(known)})")
    if request.registry is not None:
        raise UsageError(f"--registry {request.registry}: a cargo registry, for `yank core` only")
    return config.binding(request.component)


def _binding_version(binding: Binding, text: str) -> BindingVersion:
    try:
        version = BindingVersion.parse(text, source="VERSION")
        version.render(binding.registry)
    except VersionError as exc:
        raise UsageError(f"{exc} ({binding.name} versions have four parts)") from exc
    return version


def _check_flags(binding: Binding, version: BindingVersion, request: YankRequest) -> None:
    """What the binding's registry cannot do with ``--undo`` and ``--message``."""
    message_for = "it is for npm's deprecation message and PyPI's yank reason"
    if binding.registry == "rubygems" and request.undo:
        raise UsageError(
            f"RubyGems has no un-yank: {binding.package} {version} cannot be restored or pushed "
            f"again. Publish a new version instead (e.g. {version.next_patch()}: "
            f"`nox -s release`, then `nox -s publish_ruby`).")
    if request.message is None:
        return
    if binding.registry == "rubygems":
        raise UsageError(f"--message: gem yank takes no message ({message_for})")
    if request.undo:
        raise UsageError(f"--message with --undo: the {binding.registry} undo takes no message")
    if not request.message.strip():
        raise UsageError("--message must not be empty: npm reads an empty message as "
                         "un-deprecate (use --undo for that)")


def _with_credential(config: Config, env: Mapping[str, str], request: YankRequest,
                     plan: YankPlan) -> YankPlan:
    """Check the credential (a dry run only notes it): trusted publishing cannot yank."""
    names = (config.core.credential if request.component == "core"
             else config.binding(request.component).credential)
    register_secrets_from_env(env, names)
    reqs = [dataclasses.replace(r, trusted_publishing=False)
            for r in credentials.requirements(config, [request.component])]
    if request.dry_run:
        missing = credentials.missing(reqs, env)
        for problem in missing:
            log.warning("  [dry-run] a real run would stop here: %s", problem)
        plan = dataclasses.replace(plan, missing=tuple(missing))
    else:
        credentials.check(reqs, env)
    source = next((s for r in reqs if (s := credentials.satisfied_by(r, env))), None)
    return dataclasses.replace(plan, credential=source or (names[0] if names else None))


# --- crates -------------------------------------------------------------------------------

def _crates_plan(root: Path, config: Config, env: Mapping[str, str],
                 request: YankRequest) -> YankPlan:
    try:
        version = CoreVersion.parse(request.version, source="VERSION")
    except VersionError as exc:
        raise UsageError(f"{exc} (core versions have three parts)") from exc
    if request.message is not None:
        raise UsageError("--message: cargo yank takes no message (it is for npm's deprecation "
                         "message and PyPI's yank reason)")
    registry = resolve_registry(CrateOptions(registry=request.registry), env)
    crates, left_out = yankable_crates(root, config)
    plan = _with_credential(config, env, request, YankPlan(
        component="core", version=str(version), registry="crates-io",
        where=registry_label(registry), verb="un-yank" if request.undo else "yank"))
    flags = ["--undo"] if request.undo else []
    flags += ["--registry", registry] if registry else []
    commands = tuple(Command(subject=crate, argv=("cargo", "yank", "--version", str(version),
                                                  *flags, crate)) for crate in crates)
    cwd = root / config.core.workspace
    notes = [f"In: {cwd}", *(f"Left out: {crate} (publish = false)" for crate in left_out)]
    return dataclasses.replace(plan, commands=commands, cwd=cwd, cargo_registry=registry,
                               how=_how(plan.credential, "cargo", cargo_token_var(registry)),
                               notes=tuple(notes))


def yankable_crates(root: Path, config: Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The core's crates, and those of them the manifests mark ``publish = false``."""
    try:
        members = {c.name: c for c in workspace.load(root, config.core.workspace).members}
    except ReleaseError as exc:
        log.warning("  cannot read the workspace (%s): every configured crate is tried", exc)
        return config.core.crates, ()
    left_out = tuple(c for c in config.core.crates if c in members and not members[c].publish)
    return tuple(c for c in config.core.crates if c not in left_out), left_out


# --- RubyGems -------------------------------------------------------------------------------

def gem_builds(endpoints: Endpoints, name: str, version: str,
               sleep: Sleep = time.sleep) -> list[tuple[str, str]]:
    """``(number, platform)`` of every live build of ``version`` (RubyGems' equality)."""
    url = f"{endpoints.rubygems_host}/api/v1/versions/{quote(name, safe='')}.json"
    with make_client() as client:
        response = registry_http.get(client, "rubygems", url, sleep=sleep)
        document = [] if response is None else registry_http.json_body(response, "rubygems")
    if not isinstance(document, list):
        raise registry_http.malformed("rubygems", url, "expected a list of versions")
    builds = []
    for entry in document:
        number = entry.get("number") if isinstance(entry, dict) else None
        platform = entry.get("platform", "ruby") if isinstance(entry, dict) else None
        if not isinstance(number, str) or not isinstance(platform, str):
            raise registry_http.malformed("rubygems", url, "a version entry without "
                                          '"number" and "platform" strings')
        if rubygems_equal(number, version) and (number, platform) not in builds:
            builds.append((number, platform))
    return builds


def ask_first(request: YankRequest, question: Callable[[Sleep], list[T]], absent: str,
              fallback: list[T]) -> tuple[list[T], tuple[str, ...]]:
    """Ask the registry what is there before touching it; a dry run only notes a problem.

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


def _gem_plan(binding: Binding, version: BindingVersion, endpoints: Endpoints,
              request: YankRequest, plan: YankPlan) -> YankPlan:
    host = endpoints.rubygems_host
    rendering = version.render("rubygems")
    builds, notes = ask_first(
        request, lambda sleep: gem_builds(endpoints, binding.package, rendering, sleep),
        f"{binding.package} {rendering} is not on RubyGems at {host} (never published, or "
        "already yanked): nothing to yank", [(rendering, "ruby")])
    commands = tuple(
        Command(subject=f"{binding.package} {number} ({platform})",
                argv=("gem", "yank", binding.package, "-v", number, "--platform", platform,
                      "--host", host))
        for number, platform in builds)
    return dataclasses.replace(
        plan, where=f"RubyGems ({host})", commands=commands,
        how=_how(plan.credential, "gem", GEM_KEY_VAR),
        notes=(*notes, "RubyGems has no un-yank: once yanked, this version cannot come back."))


def _how(source: str | None, tool: str, target: str) -> str:
    """How the token reaches a tool that reads it from its environment."""
    if source is None:
        return f"none configured; {tool} reads {target} from its environment"
    given = "" if source == target else f", given to {tool} as {target}"
    return f"{source}{given}, in {tool}'s environment only (never on its command line)"


def gem_env(env: Mapping[str, str], source: str | None) -> dict[str, str]:
    """``gem``'s environment: ours, with the key where gem reads it."""
    child = dict(env)
    if source and source != GEM_KEY_VAR and env.get(source):
        child[GEM_KEY_VAR] = env[source]
    return child


# --- npm ----------------------------------------------------------------------------------

def default_message(version: BindingVersion) -> str:
    """npm's deprecation message unless ``--message`` says otherwise."""
    return f"{version} (npm {version.render('npm')}) is withdrawn; upgrade to a newer release"


def _npm_plan(binding: Binding, version: BindingVersion, endpoints: Endpoints,
              request: YankRequest, plan: YankPlan) -> YankPlan:
    message = "" if request.undo else request.message or default_message(version)
    registry = endpoints.npm_registry
    rendering = version.render("npm")
    spec = f"{binding.package}@{rendering}"

    def listed(sleep: Sleep) -> list[str]:
        with make_client() as client:
            return [rendering] if npm.exists(client, endpoints, binding.package, rendering,
                                             sleep=sleep) else []

    _, notes = ask_first(request, listed, f"{spec} is not on npm ({registry}): nothing to "
                         f"{'un-deprecate' if request.undo else 'deprecate'}", [])
    how = (f"{plan.credential}, through a temporary userconfig (mode 0600, removed afterwards) "
           f"holding {registry_key(registry)}:_authToken=${{{plan.credential}}}"
           if plan.credential else "none configured")
    return dataclasses.replace(
        plan, where=f"npm ({registry})", verb="un-deprecate" if request.undo else "deprecate",
        commands=(Command(subject=spec, argv=("npm", "deprecate", spec, message, "--registry",
                                              registry)),),
        how=how, notes=notes)


# --- PyPI ---------------------------------------------------------------------------------

def _pypi_plan(binding: Binding, version: BindingVersion, endpoints: Endpoints,
               request: YankRequest) -> YankPlan:
    rendering = version.render("pypi")
    host = urlsplit(endpoints.pypi_index).hostname or ""
    web = _PYPI_WEB.get(host)
    name = canonicalize_name(binding.package)
    verb = "un-yank" if request.undo else "yank"
    if web is None:
        manual = (f"{binding.package} {rendering} is on a custom index ({endpoints.pypi_index}), "
                  f"which has no yank API known to us: {verb} it with that index's own tools "
                  "or web UI. Nothing was changed.")
    else:
        page = f"{web}/manage/project/{name}/release/{rendering}/"
        reason = request.message or f"{version} is withdrawn; upgrade to a newer release"
        step = (f'3. Under "Un-yank release", press "Un-yank" and type {rendering} to confirm.'
                if request.undo else
                f'3. Under "Yank release", press "Yank", type {rendering} to confirm, and give '
                f"the reason: \"{reason}\"")
        after = ("pip will offer it again." if request.undo else
                 f"pip then skips {rendering} unless it is pinned exactly "
                 f"(=={rendering}); nothing is deleted, and --undo shows how to un-yank.")
        manual = "\n".join([
            f"PyPI has no API to {verb} a release: {verb} {binding.package} {rendering} on "
            "the web. Nothing was changed here.",
            f"  1. Sign in to {web} as an owner or maintainer of {binding.package}.",
            f"  2. Open {page}",
            f"  {step}",
            f"  4. {after}",
        ])
    return YankPlan(component=request.component, version=str(version), registry="pypi",
                    where=REGISTRY_LABELS["pypi"], verb=verb, manual=manual)


# --- carrying out the plan ------------------------------------------------------------------

def apply(plan: YankPlan, config: Config, env: Mapping[str, str], request: YankRequest) -> str:
    """Run every command of ``plan``, past failures; a PublishError lists what failed."""
    if plan.registry == "npm":
        endpoints = endpoints_from_env(env, config.registries)
        # In the scratch directory: no project .npmrc can override the userconfig.
        with npm_userconfig(endpoints.npm_registry, plan.credential, env) as (scratch, child):
            outcomes = _run_all(plan, scratch, child)
    elif plan.registry == "rubygems":
        outcomes = _run_all(plan, plan.cwd, gem_env(env, plan.credential))
    else:
        outcomes = _run_all(plan, plan.cwd, cargo_env(env, config, plan.cargo_registry))
    table = _table(plan, outcomes)
    failed = [(c, detail) for c, detail in outcomes if detail]
    title = f"{plan.verb} of {plan.component} {plan.version} on {plan.where}"
    if failed:
        details = "\n".join(f"  - {c.subject}: {d}".replace("\n", "\n      ") for c, d in failed)
        raise PublishError(
            f"{title} is incomplete: {len(failed)} of {len(outcomes)} failed.\n{table}\n{details}\n"
            f"Fix the cause and run the same command again: repeating a {plan.verb} that "
            "already happened is harmless.")
    return f"{title}: done\n{table}{_afterwards(plan, request)}"


def _run_all(plan: YankPlan, cwd: Path | None,
             env: Mapping[str, str]) -> list[tuple[Command, str]]:
    """Each command's outcome: ``""`` when it succeeded, else why it failed."""
    outcomes = []
    for command in plan.commands:
        try:
            cmd.run(command.argv, cwd=cwd, env=env, prefix=f"{command.subject} ")
        except ReleaseError as exc:
            log.error("  %s: %s FAILED", command.subject, plan.verb)
            outcomes.append((command, str(exc)))
        else:
            log.info("  %s: %s", command.subject, _DONE[plan.verb])
            outcomes.append((command, ""))
    return outcomes


def _table(plan: YankPlan, outcomes: list[tuple[Command, str]]) -> str:
    width = max([len(c.subject) for c, _ in outcomes] + [len(plan.component)])
    return "\n".join(f"  {c.subject:<{width}}  {'FAILED' if d else _DONE[plan.verb]}"
                     for c, d in outcomes)


def _afterwards(plan: YankPlan, request: YankRequest) -> str:
    if request.undo or plan.registry == "rubygems":
        return ""
    registry = f" --registry {plan.cargo_registry}" if plan.cargo_registry else ""
    return (f"\nUndo with: python -m release_tasks yank {plan.component} {plan.version} "
            f"--undo{registry}")
