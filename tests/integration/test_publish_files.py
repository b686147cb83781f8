"""Publishing file by file, on the real local registries: two builds of one commit give the
same bytes; a file of the right name with other bytes is reported with both digests; half a
version is completed with what is missing only; a dirty tree is refused; a signal stops a
real publish with its account.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import signal
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from release_tasks.standins.gem_format import with_extra_file
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.publish_helpers import (
    NO_CREDENTIALS,
    built,
    git,
    publish,
    sandbox_at,
    tags,
)
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

PACKAGE = "@tasker-systems/worker"
STOP = {"RELEASE_TASKS_STOP_AFTER_UPLOADS": "0"}  # build, keep, stop before the first upload
INTERRUPTED = 130
OTHER_BYTES = 16  # the registry holds other bytes: never tagged as published


@dataclass
class Registries:
    gems: RubyGemsRegistry
    pypi: PypiServer
    npm: Verdaccio

    def env(self, lang: str, target: Path) -> dict[str, str]:
        """A binding's registry (and its credential) and a cargo target directory."""
        env = {"CARGO_TARGET_DIR": str(target)}
        if lang == "ruby":
            env |= {"RELEASE_TASKS_RUBYGEMS_HOST": self.gems.url,
                    "GEM_HOST_API_KEY": self.gems.api_key}
        elif lang == "python":
            env |= {"RELEASE_TASKS_PYPI_INDEX_URL": self.pypi.url,
                    "RELEASE_TASKS_PYPI_UPLOAD_URL": self.pypi.upload_url,
                    "PYPI_TOKEN": self.pypi.password}
        else:
            env |= {"RELEASE_TASKS_NPM_REGISTRY": self.npm.url, "NPM_TOKEN": self.npm.token}
        return env


@pytest.fixture
def registries(rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer,
               verdaccio: Verdaccio) -> Iterator[Registries]:
    for tool in ("cargo", "ruby", "gem", "bundle", "rake", "maturin", "uv", "bun", "npm", "node"):
        require_tool(tool)
    pypi_server.reset()
    yield Registries(rubygems_registry, pypi_server, verdaccio)
    if verdaccio.holds(PACKAGE):  # the session's npm registry: versions above others' tests
        verdaccio.reset()


def kept(root: Path, lang: str) -> dict[str, Path]:
    """What the last run built and kept, by file name."""
    return {p.name: p for p in (root / "target" / "release-artifacts" / lang).glob("*/*")
            if p.name != ".build.json"}


def sha256(path: Path | bytes) -> str:
    return hashlib.sha256(path if isinstance(path, bytes) else path.read_bytes()).hexdigest()


# --- reproducible: two checkouts of one commit build the same bytes --------------------------

@pytest.mark.parametrize(("lang", "version"), [("ruby", "0.1.0.0"), ("python", "0.1.0.0"),
                                               ("typescript", "0.1.0.40")])
def test_two_builds_of_one_commit_are_the_same_bytes(run_cli: RunCli, tmp_path: Path,
                                                     registries: Registries, lang: str,
                                                     version: str) -> None:
    first = sandbox_at(tmp_path / "a", version)
    second = tmp_path / "b" / "tasker-core"
    subprocess.run(["git", "clone", "--quiet", str(first), str(second)], check=True)
    found = []
    for root, target in ((first, tmp_path / "target-a"), (second, tmp_path / "target-b")):
        result = publish(run_cli, lang, version, root, {**registries.env(lang, target), **STOP})
        assert result.code == INTERRUPTED, result.err
        found.append({name: sha256(path) for name, path in kept(root, lang).items()})
    assert found[0] == found[1]
    assert len(found[0]) == (2 if lang == "python" else 1)  # a wheel and the sdist; one file


# --- the same name, other bytes --------------------------------------------------------------

def repacked_npm(tarball: Path, out: Path) -> Path:
    """The tarball with its dist/index.js changed: same name and version, other bytes."""
    with tarfile.open(tarball, "r:gz") as source:
        members = [(m, source.extractfile(m).read() if m.isfile() else b"")  # type: ignore[union-attr]
                   for m in source.getmembers()]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as target:
        for member, data in members:
            if member.name == "package/dist/index.js":
                data += b"\nconsole.log('not what this commit builds');\n"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    out.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))
    return out


