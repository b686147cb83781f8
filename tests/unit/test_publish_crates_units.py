"""``publish_crates`` without cargo or a network: plan, checks, scheduling, polling, tokens.

Subprocesses are forbidden here; the registry is an ``httpx.MockTransport``.
"""

from __future__ import annotations

import itertools
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from release_tasks import cli, cmd
from release_tasks.config import load as config_mod
from release_tasks.errors import (
    CommandError,
    DuplicateVersion,
    PublishError,
    RegistryError,
    RegistryUnavailable,
    UsageError,
)
from release_tasks.model.version import CoreVersion
from release_tasks.publish.crates import checks as crate_checks
from release_tasks.publish.crates import flow as publish_crates
from release_tasks.publish.crates.phases import (
    CratePlan,
    CrateResult,
    Outcome,
    incomplete_report,
    run_phases,
    summary_table,
)
from release_tasks.publish.flow import wait_until_visible
from release_tasks.registries import crates_io, make_client
from release_tasks.sandbox import EXAMPLE

PHASES = [["tasker-pgmq"], ["tasker-shared"], ["tasker-client", "tasker-orchestration"],
          ["tasker-worker", "tasker-cli"]]
V010 = CoreVersion(0, 1, 0)


@pytest.fixture(autouse=True)
def _no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"unit tests must not start programs: {args!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)


def _config(groups: Mapping[str, Any] | None = None) -> config_mod.Config:
    data = dict(config_mod.DEFAULT_CONFIG)
    if groups is not None:
        data["core"] = {**data["core"], "groups": groups}
    return config_mod.parse(data)


# --- plan -------------------------------------------------------------------------------------

# --- scheduling -------------------------------------------------------------------------------

DEPS = {"tasker-shared": frozenset({"tasker-pgmq"}),
        "tasker-client": frozenset({"tasker-shared"}),
        "tasker-orchestration": frozenset({"tasker-pgmq", "tasker-shared"}),
        "tasker-worker": frozenset({"tasker-pgmq", "tasker-client", "tasker-shared"}),
        "tasker-cli": frozenset({"tasker-client", "tasker-shared"})}


class _Recorder:
    """Work that records what ran when, and fails the crates it is told to."""

    def __init__(self, fail: Sequence[str] = (), pause: float = 0.05) -> None:
        self.fail = set(fail)
        self.pause = pause
        self.spans: dict[str, tuple[float, float]] = {}
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, crate: str) -> CrateResult:
        start = time.monotonic()
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.pause)
        with self.lock:
            self.running -= 1
        self.spans[crate] = (start, time.monotonic())
        outcome: Outcome = "failed" if crate in self.fail else "published"
        return CrateResult(crate=crate, version="0.1.0", outcome=outcome, seconds=0.1)


def test_phases_run_in_order_and_a_phase_in_parallel() -> None:
    work = _Recorder()

    results = run_phases(PHASES, DEPS, work, version="0.1.0")

    assert [r.crate for r in results] == [c for p in PHASES for c in p]
    assert all(r.outcome == "published" for r in results)
    for earlier, later in itertools.pairwise(PHASES):
        assert max(work.spans[c][1] for c in earlier) <= min(work.spans[c][0] for c in later)
    assert work.most == 2


def test_jobs_bounds_the_crates_published_at_once() -> None:
    work = _Recorder()

    run_phases(PHASES, DEPS, work, version="0.1.0", jobs=1)

    assert work.most == 1


def test_a_failure_stops_exactly_its_dependants() -> None:
    work = _Recorder(fail=["tasker-client"])

    results = {r.crate: r for r in run_phases(PHASES, DEPS, work, version="0.1.0")}

    assert results["tasker-client"].outcome == "failed"
    assert results["tasker-orchestration"].outcome == "published"  # its sibling finished
    for crate in ("tasker-worker", "tasker-cli"):
        assert results[crate].outcome == "not attempted"
        assert results[crate].detail == "depends on tasker-client failed"
        assert crate not in work.spans


def test_not_attempted_propagates_transitively() -> None:
    work = _Recorder(fail=["tasker-pgmq"])

    results = run_phases(PHASES, DEPS, work, version="0.1.0")

    assert [r.outcome for r in results] == ["failed"] + ["not attempted"] * 5
    assert results[2].detail == "depends on tasker-shared was not attempted"
    assert list(work.spans) == ["tasker-pgmq"]


