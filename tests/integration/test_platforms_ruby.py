"""Every platform or nothing, on RubyGems: real gems built with ``gem build`` for other
platforms (``arm64-darwin``, ``x86_64-linux``) and a source gem, against the local RubyGems
registry: an extra or missing platform is refused before any push; ``--backfill`` pushes
only the platform gem an already published version lacks.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from release_tasks import cmd
from release_tasks.errors import IncompleteSet
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from tests.integration.publish_helpers import require_words, sandbox_at, tags
from tests.integration.test_platforms_python import declare
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

GEM = "tasker-worker-rb"
VERSION = "0.1.0.0"
DECLARED = ["linux-x86_64", "macos-arm64", "source"]
GEMSPEC = """Gem::Specification.new do |s|
  s.name = "tasker-worker-rb"
  s.version = "0.1.0.0"
  s.summary = "platform test gem"
  s.authors = ["tests"]
  s.license = "MIT"
  s.files = Dir["lib/**/*"]
  s.platform = ENV.fetch("GEM_PLATFORM")
end
"""


def gem(tmp: Path, platform: str, out: Path) -> Path:
    """``gem build`` of a gem for ``platform`` (``ruby``: the source gem, with no library)."""
    work = tmp / f"gem-{platform}"
    (work / "lib" / "tasker_core").mkdir(parents=True)
    (work / "lib" / "tasker_core.rb").write_text("module TaskerCore; end\n")
    if platform != "ruby":
        suffix = ".bundle" if "darwin" in platform else ".so"
        (work / "lib" / "tasker_core" / f"tasker_core{suffix}").write_bytes(b"\x7fELF library")
    (work / "tasker-worker-rb.gemspec").write_text(GEMSPEC)
    result = subprocess.run([require_tool("gem"), "build", "tasker-worker-rb.gemspec"],
                            cwd=work, capture_output=True, text=True, timeout=120,
                            env={"PATH": os.environ["PATH"], "GEM_PLATFORM": platform,
                                 "HOME": str(tmp)}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    [built] = work.glob("*.gem")
    return built.rename(out / built.name)


def pushes() -> list[str]:
    return [Path(argv[-1]).name for argv in cmd.ARGV_LOG
            if Path(argv[0]).name == "gem" and argv[1:2] == ["push"]]


def test_platform_gems_or_nothing_then_backfill(run_cli: RunCli, tmp_path: Path,
                                                rubygems_registry: RubyGemsRegistry) -> None:
    for tool in ("ruby", "gem", "bundle", "rake"):
        require_tool(tool)
    root = sandbox_at(tmp_path, VERSION)
    declare(root, ruby=DECLARED)
    env = {"RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url,
           "GEM_HOST_API_KEY": rubygems_registry.api_key, "HOME": str(tmp_path)}
    dist = tmp_path / "dist"
    dist.mkdir()
    linux = gem(tmp_path, "x86_64-linux", dist)
    source = gem(tmp_path, "ruby", dist)
    extra = gem(tmp_path, "x86_64-darwin", dist)

    cmd.ARGV_LOG.clear()
    refused = run_cli("publish", "ruby", VERSION, "--repo", str(root), "--artifacts", str(dist),
                      env=env)
    assert refused.code == IncompleteSet.exit_code, refused.err
    require_words(refused.err, [
        f"{extra.name}: extra: it is for macos-x86_64 (x86_64-darwin), which ruby does not "
        "declare", "macos-arm64: missing: no tasker-worker-rb 0.1.0.0 for arm64-darwin",
        "nothing was uploaded to RubyGems"])
    assert pushes() == [] and rubygems_registry.gems(GEM) == [] and tags(root) == []

    # An earlier run pushed the Linux and the source gem, and never the macOS one.
    extra.unlink()
    for path in (linux, source):
        subprocess.run([require_tool("gem"), "push", "--host", rubygems_registry.url,
                        str(path)], env={**os.environ, **env}, check=True,
                       capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    mac = gem(tmp_path, "arm64-darwin", dist)
    cmd.ARGV_LOG.clear()
    backfilled = run_cli("publish", "ruby", VERSION, "--repo", str(root), "--artifacts",
                         str(dist), "--backfill", env=env)
    assert backfilled.code == 0, backfilled.err
    assert pushes() == [mac.name]
    assert sorted(str(g.spec.platform) for g in rubygems_registry.gems(GEM)) == [
        "arm64-darwin", "ruby", "x86_64-linux"]
    assert tags(root) == [f"ruby-v{VERSION}"]
