"""The version rules, row by row as VERSIONING.md states them, with no repository at all.

Each row of :data:`ROWS` is one statement of VERSIONING.md (its id says which: "rule N" for
the numbered rules, then the renderings, the release tag's record and the worked adoption
example), and RELEASING.md's carry-forward and ``--skip``. A row gives what the repository
says (``VERSION``, the version files, the tags, what changed, the options) and what the
plan must be, or the error it must raise. :func:`test_every_rule_of_versioning_md_has_a_row`
keeps the table in step with the document.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from release_tasks.config import load as config
from release_tasks.errors import UsageError, VersionError
from release_tasks.model.version import BindingVersion, CoreVersion
from release_tasks.plan import rules
from release_tasks.plan.carry import Pending
from release_tasks.plan.detect import Changes
from release_tasks.plan.release_plan import ReleasePlan
from release_tasks.plan.tagplan import Tagged
from release_tasks.registries import ordering

CONFIG = config.builtin()
VERSIONING = Path(__file__).resolve().parents[2] / "VERSIONING.md"
BASE, HEAD, ELSEWHERE = "b" * 40, "c" * 40, "d" * 40
BASE_TAG = "release-20261102-0900"
#: A changed file of each group and binding of the built-in layout.
CHANGED = {"ffi": "tasker-shared/src/lib.rs", "server": "tasker-orchestration/src/lib.rs",
           "ruby": "workers/ruby/lib/tasker_core.rb",
           "python": "workers/python/python/tasker_worker/__init__.py",
           "typescript": "workers/typescript/src/index.ts"}


def changes(*changed: str, release: Tagged | None = None, head: str = HEAD,
            base_ref: str = BASE_TAG) -> Changes:
    """The changes since ``base_ref`` (on ``BASE``): one file in each group or binding named."""
    groups = {g.name: (CHANGED[g.name],) if g.name in changed else () for g in CONFIG.core.groups}
    bindings = {b.name: (CHANGED[b.name],) if b.name in changed else () for b in CONFIG.bindings}
    return Changes(base_ref=base_ref, base_commit=BASE, head_commit=head, release=release,
                   paths_changed=len(changed), groups=groups, bindings=bindings)


def published(core: str, files: Mapping[str, str]) -> dict[str, str]:
    """The tags of a release at ``BASE`` that published everything: the core and every
    binding at what its version file says (its canonical X.Y.Z.P where it has one)."""
    tags = {BASE_TAG: BASE, f"core-v{core}": BASE}
    for binding in CONFIG.bindings:
        text = files[binding.name]
        with contextlib.suppress(VersionError):  # three parts: tagged as written
            text = str(ordering.read_rendering(text, binding.registry))
        tags[f"{binding.tag_prefix}{text}"] = BASE
    return tags


@dataclass(frozen=True)
class Row:
    """One statement of the documents: what the repository says, what the plan must be."""

    id: str
    changed: tuple[str, ...] = ()
    core: str = "0.1.8"
    files: Mapping[str, str] = field(default_factory=lambda: {
        "ruby": "0.1.8.0", "python": "0.1.8.0", "typescript": "0.1.8000"})
    tags: Mapping[str, str] | None = None  # default: everything at its file version, published
    first: bool = False
    pending: Mapping[str, Pending] = field(default_factory=dict)
    skip: tuple[str, ...] = ()
    core_option: str | None = None
    bump: str | None = None
    pre: str | None = None
    release: Tagged | None = None
    head: str = HEAD
    base_ref: str = BASE_TAG
    expect: Mapping[str, str] = field(default_factory=dict)  # component -> outcome
    why: Mapping[str, str] = field(default_factory=dict)  # component -> one of its reasons
    error: tuple[str, ...] = ()  # substrings of the VersionError, when the plan stops

    def facts(self) -> rules.Facts:
        tags = published(self.core, self.files) if self.tags is None else self.tags
        return rules.Facts(changes=changes(*self.changed, release=self.release, head=self.head,
                                           base_ref=self.base_ref),
                           first=self.first, core=CoreVersion.parse(self.core),
                           files=self.files, tags=tags, pending=self.pending, skip=self.skip,
                           core_option=self.core_option, bump=self.bump, pre=self.pre)


def outcome(plan: ReleasePlan) -> dict[str, str]:
    """What happens to each component: its next version (and its rendering where the
    registry spells it otherwise), ``skipped (X)``, or ``unchanged``."""
    found = {"core": str(plan.core.next) if plan.core.changed else "unchanged"}
    for b in plan.bindings:
        if b.next is not None:
            found[b.name] = str(b.next) + (f" [{b.rendering}]" if b.rendering != str(b.next) else "")
        else:
            found[b.name] = f"skipped ({b.skipped})" if b.skipped else "unchanged"
    return found


def released_plan(row: Row) -> Tagged:
    """The release made at ``HEAD`` from ``row``'s repository: its tag and plan."""
    return Tagged("release-20261109-0900", HEAD, rules.plan(CONFIG, row.facts()), HEAD)