def tamper(lang: str, registries: Registries, files: dict[str, Path], tmp_path: Path) -> str:
    """Put a file named as one built here, with other bytes, on the binding's registry;
    return the digest the registry will give for it."""
    if lang == "ruby":
        [gem] = files.values()
        stored = registries.gems.put(with_extra_file(gem.read_bytes(), "extra.txt", b"x"))
        return stored.sha256
    if lang == "python":
        [sdist] = [p for name, p in files.items() if name.endswith(".tar.gz")]
        other = gzip.compress(gzip.decompress(sdist.read_bytes()), mtime=1)  # another build
        registries.pypi.put(sdist.name, other)
        return sha256(other)
    [tarball] = files.values()
    other_tarball = repacked_npm(tarball, tmp_path / tarball.name)
    registries.npm.publish_tarball(other_tarball, tmp_path / "npm-home")
    return hashlib.sha512(other_tarball.read_bytes()).hexdigest()


@pytest.mark.parametrize(("lang", "version"), [("ruby", "0.1.0.0"), ("python", "0.1.0.0"),
                                               ("typescript", "0.1.0.41")])
def test_a_tampered_file_is_reported_with_both_digests(run_cli: RunCli, tmp_path: Path,
                                                       registries: Registries, lang: str,
                                                       version: str) -> None:
    root = sandbox_at(tmp_path, version)
    env = registries.env(lang, tmp_path / "target")
    assert publish(run_cli, lang, version, root, {**env, **STOP}).code == INTERRUPTED
    files = kept(root, lang)
    theirs = tamper(lang, registries, files, tmp_path)
    [ours] = [(hashlib.sha512 if lang == "typescript" else hashlib.sha256)(p.read_bytes())
              .hexdigest() for name, p in files.items() if not name.endswith(".whl")]

    strict = publish(run_cli, lang, version, root, env, "--on-duplicate=fail")
    assert strict.code == OTHER_BYTES, strict.err
    assert theirs in strict.err and ours in strict.err and "OTHER BYTES" in strict.err
    assert tags(root) == [] and built(lang) == []  # compared with what was kept, not rebuilt

    # "Already published" means these bytes: never tagged, in any mode.
    lenient = publish(run_cli, lang, version, root, env, "--on-duplicate=warn")
    assert lenient.code == OTHER_BYTES, lenient.err
    warning = lenient.err[lenient.err.index("WARNING"):]
    assert theirs in warning and ours in warning
    assert f"{lang}-v{version} was NOT created" in lenient.err
    assert f"nox -s yank -- {lang} {version}" in lenient.err
    assert tags(root) == []

    accepted = publish(run_cli, lang, version, root, env, "--on-duplicate=warn",
                       "--accept-registry-bytes")
    assert accepted.code == 0, accepted.err
    assert tags(root) == [f"{lang}-v{version}"]
    message = git(root, "tag", "-l", "--format=%(contents)", f"{lang}-v{version}")
    assert "accepted with --accept-registry-bytes" in message
    assert theirs in message and ours in message


# --- half a version --------------------------------------------------------------------------

def test_a_wheel_without_its_sdist_gets_the_sdist_only(run_cli: RunCli, tmp_path: Path,
                                                       registries: Registries) -> None:
    version = "0.1.0.0"
    root = sandbox_at(tmp_path, version)
    env = registries.env("python", tmp_path / "target")
    first = publish(run_cli, "python", version, root,
                    {**env, "RELEASE_TASKS_STOP_AFTER_UPLOADS": "1"})
    assert first.code == INTERRUPTED, first.err
    [wheel] = registries.pypi.files()
    assert wheel.endswith(".whl") and "not published (1):" in first.err
    assert f"nox -s publish -- python {version} --on-duplicate=skip" in first.err
    wheel_bytes = sha256(registries.pypi.packages_dir / wheel)
    # A fresh runner: nothing kept. The wheel is built again to compare it with the one on
    # the registry, and only the sdist is uploaded.
    subprocess.run(["rm", "-rf", str(root / "target" / "release-artifacts")], check=True)
    again = publish(run_cli, "python", version, root, env, "--on-duplicate=skip")
    assert again.code == 0, again.err
    assert sorted(built("python")) == [("maturin", "build"), ("maturin", "sdist")]
    assert f"{wheel}: same bytes as built here" in again.out
    assert registries.pypi.files() == sorted([wheel, f"tasker_worker_py-{version}.tar.gz"])
    assert sha256(registries.pypi.packages_dir / wheel) == wheel_bytes
    assert f"uploaded tasker_worker_py-{version}.tar.gz" in again.out
    assert tags(root) == [f"python-v{version}"]


