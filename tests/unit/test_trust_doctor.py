"""``doctor``: each component's credential path in the job, every problem with its fix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from release_tasks.config import load as config
from release_tasks.trust import doctor

OIDC = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://oidc.example/t?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t" * 20, "GITHUB_ACTIONS": "true"}


def trusted_config(*names: str) -> config.Config:
    """The built-in layout with trusted publishing on for ``names`` (``core`` or bindings)."""
    data: dict[str, Any] = dict(config.DEFAULT_CONFIG)
    if "core" in names:
        data["core"] = {**data["core"], "trusted-publishing": True}
    data["bindings"] = {name: {**table, "trusted-publishing": name in names}
                        for name, table in data["bindings"].items()}
    return config.parse(data)


def npm_probe(version: str | None) -> doctor.VersionProbe:
    def probe(program: str, env: Mapping[str, str]) -> str | None:
        assert program == "npm"
        return version
    return probe


def findings(cfg: config.Config, names: list[str], env: Mapping[str, str], root: Path,
             npm: str | None = "11.6.0") -> dict[str, doctor.Finding]:
    return {f.component: f for f in doctor.diagnose(cfg, names, env, root, npm_probe(npm))}


def test_oidc_in_the_job_is_the_path_when_trusted_publishing_is_on(tmp_path: Path) -> None:
    cfg = trusted_config("core", "ruby", "python", "typescript")
    found = findings(cfg, ["core", "ruby", "python", "typescript"], OIDC, tmp_path)
    assert {f.path for f in found.values()} == {"trusted publishing (OIDC)"}
    assert doctor.report(found.values()) == []
    assert found["typescript"].line() == "ok  typescript (npm): trusted publishing (OIDC)"


def test_without_id_token_write_it_names_the_permission(tmp_path: Path) -> None:
    cfg = trusted_config("core")
    [problem] = doctor.report(findings(cfg, ["core"], {}, tmp_path).values())
    assert problem.startswith("core (crates.io): trusted publishing is on but this job offers "
                              "no OIDC token")
    assert "permissions: id-token: write" in problem and "CARGO_REGISTRY_TOKEN" in problem


@pytest.mark.parametrize("variable", ["NODE_AUTH_TOKEN", "NPM_TOKEN"])
def test_a_stray_npm_token_variable_fails_naming_it(tmp_path: Path, variable: str) -> None:
    data: dict[str, Any] = dict(config.DEFAULT_CONFIG)
    data["bindings"] = {**data["bindings"], "typescript": {
        **data["bindings"]["typescript"], "trusted-publishing": True, "credential": []}}
    cfg = config.parse(data)
    found = findings(cfg, ["typescript"], {**OIDC, variable: "npm_" + "x" * 30}, tmp_path)
    [problem] = doctor.report(found.values())
    assert problem.startswith(f"typescript (npm): {variable} is set in this job")
    assert "trusted publishing off" in problem
    assert "x" * 30 not in problem  # never the secret


def test_an_npm_older_than_11_5_1_fails_naming_it(tmp_path: Path) -> None:
    cfg = trusted_config("typescript")
    [problem] = doctor.report(findings(cfg, ["typescript"], OIDC, tmp_path, "10.9.2").values())
    assert problem == ("typescript (npm): npm 10.9.2 is older than 11.5.1, which trusted "
                       "publishing needs: npm install --global npm@^11.5.1")
    assert doctor.report(findings(cfg, ["typescript"], OIDC, tmp_path, "11.5.1").values()) == []
    [missing] = doctor.report(findings(cfg, ["typescript"], OIDC, tmp_path, None).values())
    assert "npm is not installed" in missing


def test_an_npmrc_token_in_reach_fails_naming_the_file(tmp_path: Path) -> None:
    cfg = trusted_config("typescript")
    userconfig = tmp_path / "runner-temp" / ".npmrc"
    userconfig.parent.mkdir()
    # What setup-node's registry-url writes.
    userconfig.write_text("//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}\n"
                          "registry=https://registry.npmjs.org/\n")
    env = {**OIDC, "NPM_CONFIG_USERCONFIG": str(userconfig)}
    [problem] = doctor.report(findings(cfg, ["typescript"], env, tmp_path).values())
    assert f"{userconfig} holds a _authToken line" in problem

    package = tmp_path / cfg.binding("typescript").directory
    package.mkdir(parents=True)
    (package / ".npmrc").write_text("# //registry.npmjs.org/:_authToken=old\nsave-exact=true\n")
    assert doctor.report(findings(cfg, ["typescript"], OIDC, tmp_path).values()) == []
    (package / ".npmrc").write_text("//registry.npmjs.org/:_authToken=npm_abc\n")
    [problem] = doctor.report(findings(cfg, ["typescript"], OIDC, tmp_path).values())
    assert str(package / ".npmrc") in problem


def test_on_tokens_the_configured_variable_is_the_path(tmp_path: Path) -> None:
    cfg = trusted_config()
    found = findings(cfg, ["ruby", "python"], {"GEM_HOST_API_KEY": "k" * 20, **OIDC}, tmp_path)
    assert found["ruby"].path == "GEM_HOST_API_KEY (token)" and not found["ruby"].problems
    [problem] = found["python"].problems
    assert problem.startswith("no token: set MATURIN_PYPI_TOKEN or PYPI_TOKEN")
    # A token path never looks at npm's OIDC pitfalls.
    ts = findings(cfg, ["typescript"], {"NPM_TOKEN": "n" * 20, "NODE_AUTH_TOKEN": "x"},
                  tmp_path, npm="9.0.0")["typescript"]
    assert ts.path == "NPM_TOKEN (token)" and not ts.problems


def test_the_stage_prints_a_line_per_component_and_fails_with_every_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from release_tasks import cli
    from release_tasks.cli.stages import doctor as stage

    monkeypatch.setattr(doctor, "probe_version", lambda program, env: "10.0.0")
    cfg = trusted_config("core", "typescript")
    monkeypatch.setattr(stage, "load_config", lambda args: cfg)
    code = cli.main(["doctor", "core", "typescript"], {**OIDC, "NODE_AUTH_TOKEN": "secret-x"})
    out, err = capsys.readouterr()
    assert code == 11
    assert out.splitlines() == ["ok  core (crates.io): trusted publishing (OIDC)",
                                "FAIL  typescript (npm): trusted publishing (OIDC)"]
    assert "NODE_AUTH_TOKEN is set in this job" in err and "npm 10.0.0 is older" in err
    assert "secret-x" not in out + err