UNCHANGED = {"ruby": "unchanged", "python": "unchanged", "typescript": "unchanged"}
ADOPTED_FILES = {"ruby": "0.1.10", "python": "0.1.8", "typescript": "0.1.10"}
ADOPTED_TAGS = {"v0.1.8": BASE, "core-v0.1.8": BASE, "ruby-v0.1.10": BASE,
                "python-v0.1.8": BASE, "typescript-v0.1.10": BASE}
BETA_FILES = {"ruby": "0.38.0.beta.4", "python": "0.38.0b4", "typescript": "0.38.0-beta.4"}
LATER_RUBY = Row("ruby 0.1.9.0 planned", changed=("ffi",))

ROWS = [
    # --- The rules (VERSIONING.md, "The rules") ------------------------------------------
    Row("rule 1: a first release releases VERSION as it is, every binding at VERSION.0",
        core="0.1.0", first=True, tags={},
        files={"ruby": "0.1.0.0", "python": "0.1.0.0", "typescript": "0.1.0"},
        expect={"core": "0.1.0", "ruby": "0.1.0.0", "python": "0.1.0.0",
                "typescript": "0.1.0.0 [0.1.0]"}),
    Row("rule 2: any core crate changed: the core is the patch bump of VERSION",
        changed=("server",), expect={"core": "0.1.9", **UNCHANGED},
        why={"core": "server/client core changed (1 file(s))"}),
    Row("rule 2: --core X.Y.Z releases the core at that version, even when no crate changed",
        core_option="0.1.11", expect={"core": "0.1.11", **UNCHANGED},
        why={"core": "--core 0.1.11"}),
    Row("rule 2: --bump minor goes 0.1.8 -> 0.2.0, leaving alpha",
        bump="minor", expect={"core": "0.2.0", **UNCHANGED}, why={"core": "--bump minor: 0.2.0"}),
    Row("rule 2: --bump major goes to 1.0.0", bump="major",
        expect={"core": "1.0.0", **UNCHANGED}),
    Row("rule 3: the FFI-facing core changed: every binding it propagates to is NEXT_CORE.0",
        changed=("ffi",), files={"ruby": "0.1.8.2", "python": "0.1.8.1", "typescript": "0.1.8003"},
        expect={"core": "0.1.9", "ruby": "0.1.9.0", "python": "0.1.9.0",
                "typescript": "0.1.9.0 [0.1.9000]"},
        why={"ruby": "FFI-facing core changed", "python": "FFI-facing core changed"}),
    Row("rule 4: a Python-only fix on core 0.1.8 goes 0.1.8.0 -> 0.1.8.1",
        changed=("python",), expect={"core": "unchanged", "ruby": "unchanged",
                                     "python": "0.1.8.1", "typescript": "unchanged"}),
    Row("rule 4: P is one more than the highest P known on that core, tags included",
        changed=("ruby",), tags={BASE_TAG: BASE, "ruby-v0.1.8.3": ELSEWHERE},
        files={"ruby": "0.1.8.1", "python": "0.1.8.0", "typescript": "0.1.8000"},
        expect={"core": "unchanged", "ruby": "0.1.8.4", "python": "unchanged",
                "typescript": "unchanged"}),
    Row("rule 4: a server-only core change with a Ruby fix builds the gem on 0.1.9: 0.1.9.0, "
        "not 0.1.8.3", changed=("server", "ruby"),
        files={"ruby": "0.1.8.2", "python": "0.1.8.0", "typescript": "0.1.8000"},
        expect={"core": "0.1.9", "ruby": "0.1.9.0", "python": "unchanged",
                "typescript": "unchanged"}),
    Row("rule 4: a three-part version (from before the two-tier scheme) carries no P",
        changed=("ruby",), files={"ruby": "0.1.7", "python": "0.1.8.0", "typescript": "0.1.8000"},
        expect={"core": "unchanged", "ruby": "0.1.8.0", "python": "unchanged",
                "typescript": "unchanged"}),
    Row("rule 5: otherwise a component is unchanged and not published",
        expect={"core": "unchanged", **UNCHANGED}),
    Row("rule 6: a version goes above every tag in its registry's order: RubyGems sorts "
        "0.1.8.0 below ruby-v0.1.10", changed=("ruby",), files=ADOPTED_FILES, tags=ADOPTED_TAGS,
        error=("ruby 0.1.8.0 would go backwards: RubyGems orders it below 0.1.10 "
               "(tag ruby-v0.1.10)", "--core 0.1.10", "--bump minor", "--skip ruby")),
    Row("rule 4 in PyPI's equality: the published three-part 0.1.8 is 0.1.8.0, so a "
        "Python-only fix on core 0.1.8 is 0.1.8.1",
        changed=("python",), files=ADOPTED_FILES, tags=ADOPTED_TAGS,
        expect={"core": "unchanged", "ruby": "unchanged", "python": "0.1.8.1",
                "typescript": "unchanged"}),
    Row("rule 4 in RubyGems' equality: a gem file at three-part 0.1.8 is 0.1.8.0; next 0.1.8.1",
        changed=("ruby",), files={**ADOPTED_FILES, "ruby": "0.1.8"}, tags={BASE_TAG: BASE},
        expect={"core": "unchanged", "ruby": "0.1.8.1", "python": "unchanged",
                "typescript": "unchanged"}),
    Row("rule 6: npm's order: 0.1.8000 sorts above the published 0.1.10",
        changed=("typescript",), files=ADOPTED_FILES, tags=ADOPTED_TAGS,
        expect={"core": "unchanged", "ruby": "unchanged", "python": "unchanged",
                "typescript": "0.1.8.0 [0.1.8000]"}),
    Row("rule 6: the core goes above every core-v tag", core_option="0.1.9",
        tags={BASE_TAG: BASE, "core-v0.1.10": ELSEWHERE},
        error=("core 0.1.9 would go backwards", "(tag core-v0.1.10)", "--core 0.1.11")),
    Row("rule 6: only a first release and a carried-forward version may equal the version "
        "file: --core 0.1.8 is what VERSION already holds", core_option="0.1.8",
        tags={BASE_TAG: BASE}, error=("core 0.1.8 is already the version in VERSION",
                                      "--core 0.1.9")),
    Row("rule 6: a binding not republished after a server-only bump stays on its older core",
        changed=("server",), files={"ruby": "0.1.8.2", "python": "0.1.8.0",
                                    "typescript": "0.1.8000"},
        expect={"core": "0.1.9", "ruby": "unchanged", "python": "unchanged",
                "typescript": "unchanged"}),
    # --- Per-registry renderings -----------------------------------------------------------
    Row("renderings: npm X.Y.(Z*1000+P): 0.1.8.2 becomes 0.1.8002", changed=("typescript",),
        files={"ruby": "0.1.8.0", "python": "0.1.8.0", "typescript": "0.1.8001"},
        expect={"core": "unchanged", "ruby": "unchanged", "python": "unchanged",
                "typescript": "0.1.8.2 [0.1.8002]"}),
    Row("renderings: npm needs P < 1000; a larger patch level is an error at versions time",
        changed=("typescript",),
        files={"ruby": "0.1.8.0", "python": "0.1.8.0", "typescript": "0.1.8999"},
        error=("binding patch level 1000 of 0.1.8.1000 is outside 0..999",)),
    # --- The release tag records the plan --------------------------------------------------
    Row("release tag: CI at a release made with --core plans the same without being told",
        release=released_plan(Row("--core 0.1.11", core_option="0.1.11")),
        expect={"core": "0.1.11", **UNCHANGED}),
    Row("release tag: a component tag made since, elsewhere, makes the plan differ: an error",
        changed=("ffi",), release=released_plan(LATER_RUBY),
        tags={**published("0.1.8", LATER_RUBY.files), "ruby-v0.1.9.0": ELSEWHERE},
        error=("HEAD is release release-20261109-0900, but the repository no longer gives "
               "the versions it planned (ruby 0.1.9.0 -> 0.1.9.1)",)),
    # --- Carry-forward and --skip (RELEASING.md, 4 and 5) ----------------------------------
    Row("carry-forward: planned, never published, unchanged since: the same version",
        files={"ruby": "0.1.9.0", "python": "0.1.8.0", "typescript": "0.1.8000"}, core="0.1.9",
        tags={BASE_TAG: BASE, "core-v0.1.9": BASE},
        pending={"ruby": Pending(release_tag=BASE_TAG, version=BindingVersion.parse("0.1.9.0"),
                                 skipped=False)},
        expect={"core": "unchanged", "ruby": "0.1.9.0", "python": "unchanged",
                "typescript": "unchanged"},
        why={"ruby": f"planned as 0.1.9.0 in {BASE_TAG}, never published"}),
    Row("carry-forward: planned, never published, changed again: the next version",
        changed=("ruby",), core="0.1.9", tags={BASE_TAG: BASE, "core-v0.1.9": BASE},
        files={"ruby": "0.1.9.0", "python": "0.1.8.0", "typescript": "0.1.8000"},
        pending={"ruby": Pending(release_tag=BASE_TAG, version=BindingVersion.parse("0.1.9.0"),
                                 skipped=False)},
        expect={"core": "unchanged", "ruby": "0.1.9.1", "python": "unchanged",
                "typescript": "unchanged"},
        why={"ruby": f"planned as 0.1.9.0 in {BASE_TAG}, never published"}),
    Row("carry-forward: a core planned and never published is released at that version",
        core="0.1.9", tags={BASE_TAG: BASE},
        pending={"core": Pending(release_tag=BASE_TAG, version=CoreVersion.parse("0.1.9"),
                                 skipped=False)},
        expect={"core": "0.1.9", **UNCHANGED},
        why={"core": f"planned as 0.1.9 in {BASE_TAG}, never published"}),
    Row("--skip: the binding stays out, recorded with the version it would have had",
        changed=("ffi",), skip=("python",),
        expect={"core": "0.1.9", "ruby": "0.1.9.0", "python": "skipped (0.1.9.0)",
                "typescript": "0.1.9.0 [0.1.9000]"}, why={"python": "left out with --skip"}),
    Row("--skip: the next release carries a skipped binding forward",
        pending={"python": Pending(release_tag=BASE_TAG, version=BindingVersion.parse("0.1.8.1"),
                                   skipped=True)},
        expect={"core": "unchanged", "ruby": "unchanged", "python": "0.1.8.1",
                "typescript": "unchanged"},
        why={"python": f"skipped in {BASE_TAG} (would have been 0.1.8.1)"}),
    # --- Prereleases (VERSIONING.md, "Prereleases") ----------------------------------------
    Row("prereleases: --pre beta after a beta is the next beta, every registry spelling it",
        changed=("ffi",), core="0.38.0-beta.4", files=BETA_FILES, pre="beta",
        expect={"core": "0.38.0-beta.5", "ruby": "0.38.0-beta.5.0 [0.38.0.beta.5]",
                "python": "0.38.0-beta.5.0 [0.38.0b5]",
                "typescript": "0.38.0-beta.5.0 [0.38.0-beta.5]"},
        why={"core": "--pre beta: 0.38.0-beta.5"}),
    Row("prereleases: --pre rc after a beta starts the rc at 0, no crate changed",
        core="0.38.0-beta.4", files=BETA_FILES, pre="rc",
        expect={"core": "0.38.0-rc.0", **UNCHANGED}),
    Row("prereleases: without --pre a prerelease core goes to its final",
        changed=("ffi",), core="0.38.0-beta.4", files=BETA_FILES,
        expect={"core": "0.38.0", "ruby": "0.38.0.0", "python": "0.38.0.0",
                "typescript": "0.38.0.0 [0.38.0]"}),
    Row("prereleases: --pre beta from a final is the next patch's beta.0",
        changed=("server",), pre="beta", expect={"core": "0.1.9-beta.0", **UNCHANGED}),
    Row("prereleases: --bump minor --pre rc is the next minor's rc.0",
        bump="minor", pre="rc", expect={"core": "0.2.0-rc.0", **UNCHANGED},
        why={"core": "--bump minor --pre rc: 0.2.0-rc.0"}),
    Row("prereleases: a binding fix on a prerelease core carries the prerelease, P counted",
        changed=("python", "ruby", "typescript"), core="0.38.0-beta.4", files=BETA_FILES,
        expect={"core": "unchanged", "ruby": "0.38.0-beta.4.1 [0.38.0.beta.4.1]",
                "python": "0.38.0-beta.4.1 [0.38.0b4.post1]",
                "typescript": "0.38.0-beta.4.1"}),
    Row("prereleases: a prerelease below a published final is refused",
        changed=("server",), pre="beta", core="0.38.0-beta.4", files=BETA_FILES,
        tags={BASE_TAG: BASE, "core-v0.38.0-beta.4": BASE, "core-v0.38.0-beta.9": BASE},
        error=("core 0.38.0-beta.5 would go backwards: crates.io orders it below "
               "0.38.0-beta.9 (tag core-v0.38.0-beta.9)",)),
    Row("rule 6: the core goes past every core release tag, v* included, reachable or not",
        changed=("server",), core="0.22.5",
        files={"ruby": "0.22.5.0", "python": "0.22.5.0", "typescript": "0.22.5000"},
        tags={BASE_TAG: BASE, "v0.22.5": BASE, "v0.23.1": ELSEWHERE,
              "v0.24.0-rc.1": ELSEWHERE, "release-20261001-0900": ELSEWHERE},
        error=("core 0.22.6 would go backwards: crates.io orders it below 0.24.0-rc.1 "
               "(tag v0.24.0-rc.1)", "nox -s release -- --core 0.24.0")),
    # --- Adopting the tool on a history with other version schemes (the worked example) ----
    Row("adoption: --core 0.1.10 clears the gem published as 0.1.10 (RubyGems' 0.1.10.0) "
        "before the tool", changed=("ruby",), files=ADOPTED_FILES, tags=ADOPTED_TAGS,
        core_option="0.1.10", expect={"core": "0.1.10", "ruby": "0.1.10.1",
                                      "python": "unchanged", "typescript": "unchanged"}),
    Row("adoption: --core 0.1.11 clears it too, on a new core", changed=("ruby",),
        files=ADOPTED_FILES, tags=ADOPTED_TAGS, core_option="0.1.11",
        expect={"core": "0.1.11", "ruby": "0.1.11.0", "python": "unchanged",
                "typescript": "unchanged"}),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_rule(row: Row) -> None:
    if row.error:
        with pytest.raises(VersionError) as caught:
            rules.plan(CONFIG, row.facts())
        for part in row.error:
            assert part in str(caught.value)
        return
    plan = rules.plan(CONFIG, row.facts())
    assert outcome(plan) == row.expect
    reasons = {"core": plan.core.reasons, **{b.name: b.reasons for b in plan.bindings}}
    for component, reason in row.why.items():
        assert reason in reasons[component], (component, reasons[component])


def test_every_rule_of_versioning_md_has_a_row() -> None:
    text = VERSIONING.read_text(encoding="utf-8")
    section = text.split("## The rules", 1)[1].split("\n## ", 1)[0]
    numbered = re.findall(r"^(\d+)\. \*\*", section, re.MULTILINE)
    assert numbered == ["1", "2", "3", "4", "5", "6"]
    covered = {m[1] for row in ROWS if (m := re.match(r"rule (\d+):", row.id))}
    assert covered == set(numbered)
    for heading in ("## Per-registry renderings", "## Adopting the tool"):
        assert heading in text
    assert {row.id.split(":")[0] for row in ROWS} >= {"renderings", "release tag", "adoption",
                                                      "carry-forward", "--skip", "prereleases"}
    assert "## Prereleases" in text


def _console_block(after: str) -> list[str]:
    """The lines of VERSIONING.md's first console block after ``after``."""
    text = VERSIONING.read_text(encoding="utf-8").split(after, 1)[1]
    return text.split("```console\n", 1)[1].split("```", 1)[0].splitlines()


def test_the_worked_example_errs_as_versioning_md_shows() -> None:
    """The adoption example's error, word for word: every problem, then each way out."""
    lines = _console_block("## Adopting the tool")
    start = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    shown = [lines[start].removeprefix("error: ")]
    shown += [line for line in lines[start + 1:] if line.startswith(" ") or line.startswith("Ways")]
    row = Row("example", changed=("ruby",), files=ADOPTED_FILES, tags=ADOPTED_TAGS)
    with pytest.raises(VersionError) as caught:
        rules.plan(CONFIG, row.facts())
    assert str(caught.value).splitlines() == shown


def test_the_worked_example_plans_as_versioning_md_shows() -> None:
    """With ``--core 0.1.10`` the text plan is the one the document prints."""
    lines = _console_block("The maintainer picks the lowest core that clears it")
    start = next(i for i, line in enumerate(lines) if line.startswith("Release plan"))
    end = next(i for i, line in enumerate(lines) if line.startswith("$ nox -s release"))
    head = lines[start].split("comparing ", 1)[1].split(" ", 1)[0]
    row = Row("example", changed=("ruby",), files=ADOPTED_FILES, tags=ADOPTED_TAGS,
              core_option="0.1.10", head=head.ljust(40, "0"), base_ref="v0.1.8")
    assert rules.plan(CONFIG, row.facts()).text().splitlines() == lines[start:end]


def test_a_core_below_version_is_offered_no_skip_since_none_unblocks_it() -> None:
    row = Row("--core 0.0.9", changed=("ruby", "python", "typescript"), core_option="0.0.9",
              files={"ruby": "0.1.8.0", "python": "0.1.8.0", "typescript": "0.1.8000"},
              tags={BASE_TAG: BASE})
    with pytest.raises(VersionError) as caught:
        rules.plan(CONFIG, row.facts())
    text = str(caught.value)
    assert "core 0.0.9 would go backwards" in text
    assert "--skip" not in text  # leaving bindings out leaves the core where it was
    assert "nox -s release -- --core 0.1.9" in text


def test_options_that_are_not_rules_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="--skip core: not a binding"):
        rules.plan(CONFIG, Row("skip core", skip=("core",)).facts())
    with pytest.raises(UsageError, match=r"--core: '0\.1' is not a core version"):
        rules.plan(CONFIG, Row("bad core", core_option="0.1").facts())
    release = released_plan(Row("plain"))
    with pytest.raises(UsageError, match="HEAD is a release made without --core or --bump"):
        rules.plan(CONFIG, Row("at the tag", release=release, bump="minor").facts())


def test_pre_that_would_go_back_or_meets_core_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"--pre alpha: 0\.38\.0-beta\.4 is already past alpha"):
        rules.plan(CONFIG, Row("alpha after beta", core="0.38.0-beta.4", files=BETA_FILES,
                               pre="alpha").facts())
    with pytest.raises(UsageError, match="give the prerelease in --core"):
        rules.plan(CONFIG, Row("pre and core", core_option="0.2.0", pre="beta").facts())
