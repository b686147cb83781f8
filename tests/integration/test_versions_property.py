"""For any tags a repository carries, no planned version is at or below a tagged one.

One real repository (the example monorepo, one real release, then Ruby, server and Python
changes) receives, per example, a random set of component tags in any scheme (three or
four parts, junk), on random commits. ``versions`` either plans versions above every tag of
their component in the component's registry order, or stops with a VersionError whose
suggested ``--core`` does give such a plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_tasks import release, sandbox
from release_tasks.config import load as config_mod
from release_tasks.errors import VersionError
from release_tasks.git import repo as git
from release_tasks.model.version import BindingVersion, Registry
from release_tasks.plan import versions
from release_tasks.plan.release_plan import ReleasePlan
from release_tasks.project import open_project
from release_tasks.registries import ordering

pytestmark = pytest.mark.integration

PREFIXES: dict[str, tuple[str, Registry]] = {
    "core": ("core-v", "crates-io"), "ruby": ("ruby-v", "rubygems"),
    "python": ("python-v", "pypi"), "typescript": ("typescript-v", "npm")}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[git.Repo, list[str]]]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in sandbox.GIT_IDENTITY.items():
            patch.setenv(key, value)
        repo = sandbox.create(tmp_path_factory.mktemp("property") / "tasker-core")
        commits = [repo.out("rev-parse", "HEAD")]
        summary, _ = release.run_release(
            open_project(repo.root), {}, dry_run=False, from_ref=None, yes=True,
            push=False, confirm=None, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
        assert summary is not None
        sandbox.mark_published(repo, summary.release_tag)
        commits.append(repo.out("rev-parse", "HEAD"))
        for path in ("workers/ruby/lib/tasker_core.rb", "tasker-orchestration/src/lib.rs",
                     "workers/python/python/tasker_worker/__init__.py"):
            commits.append(sandbox.touch(repo, f"change {path}", path))
        yield repo, commits


three = st.builds(lambda b, c: f"0.{b}.{c}", st.integers(1, 2), st.integers(0, 12))
four = st.builds(lambda v, p: f"{v}.{p}", three, st.integers(0, 3))
suffixes = st.one_of(three, four, st.sampled_from(["junk", "0.1", "0.1.5-rc.1", "0.1.5.rc1"]))
tag_sets = st.lists(st.tuples(st.sampled_from(sorted(PREFIXES)), suffixes,
                              st.integers(0, 4)), max_size=8)


def tag_text(component: str, suffix: str) -> str | None:
    """A tag's version as the component's registry spells it (``None``: it cannot read it)."""
    registry = PREFIXES[component][1]
    try:
        text = ordering.render(BindingVersion.parse(suffix), registry) if component != "core" else suffix
    except ValueError:
        text = suffix
    return text if ordering.is_version(registry, text) else None


def planned(plan: ReleasePlan) -> dict[str, str]:
    found = {"core": str(plan.core.next)} if plan.core.changed else {}
    found.update({b.name: b.rendering for b in plan.bindings if b.rendering})
    return found


def check_above_every_tag(repo: git.Repo, plan: ReleasePlan) -> None:
    tags = git.list_tags(repo)
    for component, rendering in planned(plan).items():
        prefix, registry = PREFIXES[component]
        for tag in tags:
            text = tag_text(component, tag[len(prefix):]) if tag.startswith(prefix) else None
            if text is not None:
                assert ordering.compare(registry, rendering, text) > 0, (component, rendering, tag)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tag_sets)
def test_no_planned_version_is_at_or_below_a_tagged_one(
        history: tuple[git.Repo, list[str]], tags: list[tuple[str, str, int]]) -> None:
    repo, commits = history
    existing = set(git.list_tags(repo))
    wanted = {f"{PREFIXES[c][0]}{s}": commits[i] for c, s, i in tags}
    made = [(name, commit) for name, commit in wanted.items() if name not in existing]
    repo.git("update-ref", "--stdin", input_text="".join(
        f"create refs/tags/{name} {commit}\n" for name, commit in made))
    try:
        config = config_mod.load(repo.root)
        try:
            plan = versions.compute_plan(open_project(repo.root, config))
        except VersionError as exc:
            suggested = re.search(r"--core (\d+\.\d+\.\d+)", str(exc))
            assert suggested is not None, str(exc)
            plan = versions.compute_plan(open_project(repo.root, config), core=suggested[1])
        check_above_every_tag(repo, plan)
    finally:
        repo.git("update-ref", "--stdin", input_text="".join(
            f"delete refs/tags/{name}\n" for name, _ in made))


def test_the_fixed_history_plans_what_the_rules_say(history: tuple[git.Repo, list[str]]) -> None:
    repo, _ = history
    plan = versions.compute_plan(open_project(Path(repo.root)))
    assert planned(plan) == {"core": "0.1.1", "ruby": "0.1.1.0", "python": "0.1.1.0"}
