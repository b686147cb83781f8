"""The package as users install it: a wheel built from this checkout (through its sdist),
installed into a fresh virtual environment, then used the way README.md says.

``release-tasks --help`` and ``release-tasks demo`` work from the installed package (its
example ships as package data); a monorepo whose ``noxfile.py`` is the one-line import gets
every session, and the commands of README.md's "Using it in a real monorepo", run exactly as
written there from the monorepo's root, release it and publish its gem to a local RubyGems.
Nothing of this checkout is on the path of those commands: only the wheel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_tasks import sandbox
from release_tasks.git import repo as git_mod
from release_tasks.model import platforms
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from tests.integration.publish_helpers import NO_CREDENTIALS, git, sandbox_at, tags
from tests.registries.tools import require_tool

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Using it in a real monorepo"
#: The design card's commands, which the README's steps must contain.
CARD = ("nox -l", "nox -s release -- --dry-run", "nox -s publish_ruby -- 0.1.9.0")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    build_seconds: float
    install_seconds: float

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a shell with the venv activated and nothing of this checkout."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return {**env, "PATH": f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
                "VIRTUAL_ENV": str(self.venv), **extra}

    def shell(self, line: str, cwd: Path, env: dict[str, str] | None = None,
              timeout: float = 900) -> subprocess.CompletedProcess[str]:
        line = line.replace("pip install release-tasks", f"pip install {self.wheel}")
        return subprocess.run(["bash", "-c", line], cwd=cwd, env=env or self.env(),
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """``uv build`` (sdist, then the wheel from it) and ``pip install`` into a fresh venv."""
    require_tool("git")
    uv = Path(sys.executable).with_name("uv")
    uv_path = str(uv) if uv.is_file() else require_tool("uv")
    work = tmp_path_factory.mktemp("installed")
    start = time.monotonic()
    subprocess.run([uv_path, "build", "--quiet", "--out-dir", str(work / "dist"), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    built = time.monotonic() - start
    (wheel,) = (work / "dist").glob("release_tasks-*-py3-none-any.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    state = Installed(wheel=wheel, venv=venv, build_seconds=built, install_seconds=0.0)
    start = time.monotonic()
    result = state.shell("pip install release-tasks", work)
    assert result.returncode == 0, result.stdout + result.stderr
    yield Installed(wheel=wheel, venv=venv, build_seconds=built,
                    install_seconds=time.monotonic() - start)


def readme_steps() -> tuple[list[str], int]:
    """The shell commands of README.md's adoption section, in order, and its step count."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    commands = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    return commands, len(re.findall(r"^\d+\. ", section, re.MULTILINE))


def test_the_wheel_installs_a_working_command(installed: Installed, tmp_path: Path) -> None:
    where = installed.shell("python -c 'import release_tasks; print(release_tasks.__file__)'",
                            tmp_path)
    helped = installed.shell("release-tasks --help", tmp_path)
    demo = installed.shell("release-tasks demo", tmp_path)

    assert Path(where.stdout.strip()).is_relative_to(installed.venv), where.stdout
    assert helped.returncode == 0, helped.stderr
    assert all(stage in helped.stdout for stage in ("init", "release", "publish_ruby", "demo"))
    assert demo.returncode == 0, demo.stderr
    assert "core 0.1.1 -> 0.1.2" in demo.stdout
    assert "Dry run: nothing was written, committed or tagged." in demo.stdout
    size = installed.wheel.stat().st_size
    print(f"\nwheel {installed.wheel.name}: {size} bytes, built in {installed.build_seconds:.1f} s; "
          f"pip install {installed.install_seconds:.1f} s")


def test_the_wheel_ships_the_schema_that_init_names(installed: Installed, tmp_path: Path) -> None:
    printed = installed.shell("release-tasks schema", tmp_path)
    where = installed.shell("python -c 'from release_tasks.config import schema as s; "
                            "print(s.SCHEMA_FILE)'", tmp_path)
    check = installed.shell("release-tasks schema --check", tmp_path)

    shipped = Path(where.stdout.strip())
    assert shipped.is_relative_to(installed.venv), where.stdout + where.stderr
    committed = (ROOT / "release_tasks" / "data" / "release.schema.json").read_text(encoding="utf-8")
    assert shipped.read_text(encoding="utf-8") == printed.stdout == committed
    assert check.returncode == 2 and "not a checkout of release-tasks" in check.stderr


