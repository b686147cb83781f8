"""``init``: a ``release.toml`` inferred from cargo's model of the workspace and the tree.

It reads the repository once (the tracked files, the tags, ``cargo metadata``), infers the
bindings and the core groups (:func:`infer`, pure), renders a commented ``release.toml``,
and checks it with the config reader itself before anything is written: what ``init``
writes is a config that ``release --dry-run`` reads as it stands. It never overwrites a
``release.toml``.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from release_tasks.cargo import workspace
from release_tasks.cargo.workspace import Crate
from release_tasks.config import load as config_mod
from release_tasks.config.schema import IN_REPOSITORY, directive_target
from release_tasks.config.schema import render as render_schema
from release_tasks.errors import ConfigError, ReleaseError, UsageError, VersionError
from release_tasks.git import repo as git
from release_tasks.git import repository
from release_tasks.init import bindings as init_bindings
from release_tasks.init import groups as init_groups
from release_tasks.init import render as init_render
from release_tasks.init.model import Proposal, Sources
from release_tasks.log import get_logger
from release_tasks.model import platforms
from release_tasks.model.version import CoreVersion
from release_tasks.plan.unreached import VERSIONED
from release_tasks.registries.pypi import sbom_warning

log = get_logger("init")
VERSION_FILE = "VERSION"


@dataclass(frozen=True, kw_only=True)
class Result:
    """What ``init`` proposes: the text, the proposal behind it, and where it goes."""

    text: str
    proposal: Proposal
    path: Path


def infer(src: Sources, *, project: str, repository_url: str | None, main_branch: str,
          workspace_dir: str = ".") -> Proposal:
    """The proposal for the repository ``src`` describes (no I/O)."""
    core, why, missing = init_groups.core_version(src, VERSION_FILE)
    bindings, skipped = init_bindings.find(src, core)
    groups, left, notes = init_groups.propose(src, bindings, core)
    prefix, prefix_why = core_tag_prefix(src.tags, core, [b.name for b in bindings])
    return Proposal(
        project=project, repository=repository_url, main_branch=main_branch,
        workspace_dir=workspace_dir, core_version=core, core_why=why, version_file=VERSION_FILE,
        version_file_missing=missing, groups=groups, bindings=tuple(bindings),
        left_out=tuple(left.items()), notes=(*skipped, *notes, *_prerelease_note(core)),
        core_tag_prefix=prefix, core_tag_why=prefix_why)


_VERSION_TAG = re.compile(rf"^(?P<prefix>[A-Za-z][A-Za-z0-9_./-]*?)(?P<version>{VERSIONED})$")


def core_tag_prefix(tags: Sequence[str], core: str,
                    bindings: Sequence[str]) -> tuple[str | None, str]:
    """The start of the tags the core's earlier releases carry, when it is not ``v`` or
    ``core-v``: the prefix of a tag naming the very version the crates hold (``rs-0.55.1``
    with crates at 0.55.1), not a binding's (``NAME-v``) nor a release tag's; the one with
    the most tags when several do. None when ``v``/``core-v`` name it, or nothing does."""
    counts: dict[str, int] = {}
    holding: set[str] = set()
    for tag in tags:
        found = _VERSION_TAG.match(tag)
        if found is None:
            continue
        prefix = found["prefix"]
        counts[prefix] = counts.get(prefix, 0) + 1
        if found["version"] == core:
            holding.add(prefix)
    if holding & {"v", "core-v"}:
        return None, ""
    others = {f"{name}-v" for name in bindings} | {"release-"}
    candidates = sorted(holding - others, key=lambda p: (-counts[p], p))
    if not candidates:
        return None, ""
    chosen = candidates[0]
    return chosen, (f"the tag {chosen}{core} of the version the crates hold, and "
                    f"{counts[chosen] - 1} more {chosen}* tag(s) of earlier releases")


def _prerelease_note(core: str) -> list[str]:
    """What a prerelease core means for the next release, or why the core cannot be read."""
    try:
        version = CoreVersion.parse(core, source="the core version")
    except VersionError as exc:
        return [f"{exc}: write one in {VERSION_FILE} before releasing"]
    if version.pre is None:
        return []
    return [f"the core is a prerelease, {version}: `nox -s release -- --pre {version.pre.label}` "
            f"releases the next one ({version.prerelease(version.pre.label)}), "
            f"`nox -s release` its final {version.final}"]


def _reader(root: Path, tree: repository.Tree) -> Callable[[str], str | None]:
    def read(path: str) -> str | None:
        file = root / path
        if path not in tree.entries or not file.is_file():
            return None
        return repository.decode(file.read_bytes(), path)
    return read


def _other_workspaces(root: Path) -> Callable[[str], Crate | None]:
    """Binding crates that are not members (a gem's ``ext/`` crate with a workspace of its
    own): cargo is asked in their directory, once each."""
    seen: dict[str, Crate | None] = {}

    def crate_at(manifest: str) -> Crate | None:
        if manifest not in seen:
            directory = str(Path(manifest).parent)
            try:
                found = workspace.load(root, directory)
                seen[manifest] = next((c for c in found.members if c.manifest == manifest), None)
            except ReleaseError as exc:
                log.debug("init: %s: not read (%s)", manifest, exc)
                seen[manifest] = None
        return seen[manifest]
    return crate_at


def _main_branch(repo: git.Repo) -> str:
    """origin's default branch, else ``main`` or ``master`` when it exists, else the current."""
    head = repo.git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False)
    if head.returncode == 0 and "/" in head.stdout:
        return head.stdout.strip().split("/", 1)[1]
    branches = repo.out("for-each-ref", "refs/heads", "--format=%(refname:strip=2)").split()
    for name in ("main", "master"):
        if name in branches:
            return name
    current = repo.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return current.stdout.strip() if current.returncode == 0 and current.stdout.strip() else "main"


