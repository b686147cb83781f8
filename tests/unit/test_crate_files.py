"""A crate version's one file against the registry's listing, the read-back before the core
tag, the announcement of the rate-limit waits, and which dependencies would not resolve on
an alternative registry; the registry is an ``httpx.MockTransport``."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from release_tasks import log as log_mod
from release_tasks.cargo.workspace import Crate, Dependency, Workspace
from release_tasks.errors import RegistryError
from release_tasks.model.version import CoreVersion
from release_tasks.publish.crates import checks as crate_checks
from release_tasks.publish.crates.files import CrateState, LocalCrate, read_back
from release_tasks.publish.crates.phases import CratePlan
from release_tasks.publish.crates.publisher import CrateOptions, CratePublisher
from release_tasks.registries import crates_io, make_client
from release_tasks.registries.crates_io import cargo_config
from release_tasks.registries.crates_io.index import Listed, files_in, parse_index_entries
from release_tasks.registries.crates_io.limits import CRATES_IO_LIMITS
from release_tasks.registries.interface import RemoteFile

A, B = "a" * 64, "b" * 64
INDEX = "http://127.0.0.1:9/index/"


def test_an_index_file_gives_each_version_with_its_checksum() -> None:
    text = (json.dumps({"name": "x", "vers": "0.1.0", "cksum": A.upper()}) + "\n"
            + json.dumps({"name": "x", "vers": "0.1.1"}) + "\n")
    assert parse_index_entries(text, INDEX) == [Listed("0.1.0", A), Listed("0.1.1", None)]


def test_a_checksum_that_is_not_a_sha256_is_a_broken_answer() -> None:
    with pytest.raises(RegistryError, match="checksum that is not a sha256: 'abc'"):
        parse_index_entries(json.dumps({"vers": "0.1.0", "cksum": "abc"}), INDEX)


def test_the_file_of_a_version_is_its_crate_build_metadata_aside() -> None:
    listed = [Listed("0.1.0+build.1", A), Listed("0.1.1", B), Listed("0.1.2", None)]
    assert files_in(listed, "x", "0.1.0") == [
        RemoteFile(name="x-0.1.0+build.1.crate", digests={"sha256": A})]
    assert files_in(listed, "x", "0.1.2") == [RemoteFile(name="x-0.1.2.crate")]
    assert files_in(listed, "x", "0.2.0") == []


@pytest.mark.parametrize(("listed", "local", "verdict"), [
    ((), A, "absent"),
    ((Listed("0.1.0", A),), A, "same"),
    ((Listed("0.1.0", B),), A, "other bytes"),
    ((Listed("0.1.0", None),), A, "unchecked"),
    ((Listed("0.1.0", A),), None, "unchecked"),
])
def test_a_version_on_the_registry_is_compared_byte_for_byte(
        listed: tuple[Listed, ...], local: str | None, verdict: str) -> None:
    state = CrateState("x", "0.1.0", listed, LocalCrate(Path("x-0.1.0.crate"), local)
                       if local else None)
    assert state.verdict == verdict


def test_the_mismatch_names_both_hashes_and_what_to_do() -> None:
    state = CrateState("x", "0.1.0", (Listed("0.1.0", B),),
                       LocalCrate(Path("/t/package/x-0.1.0.crate"), A))
    message = state.mismatch("crates.io")
    assert f"the registry's x-0.1.0.crate has sha256 {B}" in message
    assert f"the local one (/t/package/x-0.1.0.crate) has sha256 {A}" in message
    assert "release the next version" in message


class Index:
    """A sparse index listing ``crates`` (name -> {version: cksum})."""

    def __init__(self, crates: Mapping[str, Mapping[str, str]]) -> None:
        self.crates = crates

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/index/")
        if path == "config.json":
            return httpx.Response(200, json={"dl": "http://127.0.0.1:9/dl"})
        name = path.rsplit("/", 1)[-1]
        versions = self.crates.get(name)
        if not versions:
            return httpx.Response(404)
        return httpx.Response(200, text="".join(
            json.dumps({"name": name, "vers": v, "cksum": c}) + "\n"
            for v, c in versions.items()))


def client(index: Index) -> httpx.Client:
    return make_client(transport=httpx.MockTransport(index.handle))


def test_the_read_back_finds_every_crate_with_the_uploaded_bytes() -> None:
    index = Index({"p": {"0.1.0": A}, "q": {"0.1.0": B}, "r": {"0.0.9": A}})
    endpoints = crates_io.make_endpoints(registry="local", index=INDEX)

    problems = read_back(client(index), endpoints, {"p": A, "q": A, "r": None, "s": None},
                         "0.1.0", "cargo registry local")

    assert problems == [
        f"q@0.1.0: cargo registry local lists sha256 {B}, not the uploaded {A}",
        "r@0.1.0: cargo registry local does not list it",
        "s@0.1.0: cargo registry local does not list it",
    ]
    assert read_back(client(index), endpoints, {"p": A, "q": None}, "0.1.0", "x") == []


# --- the publisher before its first upload -------------------------------------------------

def publisher(index: Index, crates: list[str], **options: object) -> CratePublisher:
    plan = CratePlan(version=CoreVersion(0, 1, 0), workspace_dir=Path("/w"),
                     phases=(tuple(crates),), deps={c: frozenset() for c in crates})
    return CratePublisher(plan=plan, options=CrateOptions(registry="local", **options),  # type: ignore[arg-type]
                          registry="local",
                          endpoints=crates_io.make_endpoints(registry="local", index=INDEX),
                          env={}, http=client(index), limits=CRATES_IO_LIMITS)


def test_the_waits_are_announced_before_the_first_upload(
        caplog: pytest.LogCaptureFixture) -> None:
    crates = [f"tasker-c{n}" for n in range(8)]
    p = publisher(Index({}), crates, max_wait=900)
    log_mod.setup()
    logging.getLogger(log_mod.LOGGER_NAME).addHandler(caplog.handler)
    try:
        line = p.announce(p.survey())
    finally:
        logging.getLogger(log_mod.LOGGER_NAME).removeHandler(caplog.handler)

    assert line.startswith("8 upload(s) to cargo registry local: 8 new crate(s), 0 new "
                           "version(s) of existing ones. Rate limits: new crates 5 at once, "
                           "then 1 per 10 min, new versions 30 at once, then 1 per 1 min")
    assert ("the run is planned to wait 30 min in all (tasker-c5 at +10 min, tasker-c6 at "
            "+20 min, tasker-c7 at +30 min)") in line
    assert "--max-wait 900 s will stop it first, resumable" in line
    assert line in caplog.messages


def test_crates_that_exist_take_new_version_tokens() -> None:
    index = Index({"tasker-a": {"0.0.9": A}, "tasker-b": {"0.0.9": A}})
    p = publisher(index, ["tasker-a", "tasker-b", "tasker-c"])

    line = p.announce(p.survey())

    assert "3 upload(s) to cargo registry local: 1 new crate(s), 2 new version(s)" in line
    assert "no wait is needed" in line


def test_a_crate_built_on_other_bytes_is_not_held_to_its_local_hash() -> None:
    plan = CratePlan(version=CoreVersion(0, 1, 0), workspace_dir=Path("/w"),
                     phases=(("p",), ("s",), ("c",)),
                     deps={"p": frozenset(), "s": frozenset({"p"}), "c": frozenset({"s"})})
    local = {c: LocalCrate(Path(f"{c}.crate"), A) for c in "psc"}
    p = CratePublisher(plan=plan, options=CrateOptions(), registry="local",
                       endpoints=crates_io.make_endpoints(registry="local", index=INDEX),
                       env={}, http=client(Index({})), local=local)
    assert p.expected() == {"p": A, "s": A, "c": A}

    p.other_bytes.add("p")

    assert p.expected() == {"p": None, "s": None, "c": None}


# --- an alternative registry: dependencies that would not resolve there ---------------------

def workspace(registry_of_pgmq: str | None) -> Workspace:
    dep = Dependency(name="tasker-pgmq", key="tasker-pgmq", kind="normal", target=None,
                     req="=0.1.0", path="tasker-pgmq", registry=registry_of_pgmq)
    dev = Dependency(name="tasker-pgmq", key="tasker-pgmq", kind="dev", target=None, req="*",
                     path="tasker-pgmq")
    return Workspace(root_manifest="Cargo.toml", target_directory=Path("/t"), members=(
        Crate(name="tasker-pgmq", version="0.1.0", manifest="tasker-pgmq/Cargo.toml",
              publish=True, registries=None, dependencies=()),
        Crate(name="tasker-shared", version="0.1.0", manifest="tasker-shared/Cargo.toml",
              publish=True, registries=None, dependencies=(dep, dev))))


CRATES = ["tasker-pgmq", "tasker-shared"]
LOCAL_INDEX = "sparse+http://127.0.0.1:9/index/"


@pytest.mark.parametrize(("named", "registry", "replaced", "says"), [
    (None, "local", False, 'has no registry = "local", so once published it would be looked '
                           "up on crates.io, not on local"),
    (None, "local", True, None),
    (LOCAL_INDEX, "local", False, None),
    ("sparse+https://other.example/index/", "local", False,
     "names registry sparse+https://other.example/index/, not local"),
    (LOCAL_INDEX, None, False, "crates.io refuses dependencies on other registries"),
    (None, None, False, None),
], ids=["no key", "crates.io replaced", "the key", "another registry", "to crates.io",
        "crates.io both"])
def test_dependencies_on_core_crates_must_resolve_where_they_are_published(
        named: str | None, registry: str | None, replaced: bool, says: str | None) -> None:
    # The index as cargo's variable spells it, without "sparse+": the same index.
    problems = crate_checks.registry_problems(workspace(named), CRATES, registry,
                                              LOCAL_INDEX.removeprefix("sparse+"), replaced)
    if says is None:
        assert problems == []
    else:
        # The version-less path dev-dependency is stripped by cargo: only the normal one.
        [problem] = problems
        assert problem.startswith("tasker-shared (tasker-shared/Cargo.toml): [dependencies] "
                                  "tasker-pgmq: ")
        assert says in problem


def test_cargo_config_says_whether_crates_io_is_replaced(tmp_path: Path) -> None:
    home, repo = tmp_path / "home", tmp_path / "repo" / "sub"
    repo.mkdir(parents=True)
    env = {"CARGO_HOME": str(home)}
    assert not cargo_config.crates_io_goes_to("local", repo, env)

    home.mkdir()
    (home / "config.toml").write_text('[source.crates-io]\nreplace-with = "mirror"\n'
                                      '[source.mirror]\nregistry = "sparse+http://h/index/"\n')
    assert not cargo_config.crates_io_goes_to("local", repo, env)
    assert cargo_config.crates_io_goes_to(
        "local", repo, {**env, "CARGO_REGISTRIES_LOCAL_INDEX": "sparse+http://h/index"})

    (tmp_path / "repo" / ".cargo").mkdir()  # nearer than CARGO_HOME: it wins
    (tmp_path / "repo" / ".cargo" / "config.toml").write_text(
        '[source.crates-io]\nreplace-with = "local"\n[registries.local]\nindex = "sparse+x"\n')
    assert cargo_config.crates_io_goes_to("local", repo, env)
    assert cargo_config.registry_index("local", repo, env) == "sparse+x"
