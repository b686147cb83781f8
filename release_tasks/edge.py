"""``edge``: how to depend on a branch of the repository instead of a release.

For every published component it prints what its package manager needs: a Cargo git
dependency per core crate, a Gemfile line with Bundler's ``glob:``, a pip requirement with
``#subdirectory=``, and for npm, which cannot follow a branch into a subdirectory, the
build-and-pack route. The repository URL comes from ``project.repository`` in
``release.toml``, else the ``origin`` remote (made an https URL), else the built-in layout's.
"""

from __future__ import annotations

import json
import re
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from release_tasks import git
from release_tasks.config import CONFIG_FILE, Binding, Config
from release_tasks.errors import ConfigError
from release_tasks.log import get_logger

log = get_logger("edge")

RefKind = Literal["branch", "tag", "rev"]
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")
_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_WIDTH = 100
_EXTENSIONS = re.compile(r"\.\s*extensions\s*(?:=|<<|\.(?:push|concat))")


@dataclass(frozen=True, kw_only=True)
class Snippet:
    """What to write (or run) to depend on one component at the ref, and what to know."""

    component: str
    tool: str
    title: str
    code: str
    notes: tuple[str, ...]


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


def github_slug(url: str) -> str | None:
    """``owner/repo`` of a github.com URL, else ``None``."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname == "github.com" and len(segments) == 2:
        return "/".join(segments)
    return None


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
    snippets = [_cargo(config, url, ref, kind)]
    for binding in config.bindings:
        if binding.registry == "rubygems":
            snippets.append(_bundler(binding, reader, url, ref, kind))
        elif binding.registry == "pypi":
            snippets.append(_pip(binding, reader, url, ref))
        elif binding.registry == "npm":
            snippets.append(_npm(binding, reader, url, ref, kind))
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


def _package_dir(binding: Binding, fmt: str) -> str:
    """The directory holding the binding's manifest (``pyproject``, ``package-json``)."""
    for f in binding.version_files:
        if f.format == fmt:
            return str(PurePosixPath(f.path).parent)
    return binding.directory


def _cargo(config: Config, url: str, ref: str, kind: RefKind) -> Snippet:
    key = {"branch": "branch", "tag": "tag", "rev": "rev"}[kind]
    lines = ["[dependencies]"] + [f'{crate} = {{ git = "{url}", {key} = "{ref}" }}'
                                  for crate in config.core.crates]
    return Snippet(component="core", tool="cargo", title="Rust crates (Cargo.toml)",
                   code="\n".join(lines), notes=(
        "List only the crates you use. Cargo finds each one by name in the repository's "
        "workspace.",
        "Take every one of these crates from this same git source and ref: mixing them with "
        "crates.io releases gives two copies of the shared types, which do not match.",
        "Cargo.lock records the commit; `cargo update` moves to the newest commit of the "
        f"{kind}.",
    ))


def _bundler(binding: Binding, reader: _Reader, url: str, ref: str, kind: RefKind) -> Snippet:
    directory = binding.directory
    glob = f"{directory}/*.gemspec"
    slug = github_slug(url)
    source = f'github: "{slug}"' if slug else f'git: "{url}"'
    key = {"branch": "branch", "tag": "tag", "rev": "ref"}[kind]
    code = f'gem "{binding.package}", {source}, {key}: "{ref}", glob: "{glob}"'
    notes = [f"`glob:` tells Bundler where the gemspec is. Without it Bundler looks only at the "
             f"repository root and one directory below ({{,*,*/*}}.gemspec) and does not find "
             f"{directory}/."]
    gemspecs = [n for n in reader.names(directory) if n.endswith(".gemspec")]
    texts = [reader.text(f"{directory}/{name}") or "" for name in gemspecs]
    if not gemspecs:
        notes.append(f"No gemspec was found in {directory}/ here: check the path.")
    elif any(_EXTENSIONS.search(text) for text in texts):
        notes.append("Bundler compiles the gem's native extension (spec.extensions) at "
                     "`bundle install`: that machine needs a Rust toolchain (cargo) and the "
                     "Ruby headers.")
    else:
        crate = f" -p {binding.crate}" if binding.crate else ""
        notes.append(
            "The gemspec declares no spec.extensions, so Bundler installs the Ruby files but "
            "does not build the native library. Build it in Bundler's checkout after "
            f"`bundle install`: `cd \"$(bundle info {binding.package} --path)\" && rake compile` "
            f"(needs a Rust toolchain: it runs cargo build --release{crate}). Declaring an "
            "rb_sys extension (extconf.rb) in spec.extensions makes Bundler do it.")
    return Snippet(component=binding.name, tool="bundler",
                   title=f"{binding.label} binding: {binding.package} (Gemfile)", code=code,
                   notes=tuple(notes))


