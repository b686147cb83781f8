"""Where each registry lives: the public defaults, or local and private registries.

:func:`endpoints_from_env` is *given* the environment (and optional defaults from the config
file) rather than reading ``os.environ``, so tests and callers decide what it sees.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from release_tasks.errors import UsageError
from release_tasks.registries.http import check_url

CARGO_REGISTRY_VAR: Final = "RELEASE_TASKS_CARGO_REGISTRY"
RUBYGEMS_HOST_VAR: Final = "RELEASE_TASKS_RUBYGEMS_HOST"
PYPI_INDEX_URL_VAR: Final = "RELEASE_TASKS_PYPI_INDEX_URL"
PYPI_UPLOAD_URL_VAR: Final = "RELEASE_TASKS_PYPI_UPLOAD_URL"
NPM_REGISTRY_VAR: Final = "RELEASE_TASKS_NPM_REGISTRY"

CRATES_IO_API: Final = "https://crates.io"
RUBYGEMS_HOST: Final = "https://rubygems.org"
PYPI_INDEX_URL: Final = "https://pypi.org/simple/"
PYPI_UPLOAD_URL: Final = "https://upload.pypi.org/legacy/"
NPM_REGISTRY: Final = "https://registry.npmjs.org/"

_SPARSE: Final = "sparse+"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoints:
    """Registry URLs, validated and normalized on construction.

    Hosts (``crates_api``, ``rubygems_host``) carry no trailing slash, so paths are appended
    as ``/api/...``; indexes and registries (``cargo_index``, ``pypi_index``,
    ``npm_registry``) end with one, so names are appended directly, as their clients do.
    ``cargo_index`` is set only for an alternative cargo registry, named ``cargo_registry``.
    """

    crates_api: str = CRATES_IO_API
    cargo_registry: str | None = None
    cargo_index: str | None = None
    rubygems_host: str = RUBYGEMS_HOST
    pypi_index: str = PYPI_INDEX_URL
    pypi_upload: str = PYPI_UPLOAD_URL
    npm_registry: str = NPM_REGISTRY

    def __post_init__(self) -> None:
        if (self.cargo_registry is None) != (self.cargo_index is None):
            raise UsageError(
                "cargo_registry and cargo_index go together: an alternative registry needs "
                f"both a name and a sparse index (got {self.cargo_registry!r}, "
                f"{self.cargo_index!r})"
            )
        hosts = {"crates_api": self.crates_api, "rubygems_host": self.rubygems_host}
        for field, url in hosts.items():
            check_url(url, field)
            object.__setattr__(self, field, url.rstrip("/"))
        bases = {
            "cargo_index": self.cargo_index,
            "pypi_index": self.pypi_index,
            "pypi_upload": self.pypi_upload,
            "npm_registry": self.npm_registry,
        }
        for field, base in bases.items():
            if base is not None:
                check_url(base, field)
                object.__setattr__(self, field, base if base.endswith("/") else base + "/")


def cargo_index_var(registry: str) -> str:
    """The variable cargo reads a registry's index from: ``my-reg`` -> ``..._MY_REG_INDEX``."""
    return f"CARGO_REGISTRIES_{registry.upper().replace('-', '_')}_INDEX"


#: ``[registries]`` keys of the config file, and the variable each one is the default of.
CONFIG_KEYS: Final[dict[str, str | None]] = {
    "crates-io": None,  # the crates.io web API; alternative registries go through cargo's names
    "rubygems": RUBYGEMS_HOST_VAR,
    "pypi-index": PYPI_INDEX_URL_VAR,
    "pypi-upload": PYPI_UPLOAD_URL_VAR,
    "npm": NPM_REGISTRY_VAR,
}


def endpoints_from_env(
    env: Mapping[str, str], defaults: Mapping[str, str] | None = None
) -> Endpoints:
    """Read the ``RELEASE_TASKS_*`` overrides from ``env``, over ``defaults``.

    ``defaults`` is the config file's ``[registries]`` table (keys in :data:`CONFIG_KEYS`);
    a variable set in ``env`` wins over it. An empty value counts as unset, because CI
    systems often define a variable as ``""`` rather than leave it out.
    """
    given = {k: v.strip() for k, v in (defaults or {}).items() if v.strip()}
    unknown = sorted(set(given) - set(CONFIG_KEYS))
    if unknown:
        raise UsageError(
            f"unknown [registries] key(s) {', '.join(unknown)}; known: {', '.join(CONFIG_KEYS)}"
        )
    merged = ChainMap(
        {k: v.strip() for k, v in env.items() if v.strip()},
        {var: given[key] for key, var in CONFIG_KEYS.items() if var and key in given},
    )

    def pick(var: str, fallback: str) -> str:
        return check_url(merged.get(var, fallback), var)

    cargo_registry = merged.get(CARGO_REGISTRY_VAR)
    crates_api = given.get("crates-io", CRATES_IO_API)
    if crates_api.startswith(_SPARSE):
        raise UsageError(
            f"[registries] crates-io = {crates_api!r}: this key is the crates.io web API; "
            f"for an alternative registry set {CARGO_REGISTRY_VAR} to its cargo name and "
            "CARGO_REGISTRIES_<NAME>_INDEX to its sparse index"
        )
    return Endpoints(
        crates_api=check_url(crates_api, "[registries] crates-io"),
        cargo_registry=cargo_registry,
        cargo_index=None if cargo_registry is None else _sparse_index(cargo_registry, env),
        rubygems_host=pick(RUBYGEMS_HOST_VAR, RUBYGEMS_HOST),
        pypi_index=pick(PYPI_INDEX_URL_VAR, PYPI_INDEX_URL),
        pypi_upload=pick(PYPI_UPLOAD_URL_VAR, PYPI_UPLOAD_URL),
        npm_registry=pick(NPM_REGISTRY_VAR, NPM_REGISTRY),
    )


def _sparse_index(registry: str, env: Mapping[str, str]) -> str:
    """The HTTP URL of ``registry``'s sparse index, from cargo's own variable.

    Read from the environment only: it is cargo's setting, and ``cargo publish`` must see
    the same value for the check and the publish to talk to the same registry.
    """
    var = cargo_index_var(registry)
    index = env.get(var, "").strip()
    if not index:
        raise UsageError(
            f"{CARGO_REGISTRY_VAR}={registry} but {var} is not set; set it to the registry's "
            "sparse index, e.g. sparse+https://my-registry.example/index/ "
            "(cargo reads the same variable when publishing)"
        )
    if not index.startswith(_SPARSE):
        raise UsageError(
            f"{var}={index!r} is not a sparse index: only sparse+https://... indexes can be "
            "queried over HTTP (git indexes are not supported); use the registry's sparse URL"
        )
    return check_url(index.removeprefix(_SPARSE), var)
