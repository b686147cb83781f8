"""One binding's publish as :func:`release_tasks.publish.flow.publish_binding` runs it, file by
file: the local files (given, kept or built step by step), the judgement of those already on
the registry, the uploads, the read-back, and the account when it is stopped."""

from __future__ import annotations

import dataclasses
import logging
import signal
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from release_tasks.errors import (
    CommandError,
    PublishError,
    RegistryError,
    RegistryUnavailable,
    ReleaseError,
)
from release_tasks.log import get_logger
from release_tasks.model.duplicates import handle_duplicate
from release_tasks.publish.builds import collect_artifacts, keep, kept
from release_tasks.publish.bytes import accepted_or_refused, ways_on
from release_tasks.publish.files import Inventory, Judged, State, digest, judge_duplicates
from release_tasks.publish.platforms import check_set, on_registry
from release_tasks.publish.stop import Account, Interrupted, Stop, stoppable
from release_tasks.publish.tags import NotVisible, wait_until_visible
from release_tasks.registries.http import Sleep
from release_tasks.registries.interface import Build, ExpectedFile, PublishContext, RemoteFile

log = get_logger("publish")

#: How long the registry is read back after the uploads before the run stops untagged.
BINDING_VISIBLE_TIMEOUT = 120.0
#: The "step" of files given with ``--artifacts DIR``: nothing builds them.
GIVEN = "artifacts"
T = TypeVar("T")

__all__ = ["BINDING_VISIBLE_TIMEOUT", "BindingRun", "resume_command"]


