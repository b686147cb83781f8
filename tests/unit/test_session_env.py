"""What the shared session environment is made from, and so when it is made again."""

from __future__ import annotations

from pathlib import Path

from release_tasks.sessions import env as session_env


def _checkout(root: Path, dependencies: str) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "release-tasks"\ndependencies = [{dependencies}]\n'
        '[project.optional-dependencies]\ntest = ["pytest>=8"]\nlint = ["ruff"]\n')
    return root


def test_a_checkout_is_its_dependencies_and_its_path(tmp_path: Path) -> None:
    root = _checkout(tmp_path / "co", '"nox[uv]>=2024", "tomlkit>=0.12"')
    assert session_env.checkout_of(["-e", str(root)]) == (root, "")
    assert session_env.checkout_of(["-e", f"{root}[test,lint]"]) == (root, "test,lint")
    assert session_env.dependencies((root, "")) == ["nox[uv]>=2024", "tomlkit>=0.12"]
    assert session_env.dependencies((root, "test, lint")) == [
        "nox[uv]>=2024", "tomlkit>=0.12", "pytest>=8", "ruff"]
    # Not a checkout: installed as given.
    assert session_env.checkout_of(["release-tasks==0.2.0"]) is None
    assert session_env.checkout_of(["-e", str(tmp_path / "nothing-here")]) is None


def test_the_environment_is_made_again_when_what_it_is_made_from_changes(tmp_path: Path) -> None:
    root = _checkout(tmp_path / "co", '"tomlkit"')
    wheel = tmp_path / "release_tasks-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"one")
    specs = (["-e", str(root)], [f"release-tasks @ {wheel.as_uri()}"], [str(wheel)])
    before = [session_env.fingerprint(spec) for spec in specs]
    assert before == [session_env.fingerprint(spec) for spec in specs]  # stable

    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text()
                                         .replace('"tomlkit"', '"tomlkit", "httpx"'))
    wheel.write_bytes(b"two")
    after = [session_env.fingerprint(spec) for spec in specs]
    assert all(a != b for a, b in zip(before, after, strict=True))

    by_index = session_env.fingerprint(["release-tasks==0.2.0"])
    assert by_index["sources"] == {} and by_index["spec"] == ["release-tasks==0.2.0"]
    assert session_env.fingerprint(["release-tasks==0.2.1"]) != by_index


def test_an_environment_without_its_record_is_not_up_to_date(tmp_path: Path) -> None:
    assert session_env._recorded(tmp_path / "missing") is None
    env = tmp_path / "env"
    env.mkdir()
    (env / session_env.RECORD).write_text("{ not json")
    assert session_env._recorded(env) is None
