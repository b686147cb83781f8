"""Reading a ``.gem`` file with the standard library only.

A ``.gem`` is a plain tar whose ``metadata.gz`` is the gemspec dumped as YAML by Psych.
That YAML is machine-written with a fixed layout, so the handful of fields a registry
needs (name, version, platform, runtime dependencies and Ruby requirements) can be read
line by line without a YAML library.
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
from dataclasses import dataclass, field

Requirement = tuple[tuple[str, str], ...]
"""``((">=", "1"), ("<", "2"))``"""


class GemFormatError(ValueError):
    """The upload is not a readable ``.gem``."""


@dataclass(frozen=True)
class GemSpec:
    name: str
    version: str
    platform: str = "ruby"
    summary: str = ""
    licenses: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    runtime_deps: tuple[tuple[str, Requirement], ...] = ()
    required_ruby_version: Requirement = ()
    required_rubygems_version: Requirement = ()
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def prerelease(self) -> bool:
        return any(c.isalpha() for c in self.version)

    @property
    def full_name(self) -> str:
        """``name-version`` plus ``-platform`` for platform gems, as in file names."""
        base = f"{self.name}-{self.version}"
        return base if self.platform == "ruby" else f"{base}-{self.platform}"


def _scalar(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return raw


def _top_level_blocks(text: str) -> dict[str, list[str]]:
    """Map each top-level key to its own line followed by its nested lines."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("---") or not line.strip():
            continue
        if line[0] not in " -" and ":" in line:
            key = line.split(":", 1)[0]
            current = blocks.setdefault(key, [])
            current.append(line)
        elif current is not None:
            current.append(line)
    return blocks


def _value(block: list[str]) -> str:
    return _scalar(block[0].split(":", 1)[1]) if block else ""


def _items(block: list[str]) -> tuple[str, ...]:
    return tuple(_scalar(line[2:]) for line in block[1:] if line.startswith("- "))


_OP = re.compile(r"^\s*- - (.+)$")
_VERSION = re.compile(r"^\s+version: (.+)$")


def _requirement(lines: list[str]) -> Requirement:
    ops = [_scalar(m.group(1)) for line in lines if (m := _OP.match(line))]
    versions = [_scalar(m.group(1)) for line in lines if (m := _VERSION.match(line))]
    return tuple(zip(ops, versions, strict=False))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dependencies(block: list[str]) -> tuple[tuple[str, Requirement], ...]:
    entries: list[list[str]] = []
    for line in block[1:]:
        if line.startswith("- "):  # "- !ruby/object:Gem::Dependency" opens an entry
            entries.append([])
        elif entries:
            entries[-1].append(line)
    deps: list[tuple[str, Requirement]] = []
    for entry in entries:
        # Keys of the Gem::Dependency itself sit at indent 2; deeper lines belong to them.
        keys = {ln.split(":", 1)[0].strip(): i for i, ln in enumerate(entry) if _indent(ln) == 2}
        if "name" not in keys or "requirement" not in keys:
            continue
        kind = entry[keys["type"]].split(":", 1)[1].strip() if "type" in keys else ":runtime"
        if kind != ":runtime":
            continue
        start = keys["requirement"] + 1
        end = min((i for i in keys.values() if i >= start), default=len(entry))
        name = _scalar(entry[keys["name"]].split(":", 1)[1])
        deps.append((name, _requirement(entry[start:end])))
    return tuple(deps)


def _metadata_map(block: list[str]) -> dict[str, str]:
    """``metadata:`` is a flat string map (or ``{}`` on the key line when empty)."""
    result: dict[str, str] = {}
    for line in block[1:]:
        key, sep, value = line.strip().partition(":")
        if _indent(line) == 2 and sep:
            result[_scalar(key)] = _scalar(value)
    return result


def parse_gemspec_yaml(text: str) -> GemSpec:
    blocks = _top_level_blocks(text)
    name = _value(blocks.get("name", []))
    version_lines = [m.group(1) for ln in blocks.get("version", []) if (m := _VERSION.match(ln))]
    version = _scalar(version_lines[0]) if version_lines else ""
    if not name or not version:
        raise GemFormatError("gemspec has no name or version")
    return GemSpec(
        name=name,
        version=version,
        platform=_value(blocks.get("platform", [])) or "ruby",
        summary=_value(blocks.get("summary", [])),
        licenses=_items(blocks.get("licenses", [])),
        authors=_items(blocks.get("authors", [])),
        runtime_deps=_dependencies(blocks.get("dependencies", [])),
        required_ruby_version=_requirement(blocks.get("required_ruby_version", [])),
        required_rubygems_version=_requirement(blocks.get("required_rubygems_version", [])),
        metadata=_metadata_map(blocks.get("metadata", [])),
    )


def read_gem(data: bytes) -> GemSpec:
    """The spec of a ``.gem`` given as bytes."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            member = tar.extractfile("metadata.gz")
            if member is None:
                raise GemFormatError("metadata.gz is not a file")
            text = gzip.decompress(member.read()).decode("utf-8")
    except (tarfile.TarError, KeyError, OSError, UnicodeDecodeError, EOFError) as exc:
        raise GemFormatError(f"not a gem: {exc}") from exc
    return parse_gemspec_yaml(text)


def with_extra_file(data: bytes, name: str, content: bytes) -> bytes:
    """The ``.gem`` ``data`` with one more tar member: the same spec (name, version,
    platform) in other bytes, as a rebuild from other sources would be."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as source, \
            tarfile.open(fileobj=out, mode="w:") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        extra = tarfile.TarInfo(name)
        extra.size = len(content)
        target.addfile(extra, io.BytesIO(content))
    return out.getvalue()
