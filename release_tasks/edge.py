"""``edge``: how to depend on a branch of the repository instead of a release.

For every published component it prints what its package manager needs, as its registry
kind writes it (:meth:`~release_tasks.registries.interface.RegistryKind.edge`): a Cargo git
dependency per core crate, a Gemfile line with Bundler's ``glob:``, a pip requirement with
``#subdirectory=``, and for npm, which cannot follow a branch into a subdirectory, the
build-and-pack route. The repository URL comes from ``project.repository`` in
``release.toml``, else the ``origin`` remote (made an https URL), else the built-in layout's.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from release_tasks.config.load import CONFIG_FILE
from release_tasks.errors import ConfigError
from release_tasks.git import repo as git
from release_tasks.log import get_logger
from release_tasks.model.components import Config
from release_tasks.registries import kind_of
from release_tasks.registries.interface import EdgeSource, RefKind, Snippet
from release_tasks.registries.rubygems import github_slug

log = get_logger("edge")

__all__ = ["Guide", "RefKind", "Snippet", "github_slug", "guide", "ref_kind", "repository_url",
           "web_url"]

_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")
_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_WIDTH = 100


@dataclass(frozen=True, kw_only=True)
class Guide:
    """Every component's edge dependency on one ref of one repository."""

    url: str
    url_source: str
    ref: str
    ref_kind: RefKind
    snippets: tuple[Snippet, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "url_source": self.url_source, "ref": self.ref,
                "ref_kind": self.ref_kind,
                "components": [{"component": s.component, "tool": s.tool, "title": s.title,
                                "code": s.code, "notes": list(s.notes)} for s in self.snippets]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def text(self) -> str:
        lines = [f"Edge: depend on {self.ref_kind} {self.ref} of {self.url} instead of a release",
                 f"(repository URL from {self.url_source})"]
        lines += textwrap.wrap(
            "An edge build reports the version written in the files at that ref (the last "
            "release's), not a pre-release: the commit recorded in your lockfile is what "
            "identifies it.", _WIDTH, break_on_hyphens=False)
        for s in self.snippets:
            lines += ["", f"== {s.title} =="]
            lines += ["  " + line if line else "" for line in s.code.splitlines()]
            lines += [textwrap.fill(note, _WIDTH, initial_indent="  - ", subsequent_indent="    ",
                                    break_on_hyphens=False, break_long_words=False)
                      for note in s.notes]
        return "\n".join(lines)


# --- the repository URL ----------------------------------------------------------------------

def web_url(remote: str, root: Path) -> str:
    """A URL package managers can fetch anonymously from: ``git@host:o/r.git`` becomes
    ``https://host/o/r``; credentials are dropped; a local path becomes a ``file://`` URL."""
    remote = remote.strip()
    if "://" not in remote:
        scp = _SCP.match(remote)
        if scp and not (root / remote).exists():  # host:path, unless a local path says so
            return _https(scp["host"], scp["path"])
        path = Path(remote)
        return (path if path.is_absolute() else (root / path).resolve()).as_uri()
    parts = urlsplit(remote)
    host = parts.hostname or ""
    if parts.scheme in ("ssh", "git", "git+ssh", "ssh+git"):
        return _https(host, parts.path)
    if parts.scheme in ("http", "https"):
        netloc = host + (f":{parts.port}" if parts.port else "")
        if host == "github.com":
            return _https(host, parts.path)
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return remote


def _https(host: str, path: str) -> str:
    path = path.strip("/")
    if host == "github.com" and path.endswith(".git"):
        path = path[:-len(".git")]
    return f"https://{host}/{path}"


def repository_url(repo: git.Repo, config: Config) -> tuple[str, str]:
    """``(url, where it came from)``: release.toml, else ``origin``, else the built-in layout."""
    explicit = config.source.endswith(CONFIG_FILE)  # else the built-in layout's URL
    if explicit and config.repository:
        return web_url(config.repository, repo.root), f"project.repository in {CONFIG_FILE}"
    result = repo.git("remote", "get-url", "origin", check=False)
    if result.returncode == 0 and result.stdout.strip():
        return web_url(result.stdout, repo.root), "the origin remote"
    if config.repository:
        return web_url(config.repository, repo.root), "the built-in Tasker layout"
    raise ConfigError([f"project.repository is not set and {repo.root} has no `origin` remote: "
                       "set project.repository, or add the remote "
                       "(git remote add origin URL)"], config.source)


def ref_kind(repo: git.Repo, ref: str) -> RefKind:
    """How the package managers must name ``ref``: a commit id, a tag, or a branch."""
    if _HEX.fullmatch(ref):
        found = repo.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if found.returncode == 0 and found.stdout.strip().startswith(ref):
            return "rev"
    if _exists(repo, f"refs/tags/{ref}"):
        return "tag"
    if not (_exists(repo, f"refs/heads/{ref}") or _exists(repo, f"refs/remotes/origin/{ref}")):
        log.warning("warning: %r is not a branch, tag or commit here; shown as a branch", ref)
    return "branch"


def _exists(repo: git.Repo, refname: str) -> bool:
    return repo.git("show-ref", "--verify", "--quiet", refname, check=False).returncode == 0


# --- the snippets ----------------------------------------------------------------------------

def guide(root: Path, config: Config, ref: str | None = None) -> Guide:
    """Build the edge guide for ``ref`` (default: the main branch)."""
    repo = git.open_repo(root)
    ref = ref or config.main_branch
    url, source = repository_url(repo, config)
    kind = ref_kind(repo, ref)
    reader = _Reader(repo, ref)
    snippets = [kind_of(config.core.registry).edge(
        EdgeSource(config=config, binding=None, reader=reader, url=url, ref=ref, ref_kind=kind))]
    snippets += [kind_of(b.registry).edge(EdgeSource(config=config, binding=b, reader=reader,
                                                     url=url, ref=ref, ref_kind=kind))
                 for b in config.bindings]
    return Guide(url=url, url_source=source, ref=ref, ref_kind=kind, snippets=tuple(snippets))


class _Reader:
    """Files as they are at the ref when it is known here, else in the work tree."""

    def __init__(self, repo: git.Repo, ref: str) -> None:
        self.repo = repo
        self.commit: str | None = None
        for candidate in (ref, f"origin/{ref}"):
            found = repo.git("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}",
                             check=False)
            if found.returncode == 0:
                self.commit = found.stdout.strip()
                break

    def text(self, path: str) -> str | None:
        return git.read_file(self.repo, self.commit, path)

    def names(self, directory: str) -> list[str]:
        """File names directly in ``directory``."""
        if self.commit is None:
            folder = self.repo.root / directory
            return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        out = self.repo.git("ls-tree", "--name-only", self.commit, f"{directory}/",
                            check=False).stdout
        return sorted(PurePosixPath(line).name for line in out.splitlines() if line)
