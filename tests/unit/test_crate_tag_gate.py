"""The core tag waits for the read-back: every crate listed with the sha256 that was
uploaded. cargo and git are stand-ins here (``cmd.run`` and the tag are replaced); the
registry is an ``httpx.MockTransport`` that can change its answer after the uploads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from release_tasks import cmd
from release_tasks.config import load as config_mod
from release_tasks.errors import PublishError
from release_tasks.model.version import CoreVersion
from release_tasks.publish.crates import flow as publish_crates
from release_tasks.publish.crates.files import LocalCrate
from release_tasks.publish.crates.phases import CratePlan
from release_tasks.publish.crates.publisher import CratePublisher
from release_tasks.registries import crates_io, make_client

INDEX = "http://127.0.0.1:9/index/"
GOOD, BAD = "1" * 64, "2" * 64


class Registry:
    """Lists what was uploaded with ``GOOD``; once ``turned``, lists ``p`` with ``BAD``."""

    def __init__(self) -> None:
        self.uploaded: set[str] = set()
        self.turned = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/index/")
        if path == "config.json":
            return httpx.Response(200, json={"dl": "http://127.0.0.1:9/dl"})
        name = path.rsplit("/", 1)[-1]
        if name not in self.uploaded:
            return httpx.Response(404)
        cksum = BAD if self.turned and name == "p" else GOOD
        return httpx.Response(200, text=json.dumps({"name": name, "vers": "0.1.0",
                                                    "cksum": cksum}) + "\n")


def run(monkeypatch: pytest.MonkeyPatch, registry: Registry, turn: bool) -> str:
    def cargo(argv: list[str], **kwargs: Any) -> cmd.Result:
        registry.uploaded.add(argv[3])
        registry.turned = turn and registry.uploaded >= {"p", "s"}
        return cmd.Result(argv, 0, "", "")

    tags: list[str] = []

    def tag(*args: Any, **kwargs: Any) -> str:
        tags.append("core-v0.1.0")
        return "Tagged core-v0.1.0"

    monkeypatch.setattr(cmd, "run", cargo)
    monkeypatch.setattr(publish_crates, "tag_core", tag)
    plan = CratePlan(version=CoreVersion(0, 1, 0), workspace_dir=Path("/w"),
                     phases=(("p",), ("s",)), deps={"p": frozenset(), "s": frozenset({"p"})})
    options = publish_crates.CrateOptions(registry="local")
    publisher = CratePublisher(
        plan=plan, options=options, registry="local",
        endpoints=crates_io.make_endpoints(registry="local", index=INDEX), env={},
        http=make_client(transport=httpx.MockTransport(registry.handle)),
        local={c: LocalCrate(Path(f"{c}-0.1.0.crate"), GOOD) for c in "ps"},
        sleep=lambda seconds: None)
    config = config_mod.parse(dict(config_mod.DEFAULT_CONFIG))
    try:
        return publish_crates.publish(Path("/w"), config, plan, options, "local", publisher)
    finally:
        assert tags == ([] if turn else ["core-v0.1.0"])


def test_every_crate_read_back_as_uploaded_is_tagged(monkeypatch: pytest.MonkeyPatch) -> None:
    out = run(monkeypatch, Registry(), turn=False)
    assert out.endswith("Tagged core-v0.1.0")


def test_a_crate_that_reads_back_with_other_bytes_gets_no_tag(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PublishError) as error:
        run(monkeypatch, Registry(), turn=True)

    message = str(error.value)
    assert "the read-back found 1 crate(s) not as uploaded, so core-v0.1.0 was not created" \
        in message
    assert f"p@0.1.0: cargo registry local lists sha256 {BAD}, not the uploaded {GOOD}" \
        in message
    assert "nox -s publish_crates -- --on-duplicate=skip --registry local" in message
