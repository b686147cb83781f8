"""``python -m release_tasks <stage> ...``: the one entry point behind every nox session.

Each stage parses its own options here and calls one function of its module. Errors of the
:class:`~release_tasks.errors.ReleaseError` tree are caught in :func:`main` only, printed
without a traceback, and turned into the error's exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from release_tasks import config as config_mod
from release_tasks import log, repository
from release_tasks.errors import ReleaseError, UsageError

Handler = Callable[[argparse.Namespace, Mapping[str, str]], int]
AddArguments = Callable[[argparse.ArgumentParser], None]
_STAGES: dict[str, tuple[str, AddArguments, Handler]] = {}
# Stages whose options depend on the config (one --<binding> option per binding).
_TAKES_EXTRAS = {"update"}


def stage(name: str, help_text: str, add: AddArguments) -> Callable[[Handler], Handler]:
    """Register the decorated function as stage ``name``; ``add`` declares its options."""
    def decorator(fn: Handler) -> Handler:
        _STAGES[name] = (help_text, add, fn)
        return fn
    return decorator


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of exiting, so main owns exit codes."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def add_repo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, metavar="PATH",
                        help="a directory of the managed git repository, whose top level (and "
                             "its release.toml) the stage uses (default: the current directory)")


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("env", "json", "text"),
                        help="output on stdout (default: text on a terminal, else env)")


def resolve_format(args: argparse.Namespace) -> str:
    """``--format``, else text on a terminal and env otherwise (``>> $GITHUB_OUTPUT``)."""
    if args.format:
        return str(args.format)
    return "text" if sys.stdout.isatty() else "env"


def resolve_paths(args: argparse.Namespace, invoked_from: Path) -> None:
    """Make every path option absolute against ``invoked_from`` (``--repo``, ``--artifacts``,
    ``--keep``...); ``--repo`` defaults to ``invoked_from`` itself.

    Done once, before any stage runs, so that no stage can read a path against another
    directory than the one its user typed it in.
    """
    if "repo" in vars(args) and args.repo is None:
        args.repo = invoked_from
    for name, value in vars(args).items():
        if isinstance(value, Path):
            setattr(args, name, repository.absolute(value, invoked_from))


def load_config(args: argparse.Namespace) -> config_mod.Config:
    """The config of the repository containing ``--repo``; ``args.repo`` becomes that
    repository's top level, the directory every stage works in."""
    args.repo = repository.top_level(args.repo)
    return config_mod.load(args.repo)


def add_core_choice(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--core", metavar="X.Y.Z",
                       help="release the core at X.Y.Z, even if no crate changed (it must be "
                            "greater than VERSION and every core tag)")
    group.add_argument("--bump", choices=("minor", "major"),
                       help="release the core at the next minor (0.1.8 -> 0.2.0) or major version")


