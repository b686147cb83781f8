"""``schema``: the JSON Schema of release.toml, and the files made from its description.

Without options it prints the schema (a monorepo may commit its own copy). In a checkout of
release-tasks, ``--write`` regenerates the shipped schema and CONFIG.md from
``release_tasks/config/spec.py``, and ``--check`` fails when either committed file is stale.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from release_tasks.cli.stages._args import emit

HELP = ("the JSON Schema of release.toml on stdout (--reference: CONFIG.md; in a checkout, "
        "--write regenerates both, --check fails when they are stale)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--reference", action="store_true",
                       help="print the config reference (CONFIG.md) instead of the schema")
    group.add_argument("--write", action="store_true",
                       help="write release_tasks/data/release.schema.json and CONFIG.md of the "
                            "checkout the package runs from")
    group.add_argument("--check", action="store_true",
                       help="exit 1 when either committed file differs from what the "
                            "description makes")
    group.add_argument("--write-to", type=Path, metavar="PATH",
                       help="write the schema to PATH (a monorepo's copy, which its "
                            "release.toml's #:schema line names: "
                            ".github/release-tasks.schema.json)")


def generated() -> dict[Path, str]:
    """Each generated file of the checkout the package runs from, with its text."""
    from release_tasks.config import doc as config_doc
    from release_tasks.config import schema as config_schema
    from release_tasks.errors import UsageError

    root = config_schema.SCHEMA_FILE.parents[2]
    if not (root / "pyproject.toml").is_file():
        raise UsageError(f"{root} is not a checkout of release-tasks (no pyproject.toml beside "
                         "release_tasks/): --write and --check work there; installed, "
                         "`release-tasks schema` prints the schema")
    return {config_schema.SCHEMA_FILE: config_schema.render(),
            root / config_doc.DOC_FILE: config_doc.render()}


def stale() -> list[Path]:
    """The generated files whose committed text is not what the description makes."""
    return [path for path, text in generated().items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from release_tasks.config import doc as config_doc
    from release_tasks.config import schema as config_schema
    from release_tasks.errors import ReleaseError
    from release_tasks.log import get_logger

    log = get_logger("schema")
    if args.write:
        for path, text in generated().items():
            path.write_text(text, encoding="utf-8")
            log.info("schema: wrote %s", path)
        return 0
    if args.write_to is not None:
        target = args.write_to
        if target.is_dir():
            raise ReleaseError(f"--write-to {target}: a directory; give the file's path")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(config_schema.render(), encoding="utf-8")
        except OSError as exc:
            raise ReleaseError(f"--write-to {target}: cannot write it ({exc.strerror})") from None
        log.info("schema: wrote %s", target)
        return 0
    if args.check:
        old = stale()
        if old:
            raise ReleaseError(
                f"{', '.join(str(p) for p in old)}: not what release_tasks/config/spec.py "
                "describes; run `release-tasks schema --write` and commit the result")
        log.info("schema: %s are current", " and ".join(str(p) for p in generated()))
        return 0
    emit(config_doc.render() if args.reference else config_schema.render())
    return 0