class BindingRun:
    """One binding's publish, with what it has seen and done (for its account).

    ``listed`` judges the registry's version list (raising when it is in the way) and says
    whether our rendering is there; ``tagged`` whether the component tag is on HEAD already;
    ``tag`` makes the component tag from the files and the notes its message records."""

    def __init__(self, ctx: PublishContext, *, listed: Callable[[PublishContext], bool],
                 tag: Callable[[PublishContext, Mapping[str, str], list[str]], None],
                 tagged: Callable[[PublishContext], bool] = lambda ctx: False) -> None:
        self.ctx = ctx
        self._listed, self._tag, self._tagged = listed, tag, tagged
        self.local: dict[str, Path] = {}
        self.kind, self.registry = ctx.kind, ctx.registry_label
        self.expected: list[ExpectedFile] = []
        self.inventory = Inventory.of([], [])
        self.uploaded: list[str] = []
        self.state: State | None = None

    def remote_files(self, sleep: Sleep = time.sleep) -> list[RemoteFile]:
        """The version's files on the registry: of every package of the binding (npm: a
        package per platform, then the main package)."""
        ctx = self.ctx
        return [file for package in self.packages()
                for file in self.kind.files(ctx.http, ctx.endpoints, package, ctx.rendering,
                                            sleep=sleep)]

    def packages(self) -> list[str]:
        ctx, main = self.ctx, self.ctx.binding.package
        own = [self.kind.platform_package(main, name) for name in ctx.binding.platforms]
        return [*dict.fromkeys(p for p in own if p != main), main]

    def read_registry(self) -> list[RemoteFile]:
        """What the registry has of the version (after its version list is judged)."""
        try:
            return self.remote_files() if self._listed(self.ctx) else []
        except RegistryUnavailable as exc:
            if not self.ctx.dry_run:
                raise
            log.warning("  [dry-run] cannot tell what %s has of %s: %s", self.registry,
                        self.ctx.label, exc)
            return []

    def publish(self) -> str:
        ctx = self.ctx
        given = collect_artifacts(ctx.artifacts_dir) if ctx.artifacts_dir else ()
        remote = self.read_registry()
        if given and ctx.binding.platforms:
            given, self.expected = self.platform_set(given, remote)
        else:
            self.expected = ([ExpectedFile(step=GIVEN, name=p.name) for p in given] if given
                             else self.kind.expected_files(ctx))
        self.inventory = Inventory.of(self.expected, remote)
        self.state = self.untagged(self.inventory.state)
        if self.inventory.complete and not ctx.dry_run and self._tagged(ctx):
            # An earlier run compared or built every file before it made this tag.
            handle_duplicate(ctx.on_duplicate, ctx.binding.package, ctx.rendering,
                             self.registry, log)
            self._tag(ctx, {}, [])  # pushes it when asked (an earlier push may have failed)
            self.state = "complete"
            return (f"{ctx.label} was already on {self.registry} and tagged {ctx.tag} on this "
                    "commit by an earlier run (which compared its files); nothing to build")
        with stoppable(ctx.env) as stop:
            build, verified, steps = self.artifacts(given, stop)
            local = self.local = {p.name: p for p in build.artifacts if p.is_file()}
            present = [*self.inventory.present]
            present += [f for n in local if (f := self.inventory.named(n)) and f not in present]
            judged = judge_duplicates(present, local, mode=ctx.on_duplicate, label=ctx.label,
                                      registry=self.registry, complete=self.inventory.complete,
                                      logger=log, ways=self.ways_on())
            lines = judged.lines
            if self.inventory.complete:
                return self.finish_complete(judged)
            upload = sorted((p for n, p in local.items() if self.inventory.named(n) is None
                             and self.step_of(p, steps) in self.inventory.steps_needed()),
                            key=self.order)
            if ctx.dry_run:
                log.info("  [dry-run] Would publish %s to %s", ctx.label, self.registry)
                plan = [*(f"  already on {self.registry}: {line}" for line in lines),
                        *(f"  would upload: {p.name}" for p in upload)]
                return "\n".join([self.kind.describe(verified, build), *plan])
            self.upload_each(build, upload, stop)
            stop.check(self.account)
            self.read_back()
            stop.check(self.account)  # a stop during the read-back: the resume tags it
            self.tag(self.accepted(judged, "published what was missing of"))
        files = "\n".join([*(f"  uploaded {n}" for n in self.uploaded),
                            *(f"  already there: {line}" for line in lines)])
        return f"published {ctx.label} to {self.registry}; tagged {ctx.tag}\n{files}"

    def platform_set(self, given: tuple[Path, ...], remote: list[RemoteFile],
                     ) -> tuple[tuple[Path, ...], list[ExpectedFile]]:
        """The gate (:mod:`release_tasks.publish.platforms`): the given files as one set per
        declared platform, checked before anything is uploaded; with ``--backfill``, the
        platforms the registry has already need no file. Returns the files and what a
        complete version holds: each platform's file (or the registry's), in platform order,
        and the main package last."""
        ctx = self.ctx
        present = on_registry(ctx, remote) if ctx.backfill else {}
        if ctx.backfill and not remote:
            raise PublishError(f"--backfill: {self.registry} has no file of {ctx.label}, so "
                               "there is nothing to complete; publish it without --backfill")
        found = check_set(ctx, given, present=present)
        expected = [ExpectedFile(step=GIVEN, name=path.name, what=name)
                    for name, paths in found.files.items() for path in paths]
        expected += [ExpectedFile(step=GIVEN, name=file, what=name)
                     for name, file in found.on_registry.items()]
        files = tuple(path for paths in found.files.values() for path in paths)
        if found.main is not None:
            expected.append(ExpectedFile(step=GIVEN, name=found.main.name, what="main package"))
            files += (found.main,)
        for name, file in found.on_registry.items():
            log.info("  %s: %s is on %s already (--backfill)", name, file, self.registry)
        return tuple(dict.fromkeys(files)), expected

    def finish_complete(self, judged: Judged) -> str:
        ctx = self.ctx
        if ctx.dry_run:
            body = "".join(f"\n  already on {self.registry}: {line}" for line in judged.lines)
            return (f"[dry-run] {ctx.label} is already on {self.registry}; built only to "
                    f"compare, nothing to upload{body}")
        level = logging.INFO if ctx.on_duplicate == "skip" else logging.WARNING
        log.log(level, "  [%s] %s already exists on %s, skipping", ctx.on_duplicate, ctx.label,
                self.registry)
        self.tag(self.accepted(judged, "found"))
        body = "\n".join(f"  {line}" for line in judged.lines)
        return f"{ctx.label} was already on {self.registry}; tagged {ctx.tag}\n{body}"

    def accepted(self, judged: Judged, done: str) -> list[str]:
        """The notes the tag records; OtherBytes (no tag) where the registry holds other bytes
        and ``--accept-registry-bytes`` was not given."""
        ctx = self.ctx
        return accepted_or_refused(f"{done} {ctx.label} on {self.registry}", ctx.tag,
                                   judged.differing, accept=ctx.accept_registry_bytes,
                                   yank=f"nox -s yank -- {ctx.binding.name} {ctx.version}",
                                   rerun=resume_command(ctx))

    def ways_on(self) -> str:
        ctx = self.ctx
        return ways_on(f"nox -s yank -- {ctx.binding.name} {ctx.version}",
                       resume_command(ctx))

    def order(self, path: Path) -> tuple[int, str]:
        """Uploads go in the order of the expected files (the same on every run)."""
        index = next((i for i, e in enumerate(self.expected) if e.matches(path.name)),
                     len(self.expected))
        return index, path.name

    def step_of(self, path: Path, steps: Mapping[str, tuple[Path, ...]]) -> str:
        return next((step for step, paths in steps.items() if path in paths), GIVEN)

    def artifacts(self, given: tuple[Path, ...], stop: Stop,
                  ) -> tuple[Build, PublishContext, dict[str, tuple[Path, ...]]]:
        """The local files: given, kept from an earlier run of this commit, or built now
        (only the steps of missing files); verified. Returns the build, the context it was
        verified with, and the files of each step."""
        ctx = self.ctx
        if given:
            build = Build(artifacts=given)
            steps = {GIVEN: given}
        else:
            # The files already there are built too: "already published" means these bytes.
            needed = frozenset(e.step for e in self.expected)
            steps = kept(ctx, dict.fromkeys(e.step for e in self.expected))
            for step, paths in steps.items():
                if step in needed:
                    log.info("  %s: taking what an earlier run of this commit built (%s)",
                             step, ", ".join(p.name for p in paths))
            todo = needed - steps.keys()
            compare = todo - self.inventory.steps_needed()
            if compare:
                log.info("  %s: building %s to compare with what %s holds", ctx.label,
                         ", ".join(sorted(compare)), self.registry)
            build = Build(artifacts=tuple(p for paths in steps.values() for p in paths))
            if todo:
                log.info("Building %s (%s)...", ctx.label, ", ".join(sorted(todo)))
                made = self.guarded(stop, lambda: self.kind.build(
                    dataclasses.replace(ctx, build_steps=frozenset(todo))))
                keep(ctx, todo, made)
                # A target that does not build step by step made every file for them all.
                loose = tuple(p for p in made.artifacts
                              if all(p.parent != ctx.step_dir(s) for s in todo))
                for step in sorted(todo):
                    steps[step] = (*(p for p in made.artifacts
                                     if p.parent == ctx.step_dir(step)), *loose)
                build = made if not build.artifacts else Build(
                    artifacts=(*build.artifacts, *made.artifacts))
        verified = dataclasses.replace(ctx, build_steps=None if given else frozenset(steps))
        problems = self.kind.verify(verified, build) if build.artifacts else []
        if problems:
            raise ReleaseError(f"{self.registry} would refuse what was built for {ctx.label}; "
                               "nothing was uploaded:\n" + "\n".join(f"  - {p}" for p in problems))
        return build, verified, steps

    def guarded(self, stop: Stop, action: Callable[[], T]) -> T:
        """Run a build or an upload; a tool that a signal stopped ends the run with the
        account instead of a tool failure."""
        try:
            return action()
        except (CommandError, KeyboardInterrupt) as exc:
            if isinstance(exc, KeyboardInterrupt):
                stop.request(signal.SIGINT)
            if stop.signum is not None:
                raise Interrupted(stop.signum, self.account()) from None
            raise

    def upload_each(self, build: Build, files: list[Path], stop: Stop) -> None:
        ctx = self.ctx
        for path in files:
            stop.check(self.account)
            log.info("Publishing %s: %s...", ctx.label, path.name)
            one = dataclasses.replace(build, artifacts=(path,))
            try:
                self.guarded(stop, lambda: self.kind.upload(ctx, one))  # noqa: B023
            except CommandError as exc:
                done = f" ({', '.join(self.uploaded)} went up first)" if self.uploaded else ""
                raise PublishError(
                    f"uploading {ctx.label} to {self.registry} failed at {path.name}{done}; "
                    f"{ctx.tag} was not created. A re-run asks {self.registry} first, so it "
                    f"uploads only what is missing: {resume_command(ctx)}\n{exc}") from exc
            self.uploaded.append(path.name)
            self.state = "partial"
            stop.uploaded()

    def complete_on_registry(self) -> bool:
        """Whether the registry lists every expected file and every file this run uploaded."""
        remote = self.remote_files(sleep=lambda seconds: None)
        names = {f.name for f in remote}
        return Inventory.of(self.expected, remote).complete and set(self.uploaded) <= names

    def read_back(self) -> None:
        """Wait until the registry lists every file: the tag says "complete" only then."""
        ctx = self.ctx
        try:
            wait_until_visible(self.complete_on_registry, BINDING_VISIBLE_TIMEOUT, ctx.label,
                               patient=(ReleaseError,))
        except NotVisible as exc:
            raise PublishError(f"{exc} {ctx.tag} was not created: it is made once every file "
                               f"is listed. Re-run then: {resume_command(ctx)}") from exc

    def tag(self, notes: list[str]) -> None:
        self.state = "complete"
        files = {f.name: f.digests.get("sha256", "") for f in self.inventory.present}
        files.update({n: digest(self.local[n], "sha256") for n in self.uploaded})
        self._tag(self.ctx, files, notes)

    def account(self) -> Account:
        """What is on the registry now and what is not (read back once, without waiting)."""
        note = ""
        try:
            remote = self.remote_files(sleep=lambda seconds: None)
        except (RegistryUnavailable, RegistryError) as exc:
            note = (f"({self.registry} could not be read back: {exc}; this is what this run "
                    "saw)")
            remote = [*self.inventory.present, *(RemoteFile(name=n) for n in self.uploaded)]
        inventory = Inventory.of(self.expected, remote)
        self.state = self.untagged(inventory.state)
        return Account(published=[f.name for f in remote],
                       missing=[str(e) for e in inventory.missing],
                       resume=resume_command(self.ctx), note=note)

    @staticmethod
    def untagged(state: State) -> State:
        """A version is complete once tagged: every file listed and no tag is partial."""
        return "partial" if state == "complete" else state

    def report_state(self) -> None:
        """``state=complete|partial|planned`` (tagged; some files or all but no tag; none)
        and the files on the registry, for the workflow's summary."""
        target = self.ctx.env.get("GITHUB_OUTPUT")
        if not target or self.ctx.dry_run or self.state is None:
            return
        files = len(self.inventory.present) + len(self.uploaded)
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(f"state={self.state}\nfiles={files}/{len(self.expected)}\n")


def resume_command(ctx: PublishContext) -> str:
    """The command that publishes what is missing of ``ctx`` and tags it."""
    words = ["nox", "-s", "publish", "--", ctx.binding.name, str(ctx.version),
             "--on-duplicate=skip"]
    if ctx.push_tags:
        words.append("--push-tags")
    if ctx.accept_registry_bytes:
        words.append("--accept-registry-bytes")
    if ctx.artifacts_dir:
        words += ["--artifacts", str(ctx.artifacts_dir)]
    return " ".join(words)