def test_the_report_of_an_incomplete_run_lists_every_crate() -> None:
    results = [
        CrateResult(crate="a", version="0.1.0", outcome="already published", seconds=0.0),
        CrateResult(crate="b", version="0.1.0", outcome="published", seconds=2.25),
        CrateResult(crate="c", version="0.1.0", outcome="failed", seconds=1.0,
                    detail="cargo said no\nsecond line"),
        CrateResult(crate="d", version="0.1.0", outcome="not attempted",
                    detail="depends on c failed"),
    ]

    report = incomplete_report(results, "publish of core 0.1.0")

    assert summary_table(results).splitlines() == [
        "  crate  version  outcome            seconds",
        "  a      0.1.0    already published      0.0",
        "  b      0.1.0    published              2.2",
        "  c      0.1.0    failed                 1.0",
        "  d      0.1.0    not attempted            -",
    ]
    assert "  published:        b" in report
    assert "  already there:    a" in report
    assert "  - c failed: cargo said no\n      second line" in report
    assert "  - d not attempted: depends on c failed" in report
    assert "--on-duplicate=skip" in report


# --- waiting for the index --------------------------------------------------------------------

class _FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_visible_version_is_not_waited_for() -> None:
    fake = _FakeTime()

    waited = wait_until_visible(lambda: True, 600, "x@1", sleep=fake.sleep, clock=fake.clock)

    assert (waited, fake.sleeps) == (0.0, [])


def test_polling_backs_off_and_treats_no_answer_as_not_yet() -> None:
    fake = _FakeTime()
    answers: list[bool | Exception] = [False, RegistryUnavailable("r", "u", "down"), False,
                                       False, False, False, False, True]

    def visible() -> bool:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    waited = wait_until_visible(visible, 600, "x@1", sleep=fake.sleep, clock=fake.clock)

    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert waited == sum(fake.sleeps)


