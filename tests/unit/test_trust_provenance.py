"""Provenance per lane: npm's trusted publishing adds its own (no flag, no token in reach);
PyPI files are signed only on the trusted-publishing path."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from release_tasks import cmd
from release_tasks.config import load as config_mod
from release_tasks.errors import ToolMissing
from release_tasks.registries.interface import Build
from release_tasks.registries.npm import package as npm_package
from release_tasks.registries.pypi import attest
from release_tasks.registries.rubygems import attest as gem_attest
from release_tasks.registries.rubygems import gem as ruby_gem
from tests.unit.test_publish_common import OIDC, context, make_config


def test_npm_trusted_publishing_passes_no_token_and_no_provenance_flag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[list[str], dict[str, str], str]] = []

    def spy(argv: Sequence[str], **kwargs: Any) -> cmd.Result:
        env = dict(kwargs["env"])
        seen.append((list(argv), env, Path(env["npm_config_userconfig"]).read_text()))
        return cmd.Result(list(argv), 0, "", "")

    monkeypatch.setattr("release_tasks.cmd.run", spy)
    cfg = make_config(**{"trusted-publishing": True})
    ctx = context(tmp_path, "typescript", env={**OIDC, "NODE_AUTH_TOKEN": "leftover"},
                  config=cfg)
    assert ctx.credential() == "trusted publishing"
    npm_package.upload(ctx, Build(artifacts=(tmp_path / "pkg.tgz",)))
    [(argv, env, userconfig)] = seen
    assert "--provenance" not in argv  # npm adds provenance itself on this path
    assert "_authToken" not in userconfig and "NODE_AUTH_TOKEN" not in env


def python_config(trusted: bool) -> config_mod.Config:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["python"]["trusted-publishing"] = trusted
    return config_mod.parse(data)


@pytest.mark.parametrize(("trusted", "env", "dry_run", "signs"), [
    (True, OIDC, False, True),
    (True, {**OIDC, "PYPI_TOKEN": "pypi-x"}, False, False),  # a token: PyPI refuses them
    (True, {}, False, False),  # no ID token in the job
    (True, OIDC, True, False),  # a dry run signs nothing
    (False, OIDC, False, False),
])
def test_pypi_files_are_signed_only_on_the_trusted_path(
        tmp_path: Path, trusted: bool, env: dict[str, str], dry_run: bool, signs: bool) -> None:
    ctx = context(tmp_path, "python", env=env, dry_run=dry_run, config=python_config(trusted))
    assert attest.wanted(ctx) is signs


def test_the_integrity_api_is_on_the_index_host() -> None:
    assert attest.provenance_url("https://pypi.org/simple/", "tasker-worker-py", "0.1.8.2",
                                 "tasker_worker_py-0.1.8.2.tar.gz") == (
        "https://pypi.org/integrity/tasker-worker-py/0.1.8.2/tasker_worker_py-0.1.8.2.tar.gz/"
        "provenance")


def ruby_config(trusted: bool) -> config_mod.Config:
    data = copy.deepcopy(dict(config_mod.DEFAULT_CONFIG))
    data["bindings"]["ruby"]["trusted-publishing"] = trusted
    return config_mod.parse(data)


def test_gems_are_pushed_with_a_sigstore_bundle_on_the_trusted_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def spy(argv: Sequence[str], **kwargs: Any) -> cmd.Result:
        calls.append(list(argv))
        if list(argv[:len(gem_attest.SIGNER)]) == list(gem_attest.SIGNER):
            Path(argv[-1]).write_text('{"mediaType": "application/vnd.dev.sigstore.bundle"}')
        return cmd.Result(list(argv), 0, "", "")

    monkeypatch.setattr("release_tasks.cmd.run", spy)
    # The workflow's credentials action exported the key: the path is a token, the lane trusted.
    ctx = context(tmp_path, "ruby", env={**OIDC, "GEM_HOST_API_KEY": "rubygems_x"},
                  config=ruby_config(True))
    gem = tmp_path / "tasker-worker-rb-0.1.8.2.gem"
    (tmp_path / f"{gem.name}.sigstore.json").write_text("stale")
    (tmp_path / ctx.binding.directory).mkdir(parents=True)
    ruby_gem.upload(ctx, Build(artifacts=(gem,)))
    bundle = f"{gem}.sigstore.json"
    assert calls == [[*gem_attest.SIGNER, str(gem), "--bundle", bundle],
                     ["gem", "push", "--host", ctx.endpoints["host"], str(gem),
                      "--attestation", bundle]]

    calls.clear()
    ctx = context(tmp_path, "ruby", env={**OIDC, "GEM_HOST_API_KEY": "rubygems_x"},
                  config=ruby_config(False))
    ruby_gem.upload(ctx, Build(artifacts=(gem,)))
    assert calls == [["gem", "push", "--host", ctx.endpoints["host"], str(gem)]]


def test_a_rubygems_older_than_3_6_stops_a_trusted_lane(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("release_tasks.cmd.run",
                        lambda argv, **kw: cmd.Result(list(argv), 0, "3.5.22\n", ""))
    ctx = context(tmp_path, "ruby", env=OIDC, config=ruby_config(True))
    with pytest.raises(ToolMissing, match=r"RubyGems 3\.6\.0 or newer, found 3\.5\.22: "
                                          "gem update --system"):
        gem_attest.check_gem(ctx)
