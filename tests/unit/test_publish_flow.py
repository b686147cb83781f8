"""The one publish flow, file by file, against a fake registry kind that records what it is
asked: what is built (only the steps of missing files), what is uploaded (only the missing
files, one by one), what a file of the same name with other bytes does, when the tag is made
(only once the registry lists every file), and how a stop is accounted for.
"""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from release_tasks.errors import (
    CommandError,
    CredentialsMissing,
    DuplicateVersion,
    OtherBytes,
    PublishError,
    RegistryUnavailable,
    ReleaseError,
)
from release_tasks.publish import flow as publish
from release_tasks.publish import run as publish_run
from release_tasks.publish.builds import Head, keep
from release_tasks.publish.files import ContentMismatch
from release_tasks.publish.flow import PublishContext
from release_tasks.publish.stop import STOP_AFTER_VAR, Interrupted
from release_tasks.registries import REGISTRIES
from release_tasks.registries.interface import Build, ExpectedFile, RegistryKind, RemoteFile
from tests.unit.test_publish_common import context

KEY = {"GEM_HOST_API_KEY": "a-secret-key"}
ONE, TWO = "tasker-worker-rb-0.1.8.2-one.bin", "tasker-worker-rb-0.1.8.2-two.bin"
COMMIT = "c0ffee" * 6 + "c0ff"


def built_bytes(step: str) -> bytes:
    return f"{step} as this commit builds it\n".encode()