def test_polling_gives_up_at_the_timeout() -> None:
    fake = _FakeTime()

    with pytest.raises(PublishError, match=r"x@1 was uploaded but the registry did not show it "
                                           r"within 5 s.*--index-timeout"):
        wait_until_visible(lambda: False, 5, "x@1", sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == [0.5, 1.0, 2.0, 1.5]


def test_a_malformed_answer_is_not_waited_out() -> None:
    def visible() -> bool:
        raise RegistryError("malformed")

    with pytest.raises(RegistryError):
        wait_until_visible(visible, 600, "x@1", sleep=_FakeTime().sleep)


# --- tokens, registries, options ----------------------------------------------------------------

@pytest.mark.parametrize(("registry", "variable"), [
    (None, "CARGO_REGISTRY_TOKEN"),
    ("local", "CARGO_REGISTRIES_LOCAL_TOKEN"),
    ("my-reg", "CARGO_REGISTRIES_MY_REG_TOKEN"),
])
def test_the_token_goes_where_cargo_reads_it(registry: str | None, variable: str) -> None:
    env = {"CARGO_REGISTRY_TOKEN": "secret-token", "PATH": "/bin"}

    child = publish_crates.cargo_env(env, _config(), registry)

    assert child[variable] == "secret-token"
    assert child["PATH"] == "/bin"
    assert publish_crates.cargo_env({"PATH": "/bin"}, _config(), registry) == {"PATH": "/bin"}


def test_the_registry_comes_from_the_option_then_the_environment() -> None:
    env = {"RELEASE_TASKS_CARGO_REGISTRY": "from-env"}
    resolve = publish_crates.resolve_registry

    assert resolve(publish_crates.CrateOptions(registry="given"), env) == "given"
    assert resolve(publish_crates.CrateOptions(), env) == "from-env"
    assert resolve(publish_crates.CrateOptions(), {}) is None
    assert resolve(publish_crates.CrateOptions(registry="crates-io"), env) == "from-env"
    assert resolve(publish_crates.CrateOptions(), {"RELEASE_TASKS_CARGO_REGISTRY": "crates-io"}) \
        is None
    assert publish_crates.registry_label(None) == "crates.io"
    assert publish_crates.registry_label("local") == "cargo registry local"


@pytest.mark.parametrize(("option", "message"), [
    ({"jobs": 0}, "--jobs must be 1 or more"),
    ({"index_timeout": 0}, "--index-timeout must be more than 0"),
])
def test_bad_options_are_usage_errors(option: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        publish_crates.CrateOptions(**option)


@pytest.mark.parametrize("args", [["--on-duplicate=sometimes"], ["--jobs", "0"],
                                  ["--index-timeout", "-1"]])
def test_the_cli_refuses_bad_options(args: list[str], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["publish_crates", "--repo", str(tmp_path), *args], env={}) == 2
    assert "error:" in capsys.readouterr().err


def test_the_cli_options_and_their_defaults() -> None:
    parse = cli.build_parser().parse_args

    default = parse(["publish_crates"])
    given = parse(["publish_crates", "--dry-run", "--on-duplicate=skip", "--registry", "local",
                   "--push-tags", "--index-timeout", "30", "--jobs", "1", "--no-offline"])

    assert (default.dry_run, default.on_duplicate, default.registry, default.push_tags,
            default.index_timeout, default.jobs, default.offline) == (
        False, "warn", None, False, None, None, True)
    assert (given.dry_run, given.on_duplicate, given.registry, given.push_tags,
            given.index_timeout, given.jobs, given.offline) == (
        True, "skip", "local", True, 30.0, 1, False)
    assert publish_crates.CrateOptions().index_timeout == 600


def test_the_crate_that_failed_to_package_is_named() -> None:
    output = ("   Verifying tasker-pgmq v0.1.0 (/r/tasker-pgmq)\n   Compiling tasker-pgmq\n"
              "   Verifying tasker-shared v0.1.0 (/r/tasker-shared)\nerror: could not compile")

    assert crate_checks.crate_named_last(output, ("tasker-pgmq", "tasker-shared")) \
        == "tasker-shared"
    assert crate_checks.crate_named_last("error: no", ("tasker-pgmq",)) is None


# --- one crate, end to end against a mock registry --------------------------------------------

INDEX = "http://127.0.0.1:9/index/"


class _Registry:
    """A sparse index that shows a crate after a given number of index reads."""

    def __init__(self, published: set[str], visible_after: int = 0) -> None:
        self.published = published
        self.visible_after = visible_after
        self.reads = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/index/")
        if path == "config.json":
            return httpx.Response(200, json={"dl": "http://127.0.0.1:9/dl"})
        name = path.rsplit("/", 1)[-1]
        self.reads += 1
        if name in self.published and self.reads > self.visible_after:
            return httpx.Response(200, text=f'{{"name": "{name}", "vers": "0.1.0"}}\n')
        return httpx.Response(404)


#: The example's publish graph (its manifests; read by cargo in the integration tests).
EXAMPLE_DEPS = {"tasker-pgmq": frozenset(), "tasker-shared": frozenset({"tasker-pgmq"}),
                "tasker-client": frozenset({"tasker-shared"}),
                "tasker-orchestration": frozenset({"tasker-pgmq", "tasker-shared"}),
                "tasker-worker": frozenset({"tasker-pgmq", "tasker-client", "tasker-shared"}),
                "tasker-cli": frozenset({"tasker-client", "tasker-shared"})}


def _publisher(registry: _Registry, fake: _FakeTime, **options: Any) -> Any:
    plan = CratePlan(version=V010, workspace_dir=EXAMPLE,
                     phases=tuple(tuple(p) for p in PHASES), deps=EXAMPLE_DEPS)
    return publish_crates.CratePublisher(
        plan=plan, options=publish_crates.CrateOptions(**options), registry="local",
        endpoints=crates_io.make_endpoints(registry="local", index=INDEX),
        env={"CARGO_REGISTRIES_LOCAL_TOKEN": "secret-token"},
        http=make_client(transport=httpx.MockTransport(registry.handle)), sleep=fake.sleep)


def test_one_crate_is_uploaded_with_the_token_in_its_environment_then_waited_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    registry = _Registry(set(), visible_after=2)
    calls: list[tuple[list[str], Mapping[str, str]]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> cmd.Result:
        calls.append((argv, kwargs["env"]))
        registry.published.add(argv[3])
        return cmd.Result(argv, 0, "", "")

    monkeypatch.setattr(cmd, "run", fake_run)
    fake = _FakeTime()

    result = _publisher(registry, fake).publish_one("tasker-pgmq")

    assert result.outcome == "published"
    [(argv, env)] = calls
    assert argv == ["cargo", "publish", "-p", "tasker-pgmq", "--registry", "local"]
    assert env["CARGO_REGISTRIES_LOCAL_TOKEN"] == "secret-token"
    assert fake.sleeps == [0.5]  # one read before cargo, one miss after it, then visible


def test_a_failed_upload_is_a_failed_crate(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(argv: list[str], **kwargs: Any) -> cmd.Result:
        raise CommandError(argv, 101, "error: the remote server responded with an error")

    monkeypatch.setattr(cmd, "run", fake_run)

    result = _publisher(_Registry(set()), _FakeTime()).publish_one("tasker-pgmq")

    assert result.outcome == "failed"
    assert "the remote server responded with an error" in result.detail


def test_strict_mode_refuses_before_anything_is_uploaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd, "run", lambda *a, **k: pytest.fail("nothing may be uploaded"))
    registry = _Registry({"tasker-client"})

    with pytest.raises(DuplicateVersion, match=r"tasker-client@0.1.0 already exists on cargo "
                                               r"registry local \(--on-duplicate=fail\)"):
        _publisher(registry, _FakeTime(), on_duplicate="fail").publish()
