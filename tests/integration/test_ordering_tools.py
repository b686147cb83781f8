"""The registries' own code agrees with :mod:`release_tasks.registries.ordering`.

Thousands of version pairs are compared in one process each: by RubyGems itself
(``Gem::Version#<=>``), by npm's ``semver`` package (the one npm and Verdaccio use), and by
:mod:`release_tasks.registries.ordering`. The pairs come from a seeded generator that favours the
shapes that matter here: trailing zeros, three against four parts, prereleases, letters.
"""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from release_tasks.registries import ordering
from tests.registries.tools import require_tool
from tests.unit.test_ordering import ORDER

pytestmark = pytest.mark.integration

SEMVER_PACKAGE = Path(__file__).resolve().parents[1] / "registries" / "npm" / "node_modules" / "semver"
PAIRS = 3000


def gem_versions(rng: random.Random) -> str:
    parts = [str(rng.choice([0, 0, 1, 8, 9, 10, rng.randrange(100)]))
             for _ in range(rng.randint(1, 5))]
    text = ".".join(parts)
    if rng.random() < 0.3:
        text += "." + rng.choice(["a", "b", "pre", "rc", "a1", "rc2", "beta"])
        if rng.random() < 0.5:
            text += "." + str(rng.choice([0, 1, 2, 10]))
    if rng.random() < 0.1:
        text += "-" + rng.choice(["rc1", "pre", "alpha.1"])
    if rng.random() < 0.1:
        text += ".0" * rng.randint(1, 2)
    return text


def semver_versions(rng: random.Random) -> str:
    text = ".".join(str(rng.choice([0, 1, 8, 10, 999, 1000, 8002, rng.randrange(10000)]))
                    for _ in range(3))
    if rng.random() < 0.3:
        text += "-" + ".".join(rng.choice(["rc", "alpha", "1", "2", "10", "beta"])
                               for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.1:
        text += "+build." + str(rng.randrange(5))
    return text


def pairs(make: Callable[[random.Random], str], seed: int,
          near: Callable[[str], str]) -> list[tuple[str, str]]:
    """Random pairs, and near misses: each of the first versions against ``near`` of itself."""
    rng = random.Random(seed)
    found = [(make(rng), make(rng)) for _ in range(PAIRS)]
    return found + [(a, near(a)) for a, _ in found[:300]]


def test_rubygems_agrees_with_gem_version() -> None:
    ruby = require_tool("ruby")
    cases = pairs(gem_versions, 1, lambda a: a + ".0") + [(a, b) for r, a, b, _ in ORDER if r == "rubygems"]
    script = ('require "json"; JSON.parse(STDIN.read).each { |a, b| '
              'puts(Gem::Version.new(a) <=> Gem::Version.new(b)) }')
    out = subprocess.run([ruby, "-e", script], input=json.dumps(cases), capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    assert len(out) == len(cases)
    mismatches = [(a, b, int(theirs), ordering.compare("rubygems", a, b))
                  for (a, b), theirs in zip(cases, out, strict=True)
                  if int(theirs) != ordering.compare("rubygems", a, b)]
    assert mismatches == []


def test_npm_and_cargo_order_agrees_with_npm_semver() -> None:
    node = require_tool("node")
    if not SEMVER_PACKAGE.is_dir():
        pytest.skip(f"{SEMVER_PACKAGE} is missing: run `npm ci` in tests/registries/npm")
    cases = pairs(semver_versions, 2, lambda a: a.split("+")[0] + "+other") + [(a, b) for r, a, b, _ in ORDER
                                         if r in ("npm", "crates-io")]
    script = (f"const semver = require({json.dumps(str(SEMVER_PACKAGE))});"
              "let data = ''; process.stdin.on('data', c => data += c);"
              "process.stdin.on('end', () => { for (const [a, b] of JSON.parse(data))"
              " console.log(semver.compare(a, b)); });")
    out = subprocess.run([node, "-e", script], input=json.dumps(cases), capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    assert len(out) == len(cases)
    mismatches = [(a, b, int(theirs), ordering.compare("npm", a, b))
                  for (a, b), theirs in zip(cases, out, strict=True)
                  if int(theirs) != ordering.compare("npm", a, b)]
    assert mismatches == []
