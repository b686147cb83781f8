"""An idempotent re-publish of all four components, end to end through nox.

On the four local registries (crates, RubyGems, PyPI, npm: ``tests/registries``), a sandbox
of the example is released (``release --yes --push``) and published once through nox, the
way CI runs it: ``publish_crates``, then ``publish_ruby``, ``publish_python`` and
``publish_typescript`` with the plan's versions, each ``--on-duplicate=skip --push-tags``.
Then the same four sessions again, timed, where every version is already published:

* warm: the session environments of the first publish are still there, and reused (``-R``);
* cold: a fresh ``--envdir``, every environment made from nothing, as each CI job makes its
  own (uv's cache kept, as CI restores it).

The registries must hold exactly what the first publish put there. The document's publish
scripts have no counterpart here: they ask the public registries by fixed URL, and build
each binding before they ask. This measures the publish stages as they are on this branch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from release_tasks import sandbox
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.bench_common import ROOT, child_env
from tests.bench_sessions import readme_nox
from tests.registries.verdaccio_install import ensure_installed

TARGET_SECONDS = 15.0
TOOLS = ("cargo", "gem", "bundle", "rake", "maturin", "bun", "npm", "node")
#: Every credential variable of the default config, emptied so the machine's own never count.
NO_CREDENTIALS = {name: "" for name in ("GEM_HOST_API_KEY", "MATURIN_PYPI_TOKEN", "PYPI_TOKEN",
                                        "NPM_TOKEN", "NODE_AUTH_TOKEN", "CARGO_REGISTRY_TOKEN")}


def _sessions(plan: dict[str, str]) -> list[tuple[str, list[str]]]:
    once = ["--on-duplicate=skip", "--push-tags"]
    return [("publish_crates", once),
            *((f"publish_{lang}", [plan[f"NEXT_{lang.upper()}_VERSION"], *once])
              for lang in ("ruby", "python", "typescript"))]


def _contents(cargo: CargoRegistry, gems: RubyGemsRegistry, pypi: PypiServer,
              npm: Verdaccio) -> dict[str, Any]:
    document = httpx.get(f"{npm.url}@tasker-systems%2fworker", timeout=30).json()
    return {"crates": sorted(cargo.log.published()),
            "gems": sorted(str(g.spec.version) for g in gems.gems("tasker-worker-rb")),
            "pypi": sorted(pypi.files()), "npm": sorted(document.get("versions", {}))}


def _publish(nox: str, envdir: Path, repo: Path, env: dict[str, str],
             sessions: list[tuple[str, list[str]]], *flags: str) -> list[tuple[str, float]]:
    times = []
    for session, posargs in sessions:
        start = time.perf_counter()
        done = subprocess.run([nox, "-f", str(ROOT / "noxfile.py"), "--envdir", str(envdir),
                               *flags, "-s", session, "--", *posargs], cwd=repo, env=env,
                              capture_output=True, text=True, check=False)
        times.append((session, time.perf_counter() - start))
        if done.returncode != 0:
            raise SystemExit(f"nox -s {session} failed ({done.returncode}):\n"
                             f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return times


def bench_republish(args: argparse.Namespace, work: Path) -> tuple[list[str], bool]:
    print("== an idempotent re-publish of all four components through nox")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        print(f"  skipped: {', '.join(missing)} not on PATH")
        return [f"re-publish: skipped ({', '.join(missing)} missing)"], True
    nox, how = readme_nox(work.parent)
    print(f"  nox: {how}")
    node = shutil.which("node") or "node"
    entry = ensure_installed(shutil.which("npm") or "npm")
    with (CargoRegistry() as cargo, RubyGemsRegistry() as gems,
          PypiServer(work / "pypi") as pypi, Verdaccio(work / "verdaccio", node, entry) as npm):
        repo = sandbox.create(work / "tasker-core")
        origin = work / "origin.git"
        subprocess.run(["git", "init", "--bare", "--quiet", str(origin)], check=True)
        repo.out("remote", "add", "origin", str(origin))
        registry_env = cargo.configure_cargo("local", work / "cargo-home")
        env = child_env({
            **NO_CREDENTIALS, **registry_env,
            "CARGO_REGISTRY_TOKEN": registry_env.pop("CARGO_REGISTRIES_LOCAL_TOKEN"),
            "RELEASE_TASKS_CARGO_REGISTRY": "local",
            "CARGO_TARGET_DIR": str(work / "target"),
            "RELEASE_TASKS_RUBYGEMS_HOST": gems.url, "GEM_HOST_API_KEY": gems.api_key,
            "RELEASE_TASKS_PYPI_INDEX_URL": pypi.url,
            "RELEASE_TASKS_PYPI_UPLOAD_URL": pypi.upload_url, "PYPI_TOKEN": pypi.password,
            "RELEASE_TASKS_NPM_REGISTRY": npm.url, "NPM_TOKEN": npm.token,
            **sandbox.GIT_IDENTITY})
        env.pop("CARGO_REGISTRIES_LOCAL_TOKEN", None)
        cli = [sys.executable, "-m", "release_tasks"]
        subprocess.run([*cli, "release", "--repo", str(repo.root), "--yes", "--push"],
                       env=env, check=True, capture_output=True)
        out = subprocess.run([*cli, "versions", "--repo", str(repo.root), "--format", "env"],
                             env=env, check=True, capture_output=True, text=True).stdout
        plan = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        sessions = _sessions(plan)

        first_dir = work / "envdir-first"
        first = _publish(nox, first_dir, repo.root, env, sessions)
        published = _contents(cargo, gems, pypi, npm)
        warm = _publish(nox, first_dir, repo.root, env, sessions, "-R")
        cold = _publish(nox, work / "envdir-cold", repo.root, env, sessions)
        after = _contents(cargo, gems, pypi, npm)

    ok = after == published and all(published.values())
    if not ok:
        print(f"  WRONG: the registries changed on a re-publish, or missed the first one:\n"
              f"    after the first publish: {published}\n    after the re-publishes: {after}")
    print(f"  first publish (builds everything): {sum(t for _, t in first):.1f} s")
    for label, times in (("warm", warm), ("cold", cold)):
        total = sum(t for _, t in times)
        parts = ", ".join(f"{name} {t:.1f} s" for name, t in times)
        verdict = "met" if total <= TARGET_SECONDS else "MISSED"
        print(f"  re-publish, {label}: {total:.1f} s in total (target <= {TARGET_SECONDS:g} s: "
              f"{verdict}): {parts}")
    warm_total, cold_total = sum(t for _, t in warm), sum(t for _, t in cold)
    return [f"re-publish of all four through nox: warm {warm_total:.1f} s, cold "
            f"{cold_total:.1f} s (target <= {TARGET_SECONDS:g} s; today's publish stages)"], ok


if __name__ == "__main__":
    os.environ.update(sandbox.GIT_IDENTITY)
    sys.exit(0 if bench_republish(argparse.Namespace(), Path(sys.argv[1]))[1] else 1)
