"""How cargo names a registry: its variables, its token, and an alternative registry's index.

crates.io is asked through its web API. An alternative registry is named the cargo way
(``RELEASE_TASKS_CARGO_REGISTRY`` or ``--registry``) and read through the sparse index cargo
itself reads (``CARGO_REGISTRIES_<NAME>_INDEX``), so the check and the publish talk to the
same registry. cargo reads the token of crates.io from ``CARGO_REGISTRY_TOKEN`` and that of a
registry ``NAME`` from ``CARGO_REGISTRIES_<NAME>_TOKEN``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from release_tasks.errors import UsageError
from release_tasks.registries.endpoints import Endpoints, check_url

NAME: Final = "crates-io"
LABEL: Final = "crates.io"
CARGO_REGISTRY_VAR: Final = "RELEASE_TASKS_CARGO_REGISTRY"
CRATES_IO_API: Final = "https://crates.io"
_SPARSE: Final = "sparse+"


def _cargo_name(registry: str) -> str:
    return registry.upper().replace("-", "_")


def cargo_index_var(registry: str) -> str:
    """The variable cargo reads a registry's index from: ``my-reg`` -> ``..._MY_REG_INDEX``."""
    return f"CARGO_REGISTRIES_{_cargo_name(registry)}_INDEX"


def cargo_token_var(registry: str | None) -> str:
    """The variable cargo reads the token of ``registry`` from (None: crates.io)."""
    if registry is None:
        return "CARGO_REGISTRY_TOKEN"
    return f"CARGO_REGISTRIES_{_cargo_name(registry)}_TOKEN"


def registry_label(registry: str | None) -> str:
    """How messages name the registry: ``crates.io`` or ``cargo registry NAME``."""
    return LABEL if registry is None else f"cargo registry {registry}"


def alternative(registry: str | None) -> str | None:
    """A cargo registry name, or ``None`` for crates.io (which cargo calls ``crates-io``)."""
    return None if not registry or registry == NAME else registry


def resolve_registry(option: str | None, env: Mapping[str, str],
                     configured: str | None = None) -> str | None:
    """``--registry``, else ``RELEASE_TASKS_CARGO_REGISTRY`` (``crates-io`` there means
    crates.io), else ``configured`` (``[core] cargo-registry``), else crates.io (None)."""
    if alternative(option):
        return option
    variable = env.get(CARGO_REGISTRY_VAR, "").strip()
    return alternative(variable) if variable else alternative(configured)


def make_endpoints(api: str = CRATES_IO_API, registry: str | None = None,
                   index: str | None = None) -> Endpoints:
    """crates.io's web API, and an alternative registry's name and sparse index (HTTP URL),
    validated; the name and the index go together."""
    if (registry is None) != (index is None):
        raise UsageError(
            "cargo_registry and cargo_index go together: an alternative registry needs "
            f"both a name and a sparse index (got {registry!r}, {index!r})")
    values = {"api": check_url(api, "crates_api").rstrip("/")}
    if registry is not None and index is not None:
        check_url(index, "cargo_index")
        values |= {"registry": registry, "index": index if index.endswith("/") else index + "/"}
    return Endpoints(values)


def endpoints(env: Mapping[str, str], given: Mapping[str, str]) -> Endpoints:
    """The web API from ``[registries] crates-io``; an alternative registry from ``env``."""
    api = given.get(NAME, "").strip() or CRATES_IO_API
    if api.startswith(_SPARSE):
        raise UsageError(
            f"[registries] crates-io = {api!r}: this key is the crates.io web API; for an "
            f"alternative registry set {CARGO_REGISTRY_VAR} to its cargo name and "
            "CARGO_REGISTRIES_<NAME>_INDEX to its sparse index")
    check_url(api, "[registries] crates-io")
    registry = env.get(CARGO_REGISTRY_VAR, "").strip() or None
    return make_endpoints(api, registry, None if registry is None else sparse_index(registry, env))


def sparse_index(registry: str, env: Mapping[str, str]) -> str:
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
            "(cargo reads the same variable when publishing)")
    if not index.startswith(_SPARSE):
        raise UsageError(
            f"{var}={index!r} is not a sparse index: only sparse+https://... indexes can be "
            "queried over HTTP (git indexes are not supported); use the registry's sparse URL")
    return check_url(index.removeprefix(_SPARSE), var)