class FakeKind:
    """A registry kind whose registry is a dict (file name -> bytes) and whose build makes one
    file per step ("one", "two"); it records every call. The rest is the real RubyGems kind."""

    def __init__(self, problems: Sequence[str] = (), upload_fails: bool = False) -> None:
        self.calls: list[str] = []
        self.store: dict[str, bytes] = {}
        self.problems = list(problems)
        self.upload_fails = upload_fails
        self.hide_uploads = False  # the registry accepts uploads but never lists them
        self.during_upload: Callable[[], None] | None = None
        self.real: RegistryKind = REGISTRIES["rubygems"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def check_tools(self, ctx: PublishContext) -> None:
        self.calls.append("preflight")

    def expected_files(self, ctx: PublishContext) -> list[ExpectedFile]:
        return [ExpectedFile(step="one", name=ONE), ExpectedFile(step="two", name=TWO)]

    def files(self, client: object, endpoints: object, name: str, version: str, *,
              sleep: object = None) -> list[RemoteFile]:
        self.calls.append("files?")
        return [RemoteFile(name=n, digests={"sha256": hashlib.sha256(data).hexdigest()})
                for n, data in sorted(self.store.items())]

    def build(self, ctx: PublishContext) -> Build:
        steps = sorted(ctx.build_steps or ("one", "two"))
        self.calls.append(f"build {'+'.join(steps)}")
        made = []
        for step in steps:
            directory = ctx.step_dir(step)
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / (ONE if step == "one" else TWO)
            path.write_bytes(built_bytes(step))
            made.append(path)
        return Build(artifacts=tuple(made))

    def verify(self, ctx: PublishContext, build: Build) -> list[str]:
        self.calls.append("check")
        return self.problems

    def describe(self, ctx: PublishContext, build: Build) -> str:
        self.calls.append("describe")
        return "DESCRIPTION"

    def upload(self, ctx: PublishContext, build: Build) -> None:
        [path] = build.artifacts
        self.calls.append(f"upload {path.name}")
        if self.during_upload is not None:
            self.during_upload()
        if self.upload_fails:
            raise CommandError(["tool", "upload"], 1, "HTTP 503")
        if not self.hide_uploads:
            self.store[path.name] = path.read_bytes()


class Recorder:
    """What the flow asked of git and of the version list."""

    def __init__(self, kind: FakeKind) -> None:
        self.kind = kind
        self.events: list[str] = []
        self.tagged: list[Mapping[str, str]] = []
        self.notes: list[Sequence[str]] = []
        self.versions_down: Exception | None = None
        self.tag_on_head = False

    def listed(self, ctx: PublishContext) -> bool:
        self.events.append("versions?")
        if self.versions_down is not None:
            raise self.versions_down
        return bool(self.kind.store)

    def tag(self, ctx: PublishContext, files: Mapping[str, str] | None = None,
            notes: Sequence[str] = ()) -> None:
        self.events.append("tag")
        self.tagged.append(dict(files or {}))
        self.notes.append(notes)

    def tagged_already(self, ctx: PublishContext) -> bool:
        self.events.append("tagged?")
        return self.tag_on_head


@pytest.fixture
def kind(monkeypatch: pytest.MonkeyPatch) -> FakeKind:
    fake = FakeKind()
    monkeypatch.setitem(REGISTRIES, "rubygems", fake)
    return fake


@pytest.fixture
def rec(kind: FakeKind, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder(kind)
    monkeypatch.setattr(publish, "already_published", recorder.listed)
    monkeypatch.setattr(publish, "tag_component", recorder.tag)
    monkeypatch.setattr(publish, "component_tagged", recorder.tagged_already)
    monkeypatch.setattr(publish, "require_clean_tree", lambda root, **kw: None)
    monkeypatch.setattr(publish, "head_of", lambda root: Head(commit=COMMIT, time=1_700_000_000))
    monkeypatch.setattr("release_tasks.plan.drift.check", lambda root, config, **kw: None)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    return recorder


def run(tmp_path: Path, **kw: Any) -> str:
    env = {**KEY, **kw.pop("env", {})}
    return publish.publish_binding(context(tmp_path, env=env, **kw))


def uploads(kind: FakeKind) -> list[str]:
    return [c.removeprefix("upload ") for c in kind.calls if c.startswith("upload ")]


def test_happy_path_builds_uploads_each_file_then_reads_back_and_tags(
        tmp_path: Path, kind: FakeKind, rec: Recorder) -> None:
    outcome = run(tmp_path)
    assert kind.calls == ["preflight", "build one+two", "check", f"upload {ONE}",
                          f"upload {TWO}", "files?"]
    assert rec.events == ["versions?", "tag"]  # the registry was read back before the tag
    assert outcome.startswith("published tasker-worker-rb@0.1.8.2 to RubyGems; tagged "
                              "ruby-v0.1.8.2")
    assert rec.tagged == [{ONE: hashlib.sha256(built_bytes("one")).hexdigest(),
                           TWO: hashlib.sha256(built_bytes("two")).hexdigest()}]


def test_missing_credential_stops_before_anything(tmp_path: Path, kind: FakeKind,
                                                  rec: Recorder) -> None:
    with pytest.raises(CredentialsMissing, match="GEM_HOST_API_KEY"):
        publish.publish_binding(context(tmp_path))
    assert kind.calls == [] and rec.events == []


@pytest.mark.parametrize(("mode", "tagged"), [("skip", True), ("warn", True), ("fail", False)])
def test_a_complete_version_is_built_to_compare_never_uploaded(
        tmp_path: Path, kind: FakeKind, rec: Recorder, mode: str, tagged: bool) -> None:
    kind.store = {ONE: built_bytes("one"), TWO: built_bytes("two")}
    if tagged:
        outcome = run(tmp_path, on_duplicate=mode)
        assert "was already on RubyGems" in outcome and "same bytes as built here" in outcome
    else:
        with pytest.raises(DuplicateVersion, match=r"tasker-worker-rb@0\.1\.8\.2 already exists"):
            run(tmp_path, on_duplicate=mode)
    # "Already published" means these bytes: the files there are built here and compared.
    assert kind.calls == ["preflight", "files?", "build one+two", "check"]
    assert uploads(kind) == []
    assert rec.events == (["versions?", "tagged?", "tag"] if tagged
                          else ["versions?", "tagged?"])


def test_a_complete_version_tagged_on_head_builds_nothing(tmp_path: Path, kind: FakeKind,
                                                          rec: Recorder) -> None:
    kind.store = {ONE: built_bytes("one"), TWO: built_bytes("two")}
    rec.tag_on_head = True
    outcome = run(tmp_path, on_duplicate="skip")
    assert "tagged ruby-v0.1.8.2 on this commit by an earlier run" in outcome
    assert kind.calls == ["preflight", "files?"]  # the tag's run compared every file
    assert rec.events == ["versions?", "tagged?", "tag"]  # idempotent: pushes when asked


def test_half_a_version_uploads_only_what_is_missing_and_compares_the_rest(
        tmp_path: Path, kind: FakeKind, rec: Recorder) -> None:
    kind.store = {ONE: built_bytes("one")}
    outcome = run(tmp_path, on_duplicate="skip")
    assert kind.calls == ["preflight", "files?", "build one+two", "check", f"upload {TWO}",
                          "files?"]
    assert rec.events == ["versions?", "tag"]
    assert f"uploaded {TWO}" in outcome and f"{ONE}: same bytes as built here" in outcome
    with pytest.raises(DuplicateVersion, match=ONE):  # fail: stops at the file already there
        kind.store = {ONE: built_bytes("one")}
        run(tmp_path / "again", on_duplicate="fail")


@pytest.mark.parametrize("mode", ["skip", "warn", "fail"])
def test_the_same_name_with_other_bytes_is_never_tagged(
        tmp_path: Path, kind: FakeKind, rec: Recorder, mode: str,
        caplog: pytest.LogCaptureFixture) -> None:
    kind.store = {TWO: b"someone else's bytes"}
    ours = hashlib.sha256(built_bytes("two")).hexdigest()
    theirs = hashlib.sha256(b"someone else's bytes").hexdigest()
    # An earlier run of this commit built both files: they are compared, not rebuilt.
    earlier = replace(context(tmp_path), commit=COMMIT)
    keep(earlier, ("one", "two"), kind.build(earlier))
    kind.calls.clear()
    with caplog.at_level("WARNING", logger="release_tasks"), \
            pytest.raises(OtherBytes) as caught:
        run(tmp_path, on_duplicate=mode)
    text = str(caught.value)
    assert caught.value.exit_code == 16
    assert ours in text and theirs in text and "OTHER BYTES" in text
    assert "nox -s yank -- ruby 0.1.8.2" in text and "--accept-registry-bytes" in text
    assert "tag" not in rec.events
    assert "build" not in " ".join(kind.calls)  # both were kept from the earlier run
    if mode == "fail":
        assert isinstance(caught.value, ContentMismatch) and uploads(kind) == []
        return
    assert "ruby-v0.1.8.2 was NOT created" in text
    warning = next(r.getMessage() for r in caplog.records if "OTHER BYTES" in r.getMessage())
    assert ours in warning and theirs in warning and "WARNING" in warning
    assert uploads(kind) == [ONE]  # what this commit builds and the registry lacked

    # Checked, and accepted: tagged, and the tag's message records what was accepted.
    outcome = run(tmp_path, on_duplicate=mode, accept_registry_bytes=True)
    assert "tagged ruby-v0.1.8.2" in outcome and rec.events[-1] == "tag"
    [note] = rec.notes[-1]
    assert note.startswith("accepted with --accept-registry-bytes: ")
    assert ours in note and theirs in note


def test_refused_artifacts_are_not_uploaded(tmp_path: Path, kind: FakeKind, rec: Recorder) -> None:
    kind.problems = ["linux_x86_64 wheel"]
    with pytest.raises(ReleaseError, match=r"would refuse.*nothing was uploaded"):
        run(tmp_path)
    assert uploads(kind) == [] and "tag" not in rec.events


def test_a_failed_upload_says_what_went_up_and_leaves_no_tag(
        tmp_path: Path, kind: FakeKind, rec: Recorder) -> None:
    kind.upload_fails = True
    with pytest.raises(PublishError, match=r"(?s)ruby-v0\.1\.8\.2 was not created.*"
                                           r"nox -s publish -- ruby 0\.1\.8\.2 .*HTTP 503"):
        run(tmp_path)
    assert uploads(kind) == [ONE] and "tag" not in rec.events


def test_no_tag_until_the_registry_lists_every_file(tmp_path: Path, kind: FakeKind,
                                                    rec: Recorder,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish_run, "BINDING_VISIBLE_TIMEOUT", 0.0)
    kind.hide_uploads = True
    with pytest.raises(PublishError, match=r"did not show it.*ruby-v0\.1\.8\.2 was not created"):
        run(tmp_path)
    assert uploads(kind) == [ONE, TWO] and "tag" not in rec.events


def test_registry_outage_raises_unless_dry_run(tmp_path: Path, kind: FakeKind,
                                               rec: Recorder) -> None:
    rec.versions_down = RegistryUnavailable("RubyGems", "http://x", "HTTP 503 after 6 attempt(s)")
    with pytest.raises(RegistryUnavailable):
        run(tmp_path)
    assert kind.calls == ["preflight"]
    kind.calls.clear()
    described = publish.publish_binding(context(tmp_path / "dry", dry_run=True))
    assert described.startswith("DESCRIPTION") and f"would upload: {ONE}" in described
    assert kind.calls == ["preflight", "build one+two", "check", "describe"]


def test_dry_run_describes_and_neither_uploads_nor_tags(tmp_path: Path, kind: FakeKind,
                                                        rec: Recorder) -> None:
    kind.store = {ONE: b"x"}
    described = publish.publish_binding(context(tmp_path, dry_run=True))
    assert kind.calls == ["preflight", "files?", "build one+two", "check", "describe"]
    assert f"would upload: {TWO}" in described and ONE not in described.split("would upload")[1]
    assert rec.events == ["versions?"]


@pytest.mark.parametrize("after", [0, 1])
def test_a_stop_between_two_files_is_accounted_for_and_resumes(
        tmp_path: Path, kind: FakeKind, rec: Recorder, after: int) -> None:
    with pytest.raises(Interrupted) as caught:
        run(tmp_path, env={STOP_AFTER_VAR: str(after)})
    assert caught.value.exit_code == 130
    assert uploads(kind) == [ONE][:after] and rec.events == ["versions?"]
    text = str(caught.value)
    assert f"published ({after}):" in text and f"not published ({2 - after}):" in text
    assert TWO in text.split("not published")[1]
    assert "to resume: nox -s publish -- ruby 0.1.8.2 --on-duplicate=skip" in text
    # The resume builds nothing (this commit's files were kept) and uploads only the rest.
    kind.calls.clear()
    run(tmp_path, on_duplicate="skip")
    assert not [c for c in kind.calls if c.startswith("build")]
    assert uploads(kind) == [ONE, TWO][after:] and rec.events[-1] == "tag"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_lets_the_upload_in_flight_finish_then_stops(
        tmp_path: Path, kind: FakeKind, rec: Recorder, signum: int, code: int) -> None:
    kind.during_upload = lambda: os.kill(os.getpid(), signum) if not kind.store else None
    before = signal.getsignal(signum)
    with pytest.raises(Interrupted) as caught:
        run(tmp_path)
    assert caught.value.exit_code == code
    assert uploads(kind) == [ONE] and set(kind.store) == {ONE}  # it finished; none started
    assert "tag" not in rec.events and signal.getsignal(signum) == before


def test_a_tool_killed_by_the_signal_is_read_back(tmp_path: Path, kind: FakeKind,
                                                  rec: Recorder) -> None:
    def killed() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        raise CommandError(["tool", "upload"], -2, "")

    kind.during_upload = killed
    with pytest.raises(Interrupted) as caught:
        run(tmp_path)
    assert "published (0):" in str(caught.value) and "tag" not in rec.events
