"""What the stages' command lines share: the parser class, the common options, and how a
stage finds its repository and writes its output."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from release_tasks.errors import UsageError
from release_tasks.model.version import PRE_LABELS

# Every stage's parser is built from these helpers, ``--help`` included: what a stage works
# with is imported when it runs.
if TYPE_CHECKING:
    from release_tasks.model.components import Config
    from release_tasks.project import Project


class Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of exiting, so main owns exit codes."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every option it declares, and the default one asks
        # shutil for the terminal's width: shutil alone costs a tenth of a stage's imports.
        if self.formatter_class is argparse.HelpFormatter:
            return argparse.HelpFormatter(self.prog, width=_columns() - 2)
        return super()._get_formatter()


def _columns() -> int:
    """The terminal's width, as ``shutil.get_terminal_size`` finds it (80 without one)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        stdout = sys.__stdout__
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout else 0
        except (ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def add_repo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, metavar="PATH",
                        help="a directory of the managed git repository, whose top level (and "
                             "its release.toml) the stage uses (default: the current directory)")


def add_components(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("components", nargs="*", metavar="COMPONENT",
                        help="core or a binding's name (default: every component)")


def components(args: argparse.Namespace, config: Config) -> list[str]:
    """The ``COMPONENT`` arguments (:func:`add_components`), each a known one (a ConfigError
    naming them otherwise), else every component: ``core`` and each binding."""
    for name in args.components:
        if name != "core":
            config.binding(name)  # a ConfigError naming the known ones
    return list(args.components) or ["core", *(b.name for b in config.bindings)]


def add_from(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_ref", metavar="REF",
                        help="compare with REF instead of the last release tag")


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("env", "json", "text"),
                        help="output on stdout (default: text on a terminal, else env)")


def add_on_duplicate(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--on-duplicate", default="warn", metavar="skip|warn|fail",
                        help=f"when {what} is already on the registry: skip, warn (default) "
                             "or fail")


def add_core_choice(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--core", metavar="X.Y.Z",
                       help="release the core at X.Y.Z, even if no crate changed (it must be "
                            "greater than VERSION and every core tag)")
    group.add_argument("--bump", choices=("minor", "major"),
                       help="release the core at the next minor (0.1.8 -> 0.2.0) or major version")
    parser.add_argument("--pre", choices=PRE_LABELS, metavar="LABEL",
                        help="release the core as the next LABEL prerelease (one of "
                             f"{', '.join(PRE_LABELS)}): 0.38.0-beta.4 -> 0.38.0-beta.5, 0.38.0 "
                             "-> 0.38.1-beta.0, with --bump minor 0.38.0 -> 0.39.0-beta.0; "
                             "without it a prerelease core goes to its final (0.38.0-beta.5 -> "
                             "0.38.0)")


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
            setattr(args, name, absolute(value, invoked_from))


def absolute(path: Path, base: Path) -> Path:
    """``path`` made absolute against ``base`` (``..`` folded, symlinks kept as typed)."""
    return path if path.is_absolute() else Path(os.path.normpath(base / path))


def open_project(args: argparse.Namespace, *, detecting: bool = False) -> Project:
    """The project of the repository containing ``--repo``, opened once for the whole run;
    ``args.repo`` becomes that repository's top level, the directory every stage works in.
    ``detecting``: the stage compares with the last release (see
    :func:`release_tasks.project.open_project`)."""
    from release_tasks.git.opening import Opening

    opening = Opening(args.repo)  # git starts before the stage imports the rest
    from release_tasks.project import open_project as open_at

    project = open_at(opening, detecting=detecting)
    args.repo = project.root
    return project


def load_config(args: argparse.Namespace) -> Config:
    """The config of the repository containing ``--repo``; ``args.repo`` becomes that
    repository's top level (as :func:`open_project`)."""
    from release_tasks.config import load as config
    from release_tasks.git import repository

    args.repo = repository.top_level(args.repo)
    return config.load(args.repo)


def emit(text: str) -> None:
    """Write requested data to stdout (and only data goes there)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
