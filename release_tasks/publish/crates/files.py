"""The one file of a crate version, its ``.crate``: what this commit packages, what the
registry holds under that name, and whether they are the same bytes.

``cargo package`` is reproducible for one commit (fixed mtimes, owners and modes in the tar,
no timestamp in the gzip header; ``.cargo_vcs_info.json`` names the commit), and ``cargo
publish`` uploads the very bytes it packages. So the sha256 of the local ``.crate`` is what
the registry's index must list as ``cksum`` for this commit's version. The same name with
other bytes means another commit (or someone else) published it: an error under
``--on-duplicate=fail``, a loud warning otherwise, never a silent skip.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from release_tasks.registries.crates_io.index import Listed, crate_file, files_in, listing
from release_tasks.registries.endpoints import Endpoints
from release_tasks.registries.http import Sleep

#: ``absent``: not on the registry; ``same``/``other bytes``: there, compared with the local
#: file; ``unchecked``: there, but one of the two hashes is unknown.
Verdict = Literal["absent", "same", "other bytes", "unchecked"]


@dataclass(frozen=True)
class LocalCrate:
    """A ``.crate`` that ``cargo package`` wrote, and its sha256."""

    path: Path
    sha256: str


def hash_files(files: Mapping[str, Path]) -> dict[str, LocalCrate]:
    """The sha256 of each crate's ``.crate`` file."""
    return {crate: LocalCrate(path, hashlib.sha256(path.read_bytes()).hexdigest())
            for crate, path in files.items()}


@dataclass(frozen=True)
class CrateState:
    """What the registry lists of one crate (every version, read once) against the local
    ``.crate`` of our version."""

    crate: str
    version: str
    listed: tuple[Listed, ...]
    local: LocalCrate | None = None

    @property
    def file(self) -> str:
        return crate_file(self.crate, self.version)

    @property
    def new_crate(self) -> bool:
        """Whether the crate itself is new to the registry (no version of it at all)."""
        return not self.listed

    @property
    def present(self) -> bool:
        return bool(files_in(list(self.listed), self.crate, self.version))

    @property
    def remote_sha256(self) -> str | None:
        found = files_in(list(self.listed), self.crate, self.version)
        return found[0].digests.get("sha256") if found else None

    @property
    def verdict(self) -> Verdict:
        if not self.present:
            return "absent"
        remote, local = self.remote_sha256, self.local.sha256 if self.local else None
        if remote is None or local is None:
            return "unchecked"
        return "same" if remote == local else "other bytes"

    def mismatch(self, where: str) -> str:
        """The message for ``other bytes``: both hashes, and what to do."""
        assert self.local is not None
        return (f"{self.crate}@{self.version} on {where} is not the .crate this commit "
                f"packages: the registry's {self.file} has sha256 {self.remote_sha256}, the "
                f"local one ({self.local.path}) has sha256 {self.local.sha256}. A published "
                "version cannot be replaced: find the commit it was published from (or who "
                "altered it); yank it and release the next version, or, once its bytes are "
                "checked, accept them with --accept-registry-bytes")

    def unchecked(self, where: str) -> str:
        """Why ``unchecked`` could not compare."""
        if self.local is None:
            return f"no local {self.file} to compare it with"
        return f"{where} lists no checksum for {self.file}"


def read_state(client: httpx.Client, endpoints: Endpoints, crate: str, version: str,
               local: LocalCrate | None, *, sleep: Sleep = time.sleep) -> CrateState:
    """One read of the registry for ``crate``."""
    return CrateState(crate, version, tuple(listing(client, endpoints, crate, sleep=sleep)),
                      local)


def read_back(client: httpx.Client, endpoints: Endpoints, expected: Mapping[str, str | None],
              version: str, where: str, *, sleep: Sleep = time.sleep) -> list[str]:
    """Every crate of ``expected`` (crate -> sha256; None: any bytes) that the registry does
    not list at ``version`` with that sha256, as messages; empty when all are there."""
    problems = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        states = pool.map(lambda crate: read_state(client, endpoints, crate, version, None,
                                                   sleep=sleep), expected)
    for state in states:
        crate, sha256 = state.crate, expected[state.crate]
        if not state.present:
            problems.append(f"{crate}@{version}: {where} does not list it")
        elif sha256 is not None and state.remote_sha256 not in (None, sha256):
            problems.append(f"{crate}@{version}: {where} lists sha256 {state.remote_sha256}, "
                            f"not the uploaded {sha256}")
        elif sha256 is not None and state.remote_sha256 is None:
            problems.append(f"{crate}@{version}: {where} lists no checksum, so the uploaded "
                            f"bytes (sha256 {sha256}) cannot be confirmed")
    return problems


def describe_hashes(crates: Sequence[str], local: Mapping[str, LocalCrate]) -> list[str]:
    """``crate  sha256`` lines for the report."""
    return [f"  {crate}  sha256 {local[crate].sha256}" for crate in crates if crate in local]
