"""The stages a build matrix job runs on macOS and Windows use no POSIX-only module: with
``fcntl`` made unavailable (as on Windows), ``update`` (its journal's lock), ``build`` and
the shared session environment's lock still work, through ``filelock``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.publish_helpers import git, sandbox_at
from tests.registries.tools import require_tool

pytestmark = pytest.mark.integration

CHECKOUT = Path(__file__).resolve().parents[2]
#: Run ``python -m release_tasks ARGS`` with ``import fcntl`` failing, as it does on Windows.
NO_FCNTL = textwrap.dedent("""
    import runpy, sys
    sys.modules["fcntl"] = None  # `import fcntl` now raises ImportError
    import filelock
    assert filelock.FileLock is filelock.SoftFileLock, filelock.FileLock
    sys.argv = ["release_tasks", *sys.argv[1:]]
    runpy.run_module("release_tasks", run_name="__main__")
""")


def without_fcntl(*args: str, env: dict[str, str] | None = None,
                  ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", NO_FCNTL, *args], capture_output=True,
                          text=True, timeout=300, cwd=CHECKOUT,
                          env={**os.environ, "PYTHONPATH": str(CHECKOUT), **(env or {})})


def test_update_and_build_run_without_fcntl(tmp_path: Path) -> None:
    require_tool("maturin")
    root = sandbox_at(tmp_path, "0.1.0.0")
    updated = without_fcntl("update", "--core", "0.2.0", "--python", "0.2.0.0", "--repo",
                            str(root))
    assert updated.returncode == 0, updated.stderr
    assert (root / "VERSION").read_text().strip() == "0.2.0"
    assert not (Path(git(root, "rev-parse", "--absolute-git-dir")) / "release-tasks" /
                "update-journal").exists()  # the journal was closed
    git(root, "commit", "-qam", "0.2.0")
    out = tmp_path / "out"
    built = without_fcntl("build", "python", "0.2.0.0", "--platform", "source", "--out",
                          str(out), "--repo", str(root))
    assert built.returncode == 0, built.stderr
    assert [p.name for p in out.iterdir()] == ["tasker_worker_py-0.2.0.0.tar.gz"]


def test_the_shared_session_environment_without_fcntl(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys
        sys.modules["fcntl"] = None
        from pathlib import Path
        import filelock
        assert filelock.FileLock is filelock.SoftFileLock
        from release_tasks.sessions import env as session_env

        class Session:
            cache_dir = sys.argv[1]
            installs: list[tuple[str, ...]] = []
            def log(self, text: str) -> None:
                print(text)
            def run_install(self, *args: str, **kwargs: object) -> None:
                self.installs.append(args)
                if args[1:2] == ("venv",) or args[1:3] == ("-m", "venv"):
                    Path(args[-1]).mkdir(parents=True)

        session = Session()
        where = session_env.ensure(session, ["release-tasks==0.1.0"])
        again = session_env.ensure(session, ["release-tasks==0.1.0"])
        assert where == again and len(session.installs) == 2, session.installs
        print("made", where)
    """)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cache")],
                            capture_output=True, text=True, timeout=120, cwd=CHECKOUT,
                            env={**os.environ, "PYTHONPATH": str(CHECKOUT)})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout and "made" in result.stdout
    assert (tmp_path / "cache" / "release-tasks" / "release-tasks-environment.json").is_file()
