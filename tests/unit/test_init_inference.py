"""``init``'s inference of the core on small synthetic workspaces: which crates are core,
how they are grouped, and why the others are left out. No program runs: the models are
built by hand (tests/unit/init_models.py), the files are a dict."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from release_tasks.cargo.workspace import Workspace
from release_tasks.config import load as config
from release_tasks.errors import ConfigError
from release_tasks.git.repository import Tree
from release_tasks.init import infer as init
from release_tasks.init.infer import core_tag_prefix
from release_tasks.init.model import Sources
from tests.unit.init_models import (
    CORE,
    GEM,
    LIBS,
    crate,
    dep,
    full,
    manifest,
    members,
    natives,
    propose,
    render,
    sources,
)

# --- the core -------------------------------------------------------------------------------

def test_the_crates_the_bindings_are_built_from_are_the_ffi_group() -> None:
    p = full()

    (ffi, server) = p.groups
    # Transitive through normal and build edges, in publish order; the dev edge to the
    # server does not make it FFI-facing.
    assert (ffi.name, ffi.crates) == ("ffi", ("queue", "shared", "worker"))
    assert ffi.paths == ("crates/queue", "crates/shared", "crates/worker", "Cargo.toml",
                         "Cargo.lock")
    # The npm package has no TypeScript and lives in node/: it is "node".
    assert ffi.propagates_to == ("ruby", "python", "node")
    assert (server.name, server.crates, server.paths) == ("server", ("server",), ("crates/server",))
    assert server.propagates_to == ()
    assert "demo-node, demo-py and demo-rb" in ffi.why


def test_a_binding_built_from_part_of_the_ffi_group_is_still_propagated_to() -> None:
    rb = crate("demo-rb", "ruby/ext/demo/Cargo.toml", dep("queue"), publish=False)

    (ffi, _) = propose([*members(), rb], {**LIBS, **GEM}).groups

    assert (ffi.crates, ffi.propagates_to) == (("queue",), ("ruby",))


def test_unpublished_examples_and_own_versions_stay_out_with_their_reasons() -> None:
    extra = [crate("macros", "crates/macros/Cargo.toml", version="0.1.6"),
             crate("grammar", "crates/grammar/Cargo.toml", publish=False),
             crate("demo-example", "crates/demo-example/Cargo.toml"),
             crate("tool", "examples/tool/Cargo.toml"),
             crate("sdk", "crates/sdk/Cargo.toml", dep("grammar", req="*")),
             crate("cli", "crates/cli/Cargo.toml", dep("sdk"), dep("server")),
             crate("docs", "crates/docs/Cargo.toml", dep("macros", "dev", "=0.1.6"))]

    p = propose([*members(*extra), natives()[0]], {**LIBS, **GEM})
    left = dict(p.left_out)

    assert [c for g in p.groups for c in g.crates] == ["queue", "shared", "worker", "server"]
    assert left["macros"].startswith("at its own version 0.1.6 (the core is 0.1.8)")
    assert left["grammar"] == "publish = false"
    assert left["demo-example"].startswith("an example") and left["tool"].startswith("an example")
    # Built from a crate that is not released: crates.io could not resolve it, transitively.
    assert left["sdk"].startswith("depends on grammar (left out too)")
    assert left["cli"].startswith("depends on sdk (left out too)")
    # A dev-dependency with a version is kept by cargo when packaging: it counts.
    assert left["docs"].startswith("depends on macros")
    assert set(left) == {"macros", "grammar", "demo-example", "tool", "sdk", "cli", "docs"}


def test_a_root_package_linked_only_by_dev_dependencies_is_the_workspace_harness() -> None:
    root = crate("demo", "Cargo.toml", dep("worker", "dev", "*"), dep("server", "dev", "*"))

    p = propose([root, *members(), natives()[0]], {**LIBS, **GEM})

    assert "the workspace's root package" in dict(p.left_out)["demo"]
    assert [c for g in p.groups for c in g.crates] == ["queue", "shared", "worker", "server"]


def test_a_root_package_the_bindings_are_built_from_is_ffi_facing() -> None:
    root = crate("demo", "Cargo.toml", dep("worker"))
    rb = crate("demo-rb", "ruby/ext/demo/Cargo.toml", dep("demo"), publish=False)

    (ffi, _) = propose([root, *members(), rb], {**LIBS, **GEM, "src/lib.rs": ""}).groups

    assert ffi.crates == ("queue", "shared", "worker", "demo")
    # Its own files, never "." (which would match every file of the tree).
    assert ffi.paths == ("crates/queue", "crates/shared", "crates/worker", "Cargo.toml", "src",
                         "Cargo.lock")


def test_without_bindings_one_group_holds_the_core() -> None:
    p = propose(members(), LIBS)
    (group,) = p.groups

    assert (group.name, group.crates, group.propagates_to) == (
        "crates", ("queue", "shared", "worker", "server"), ())
    parsed = config.parse(tomllib.loads(render(p)))  # no env key clashes with the core's
    assert [(g.name, g.env_key) for g in parsed.core.groups] == [("crates", "CRATES")]
    assert parsed.bindings == ()


def test_the_core_version_comes_from_version_else_the_crates() -> None:
    src = sources(members(), LIBS)
    assert init.infer(src, project="d", repository_url=None, main_branch="m").core_version == CORE

    files = {**LIBS}
    ws = Workspace(root_manifest="Cargo.toml", members=(*members(), crate(
        "odd", "crates/odd/Cargo.toml", version="0.3.0")), target_directory=Path("t"))
    tree = Tree.of({"Cargo.toml": "", **files})
    p = init.infer(Sources(workspace=ws, tree=tree, read=files.get), project="d",
                   repository_url=None, main_branch="m")
    assert (p.core_version, p.version_file_missing) == (CORE, True)
    assert "does not exist: init writes it" in p.core_why


def test_nothing_publishable_is_a_clear_error() -> None:
    lone = [crate("a", "a/Cargo.toml", publish=False)]
    with pytest.raises(ConfigError, match="no crate can be released with the core: a: publish = false"):
        propose(lone, {"a/Cargo.toml": manifest("a")})
    files = {"a/Cargo.toml": manifest("a")}
    ws = Workspace(root_manifest="Cargo.toml", members=tuple(lone), target_directory=Path("t"))
    with pytest.raises(ConfigError, match="no member of the workspace can be published"):
        init.infer(Sources(workspace=ws, tree=Tree.of(files), read=files.get), project="d",
                   repository_url=None, main_branch="m")


def test_the_core_keeps_the_tag_prefix_of_its_earlier_releases() -> None:
    """polars: crates at 0.55.1, released as rs-0.55.1; the python package's py-* tags and a
    binding's NAME-v* tags are not the core's."""
    tags = ["rs-0.54.0", "rs-0.55.0", "rs-0.55.1", "py-1.43.2", "py-0.55.1",
            "python-v0.55.1", "release-20260101-0900"]
    assert core_tag_prefix(tags, "0.55.1", ["python"]) == (
        "rs-", "the tag rs-0.55.1 of the version the crates hold, and 2 more rs-* tag(s) of "
               "earlier releases")
    assert core_tag_prefix([*tags, "v0.55.1"], "0.55.1", ["python"]) == (None, "")
    assert core_tag_prefix(["rust-v0.32.4"], "1.0.0", []) == (None, "")  # not this version
    assert core_tag_prefix(["python-v0.55.1"], "0.55.1", ["python"]) == (None, "")
