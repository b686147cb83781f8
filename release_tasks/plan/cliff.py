"""git-cliff, for a repository that keeps a ``cliff.toml``: its template renders each
component's changelog entries.

The commits are the ones :mod:`release_tasks.plan.changelog` chose, told to git-cliff the way it
takes them: the range from the component's base to the released commit, its paths as
``--include-path`` globs, the release commits as ``--skip-commit``, and a tag pattern of the
component's own prefix (so that the other components' tags inside the range do not cut it
into several releases); ``--tag`` names the version being released. git-cliff runs without
any forge token in its environment: it reads the repository, never the network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from release_tasks import cmd
from release_tasks.git import repo as git
from release_tasks.model.paths import PathSet
from release_tasks.plan.changelog import Released, Renderer

CONFIG_FILE = "cliff.toml"
INSTALL_HINT = ("The repository has a cliff.toml, so its changelog is written by git-cliff: "
                "`pip install git-cliff` (a wheel with the binary), or remove cliff.toml to "
                "use the built-in format.")
_TOKENS = ("GITHUB_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "BITBUCKET_TOKEN", "AZURE_DEVOPS_TOKEN")


def globs(paths: PathSet) -> list[str]:
    """git-cliff's globs for our patterns: a bare directory also means everything below it."""
    found: list[str] = []
    for pattern in paths.patterns:
        pattern = pattern.rstrip("/")
        found += [pattern] if pattern.endswith("**") else [pattern, f"{pattern}/**"]
    return list(dict.fromkeys(found))


def argv(program: str, root: Path, item: Released, base: str, head: str,
         skip: Sequence[str], paths: PathSet) -> list[str]:
    """The git-cliff command that renders ``item``'s entries."""
    args = [program, "--config", str(root / CONFIG_FILE), "--repository", str(root),
            "--tag-pattern", f"^{re.escape(item.tag_prefix)}",
            "--tag", f"{item.tag_prefix}{item.version}", "--strip", "all"]
    for glob in globs(paths):
        args += ["--include-path", glob]
    for sha in skip:
        args += ["--skip-commit", sha]
    if base != git.EMPTY_TREE:
        args.append(f"{base}..{head}")
    return args


def renderer(root: Path, head: str, env: Mapping[str, str] | None = None) -> Renderer | None:
    """A :data:`~release_tasks.plan.changelog.Renderer` running git-cliff when ``root`` has a
    ``cliff.toml`` (a :class:`ToolMissing` when git-cliff is not installed); ``None``
    otherwise."""
    if not (root / CONFIG_FILE).is_file():
        return None
    environment = {k: v for k, v in (env if env is not None else os.environ).items()
                   if k not in _TOKENS}
    program = cmd.which("git-cliff", INSTALL_HINT, environment)

    def render(item: Released, base: str, skip: Sequence[str], paths: PathSet) -> str | None:
        result = cmd.run(argv(program, root, item, base, head, skip, paths), cwd=root,
                         env=environment, capture=True, echo=False)
        return result.stdout.strip() or None

    return render