def emit(text: str) -> None:
    """Write requested data to stdout (and only data goes there)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


# --- detect -------------------------------------------------------------------------------

def _add_detect(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--from", dest="from_ref", metavar="REF",
                   help="compare with REF instead of the last release tag")
    add_format(p)


@stage("detect", "what changed since the last release, per component", _add_detect)
def _run_detect(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import detect

    config = load_config(args)
    changes = detect.detect(args.repo, config, args.from_ref)
    fmt = resolve_format(args)
    if fmt == "env":
        emit("\n".join(detect.env_lines(changes, config)))
    elif fmt == "json":
        emit(detect.to_json(changes, config))
    else:
        emit(detect.to_text(changes, config))
    return 0


# --- versions -----------------------------------------------------------------------------

def _add_versions(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--from", dest="from_ref", metavar="REF",
                   help="compare with REF instead of the last release tag")
    p.add_argument("--check", action="store_true",
                   help="verify that every version file agrees, and exit")
    add_core_choice(p)
    add_format(p)


@stage("versions", "next version of every component (or --check for version drift)", _add_versions)
def _run_versions(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import versions

    config = load_config(args)
    if args.check:
        from release_tasks import consistency
        from release_tasks.errors import UpdateError, VersionError

        try:
            planned = versions.compute_plan(args.repo, config, args.from_ref)
        except (VersionError, UpdateError) as exc:
            log.get_logger().warning("warning: no release plan (%s); checking the files "
                                     "against their current versions", exc)
            planned = None
        consistency.check(args.repo, config, planned)
        return 0
    plan = versions.compute_plan(args.repo, config, args.from_ref, core=args.core, bump=args.bump)
    fmt = resolve_format(args)
    if fmt == "env":
        emit("\n".join(plan.env_lines()))
    elif fmt == "json":
        emit(plan.to_json())
    else:
        emit(plan.text())
    return 0


# --- update -------------------------------------------------------------------------------

def _add_update(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--core", required=True, metavar="X.Y.Z", help="the core version")
    p.add_argument("--dry-run", action="store_true",
                   help="print a unified diff of every file that would change; write nothing")
    # One --<binding> option per binding of the config: parsed in the handler, once the
    # config of --repo is known (see _binding_versions).


def _binding_versions(args: argparse.Namespace, config: config_mod.Config) -> dict[str, str]:
    """Parse the ``--<binding> X.Y.Z.P`` options left over by the stage parser."""
    parser = _Parser(prog="release_tasks update", add_help=False)
    for binding in config.bindings:
        parser.add_argument(f"--{binding.name}", metavar="X.Y.Z.P", dest=binding.name)
    given = vars(parser.parse_args(args.extras))
    return {name: value for name, value in given.items() if value is not None}


@stage("update", "write every version file (VERSION, manifests, pins, lockfiles)", _add_update)
def _run_update(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import update

    config = load_config(args)
    core, bindings = update.check_inputs(config, args.core, _binding_versions(args, config))
    changes = update.run_update(args.repo, config, core, bindings, dry_run=args.dry_run)
    if args.dry_run:
        emit("".join(c.diff() for c in changes if c.changed) or "# no file would change")
    return 0


# --- release ------------------------------------------------------------------------------

def _add_release(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be released; change nothing")
    p.add_argument("--from", dest="from_ref", metavar="REF",
                   help="compare with REF instead of the last release tag")
    p.add_argument("--yes", action="store_true",
                   help="do not ask for confirmation (required without a terminal)")
    p.add_argument("--push", action="store_true", help="push the commit and the tag")
    p.add_argument("--skip", action="append", default=[], metavar="BINDING",
                   help="leave BINDING out of this release on purpose (carried forward)")
    add_core_choice(p)
    p.add_argument("--format", choices=("text", "json"), default="text")


@stage("release", "plan the release, then commit the version bump and tag it", _add_release)
def _run_release(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import release

    config = load_config(args)
    confirm = release.ask if sys.stdin.isatty() else None
    summary, message = release.run_release(
        args.repo, config, env, dry_run=args.dry_run, from_ref=args.from_ref, yes=args.yes,
        push=args.push, confirm=confirm, skip=tuple(args.skip), core=args.core, bump=args.bump)
    emit(release.render(summary, message, args.format))
    return 0


# --- publish_crates -----------------------------------------------------------------------

def _add_publish_crates(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--dry-run", action="store_true",
                   help="package and verify every crate (cargo package -p ...); upload nothing")
    p.add_argument("--on-duplicate", default="warn", metavar="skip|warn|fail",
                   help="when a crate's version is already on the registry (default: warn)")
    p.add_argument("--registry", metavar="NAME",
                   help="an alternative cargo registry, as cargo names it (default: "
                        "$RELEASE_TASKS_CARGO_REGISTRY, else crates.io); CARGO_REGISTRY_TOKEN "
                        "is handed to cargo as CARGO_REGISTRIES_<NAME>_TOKEN")
    p.add_argument("--push-tags", action="store_true", help="push the core-vX.Y.Z tag")
    p.add_argument("--index-timeout", type=float, metavar="SECONDS",
                   help="how long to wait for each version to show on the registry "
                        "(default: 600)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="crates published at once (default: all crates of a phase)")
    p.add_argument("--offline", action=argparse.BooleanOptionalAction, default=True,
                   help="run the dry run's cargo package offline (default: --offline)")


@stage("publish_crates", "publish the core crates phase by phase, then tag core-vX.Y.Z",
       _add_publish_crates)
def _run_publish_crates(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import publish_crates
    from release_tasks.registries.duplicates import parse_on_duplicate

    timeout = args.index_timeout
    options = publish_crates.CrateOptions(
        dry_run=args.dry_run, on_duplicate=parse_on_duplicate(args.on_duplicate),
        registry=args.registry, push_tags=args.push_tags, jobs=args.jobs, offline=args.offline,
        index_timeout=publish_crates.DEFAULT_INDEX_TIMEOUT if timeout is None else timeout)
    config = load_config(args)  # bad options are refused before the repository is read
    emit(publish_crates.run(args.repo, config, env, options))
    return 0


# --- demo ---------------------------------------------------------------------------------

def _add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", type=Path, metavar="DIR",
                   help="build the sandbox in DIR and keep it (default: a temporary directory)")


@stage("demo", "build a sandbox of the example monorepo with history; dry-run a release",
       _add_demo)
def _run_demo(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import demo

    text, _ = demo.run_demo(env, args.keep)
    emit(text)
    return 0


# --- history ------------------------------------------------------------------------------

def _add_history(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--format", choices=("text", "json"), default="text")


@stage("history", "every release and every published version, from the annotated tags",
       _add_history)
def _run_history(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import history

    config = load_config(args)
    result = history.build(args.repo, config)
    emit(result.to_json() if args.format == "json" else result.text())
    return 0


# --- edge ---------------------------------------------------------------------------------

def _add_edge(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--ref", metavar="REF",
                   help="branch, tag or commit to depend on (default: the main branch)")
    p.add_argument("--format", choices=("text", "json"), default="text")


@stage("edge", "how to depend on a branch of the repository instead of a release", _add_edge)
def _run_edge(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import edge

    config = load_config(args)
    result = edge.guide(args.repo, config, args.ref)
    emit(result.to_json() if args.format == "json" else result.text())
    return 0


# --- publish_ruby / publish_python / publish_typescript -----------------------------------

if TYPE_CHECKING:
    from release_tasks.publish_common import Target
    from release_tasks.version import Registry


def _add_publish(p: argparse.ArgumentParser) -> None:
    p.add_argument("version", metavar="VERSION",
                   help="the binding version X.Y.Z.P; must be what its version files say")
    add_repo(p)
    p.add_argument("--binding", metavar="NAME",
                   help="the binding to publish (default: the one on this stage's registry)")
    p.add_argument("--dry-run", action="store_true",
                   help="build and check, show what would be uploaded; upload and tag nothing")
    p.add_argument("--on-duplicate", default="warn", metavar="skip|warn|fail",
                   help="when VERSION is already published: skip, warn (default) or fail")
    p.add_argument("--push-tags", action="store_true", help="push the component tag to origin")


def _add_publish_python(p: argparse.ArgumentParser) -> None:
    _add_publish(p)
    p.add_argument("--artifacts", type=Path, metavar="DIR",
                   help="upload the wheels and sdist in DIR instead of building")
    p.add_argument("--compatibility", metavar="TAG",
                   help="maturin --compatibility (default: $RELEASE_TASKS_MATURIN_COMPATIBILITY, "
                        "[tool.maturin] compatibility, else pypi)")
    p.add_argument("--zig", action="store_true",
                   help="build with zig (automatic for a manylinux older than this glibc)")


def _publish(args: argparse.Namespace, env: Mapping[str, str], registry: Registry,
             target: Target) -> int:
    from release_tasks import publish_common
    from release_tasks.registries.duplicates import parse_on_duplicate

    mode = parse_on_duplicate(args.on_duplicate)
    config = load_config(args)
    name = publish_common.binding_for(config, registry, args.binding)
    ctx = publish_common.make_context(
        args.repo, config, name, args.version, env, dry_run=args.dry_run, on_duplicate=mode,
        push_tags=args.push_tags, artifacts_dir=getattr(args, "artifacts", None))
    emit(publish_common.publish_binding(target, ctx))
    return 0


@stage("publish_ruby", "build the gem, check it, push it to RubyGems, tag it", _add_publish)
def _run_publish_ruby(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish_ruby import RubyTarget

    return _publish(args, env, "rubygems", RubyTarget())


@stage("publish_python", "build wheels and sdist with maturin, check, upload to PyPI, tag",
       _add_publish_python)
def _run_publish_python(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish_python import PythonTarget

    return _publish(args, env, "pypi", PythonTarget(args.compatibility, args.zig))


@stage("publish_typescript", "build and pack the npm package, check it, publish it, tag it",
       _add_publish)
def _run_publish_typescript(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.publish_typescript import TypeScriptTarget

    return _publish(args, env, "npm", TypeScriptTarget())


# --- yank ---------------------------------------------------------------------------------

def _add_yank(p: argparse.ArgumentParser) -> None:
    p.add_argument("component", metavar="COMPONENT", help="core, or a binding of the config")
    p.add_argument("version", metavar="VERSION", help="X.Y.Z for core, X.Y.Z.P for a binding")
    add_repo(p)
    p.add_argument("--dry-run", action="store_true",
                   help="print the commands that would run; run none (no credential needed)")
    p.add_argument("--undo", action="store_true",
                   help="un-yank (crates) or un-deprecate (npm); RubyGems has no un-yank")
    p.add_argument("--registry", metavar="NAME",
                   help="core only: an alternative cargo registry, as for publish_crates "
                        "(default: $RELEASE_TASKS_CARGO_REGISTRY, else crates.io)")
    p.add_argument("--message", metavar="TEXT",
                   help="npm's deprecation message, or the reason to give on PyPI "
                        "(default: '0.1.8.2 (npm 0.1.8002) is withdrawn; upgrade to a newer "
                        "release')")


@stage("yank", "withdraw a released version: yank crates and gems, deprecate on npm, "
       "PyPI steps", _add_yank)
def _run_yank(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import yank

    request = yank.YankRequest(component=args.component, version=args.version, undo=args.undo,
                               dry_run=args.dry_run, registry=args.registry,
                               message=args.message)
    config = load_config(args)
    emit(yank.run(args.repo, config, env, request))
    return 0


# --- preflight ----------------------------------------------------------------------------

def _add_preflight(p: argparse.ArgumentParser) -> None:
    add_repo(p)
    p.add_argument("--dry-run", action="store_true", help="list the checks; run nothing")


@stage("preflight", "the repository's own checks from release.toml (fmt, lints, tests)",
       _add_preflight)
def _run_preflight(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks import preflight

    config = load_config(args)
    emit(preflight.run_preflight(args.repo, config, dry_run=args.dry_run))
    return 0


def stage_names() -> tuple[str, ...]:
    """Every stage, in registration order."""
    return tuple(_STAGES)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="release_tasks",
                     description="Release a polyglot monorepo: Rust crates and FFI bindings.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="stage", metavar="STAGE", parser_class=_Parser)
    sub.required = True
    for name, (help_text, add, _) in _STAGES.items():
        add(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one stage; return its exit code."""
    env = os.environ if env is None else env
    log.setup()
    log.register_secrets_from_env(env)
    try:
        args, extras = build_parser().parse_known_args(argv)
        if extras and args.stage not in _TAKES_EXTRAS:
            raise UsageError(f"release_tasks {args.stage}: unrecognized arguments: "
                             + " ".join(extras))
        args.extras = extras
        log.setup(verbose=args.verbose)
        resolve_paths(args, Path.cwd())
        _, _, run = _STAGES[args.stage]
        return run(args, env)
    except ReleaseError as exc:
        log.get_logger().error("error: %s", exc)
        return exc.exit_code
    except KeyboardInterrupt:
        log.get_logger().error("interrupted")
        return 130
