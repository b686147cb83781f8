"""Building a Ruby binding: compile the native library, build the gem, check it, push it.

``bundle exec rake compile`` builds the cdylib and puts it under ``lib/``; ``gem build``
packs the gem from the binding's gemspec. The gem is read back with RubyGems itself
(``Gem::Package``), so the name, version and file list checked are what ``gem push`` sends.
``gem push`` reads the key from ``GEM_HOST_API_KEY`` and runs with stdin closed: without a
key it would otherwise sit at a credentials prompt.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from release_tasks import cmd
from release_tasks.errors import PublishError, UsageError
from release_tasks.log import get_logger
from release_tasks.registries.common import CARGO_HINT, fresh_dir, require_tools
from release_tasks.registries.interface import Artifact, Build, ExpectedFile, PublishContext
from release_tasks.registries.rubygems import attest
from release_tasks.registries.rubygems import platforms as platform_names
from release_tasks.registries.rubygems.index import equal

log = get_logger("publish.rubygems")

#: Ruby cannot be installed into a Python environment; say exactly what the machine needs.
INSTALL_HINT = "Install Ruby and its build tools: apt-get install -y ruby ruby-dev bundler rake"
_NATIVE = re.compile(r"\.(so|bundle|dylib|dll)$")
_BUILT = re.compile(r"^\s*File:\s*(\S+\.gem)\s*$", re.M)
#: The build step: ``rake compile`` and ``gem build``.
STEP = "gem"
# The name `gem build` gives the gem: its spec's file_name, platform included.
_FILE_NAME = "puts Gem::Specification.load(ARGV[0]).file_name"
# Reads a built .gem the way `gem push` will: its spec and the files really packed in it.
_READ_GEM = """
require "rubygems/package"
require "json"
package = Gem::Package.new(ARGV[0])
spec = package.spec
puts JSON.generate({
  "name" => spec.name, "version" => spec.version.to_s, "platform" => spec.platform.to_s,
  "summary" => spec.summary.to_s, "authors" => spec.authors, "licenses" => spec.licenses,
  "required_ruby_version" => spec.required_ruby_version.to_s,
  "metadata" => spec.metadata, "files" => package.contents.sort,
})
"""


@dataclass(frozen=True, kw_only=True)
class GemInfo:
    """What a ``.gem`` file says about itself."""

    path: Path
    name: str
    version: str
    platform: str
    summary: str
    authors: tuple[str, ...]
    licenses: tuple[str, ...]
    required_ruby_version: str
    metadata: dict[str, str]
    files: tuple[str, ...]

    @property
    def native_files(self) -> list[str]:
        return [f for f in self.files if _NATIVE.search(f)]


def read_gem(path: Path, env: dict[str, str]) -> GemInfo:
    """Read ``path`` with RubyGems' own ``Gem::Package``."""
    out = cmd.run(["ruby", "-e", _READ_GEM, str(path)], capture=True, echo=False, env=env).stdout
    try:
        data = json.loads(out)
        return GemInfo(path=path, name=str(data["name"]), version=str(data["version"]),
                       platform=str(data["platform"]), summary=str(data["summary"]),
                       authors=tuple(data["authors"]), licenses=tuple(data["licenses"]),
                       required_ruby_version=str(data["required_ruby_version"]),
                       metadata={str(k): str(v) for k, v in data["metadata"].items()},
                       files=tuple(data["files"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PublishError(f"cannot read {path.name} with RubyGems: {exc}: {out[:200]!r}") from exc


def gemspec(ctx: PublishContext) -> Path:
    """``<package>.gemspec`` in the binding's directory, or the only gemspec there."""
    named = ctx.directory / f"{ctx.binding.package}.gemspec"
    if named.is_file():
        return named
    found = sorted(ctx.directory.glob("*.gemspec"))
    if len(found) != 1:
        raise UsageError(f"{ctx.binding.directory}: expected {named.name} or exactly one "
                         f"*.gemspec, found {len(found)}")
    return found[0]


def check_tools(ctx: PublishContext) -> None:
    tools = dict.fromkeys(("ruby", "gem", "bundle", "rake"), INSTALL_HINT)
    if ctx.artifacts_dir is None:
        tools["cargo"] = CARGO_HINT
    require_tools(ctx, tools)
    if attest.wanted(ctx):
        attest.check_gem(ctx)
    gemspec(ctx)


def expected_files(ctx: PublishContext) -> list[ExpectedFile]:
    """The gem ``gem build`` makes from the gemspec (``name-version[-platform].gem``): the
    gemspec is evaluated, as ``gem build`` will, so a platform it sets is in the name. Platform
    gems built elsewhere come with ``--artifacts DIR``."""
    spec = gemspec(ctx)
    found = cmd.run(["ruby", "-e", _FILE_NAME, spec.name], cwd=ctx.directory, capture=True,
                    check=False, echo=False, env=ctx.build_env())
    name = found.stdout.strip().splitlines()[-1] if found.stdout.strip() else ""
    if found.returncode != 0 or not name.endswith(".gem"):
        raise PublishError(f"cannot evaluate {spec.relative_to(ctx.root)} with RubyGems: "
                           f"{(found.stderr or found.stdout).strip()[-300:]}")
    return [ExpectedFile(step=STEP, name=name)]


def build(ctx: PublishContext) -> Build:
    """``rake compile`` (``bundle exec`` with a Gemfile), then ``gem build``."""
    env = ctx.build_env()
    spec = gemspec(ctx)
    out = fresh_dir(ctx.step_dir(STEP))
    compile_argv = ["bundle", "exec", "rake", "compile"]
    if not (ctx.directory / "Gemfile").is_file():
        compile_argv = ["rake", "compile"]
    cmd.run(compile_argv, cwd=ctx.directory, env=env, prefix=ctx.binding.name)
    # gem build evaluates the gemspec's file globs in the current directory, so it runs
    # in the binding's directory and the gem is moved out afterwards.
    result = cmd.run(["gem", "build", spec.name], cwd=ctx.directory, env=env, prefix=ctx.binding.name)
    match = _BUILT.search(result.stdout)
    built = ctx.directory / match.group(1) if match else None
    if built is None or not built.is_file():
        raise PublishError(f"gem build {spec.name} did not say which .gem it wrote")
    return Build(artifacts=(Path(shutil.move(built, out / built.name)),))


def verify(ctx: PublishContext, build: Build) -> list[str]:
    artifacts = build.artifacts
    gems = [a for a in artifacts if a.suffix == ".gem"]
    problems = [f"{a.name}: not a .gem file" for a in artifacts if a.suffix != ".gem"]
    if not gems:
        problems.append("no .gem file to push")
    for path in gems:
        info = read_gem(path, ctx.build_env())
        if info.name != ctx.binding.package:
            problems.append(f"{path.name}: gem name {info.name!r}, expected "
                            f"{ctx.binding.package!r}")
        if not equal(info.version, ctx.rendering):
            problems.append(f"{path.name}: version {info.version}, expected {ctx.rendering}")
        source = info.platform == "ruby" and "source" in ctx.binding.platforms
        if not info.files:
            problems.append(f"{path.name}: the gem contains no files")
        elif source:
            continue  # the declared source gem: compiled on install, no library in it
        elif not info.native_files:
            problems.append(f"{path.name}: no native library (lib/**/*.so) in the gem: did "
                            "`rake compile` put it where the gemspec's `files` looks?")
        elif info.platform == "ruby":
            log.warning("  %s carries a native library but its platform is 'ruby': it will "
                        "install on every platform", path.name)
    return problems


def identify(ctx: PublishContext, path: Path) -> Artifact:
    """A gem by its spec, read with RubyGems: its platform (``ruby``: the source gem)."""
    info = read_gem(path, ctx.build_env())
    found = platform_names.platform_of(info.platform)
    return Artifact(path=path, package=info.name, version=info.version,
                    platforms=frozenset({found}) if found else frozenset(), tag=info.platform)


def describe(ctx: PublishContext, build: Build) -> str:
    lines = [f"[dry-run] Would push to {ctx.endpoints['host']} (gem push --host):"]
    for path in build.artifacts:
        info = read_gem(path, ctx.build_env())
        lines += [
            f"  {path.name} ({path.stat().st_size} bytes)",
            f"    name:      {info.name}",
            f"    version:   {info.version}",
            f"    platform:  {info.platform}",
            f"    summary:   {info.summary}",
            f"    authors:   {', '.join(info.authors)}",
            f"    licenses:  {', '.join(info.licenses)}",
            f"    ruby:      {info.required_ruby_version}",
            *(f"    metadata:  {k} = {v}" for k, v in sorted(info.metadata.items())),
            f"    files ({len(info.files)}):",
            *(f"      {f}" for f in info.files),
        ]
    return "\n".join(lines)


def upload(ctx: PublishContext, build: Build) -> None:
    """``gem push --host``, the key in ``GEM_HOST_API_KEY`` of its environment only; with
    trusted publishing, each gem with its Sigstore bundle (``--attestation``)."""
    bundles = attest.sign(ctx, build.artifacts) if attest.wanted(ctx) else []
    with ctx.kind.credential_env(ctx.upload_env(), ctx.credential(), ctx.endpoints) as tool:
        for index, path in enumerate(build.artifacts):
            extra = ["--attestation", str(bundles[index])] if bundles else []
            cmd.run(["gem", "push", "--host", ctx.endpoints["host"], str(path), *extra],
                    env=tool.env, prefix=ctx.binding.name)
