"""PyPI provenance on the trusted-publishing path: each file signed in the job (a stand-in
for the Sigstore signer, which needs the public transparency log), uploaded by the real uv
after its own OIDC exchange with the PyPI stand-in, and read back from the integrity API."""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from release_tasks.config import credentials
from release_tasks.config import load as config_mod
from release_tasks.errors import PublishError
from release_tasks.history import registries, render
from release_tasks.history.releases import Component, History, Publication
from release_tasks.model.version import BindingVersion
from release_tasks.publish.flow import PublishContext
from release_tasks.registries import kind_of, ordering
from release_tasks.registries.interface import Build
from release_tasks.registries.pypi import attest, wheels
from release_tasks.standins.oidc import Identity, OidcIssuer, Publisher
from release_tasks.standins.pypi_server import PypiServer
from tests.registries import tls
from tests.registries.fixtures import unique_name
from tests.registries.oidc_proxy import PypiExchangeProxy
from tests.registries.tools import require_tool
from tests.registries.wheels import make_wheel

pytestmark = pytest.mark.integration

REPO = "octo-org/monorepo"
#: The stand-in signer: what `pypi-attestations sign FILES` leaves, one JSON file per input.
SIGNER = """#!{python}
import hashlib, json, os, sys
assert sys.argv[1] == "sign", sys.argv
with open(os.environ["SIGNER_LOG"], "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:],
                          "oidc": bool(os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"))}}) + "\\n")
if os.environ.get("SIGNER_FAILS"):
    sys.exit(0)  # a signer that says nothing and writes nothing
for path in sys.argv[2:]:
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    with open(path + ".publish.attestation", "w") as out:
        json.dump({{"version": 1, "verification_material": {{"certificate": "stand-in"}},
                   "envelope": {{"statement": digest, "signature": "stand-in"}}}}, out)
"""


@pytest.fixture
def stand_ins(pypi_server: PypiServer, tmp_path: Path
              ) -> Iterator[tuple[PypiExchangeProxy, OidcIssuer, tls.LocalTls]]:
    certs = tls.make(require_tool("openssl"), tmp_path / "tls")
    proxy = PypiExchangeProxy(lambda: pypi_server.upload_url, lambda: pypi_server.password)
    proxy.tls = certs.server_context()
    with proxy, OidcIssuer(Identity(repository=REPO, environment="release-pypi")) as issuer:
        proxy.trust_issuer(issuer)
        yield proxy, issuer, certs


def context(tmp_path: Path, proxy: PypiExchangeProxy, issuer: OidcIssuer,
            certs: tls.LocalTls, package: str) -> PublishContext:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["python"].update({"trusted-publishing": True, "package": package})
    config = config_mod.parse(data)
    binding = config.binding("python")
    (tmp_path / binding.directory).mkdir(parents=True, exist_ok=True)  # where uv runs
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    signer = bin_dir / attest.SIGNER[0]
    signer.write_text(SIGNER.format(python=sys.executable))
    signer.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("UV_PUBLISH", "MATURIN_", "PYPI_", "GITHUB_", "ACTIONS_"))}
    env |= {**issuer.env(), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "SSL_CERT_FILE": str(certs.ca), "SIGNER_LOG": str(tmp_path / "signer.log")}
    version = BindingVersion.parse("0.1.8.2")
    endpoints = kind_of("pypi").endpoints({"RELEASE_TASKS_PYPI_INDEX_URL": f"{proxy.url}/simple/",
                                           "RELEASE_TASKS_PYPI_UPLOAD_URL": f"{proxy.url}/"}, {})
    return PublishContext(root=tmp_path, config=config, binding=binding, version=version,
                          rendering=ordering.render(version, "pypi"), env=env, endpoints=endpoints,
                          dry_run=False, on_duplicate="warn", push_tags=False,
                          kind=kind_of("pypi"), secret_names=tuple(credentials.secret_names(config)),
                          http=httpx.Client(verify=certs.client_context()))