def _pip(binding: Binding, reader: _Reader, url: str, ref: str) -> Snippet:
    directory = _package_dir(binding, "pyproject")
    requirement = f"{binding.package} @ git+{url}@{ref}#subdirectory={directory}"
    code = f'pip install "{requirement}"\nuv add "{requirement}"'
    backend = _build_backend(reader.text(f"{directory}/pyproject.toml"))
    if backend and backend.startswith("maturin"):
        build = ("pip clones the repository and builds a wheel from "
                 f"{directory} with maturin: the installing machine needs a Rust toolchain "
                 "(cargo); no prebuilt wheel exists for a branch.")
    else:
        build = (f"pip clones the repository and builds a wheel from {directory} with its "
                 f"build backend ({backend or 'unknown'}).")
    return Snippet(component=binding.name, tool="pip",
                   title=f"{binding.label} binding: {binding.package} (pip / uv)", code=code,
                   notes=(build, "In requirements.txt or pyproject.toml dependencies, use the "
                                 "quoted requirement alone."))


def _build_backend(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        backend = tomllib.loads(text).get("build-system", {}).get("build-backend")
    except tomllib.TOMLDecodeError:
        return None
    return backend if isinstance(backend, str) else None


def _npm(binding: Binding, reader: _Reader, url: str, ref: str, kind: RefKind) -> Snippet:
    directory = _package_dir(binding, "package-json")
    manifest = _json(reader.text(f"{directory}/package.json"))
    name = str(manifest.get("name") or binding.package)
    version = str(manifest.get("version") or "VERSION")
    tarball = f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    checkout = f"{PurePosixPath(urlsplit(url).path).name.removesuffix('.git') or 'repo'}-edge"
    clone = (f"git clone --branch {ref} {url} {checkout}" if kind != "rev" else
             f"git clone {url} {checkout} && git -C {checkout} checkout {ref}")
    steps = [clone, f"cd {checkout}"]
    if binding.crate:
        steps.append(f"cargo build --release -p {binding.crate}")
    steps += [f"cd {directory}", "bun install && bun run build",
              f"npm pack          # writes {tarball}",
              "cd /path/to/your/app",
              f"npm install /path/to/{checkout}/{directory}/{tarball}"]
    native = f" and the native library of the {binding.crate} crate" if binding.crate else ""
    if kind == "rev":
        where = (f"npm can fetch {directory}/ at a full commit id "
                 f"(`npm install \"git+{url}#<commit>::path:{directory}\"`, recent npm only)")
    else:
        where = (f"npm cannot install {name} from a {kind} of this repository: a git "
                 "dependency's package.json must be at the repository root, and this one is in "
                 f"{directory}/. (Recent npm reads `#<commit>::path:{directory}`, but only with "
                 "a full commit id: with a branch or tag name it installs the repository root's "
                 "package instead.)")
    return Snippet(component=binding.name, tool="npm",
                   title=f"{binding.label} binding: {name} (npm)", code="\n".join(steps), notes=(
        where,
        f"A git install would not build it either: dist/{native} are build outputs, not in "
        "the repository. So build it from a checkout, as above, and install the tarball.",
        f"Or `npm install /path/to/{checkout}/{directory}` links the built directory instead "
        "of copying a tarball.",
    ))


def _json(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
