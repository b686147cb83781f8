"""The index formats ``gem install`` / ``gem fetch`` / bundler read from a gem server.

* ``specs.4.8.gz`` and friends: gzipped Ruby ``Marshal`` arrays of
  ``[name, Gem::Version, platform]``; written here with a minimal Marshal encoder.
* ``quick/Marshal.4.8/<full name>.gemspec.rz``: a whole ``Gem::Specification`` in
  Marshal form. That object is too rich to encode by hand, so Ruby itself produces it;
  without Ruby there is no client to read it either.
* The compact index (``/versions``, ``/info/<name>``) read by bundler, and by RubyGems
  whenever the source root answers its probe.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterable

from release_tasks.standins.gem_format import GemSpec, Requirement
from release_tasks.standins.gem_version import version_key

# -- Marshal -------------------------------------------------------------------------------


class _Marshal:
    def __init__(self) -> None:
        self.out = bytearray(b"\x04\x08")
        self.symbols: dict[str, int] = {}

    def long(self, n: int) -> None:
        if n == 0:
            self.out.append(0)
        elif 0 < n < 123:
            self.out.append(n + 5)
        elif -124 < n < 0:
            self.out += struct.pack("b", n - 5)
        else:
            # Like Ruby's w_long: little-endian bytes until only sign bits remain.
            data, rest = bytearray(), n
            while rest not in (0, -1) or not data:
                data.append(rest & 0xFF)
                rest >>= 8
            self.out.append(len(data) if rest == 0 else 256 - len(data))
            self.out += data

    def symbol(self, name: str) -> None:
        if name in self.symbols:
            self.out += b";"
            self.long(self.symbols[name])
            return
        self.symbols[name] = len(self.symbols)
        data = name.encode()
        self.out += b":"
        self.long(len(data))
        self.out += data

    def string(self, text: str) -> None:
        data = text.encode()
        self.out += b'I"'
        self.long(len(data))
        self.out += data
        self.long(1)
        self.symbol("E")  # encoding: true means UTF-8
        self.out += b"T"

    def version(self, version: str) -> None:
        # Gem::Version#marshal_dump is [version_string], written as a user-marshal ("U").
        self.out += b"U"
        self.symbol("Gem::Version")
        self.out += b"["
        self.long(1)
        self.string(version)

    def tuples(self, specs: Iterable[GemSpec]) -> bytes:
        items = list(specs)
        self.out += b"["
        self.long(len(items))
        for spec in items:
            self.out += b"["
            self.long(3)
            self.string(spec.name)
            self.version(spec.version)
            self.string(spec.platform)
        return bytes(self.out)


def specs_file(specs: Iterable[GemSpec]) -> bytes:
    return gzip.compress(_Marshal().tuples(specs), mtime=0)


def latest_specs(specs: Iterable[GemSpec]) -> list[GemSpec]:
    latest: dict[tuple[str, str], GemSpec] = {}
    for spec in specs:
        key = (spec.name, spec.platform)
        if key not in latest or version_key(spec.version) > version_key(latest[key].version):
            latest[key] = spec
    return list(latest.values())


# Gem::Package rewinds its input, which a pipe cannot do, hence the StringIO.
_RUBY_QUICK_SPEC = (
    'require "rubygems/package"; require "stringio"; $stdin.binmode; $stdout.binmode; '
    "spec = Gem::Package.new(StringIO.new($stdin.read)).spec; "
    "spec.abbreviate; spec.sanitize; $stdout.write(Marshal.dump(spec))"
)


def quick_spec(gem: bytes) -> bytes | None:
    """The deflated Marshal dump of a gem's spec, or None when Ruby is not installed."""
    ruby = shutil.which("ruby")
    if ruby is None:
        return None
    result = subprocess.run(
        [ruby, "-e", _RUBY_QUICK_SPEC], input=gem, capture_output=True, timeout=60, check=True
    )
    return zlib.compress(result.stdout)


# -- compact index -------------------------------------------------------------------------


def _req(requirement: Requirement) -> str:
    return "&".join(f"{op} {version}" for op, version in requirement) or ">= 0"


def info_line(spec: GemSpec, sha256: str) -> str:
    platform = "" if spec.platform == "ruby" else f"-{spec.platform}"
    deps = ",".join(f"{name}:{_req(req)}" for name, req in spec.runtime_deps)
    reqs = [f"checksum:{sha256}"]
    if spec.required_ruby_version:
        reqs.append(f"ruby:{_req(spec.required_ruby_version)}")
    if spec.required_rubygems_version:
        reqs.append(f"rubygems:{_req(spec.required_rubygems_version)}")
    return f"{spec.version}{platform} {deps}|{','.join(reqs)}"


def info_file(lines: Iterable[str]) -> bytes:
    return ("---\n" + "".join(f"{line}\n" for line in lines)).encode()


def versions_file(created_at: str, gems: dict[str, tuple[list[GemSpec], bytes]]) -> bytes:
    """``gems`` maps a name to its live versions and its ``/info`` body."""
    lines = [f"created_at: {created_at}", "---"]
    for name, (specs, info) in sorted(gems.items()):
        listed = ",".join(
            s.version if s.platform == "ruby" else f"{s.version}-{s.platform}" for s in specs
        )
        lines.append(f"{name} {listed} {hashlib.md5(info).hexdigest()}")
    return ("\n".join(lines) + "\n").encode()