def _repository_url(repo: git.Repo, root: Path, ws: workspace.Workspace) -> str | None:
    """The ``repository`` of the root manifest's package or workspace, else origin's URL
    when it is a web one (``git@host:path`` becomes ``https://host/path``)."""
    try:
        doc = tomllib.loads((root / ws.root_manifest).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        doc = {}
    for table in (doc.get("package", {}), doc.get("workspace", {}).get("package", {})):
        if isinstance(table.get("repository"), str):
            return str(table["repository"])
    result = repo.git("remote", "get-url", "origin", check=False)
    url = result.stdout.strip() if result.returncode == 0 else ""
    if match := re.fullmatch(r"git@([^:]+):(.+?)(\.git)?", url):
        return f"https://{match.group(1)}/{match.group(2)}"
    return url.removesuffix(".git") if url.startswith("https://") else None


def _check(text: str, root: Path, tree: repository.Tree, ws: workspace.Workspace) -> None:
    """Read ``text`` back with the config reader and the tree checks: a problem here is a
    fault of the inference, reported instead of written."""
    config = config_mod.parse(tomllib.loads(text), source="release.toml (proposed by init)")
    problems = config_mod.tree_problems(config, tree)
    problems += workspace.group_problems(ws, [(g.name, g.crates) for g in config.core.groups])
    if problems:
        raise ConfigError(problems, "release.toml (proposed by init)")


def propose(root: Path, workspace_dir: str = ".") -> Result:
    """The proposal for the repository whose top level is ``root``."""
    repo = git.Repo(root)
    tree = repository.tracked(root)
    if not (root / workspace_dir / "Cargo.toml").is_file():
        found = candidate_workspaces(tree.files)
        hint = f" (candidates, the top-most Cargo.toml files: {', '.join(found)})" if found else ""
        raise UsageError(f"no Cargo.toml in {root / workspace_dir}: give the directory of the "
                         f"core crates' workspace with --workspace DIR{hint}")
    ws = workspace.load(root, workspace_dir)
    src = Sources(workspace=ws, tree=tree, read=_reader(root, tree), tags=tuple(git.list_tags(repo)),
                  crate_at=_other_workspaces(root), host=_host())
    url = _repository_url(repo, root, ws)
    project = (ws.root_package.name if ws.root_package
               else url.rstrip("/").rsplit("/", 1)[-1] if url else root.resolve().name)
    proposal = infer(src, project=project, repository_url=url, main_branch=_main_branch(repo),
                     workspace_dir=workspace_dir)
    builtin = config_mod.builtin()
    locked = ws.lockfile in tree.entries
    preflight = builtin.preflight if locked else tuple(
        tuple(a for a in command if a != "--locked") for command in builtin.preflight)
    text = init_render.render(
        proposal, preflight=preflight, core_credential=builtin.core.credential,
        locked=locked,
        credentials={b.registry: b.credential for b in builtin.bindings},
        schema=directive_target())
    _check(text, root, tree, ws)
    return Result(text=text, proposal=proposal, path=root / config_mod.CONFIG_FILE)


def candidate_workspaces(files: Sequence[str]) -> list[str]:
    """The directories of the top-most tracked ``Cargo.toml`` files (none of them inside
    another's directory): where a core workspace can be, shallowest first."""
    dirs = sorted({posixpath.dirname(f) or "." for f in files
                   if posixpath.basename(f) == "Cargo.toml"}, key=lambda d: (d.count("/"), d))
    found: list[str] = []
    for directory in dirs:
        if not any(d == "." or directory.startswith(d + "/") for d in found):
            found.append(directory)
    return found


def refuse_existing(root: Path) -> None:
    """A :class:`UsageError` when ``root`` already has a ``release.toml``."""
    path = root / config_mod.CONFIG_FILE
    if path.exists() or path.is_symlink():
        raise UsageError(f"{path} already exists; init never overwrites it. To compare it "
                         "with what init infers now: release-tasks init --print")


#: What every stage leaves in the work tree and no commit should hold: nox's environments.
IGNORED = ".nox/"


def write(result: Result) -> list[Path]:
    """Write the proposal (and ``VERSION`` when it is missing), the schema its ``#:schema``
    line names, and ``.nox/`` into ``.gitignore`` when it is not ignored; return what was
    written."""
    root = result.path.parent
    refuse_existing(root)
    written = []
    if result.proposal.version_file_missing:
        version = root / result.proposal.version_file
        version.write_text(result.proposal.core_version + "\n", encoding="utf-8")
        written.append(version)
    with result.path.open("x", encoding="utf-8") as out:  # "x": never over a file made since
        out.write(result.text)
    written.append(result.path)
    schema = root / IN_REPOSITORY
    schema.parent.mkdir(parents=True, exist_ok=True)
    if not schema.is_file() or schema.read_text(encoding="utf-8") != render_schema():
        schema.write_text(render_schema(), encoding="utf-8")
        written.append(schema)
    if ignore_nox(root):
        written.append(root / ".gitignore")
    return written


def _host() -> str | None:
    """This machine's platform, for bindings whose setup names none."""
    try:
        return platforms.host().name
    except platforms.UnknownPlatform:
        return None


def ignore_nox(root: Path) -> bool:
    """Add ``.nox/`` to ``root/.gitignore`` unless git already ignores it; whether it did."""
    probe = git.Repo(root).git("check-ignore", "--quiet", "--no-index", ".nox/x", check=False)
    if probe.returncode == 0:
        return False
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    sep = "" if not text or text.endswith("\n") else "\n"
    path.write_text(f"{text}{sep}{IGNORED}\n", encoding="utf-8")
    return True


def sbom_offers(root: Path, result: Result) -> list[str]:
    """For each maturin binding whose Rust SBOM is on: why it matters and the two lines that
    turn it off."""
    offers = []
    for found in result.proposal.bindings:
        # Only a pyproject.toml built by maturin says anything: no other binding has one.
        directory = next((Path(v.path).parent.as_posix() for v in found.version_files
                          if v.path.endswith("pyproject.toml")), found.directory)
        offers += [f"{line.removeprefix('warning: ')}; add to it:\n"
                   "      [tool.maturin.sbom]\n      rust = false"
                   for line in sbom_warning(root, directory)]
    return offers


def next_steps(root: Path, result: Result) -> list[str]:
    """What to do after ``init``, in order, up to the first release."""
    schema = IN_REPOSITORY
    files = " ".join(p for p in (result.path.name, schema, ".gitignore",
                                 result.proposal.version_file
                                 if result.proposal.version_file_missing else "") if p)
    steps = [f"read {result.path.name} and correct what it guessed wrong"]
    if not (root / "noxfile.py").is_file():
        steps.append("add a noxfile.py holding `from release_tasks.sessions import *  "
                     "# noqa: F403`")
    steps += ["`nox -s workflow` writes .github/workflows/release.yml (CI publishes from it)",
              f"commit: git add {files} noxfile.py .github/workflows/release.yml "
              ".github/release-tasks.txt "
              "(release refuses modified tracked files)",
              "`nox -s release -- --dry-run` shows the first release; it changes nothing",
              "`nox -s release -- --push` makes the release, and CI publishes it "
              "(RELEASING.md says what CI needs)"]
    return ["next steps:", *(f"  {n}. {step}" for n, step in enumerate(steps, 1)),
            f"after upgrading release-tasks: `release-tasks schema --write-to {schema}` and "
            "`release-tasks workflow` (the version the workflow installs)"]