def platform_gem(root: Path, env: dict[str, str], out: Path) -> Path:
    """The example's gem as an x86_64-linux platform gem (its gemspec says so)."""
    ruby = root / "workers" / "ruby"
    spec = ruby / "tasker-worker-rb.gemspec"
    text = spec.read_text()
    spec.write_text(text.replace("  spec.require_paths", "  spec.platform = 'x86_64-linux'\n"
                                 "  spec.require_paths"))
    try:
        subprocess.run([require_tool("gem"), "build", spec.name], cwd=ruby, check=True,
                       capture_output=True, env={**os.environ, **env})
    finally:
        spec.write_text(text)
    [made] = ruby.glob("*-x86_64-linux.gem")
    return Path(made.rename(out / made.name))


def test_a_platform_gem_without_its_source_gem_gets_the_source_gem_only(
        run_cli: RunCli, tmp_path: Path, registries: Registries) -> None:
    version = "0.1.0.0"
    root = sandbox_at(tmp_path, version)
    env = registries.env("ruby", tmp_path / "target")
    assert publish(run_cli, "ruby", version, root, {**env, **STOP}).code == INTERRUPTED
    dist = tmp_path / "dist"  # what a build matrix gathers: the source gem and a platform gem
    dist.mkdir()
    [source] = kept(root, "ruby").values()
    (dist / source.name).write_bytes(source.read_bytes())
    native = platform_gem(root, env, dist)
    registries.gems.put(native.read_bytes())  # pushed by an earlier, interrupted run

    result = publish(run_cli, "ruby", version, root, env, "--artifacts", str(dist),
                     "--on-duplicate=skip")
    assert result.code == 0, result.err
    assert f"uploaded {source.name}" in result.out
    assert f"{native.name}: same bytes as built here" in result.out
    assert sorted(g.spec.platform for g in registries.gems.gems("tasker-worker-rb")) == [
        "ruby", "x86_64-linux"]
    assert [e.kind for e in registries.gems.log.events(name="tasker-worker-rb")
            if e.kind in ("publish", "rejected")] == ["publish"]  # one push: the source gem
    assert tags(root) == [f"ruby-v{version}"]


# --- a clean tree ----------------------------------------------------------------------------

def test_a_dirty_tree_is_refused_unless_allowed(run_cli: RunCli, tmp_path: Path,
                                               registries: Registries) -> None:
    version = "0.1.0.0"
    root = sandbox_at(tmp_path, version)
    env = registries.env("ruby", tmp_path / "target")
    (root / "workers" / "ruby" / "lib" / "tasker_core.rb").write_text("# edited\n")
    for stage, args in (("publish_ruby", [version]), ("publish_crates", [])):
        refused = run_cli(stage, *args, "--repo", str(root), env={**NO_CREDENTIALS, **env,
                                                                   "CARGO_REGISTRY_TOKEN": "x"})
        assert refused.code == 1, refused.err
        assert "workers/ruby/lib/tasker_core.rb" in refused.err and "--allow-dirty" in refused.err
    assert built("ruby") == [] and registries.gems.gems("tasker-worker-rb") == []
    dry = publish(run_cli, "ruby", version, root, env, "--dry-run")
    assert dry.code == 0 and "a real run refuses them" in dry.err
    allowed = publish(run_cli, "ruby", version, root, env, "--allow-dirty")
    assert allowed.code == 0, allowed.err
    assert "--allow-dirty" in allowed.err and "tasker_core.rb" in allowed.err
    assert tags(root) == [f"ruby-v{version}"]


# --- a real signal ---------------------------------------------------------------------------

@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_the_push_lets_it_finish_then_accounts(
        tmp_path: Path, registries: Registries, signum: int, code: int) -> None:
    version = "0.1.0.0"
    root = sandbox_at(tmp_path, version)
    registries.gems.faults.set_upload_latency(2.0)
    env = {**os.environ, **NO_CREDENTIALS, **registries.env("ruby", tmp_path / "target")}
    with subprocess.Popen([sys.executable, "-m", "release_tasks", "publish_ruby", version,
                           "--repo", str(root)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        seen: list[str] = []
        for line in proc.stderr:
            seen.append(line)
            if "+ gem push" in line:
                break
        proc.send_signal(signum)
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == code, "".join(seen) + rest
    assert "no new upload was started" in rest
    assert "published (1):" in rest and "tasker-worker-rb-0.1.0.0.gem" in rest
    assert "to resume: nox -s publish -- ruby 0.1.0.0 --on-duplicate=skip" in rest
    assert [g.spec.version for g in registries.gems.gems("tasker-worker-rb")] == [version]
    assert git(root, "tag", "--list") == ""  # the resume tags it
