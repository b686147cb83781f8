"""The example released by its executed workflow through trusted publishing alone: a fresh
``init`` (``trusted-publishing = true`` on every component), ``workflow``, and a release
whose four publish jobs get their credentials from their OIDC identity, with no secret in
the runner (:meth:`tests.workflow_runner.WorkflowRunner.offer_id_tokens`).

The stand-ins (:mod:`release_tasks.standins.oidc`): GitHub's OIDC token service, which the
runner offers to the jobs granted ``id-token: write``; crates.io's and RubyGems' exchange in
their registries, which the runner's ``crates-io-auth-action`` and
``configure-rubygems-credentials`` call; PyPI's and npm's exchange in front of pypiserver
(over HTTPS: uv asks PyPI's audience over ``https://`` only) and verdaccio, which the real
``uv publish`` and ``npm publish`` call themselves. What a publisher form holds is entered
before the release, as a maintainer does (``nox -s trust`` says what): a pending publisher
on PyPI and RubyGems; on crates.io and npm, which take none for a package that does not
exist, a first version published with a token, then the publisher.

Where this machine cannot be a GitHub runner, a stand-in says so in its docstring:

* Sigstore is public: each file is signed by :data:`SIGNER` instead, which asks the job's
  OIDC service for a ``sigstore`` token and writes what ``pypi-attestations sign`` writes
  (PyPI: through the tool's test seam ``RELEASE_TASKS_PYPI_SIGNER``).
* RubyGems 3.6 (``gem push --attestation``) and rubygems.org are out of reach: the job's
  ``gem`` is :data:`GEM`, this machine's gem behind a RubyGems 3.6 face.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest
import yaml

from release_tasks import sandbox
from release_tasks.standins.cargo_registry import CargoRegistry
from release_tasks.standins.oidc import OidcIssuer, Publisher
from release_tasks.standins.pypi_server import PypiServer
from release_tasks.standins.rubygems_registry import RubyGemsRegistry
from release_tasks.standins.verdaccio_server import Verdaccio
from tests.integration.test_executed_workflow import (
    EXAMPLE_JOBS,
    NOXFILE,
    Adopter,
    Tool,
    assert_built,
    assert_jobs,
    github,
    npm_versions,
    release_tags,
    tool,
)
from tests.registries import oidc_clients, sample_projects, tls
from tests.registries.github_releases import GitHubReleases
from tests.registries.oidc_proxy import NpmExchangeProxy, PypiExchangeProxy
from tests.registries.tools import require_tool
from tests.workflow_runner import ID_TOKEN_VARIABLES, WorkflowRunner, base_env, base_python

pytestmark = pytest.mark.integration
__all__ = ["github", "tool"]  # the fixtures of the executed-workflow test, used here

CRATES = ["tasker-cli", "tasker-client", "tasker-orchestration", "tasker-pgmq", "tasker-shared",
          "tasker-worker"]
GEM_NAME, PYPI_NAME, NPM_NAME = "tasker-worker-rb", "tasker-worker-py", "@tasker-systems/worker"
#: The job environment of each registry's publish job: what its publisher names.
ENVIRONMENTS = {"crates": "release-crates", "rubygems": "release-rubygems",
                "pypi": "release-pypi", "npm": "release-npm"}

#: A stand-in of Sigstore's signing: ``SIGNER sign FILE...`` writes ``FILE.publish.attestation``
#: (as ``pypi-attestations sign`` does), ``SIGNER bundle FILE OUT`` a bundle at ``OUT`` (as
#: ``sigstore-cli sign --bundle`` does). Each holds the file's digest and the claims of an ID
#: token the job's OIDC service issued for ``sigstore``, as a signing certificate would.
SIGNER = '''#!{python}
import base64, hashlib, json, os, sys, urllib.request

def identity():
    request = urllib.request.Request(
        os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=sigstore",
        headers={{"Authorization": "Bearer " + os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]}})
    with urllib.request.urlopen(request, timeout=30) as answer:
        payload = json.load(answer)["value"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {{k: claims.get(k) for k in ("repository", "job_workflow_ref", "environment", "aud")}}

def sign(path, out):
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    with open(out, "w") as written:
        json.dump({{"version": 1, "verification_material": {{"certificate": identity()}},
                   "envelope": {{"statement": digest, "signature": "stand-in"}}}}, written)
    with open(os.environ["STANDIN_SIGNER_LOG"], "a") as log:
        log.write(json.dumps({{"file": os.path.basename(path), "out": out}}) + "\\n")

if sys.argv[1] == "sign":
    for path in sys.argv[2:]:
        sign(path, path + ".publish.attestation")
else:
    assert sys.argv[1] == "bundle", sys.argv
    sign(sys.argv[2], sys.argv[3])
'''

#: The job's ``gem``: this machine's (RubyGems 3.3 from Debian, which neither updates itself
#: nor pushes attestations) behind what the workflow's RubyGems 3.6 does: ``--version`` says
#: 3.6, ``update --system`` has nothing to do, ``exec sigstore-cli:... sign`` is
#: :data:`SIGNER`, and ``push --attestation BUNDLE`` notes the bundle it would send with the
#: gem, then pushes the gem. Everything else is the real gem.
GEM = '''#!{python}
import json, os, sys
real, signer = {real!r}, {signer!r}
args = sys.argv[1:]
if args == ["--version"]:
    print("3.6.9")
    sys.exit(0)
if args[:2] == ["update", "--system"]:
    print("(stand-in) RubyGems 3.6.9 is the runner's already")
    sys.exit(0)
if args[:1] == ["exec"] and args[1].startswith("sigstore-cli") and args[2] == "sign":
    os.execv(signer, [signer, "bundle", args[3], args[args.index("--bundle") + 1]])
if args[:1] == ["push"] and "--attestation" in args:
    at = args.index("--attestation")
    bundle = args[at + 1]
    del args[at:at + 2]
    gem = next(a for a in args[1:] if a.endswith(".gem"))
    with open(os.environ["STANDIN_SIGNER_LOG"], "a") as log:
        log.write(json.dumps({{"pushed": os.path.basename(gem), "attestation": bundle,
                               "holds": json.load(open(bundle))}}) + "\\n")
os.execv(real, [real, *args])
'''


def write_program(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def ca_bundle(certs: tls.LocalTls, path: Path) -> Path:
    """The usual trusted authorities and the test's (the runner's ``SSL_CERT_FILE``)."""
    path.write_text(Path(certifi.where()).read_text() + certs.ca.read_text())
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def secrets_named(workflow: dict[str, Any]) -> list[tuple[str, str]]:
    """Every secret the workflow reads, each with ``"|| "`` when it is a fallback."""
    return re.findall(r"(\|\| )?secrets\.(\w+)", yaml.safe_dump(workflow, width=10**6))


@pytest.fixture
def certs(tmp_path: Path) -> tls.LocalTls:
    return tls.make(require_tool("openssl"), tmp_path / "tls")


@pytest.fixture
def stand_ins(certs: tls.LocalTls, cargo_registry: CargoRegistry,
              rubygems_registry: RubyGemsRegistry, pypi_server: PypiServer, verdaccio: Verdaccio
              ) -> Iterator[tuple[OidcIssuer, PypiExchangeProxy, NpmExchangeProxy]]:
    """The OIDC service, trusted by every registry; PyPI's exchange (HTTPS) and npm's."""
    pypi_server.reset()
    verdaccio.reset()
    pypi = PypiExchangeProxy(lambda: pypi_server.upload_url, lambda: pypi_server.password)
    pypi.tls = certs.server_context()
    npm = NpmExchangeProxy(lambda: verdaccio.url, lambda: verdaccio.token)
    with OidcIssuer() as issuer, pypi, npm:
        for registry in (cargo_registry, rubygems_registry, pypi, npm):
            registry.trust_issuer(issuer)
        yield issuer, pypi, npm


def test_the_example_released_through_trusted_publishing_alone(
        tool: Tool, tmp_path: Path, certs: tls.LocalTls,
        stand_ins: tuple[OidcIssuer, PypiExchangeProxy, NpmExchangeProxy],
        cargo_registry: CargoRegistry, rubygems_registry: RubyGemsRegistry,
        pypi_server: PypiServer, verdaccio: Verdaccio, github: GitHubReleases,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for program in ("cargo", "gem", "bundle", "rake", "bun", "npm", "node"):
        require_tool(program)
    issuer, pypi, npm = stand_ins
    python = base_python()
    signer = write_program(tmp_path / "signer" / "standin-signer", SIGNER.format(python=python))
    shims = tmp_path / "shims"
    write_program(shims / "gem", GEM.format(python=python, real=require_tool("gem"),
                                            signer=str(signer)))
    signed = tmp_path / "signed.jsonl"
    cargo = cargo_registry.configure_cargo("local", tmp_path / "cargo-home")
    cargo.pop("CARGO_REGISTRIES_LOCAL_TOKEN")  # the maintainer's, not the runner's
    bundle = ca_bundle(certs, tmp_path / "ca-bundle.pem")
    variables = {
        **cargo, "RELEASE_TASKS_CARGO_REGISTRY": "local",
        "CARGO_TARGET_DIR": str(tool.wheelhouse.with_name("target")),  # one for the session
        "RELEASE_TASKS_RUBYGEMS_HOST": rubygems_registry.url,
        "RELEASE_TASKS_PYPI_INDEX_URL": f"{pypi.url}/simple/",
        "RELEASE_TASKS_PYPI_UPLOAD_URL": f"{pypi.url}/",
        "RELEASE_TASKS_NPM_REGISTRY": f"{npm.url}/",
        "SSL_CERT_FILE": str(bundle),
        "RELEASE_TASKS_PYPI_SIGNER": f"{signer} sign", "STANDIN_SIGNER_LOG": str(signed),
    }
    repo = sandbox.create(tmp_path / "tasker-core")
    adopter = Adopter(repo.root, tool, variables, {}, tmp_path, github)
    runner = adopter.runner
    runner.base_path = os.pathsep.join([str(shims), runner.base_path])
    runner.offer_id_tokens(issuer, {"https://crates.io": cargo_registry.url,
                                    "https://rubygems.org": rubygems_registry.url})

    # A fresh `init`: trusted publishing on every component; then README's adoption.
    made = adopter.tool_run("init")
    assert made.returncode == 0, made.stderr
    text = (repo.root / "release.toml").read_text(encoding="utf-8")
    assert text.count("trusted-publishing = true") == 4, text
    assert 'platforms = ["source"]' in text, text  # the gem and the wheels: build matrices
    (repo.root / "noxfile.py").write_text(NOXFILE, encoding="utf-8")
    written = adopter.tool_run("workflow")
    assert written.returncode == 0, written.stderr
    workflow = yaml.safe_load((repo.root / ".github/workflows/release.yml").read_text())
    # No lane needs a stored secret: crates.io's token is the one fallback, for a new crate.
    assert secrets_named(workflow) == [("|| ", "CARGO_REGISTRY_TOKEN")], workflow
    adopter.git("add", "--all")
    adopter.git("commit", "--quiet", "-m", "Release with release-tasks")
    adopter.git("push", "--quiet", "origin", "main")

    # What the maintainer entered on each registry's form (`nox -s trust` says what): crates.io
    # and npm take a publisher for an existing package only, whose first version had a token.
    def publisher(registry: str) -> Publisher:
        return Publisher(repository="acme/tasker-core", workflow="release.yml",
                         environment=ENVIRONMENTS[registry])

    for crate in CRATES:
        cargo_registry.plant(crate, "0.0.1", b"a first version, published with a token")
        cargo_registry.add_publisher(crate, publisher("crates"))
    subprocess.run(["npm", "publish"], env={**os.environ, **verdaccio.npm_env(tmp_path / "npm")},
                   cwd=sample_projects.npm_package(tmp_path / "npm-first", NPM_NAME, "0.0.1"),
                   check=True, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    npm.add_publisher(NPM_NAME, publisher("npm"))
    rubygems_registry.add_publisher(GEM_NAME, publisher("rubygems"))  # pending
    pypi.add_publisher(PYPI_NAME, publisher("pypi"), pending=True)

    tag = adopter.release()
    run = adopter.ci(tag)
    assert_jobs(run, [*EXAMPLE_JOBS, "build-ruby", "build-python"])
    assert_built(run, [job for job in EXAMPLE_JOBS if job.startswith("publish-")])
    assert run.jobs["build-python"].cells == {"linux-x86_64, ubuntu-latest": "success",
                                              "source, ubuntu-latest": "success"}, run.report()
    assert release_tags(github) == [tag]

    # The plan job said, before anything was published, what each registry had.
    report = (runner.work / "plan" / "_temp" / "summary.md").read_text(encoding="utf-8")
    for package in (GEM_NAME, PYPI_NAME):
        assert f"{package}: not on the registry yet: add a pending publisher" in report, report
    for package in (*CRATES, NPM_NAME):
        assert f"{package}: exists: add a trusted publisher" in report, report

    # Every registry took the release from a token it minted for the job's identity.
    assert sorted(cargo_registry.trusted.uploads) == CRATES
    assert {(c, "0.1.0") for c in CRATES} <= set(cargo_registry.log.published())
    assert rubygems_registry.trusted.uploads == [GEM_NAME]
    assert [g.spec.version for g in rubygems_registry.gems(GEM_NAME)] == ["0.1.0.0"]
    files = pypi_server.files()
    assert len(files) == 2 and pypi.uploads == [PYPI_NAME] * 2, (files, pypi.uploads)
    assert npm.uploads == [NPM_NAME]
    assert npm_versions(verdaccio, NPM_NAME) == ["0.0.1", "0.1.0"]
    for trusted in (cargo_registry.trusted, rubygems_registry.trusted, pypi.trusted,
                    npm.trusted):
        assert trusted.exchanges and set(trusted.exchanges) == {"ok"}, trusted.exchanges
    assert {"crates.io", "rubygems.org", "pypi", "npm:127.0.0.1", "sigstore"} <= set(
        issuer.audiences)
    assert runner.secrets == {}
    # Only the publish jobs had an identity to exchange, each in its own environment.
    assert runner.id_token_jobs() == {"publish-crates": "release-crates",
                                      "publish-ruby": "release-rubygems",
                                      "publish-python": "release-pypi",
                                      "publish-typescript": "release-npm"}

    # Each PyPI file has its attestation beside it, made in the job from its identity.
    identity = {"repository": "acme/tasker-core", "environment": "release-pypi",
                "job_workflow_ref": f"acme/tasker-core/.github/workflows/release.yml@refs/tags/"
                                    f"{tag}", "aud": "sigstore"}
    for name in files:
        [attestation], claims = pypi.attestations[name]
        assert attestation["verification_material"]["certificate"] == identity
        [stored] = pypi_server.packages_dir.rglob(name)
        assert attestation["envelope"]["statement"] == sha256(stored)
        assert claims["repository"] == "acme/tasker-core"
        listed = httpx.get(f"{pypi.url}/integrity/{PYPI_NAME}/0.1.0.0/{name}/provenance",
                           verify=certs.client_context())
        assert listed.status_code == 200, listed.text
    # The gem was pushed with its Sigstore bundle, signed in its job.
    [pushed] = [json.loads(line) for line in signed.read_text().splitlines()
                if "pushed" in json.loads(line)]
    assert pushed["pushed"] == f"{GEM_NAME}-0.1.0.0.gem"
    assert pushed["holds"]["verification_material"]["certificate"]["environment"] == (
        "release-rubygems")

    # A job of another workflow, or of another repository (a fork's run of the same
    # workflow), gets nothing minted.
    def job(registry: str) -> dict[str, str]:
        return issuer.job_env(runner.identity(tag, ENVIRONMENTS[registry]))

    runner.workflow = ".github/workflows/other.yml"
    with pytest.raises(oidc_clients.ExchangeRefused, match="workflow"):
        oidc_clients.crates_io_auth_action(job("crates"), cargo_registry.url)
    runner.workflow = ".github/workflows/release.yml"
    runner.repository = "someone/tasker-core"
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    with pytest.raises(oidc_clients.ExchangeRefused, match="repository"):
        oidc_clients.crates_io_auth_action(job("crates"), cargo_registry.url)
    with pytest.raises(oidc_clients.ExchangeRefused, match="repository"):
        oidc_clients.configure_rubygems_credentials(job("rubygems"), rubygems_registry.url)
    with pytest.raises(oidc_clients.ExchangeRefused, match="repository"):
        oidc_clients.pypi_mint_token(job("pypi"), f"{pypi.url}/")
    jwt = oidc_clients.id_token(job("npm"), "npm:127.0.0.1")
    with pytest.raises(oidc_clients.ExchangeRefused, match="repository"):
        oidc_clients.call(f"{npm.url}/-/npm/v1/oidc/token/exchange/package/"
                          f"{NPM_NAME.replace('/', '%2f')}", method="POST",
                          headers={"Authorization": f"Bearer {jwt}"})


def test_only_a_job_granted_id_token_write_gets_the_oidc_service(tmp_path: Path) -> None:
    """The runner's side, without running a job: which job's steps see the OIDC variables,
    and which claims their tokens carry."""
    origin = tmp_path / "origin.git"
    runner = WorkflowRunner(origin=origin, work=tmp_path / "runner",
                            env=base_env({"ACTIONS_ID_TOKEN_REQUEST_URL": "http://elsewhere"}),
                            secrets={}, python=base_python(), repository="acme/tasker-core")
    with OidcIssuer() as issuer:
        runner.offer_id_tokens(issuer, {})
        jobs: dict[str, Any] = {
            "plan": {"permissions": {"contents": "read"}},
            "summary": {},
            "publish-pypi": {"environment": "release-pypi",
                             "permissions": {"contents": "write", "id-token": "write"}},
            "publish-other": {"environment": {"name": "${{ inputs.where }}"},
                              "permissions": "write-all"},
        }
        seen: dict[str, dict[str, str]] = {}
        for name, job in jobs.items():
            github = {"workspace": str(runner.workspace(name)), "ref": "refs/tags/release-1",
                      "ref_name": "release-1", "ref_type": "tag", "sha": "0" * 40,
                      "event_name": "push"}
            temp = tmp_path / name
            temp.mkdir()
            for file in ("env", "path", "out"):
                (temp / file).touch()
            runner._seat(github, job, temp, {"inputs": {"where": "staging"}})
            env = runner._step_env({}, temp / "env", temp / "path", temp / "venv", github, temp,
                                   temp / "out")
            seen[name] = {k: env[k] for k in ID_TOKEN_VARIABLES if k in env}
        assert seen["plan"] == seen["summary"] == {}
        assert runner.id_token_jobs() == {"publish-pypi": "release-pypi",
                                          "publish-other": "staging"}
        claims = {name: issuer.verify(oidc_clients.id_token(seen[name], "pypi"), "pypi")
                  for name in ("publish-pypi", "publish-other")}
        assert claims["publish-pypi"]["environment"] == "release-pypi"
        assert claims["publish-other"]["environment"] == "staging"
        assert claims["publish-pypi"]["job_workflow_ref"] == (
            "acme/tasker-core/.github/workflows/release.yml@refs/tags/release-1")
        assert claims["publish-pypi"]["repository"] == "acme/tasker-core"
        assert (seen["publish-pypi"]["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
                != seen["publish-other"]["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