def published_monorepo(tmp_path: Path) -> Path:
    """The example at 0.1.8, released and published before the tool (tags, no release.toml),
    with an FFI-facing change on top and an ``origin`` to push to."""
    root = sandbox_at(tmp_path, "0.1.8.0")
    for tag in ("v0.1.8", "core-v0.1.8", "ruby-v0.1.8.0", "python-v0.1.8.0",
                "typescript-v0.1.8.0"):
        git(root, "tag", tag)
    sandbox.touch(git_mod.Repo(root), "fix(shared): message envelope ordering",
                  "tasker-shared/src/lib.rs")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--bare", "--quiet", str(origin)], check=True)
    git(root, "remote", "add", "origin", str(origin))
    return root


def test_the_readme_steps_release_and_publish_a_monorepo(
        installed: Installed, tmp_path: Path, rubygems_registry: RubyGemsRegistry) -> None:
    # `nox -s rehearse` builds and installs every binding: their tools too.
    for tool in ("cargo", "ruby", "gem", "bundle", "rake", "node", "npm", "bun"):
        require_tool(tool)
    commands, steps = readme_steps()
    assert steps <= 4, f"{SECTION} has {steps} steps"
    assert set(CARD) <= set(commands) and "release-tasks init" in commands, commands
    root = published_monorepo(tmp_path)
    env = installed.env(**{**NO_CREDENTIALS, "GEM_HOST_API_KEY": rubygems_registry.api_key,
                           "RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url,
                           "CARGO_TARGET_DIR": str(tmp_path / "target")})

    start = time.monotonic()
    results = {}
    for command in commands:
        result = installed.shell(command, root, env)
        assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
        results[command] = result
    print(f"\nREADME steps on the monorepo: {time.monotonic() - start:.1f} s")

    assert (root / "noxfile.py").read_text() == "from release_tasks.sessions import *  # noqa: F403\n"
    assert "release.toml" in git(root, "ls-files")
    listed = results["nox -l"].stdout
    assert all(f"- {s} ->" in listed for s in ("init", "release", "publish_ruby", "demo"))
    dry = results["nox -s release -- --dry-run"]
    assert "core 0.1.8 -> 0.1.9" in dry.stdout and "0.1.8.0 -> 0.1.9.0" in dry.stdout
    # Every session installed the tool from the wheel, not from an index or this checkout.
    assert f"installing the release tool: release-tasks @ {installed.wheel.as_uri()}" in dry.stderr
    # The rehearsal before the release: all four published, installed and loaded, from the
    # wheel; it left no tag, no commit and no package behind (one release, one gem below).
    rehearsed = results["nox -s rehearse"].stdout
    assert rehearsed.rstrip().endswith("rehearsal passed"), rehearsed
    # The twelve steps, and the build cells of the bindings whose platforms init declared
    # (the gem's source gem; the wheel for this machine and the sdist): all built here.
    builds = re.findall(r"^build-(\w+) \(([\w-]+)\) .*s  ok\b", rehearsed, re.M)
    assert sorted(builds) == [("python", platforms.host().name), ("python", "source"),
                              ("ruby", "source")], rehearsed
    assert len(re.findall(r"s  ok\b", rehearsed)) == 12 + len(builds)
    assert "failed" not in rehearsed
    release_tags = [t for t in tags(root) if t.startswith("release-")]
    assert len(release_tags) == 1
    assert release_tags[0] in git(tmp_path / "origin.git", "tag", "--list")
    assert [g.spec.version for g in rubygems_registry.gems("tasker-worker-rb")] == ["0.1.9.0"]
    assert "ruby-v0.1.9.0" in tags(root)
