"""Cargo wire formats: the publish request body and the sparse-index entry it becomes.

The translation follows what crates.io writes to its index, because that is what a real
cargo will later read back: ``version_req`` becomes ``req``, a renamed dependency is
stored under its name in ``Cargo.toml`` with the real crate in ``package``, and features
using ``dep:`` or ``?/`` syntax move to ``features2`` with schema ``v: 2``.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any


class PublishFormatError(ValueError):
    """The publish body does not follow cargo's length-prefixed layout."""


@dataclass(frozen=True)
class PublishRequest:
    metadata: dict[str, Any]
    crate: bytes

    @property
    def name(self) -> str:
        return str(self.metadata["name"])

    @property
    def vers(self) -> str:
        return str(self.metadata["vers"])

    @property
    def cksum(self) -> str:
        return hashlib.sha256(self.crate).hexdigest()


def index_path(name: str) -> str:
    """The path of a crate's file inside the index, as cargo computes it."""
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[0:2]}/{lower[2:4]}/{lower}"


def _take(body: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(body):
        raise PublishFormatError("truncated length prefix")
    (length,) = struct.unpack_from("<I", body, offset)
    start = offset + 4
    if start + length > len(body):
        raise PublishFormatError("length prefix runs past the end of the body")
    return body[start : start + length], start + length


def parse_publish_body(body: bytes) -> PublishRequest:
    raw_meta, offset = _take(body, 0)
    crate, _ = _take(body, offset)
    try:
        metadata = json.loads(raw_meta)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PublishFormatError(f"invalid upload request: {exc}") from exc
    if not isinstance(metadata, dict):
        raise PublishFormatError("invalid upload request: metadata is not an object")
    for key in ("name", "vers"):
        if not isinstance(metadata.get(key), str) or not metadata[key]:
            raise PublishFormatError(f"invalid upload request: missing field `{key}`")
    return PublishRequest(metadata, crate)


def encode_publish_body(metadata: dict[str, Any], crate: bytes) -> bytes:
    """The inverse of :func:`parse_publish_body`, for tests that talk HTTP directly."""
    raw = json.dumps(metadata).encode()
    return struct.pack("<I", len(raw)) + raw + struct.pack("<I", len(crate)) + crate


def index_dep(dep: dict[str, Any]) -> dict[str, Any]:
    """One dependency of the publish metadata in index form."""
    explicit = dep.get("explicit_name_in_toml")
    entry: dict[str, Any] = {
        "name": explicit or dep["name"],
        "req": dep["version_req"],
        "features": list(dep.get("features") or []),
        "optional": bool(dep.get("optional", False)),
        "default_features": bool(dep.get("default_features", True)),
        "target": dep.get("target"),
        "kind": dep.get("kind") or "normal",
    }
    # In both formats a missing registry means "this same registry".
    if dep.get("registry"):
        entry["registry"] = dep["registry"]
    if explicit:
        entry["package"] = dep["name"]
    return entry


def _is_v2_feature(value: str) -> bool:
    return value.startswith("dep:") or "?/" in value


def index_entry(request: PublishRequest) -> dict[str, Any]:
    """The index line for a publish, without the mutable ``yanked`` flag."""
    meta = request.metadata
    features: dict[str, list[str]] = dict(meta.get("features") or {})
    plain = {k: v for k, v in features.items() if not any(map(_is_v2_feature, v))}
    extended = {k: v for k, v in features.items() if k not in plain}
    entry: dict[str, Any] = {
        "name": request.name,
        "vers": request.vers,
        "deps": [index_dep(d) for d in meta.get("deps") or []],
        "cksum": request.cksum,
        "features": plain,
        "links": meta.get("links"),
    }
    if extended:
        entry["features2"] = extended
        entry["v"] = 2
    if meta.get("rust_version"):
        entry["rust_version"] = meta["rust_version"]
    return entry


CRATES_IO_INDEX = "https://github.com/rust-lang/crates.io-index"
"""How cargo names crates.io in publish metadata, whatever protocol it really uses."""


def internal_deps(request: PublishRequest, aliases: frozenset[str]) -> dict[str, str]:
    """Dependencies (any kind) served by the registry being published to: name -> req.

    A dependency without ``registry`` is from this registry; ``aliases`` are other
    registry URLs this one stands in for (crates.io, when cargo's source replacement
    points crates.io here). Dev-dependencies count because ``cargo publish`` resolves
    them while verifying the package.
    """
    return {
        str(d["name"]): str(d["version_req"])
        for d in request.metadata.get("deps") or []
        if not d.get("registry") or d["registry"] in aliases
    }