def signer_calls(tmp_path: Path) -> list[dict[str, object]]:
    log = tmp_path / "signer.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def with_publisher(stand_ins: tuple[PypiExchangeProxy, OidcIssuer, tls.LocalTls],
                   tmp_path: Path) -> tuple[PypiExchangeProxy, PublishContext, str, Path]:
    """A new package with its pending trusted publisher, the job's context for it, and a
    wheel of it to upload (uv is needed for the upload)."""
    require_tool("uv")
    proxy, issuer, certs = stand_ins
    package = unique_name("tp-worker-py")
    proxy.add_publisher(package, Publisher(repository=REPO, workflow="release.yml",
                                           environment="release-pypi"), pending=True)
    ctx = context(tmp_path, proxy, issuer, certs, package)
    return proxy, ctx, package, make_wheel(tmp_path / "dist", package, ctx.rendering)


def test_each_file_is_signed_uploaded_with_its_attestation_and_read_back(
        stand_ins: tuple[PypiExchangeProxy, OidcIssuer, tls.LocalTls], pypi_server: PypiServer,
        tmp_path: Path) -> None:
    proxy, ctx, package, wheel = with_publisher(stand_ins, tmp_path)
    (tmp_path / "dist" / f"{wheel.name}{attest.SUFFIX}").write_text('{"stale": true}')

    wheels.upload(ctx, Build(artifacts=(wheel,)))

    assert signer_calls(tmp_path) == [{"argv": ["sign", str(wheel)], "oidc": True}]
    assert proxy.trusted.exchanges == ["ok"]  # uv's own exchange, with the job's identity
    assert wheel.name in pypi_server.files()
    [uploaded] = proxy.attestations[wheel.name][0]
    assert uploaded["envelope"]["signature"] == "stand-in"  # the new one, not the stale file
    [bundle] = attest.read_back(ctx.http, ctx.endpoints["index"], package, ctx.rendering,
                                wheel.name)
    assert bundle["publisher"] == {"kind": "GitHub", "repository": REPO,
                                   "workflow": "release.yml", "environment": "release-pypi"}


def test_a_signer_that_writes_nothing_stops_before_the_upload(
        stand_ins: tuple[PypiExchangeProxy, OidcIssuer, tls.LocalTls], pypi_server: PypiServer,
        tmp_path: Path) -> None:
    proxy, issuer, certs = stand_ins
    package = unique_name("tp-worker-py")
    ctx = context(tmp_path, proxy, issuer, certs, package)
    ctx = PublishContext(**{**ctx.__dict__, "env": {**ctx.env, "SIGNER_FAILS": "1"}})
    wheel = make_wheel(tmp_path / "dist", package, ctx.rendering)
    with pytest.raises(PublishError, match=r"wrote no .*\.whl\.publish\.attestation"):
        wheels.upload(ctx, Build(artifacts=(wheel,)))
    assert proxy.trusted.exchanges == [] and wheel.name not in pypi_server.files()


def test_history_registries_shows_which_files_are_attested(
        stand_ins: tuple[PypiExchangeProxy, OidcIssuer, tls.LocalTls], tmp_path: Path) -> None:
    _, ctx, package, wheel = with_publisher(stand_ins, tmp_path)
    wheels.upload(ctx, Build(artifacts=(wheel,)))

    listed = kind_of("pypi").files(ctx.http, ctx.endpoints, package, ctx.rendering)
    assert [(f.name, f.provenance is not None) for f in listed] == [(wheel.name, True)]
    publication = Publication(component="python", version="0.1.8.2", tag="python-v0.1.8.2",
                              commit="c" * 40, date=datetime.now(UTC), release_tag=None)
    history = History(root=tmp_path, releases=(), components=(Component(
        name="python", registry="pypi", packages=(package,), tag_prefix="python-v",
        publications=(publication,)),))
    env = {**ctx.env, "RELEASE_TASKS_PYPI_INDEX_URL": ctx.endpoints["index"]}
    asked = registries.ask_registries(history, ctx.config, env, ctx.http)
    [newest] = asked.components[0].publications
    assert (newest.files, newest.attested) == ((wheel.name,), (wheel.name,))
    assert "python-v0.1.8.2" in render.to_text(asked)
    assert "  attested: every file" in render.to_text(asked)
    assert render.to_dict(asked)["components"]["python"]["versions"][0]["attested"] == [
        wheel.name]
