"""PEP 740 attestations of the PyPI files: made in the job from its OIDC identity, uploaded
beside each file, and read back from the index's integrity API (room: ``registries/pypi/``).

PyPI takes attestations only from trusted publishing, so they are made only on that path,
in a job that offers an ID token. ``pypi-attestations sign FILES`` (a tool of the
``publish_python`` session) signs each file through Sigstore with the job's ambient
identity and writes ``FILE.publish.attestation`` next to it; ``uv publish`` finds those
and uploads each with its file. Old attestation files beside the artifacts are removed
first: a statement signed for other bytes must never travel with a new file.

A test seam: ``RELEASE_TASKS_PYPI_SIGNER`` (shell words) is run instead of
``pypi-attestations sign``, with the same arguments and the same duty, for a test whose job
cannot reach the public Sigstore (the executed-workflow test sets it to a stand-in signer).
A real job leaves it unset.

After the upload, ``/integrity/PROJECT/VERSION/FILE/provenance`` (on the index's host)
lists the attestation bundles PyPI keeps for a file.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from release_tasks import cmd
from release_tasks.errors import PublishError, RegistryError
from release_tasks.registries.common import TRUSTED
from release_tasks.registries.secrets import oidc_available

if TYPE_CHECKING:
    import httpx

    from release_tasks.registries.interface import PublishContext

#: The signing call (argv before the files); a test puts a stand-in of it on PATH.
SIGNER = ("pypi-attestations", "sign")
SUFFIX = ".publish.attestation"
SIGNER_HINT = "pip install pypi-attestations (the publish_python session installs it)"
#: The test seam of the module docstring: a signing command in place of :data:`SIGNER`.
SIGNER_VARIABLE = "RELEASE_TASKS_PYPI_SIGNER"


def signer(env: Mapping[str, str]) -> list[str]:
    """The signing call (argv before the files): :data:`SIGNER`, unless the test seam
    :data:`SIGNER_VARIABLE` names another."""
    given = env.get(SIGNER_VARIABLE, "").strip()
    return shlex.split(given) if given else list(SIGNER)


def wanted(ctx: PublishContext) -> bool:
    """Whether this upload carries attestations: trusted publishing, from a job with an ID
    token (PyPI refuses attestations with an API token)."""
    return ctx.credential() == TRUSTED and oidc_available(ctx.env) and not ctx.dry_run


def sign(ctx: PublishContext, artifacts: Sequence[Path]) -> list[Path]:
    """Sign ``artifacts``; the attestation files, one per artifact, in order."""
    paths = [Path(f"{artifact}{SUFFIX}") for artifact in artifacts]
    for path in paths:
        path.unlink(missing_ok=True)
    argv = signer(ctx.env)
    cmd.which(argv[0], SIGNER_HINT, ctx.upload_env())
    cmd.run([*argv, *map(str, artifacts)], cwd=ctx.directory, env=ctx.upload_env(),
            prefix=ctx.binding.name)
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise PublishError(f"`{shlex.join(argv)}` wrote no {', '.join(missing)}: nothing was "
                           "uploaded")
    for path in paths:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise PublishError(f"{path.name} is not an attestation (JSON): {exc}") from None
    return paths


def provenance_url(index: str, project: str, version: str, filename: str) -> str:
    """The integrity API's address of ``filename``'s provenance, on the index's host."""
    parts = urlsplit(index)
    return (f"{parts.scheme}://{parts.netloc}/integrity/{quote(project)}/{quote(version)}/"
            f"{quote(filename)}/provenance")


def read_back(http: httpx.Client, index: str, project: str, version: str,
              filename: str) -> list[dict[str, Any]]:
    """The attestation bundles the index keeps for ``filename`` (``[]``: none)."""
    url = provenance_url(index, project, version, filename)
    response = http.get(url, headers={"Accept": "application/vnd.pypi.integrity.v1+json"})
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise RegistryError(f"{url} answered {response.status_code}")
    try:
        bundles = response.json().get("attestation_bundles", [])
    except ValueError as exc:
        raise RegistryError(f"{url} is not JSON: {exc}") from None
    return [b for b in bundles if isinstance(b, dict)]


def check_listed(http: httpx.Client, index: str, project: str, version: str,
                 filenames: Sequence[str]) -> None:
    """PublishError naming every uploaded file the index lists no attestation for."""
    missing = [name for name in filenames if not read_back(http, index, project, version, name)]
    if missing:
        raise PublishError(f"the index lists no attestation for {', '.join(missing)} "
                           f"({provenance_url(index, project, version, missing[0])}). The files are "
                           "uploaded without it; a re-run finds them complete, and PyPI takes "
                           "no attestation for a file it already has")
