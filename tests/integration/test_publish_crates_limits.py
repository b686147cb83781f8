"""crates.io's publish rate limits, with the local cargo registry applying them the way
crates.io does (its token buckets, its 429, its message), in seconds instead of minutes.

The crates are the example's six, all new to the registry: two may go at once, then one per
period. ``publish_crates`` either knows the limits (as it knows crates.io's) and paces itself,
or learns them from the 429s that cargo prints.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from release_tasks import log as log_mod
from release_tasks.config import load as config_mod
from release_tasks.git.repo import Repo
from release_tasks.publish.crates import flow as publish_crates
from release_tasks.registries.crates_io.limits import Limit, RateLimits
from release_tasks.standins.cargo_registry import CargoRegistry
from tests.integration.crate_helpers import CRATES, cargo_env_for, git, publish, published
from tests.registries.tools import require_tool
from tests.support import RunCli

pytestmark = pytest.mark.integration

BURST, PERIOD = 2, 1.0


@pytest.fixture
def cargo_env(cargo_registry: CargoRegistry, tmp_path: Path) -> dict[str, str]:
    require_tool("cargo")
    return cargo_env_for(cargo_registry, tmp_path)


def uploads(registry: CargoRegistry) -> list[float]:
    return sorted(e.timestamp for e in registry.log.events("publish"))


def refusals(registry: CargoRegistry) -> list[str]:
    return [e.detail for e in registry.log.events("rejected")]


def test_a_run_that_knows_the_limits_paces_itself_and_is_never_refused(
        example_repo: Repo, cargo_registry: CargoRegistry, cargo_env: dict[str, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    cargo_registry.rate_limit(new=(BURST, PERIOD))
    limits = RateLimits(new_crate=Limit(BURST, PERIOD), new_version=Limit(30, PERIOD))
    log_mod.setup()

    out = publish_crates.run(example_repo.root, config_mod.load(example_repo.root),
                             {**os.environ, **cargo_env},
                             publish_crates.CrateOptions(registry="local"),
                             limits=lambda registry: limits)

    err = capsys.readouterr().err
    assert "6 upload(s) to cargo registry local: 6 new crate(s), 0 new version(s)" in err
    # Two at once, then one a second: the sixth starts 4 s after the first.
    assert "the run is planned to wait 4 s in all" in err
    assert refusals(cargo_registry) == []
    assert sorted(published(cargo_registry)) == sorted(CRATES)
    times = uploads(cargo_registry)
    for k in range(BURST, len(times)):  # the registry's rule, kept without being told twice
        assert times[k] - times[0] >= (k - BURST + 1) * PERIOD
    assert "Tagged core-v0.1.0" in out


def test_a_429_is_waited_out_at_the_time_it_names(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    cargo_registry.rate_limit(new=(BURST, PERIOD))

    result = publish(run_cli, example_repo, cargo_env)

    assert result.code == 0, result.err
    assert sorted(published(cargo_registry)) == sorted(CRATES)
    assert cargo_registry.order_violations() == []
    assert refusals(cargo_registry), "the registry never refused: nothing was tested"
    for detail in refusals(cargo_registry):
        assert "You have published too many new crates in a short period of time. Please " \
               "try again after" in detail
    # cargo printed crates.io's message; the run read the time out of it and waited.
    assert "(status 429 Too Many Requests): You have published too many new crates" in result.err
    assert re.search(r"answered 429 \(rate limit for a new crate\); nothing was uploaded; "
                     r"trying again at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", result.err)
    assert "Tagged core-v0.1.0" in result.out


def test_max_wait_stops_a_paced_run_cleanly_and_it_resumes(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    cargo_registry.rate_limit(new=(BURST, 600.0))
    limits = RateLimits(new_crate=Limit(BURST, 600.0), new_version=Limit(30, 60.0))
    log_mod.setup()

    with pytest.raises(publish_crates.PublishStopped) as stopped:
        publish_crates.run(example_repo.root, config_mod.load(example_repo.root),
                           {**os.environ, **cargo_env},
                           publish_crates.CrateOptions(registry="local", max_wait=30),
                           limits=lambda registry: limits)

    err = capsys.readouterr().err
    assert "the run is planned to wait 40 min in all" in err
    assert "--max-wait 30 s will stop it first, resumable" in err
    account = str(stopped.value)
    assert stopped.value.exit_code == 13
    assert "published:        tasker-pgmq, tasker-shared" in account
    assert "not started:      tasker-client, tasker-orchestration, tasker-worker, " \
           "tasker-cli" in account
    assert re.search(r"the next upload is allowed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: "
                     r"resume after it", account)
    resume = "nox -s publish_crates -- --on-duplicate=skip --registry local --max-wait 30"
    assert account.endswith(resume)
    assert refusals(cargo_registry) == []  # it stopped instead of asking to be refused
    assert git(example_repo.root, "tag", "--list") == ""

    cargo_registry.rate_limit()  # the time it named has come
    words = resume.split(" -- ")[1].split()  # the command it printed, word for word
    result = run_cli("publish_crates", "--repo", str(example_repo.root), *words, env=cargo_env)

    assert result.code == 0, result.err
    assert sorted(published(cargo_registry)) == sorted(CRATES)  # each exactly once
    assert "Tagged core-v0.1.0" in result.out


def test_max_wait_stops_at_a_429_that_names_a_later_time(
        run_cli: RunCli, example_repo: Repo, cargo_registry: CargoRegistry,
        cargo_env: dict[str, str]) -> None:
    cargo_registry.rate_limit(new=(BURST, 600.0))

    result = publish(run_cli, example_repo, cargo_env, "--max-wait", "5")

    assert result.code == 13
    # The two crates of the third phase each asked once, then the run stopped.
    assert sorted(e.name for e in cargo_registry.log.events("rejected")) == [
        "tasker-client", "tasker-orchestration"]
    assert sorted(published(cargo_registry)) == ["tasker-pgmq", "tasker-shared"]
    assert "not started:      tasker-client, tasker-orchestration, tasker-worker, " \
           "tasker-cli" in result.err
    assert "past --max-wait 5 s" in result.err
    assert "to resume: nox -s publish_crates -- --on-duplicate=skip --registry local " \
           "--max-wait 5" in result.err
