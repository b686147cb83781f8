"""``preflight``: the managed repository's own checks (fmt, lints, tests) before publishing.

The commands come from ``[project] preflight`` in ``release.toml`` (the Tasker default:
cargo fmt, clippy and test). Every command runs, so one run reports every failing check.
A ``cargo`` command runs in the core's workspace directory (``[core] workspace``), where its
``Cargo.toml`` is; any other from the top level.
"""

from __future__ import annotations

from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import CommandError, ReleaseError
from release_tasks.log import get_logger
from release_tasks.model.components import Config

log = get_logger("preflight")


def run_preflight(root: Path, config: Config, *, dry_run: bool) -> str:
    """Run every check in ``root``; raise listing the failed ones. Returns a summary."""
    if not config.preflight:
        return "No pre-flight checks are configured ([project] preflight in release.toml)."
    if dry_run:
        where = config.core.workspace
        return "Pre-flight checks that would run:\n" + "\n".join(
            f"  {' '.join(command)}" + (f"  (in {where})" if command[0] == "cargo"
                                        and where not in (".", "") else "")
            for command in config.preflight)
    failed: list[str] = []
    for command in config.preflight:
        cwd = root / config.core.workspace if command[0] == "cargo" else root
        try:
            cmd.run(list(command), cwd=cwd, prefix="preflight")
        except (CommandError, ReleaseError) as exc:
            log.error("  failed: %s", " ".join(command))
            failed.append(f"{' '.join(command)}: {str(exc).splitlines()[0]}")
    if failed:
        raise ReleaseError(f"{len(failed)} of {len(config.preflight)} pre-flight check(s) "
                           "failed; nothing may be published:\n"
                           + "\n".join(f"  - {f}" for f in failed))
    return f"All {len(config.preflight)} pre-flight check(s) passed."
