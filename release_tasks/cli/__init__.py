"""``python -m release_tasks <stage> ...``: the one entry point behind every nox session.

Each stage is a module of :mod:`release_tasks.cli.stages` with its own options. Errors of the
:class:`~release_tasks.errors.ReleaseError` tree are caught in :func:`main` only, printed
without a traceback, and turned into the error's exit code.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn, cast

from release_tasks import log
from release_tasks.cli.stages import STAGES
from release_tasks.cli.stages._args import Parser, resolve_paths
from release_tasks.errors import ReleaseError, UsageError

Run = Callable[[argparse.Namespace, Mapping[str, str]], int]

__all__ = ["build_parser", "entry", "main", "resolve_paths", "stage_names"]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"release_tasks.cli.stages.{STAGES[name].module}")


def stage_names() -> tuple[str, ...]:
    """Every stage, in the order ``--help`` lists them."""
    return tuple(STAGES)


def build_parser(only: str | None = None, argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, just that stage (the others are neither
    declared nor imported). When ``argv`` asks for help, a stage whose options come from the
    repository's config (``describe_options``) lists them too."""
    parser = Parser(prog="release-tasks",
                    description="Release a polyglot monorepo: Rust crates and FFI bindings.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="stage", metavar="STAGE", parser_class=Parser)
    sub.required = True
    for name, stage in STAGES.items():
        if only is not None and name != only:
            continue  # a run of one stage needs no other parser
        module = _module(name)
        help_text = str(getattr(module, stage.help))
        add = cast(Callable[[argparse.ArgumentParser], None], getattr(module, stage.add))
        describe = getattr(module, "describe_options", None)
        if describe is not None and only == name and {"-h", "--help"} & set(argv):
            add(sub.add_parser(name, help=help_text, description=help_text,
                               epilog=describe(argv),
                               formatter_class=argparse.RawDescriptionHelpFormatter))
            continue
        add(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def _stage_named(argv: Sequence[str]) -> str | None:
    """The stage the command line names, when it names a known one (else: parse them all)."""
    words = [a for a in argv if not a.startswith("-")]
    return words[0] if words and words[0] in STAGES else None


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one stage; return its exit code."""
    env = os.environ if env is None else env
    argv = list(sys.argv[1:] if argv is None else argv)
    log.setup()
    log.register_secrets_from_env(env)
    try:
        args, extras = build_parser(_stage_named(argv), argv).parse_known_args(argv)
        module = _module(args.stage)
        if extras and not getattr(module, "TAKES_EXTRAS", False):
            raise UsageError(f"release-tasks {args.stage}: unrecognized arguments: "
                             + " ".join(extras))
        args.extras = extras
        log.setup(verbose=args.verbose)
        resolve_paths(args, Path.cwd())
        run = cast(Run, getattr(module, STAGES[args.stage].run))
        return run(args, env)
    except ReleaseError as exc:
        log.get_logger().error("error: %s", exc)
        return exc.exit_code
    except KeyboardInterrupt:
        log.get_logger().error("interrupted")
        return 130


def entry() -> NoReturn:
    """The process's entry point (``release-tasks``, ``python -m release_tasks``): :func:`main`
    with the cyclic garbage collector off.

    A run lasts seconds at most and leaves little garbage in cycles, while the collector's
    passes over the heap of every module it imports cost a tenth of a short stage's time;
    frozen at the end, nothing is left for the interpreter's last full pass at exit either.
    """
    gc.disable()
    code = main()
    gc.freeze()
    raise SystemExit(code)
